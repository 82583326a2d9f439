"""Oversized request bodies are refused before they are read and before authentication
(issue 17: one anonymous 400 MB JSON body grew the hub from 279 to 1,474 MB before
the 401; an anonymous 200 MB upload was spooled to disk first).

The hub runs as its own process, as `kezek-hub serve` runs it, and its peak resident
memory (VmHWM, reset before each attempt) is read from /proc while a client streams
a huge body at it and stops as soon as the hub answers or closes.
"""

from __future__ import annotations

import json
import re
import select
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.settings import HubSettings
from hub.wiring import Hub
from tests.e2e.hub_process import HubProcess
from tests.hub.test_api_appeals import APPEAL, PDF

MIB = 1024 * 1024
HUGE = 400 * MIB
CHUNK = b"7" * MIB
# The hub may keep what its server buffers before it pauses the socket (64 KiB) and
# the default limit (1 MiB) the application reads; far below the 400 MB of the attack.
GROWTH_ALLOWED = 8 * MIB
@dataclass
class Attempt:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int
    growth: int


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def _reset_peak(pid: int) -> None:
    # Linux: writing 5 to clear_refs resets the peak RSS to the current RSS.
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _current_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc status")


def _parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in
               (line.split(":", 1) for line in lines[1:] if ":" in line)}
    return status, headers, body


def stream_at(hub: HubProcess, path: str, content_type: str, *, total: int = HUGE,
              chunked: bool = False) -> Attempt:
    """Send `total` bytes of body (declared, or chunked without a length), stopping
    as soon as the hub answers or drops the connection; the hub's peak RSS growth."""
    assert hub.process is not None
    pid = hub.process.pid
    _reset_peak(pid)
    before = _current_rss(pid)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Accept: application/json\r\n{length}\r\n\r\n").encode()
    sent = 0
    raw = b""
    with socket.create_connection(("127.0.0.1", hub.http_port), timeout=10) as sock:
        sock.sendall(head)
        try:
            while sent < total:
                if select.select([sock], [], [], 0)[0]:
                    break  # the hub answered: stop, as a client reading replies would
                frame = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n" if chunked else CHUNK
                sock.sendall(frame)
                sent += len(CHUNK)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the hub closed the connection on us: the body was not wanted
        try:
            while chunk := sock.recv(65536):
                raw += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    growth = max(0, _peak_rss(pid) - before)
    status, headers, body = _parse(raw)
    return Attempt(status, headers, body, sent, growth)


def _refused_413(attempt: Attempt) -> dict[str, object]:
    assert attempt.status == 413, attempt
    assert attempt.headers["content-type"] == "application/problem+json"
    problem: dict[str, object] = json.loads(attempt.body)
    assert problem["code"] == "payload_too_large"
    text = problem["text"]
    assert isinstance(text, dict)
    assert "тым үлкен" in text["kk"] and "Слишком большой" in text["ru"]
    return problem


def test_an_anonymous_400_mb_json_body_is_refused_unread(hub_without_mqtt: HubProcess,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    attempt = stream_at(hub_without_mqtt, "/api/v1/tickets", "application/json")
    _refused_413(attempt)
    with capsys.disabled():
        print(f"\n400 MB JSON with Content-Length: hub peak RSS +{attempt.growth / MIB:.1f} MiB,"
              f" {attempt.sent / MIB:.0f} MiB sent before the answer")
    assert attempt.growth < GROWTH_ALLOWED
    assert attempt.sent < 64 * MIB  # the answer came at once, not after the body


def test_an_anonymous_200_mb_upload_is_refused_unread(hub_without_mqtt: HubProcess,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    attempt = stream_at(hub_without_mqtt, "/api/v1/appeals/AP-2026-00001/attachments",
                        "multipart/form-data; boundary=x", total=200 * MIB)
    problem = _refused_413(attempt)
    assert problem["max_bytes"] == int(10 * MIB) + 64 * 1024  # the scan route's own limit
    with capsys.disabled():
        print(f"\n200 MB multipart upload: hub peak RSS +{attempt.growth / MIB:.1f} MiB")
    assert attempt.growth < GROWTH_ALLOWED
    # Answered from the length alone: the form parser, which would spool the file to
    # disk, never saw the body.
    assert attempt.sent < 64 * MIB


def test_a_chunked_body_without_length_is_cut_at_the_limit(hub_without_mqtt: HubProcess,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    attempt = stream_at(hub_without_mqtt, "/api/v1/tickets", "application/json", chunked=True)
    _refused_413(attempt)
    with capsys.disabled():
        print(f"\n400 MB chunked JSON: hub peak RSS +{attempt.growth / MIB:.1f} MiB, "
              f"{attempt.sent / MIB:.0f} MiB sent before the answer")
    assert attempt.growth < GROWTH_ALLOWED
    assert attempt.sent < 64 * MIB


def test_a_console_form_over_the_limit_gets_a_page_a_person_can_read(
        hub_without_mqtt: HubProcess) -> None:
    with socket.create_connection(("127.0.0.1", hub_without_mqtt.http_port), timeout=10) as sock:
        sock.sendall(b"POST /console/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Accept: text/html\r\nContent-Type: application/x-www-form-urlencoded"
                     b"\r\nContent-Length: 5000000\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    status, headers, body = _parse(raw)
    assert status == 413 and headers["content-type"].startswith("text/html")
    page = body.decode()
    assert "Сұрау тым үлкен" in page and "Слишком большой запрос" in page


# In process: the limits leave normal work alone ---------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> HubSettings:
    return HubSettings(data_dir=tmp_path / "data", mqtt_enabled=False)


@pytest.fixture
def client(hub: Hub, admin_token: str) -> Iterator[TestClient]:
    with TestClient(create_app(hub.settings, hub),
                    headers={"Authorization": f"Bearer {admin_token}"}) as test_client:
        yield test_client


def test_a_normal_upload_still_works_and_uploads_have_their_own_limit(
        client: TestClient) -> None:
    created = client.post("/api/v1/appeals", json=APPEAL)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    kept = client.post(f"/api/v1/appeals/{number}/attachments",
                       files={"file": ("scan.pdf", PDF, "application/pdf")})
    assert kept.status_code == 201, kept.text
    # 2 MiB passes the default limit (1 MiB) on the upload route only; what the
    # register then says of the content is its own business.
    bigger = client.post(f"/api/v1/appeals/{number}/attachments",
                         files={"file": ("big.pdf", PDF + b"0" * (2 * MIB), "application/pdf")})
    assert bigger.status_code != 413
    elsewhere = client.post("/api/v1/appeals", content=b"{" + b" " * (2 * MIB) + b"}",
                            headers={"Content-Type": "application/json"})
    assert elsewhere.status_code == 413
    assert elsewhere.json()["max_bytes"] == MIB


def test_forms_with_too_many_files_are_refused(client: TestClient) -> None:
    created = client.post("/api/v1/appeals", json=APPEAL).json()["number"]
    files = [("file", (f"{i}.pdf", PDF, "application/pdf")) for i in range(3)]
    answer = client.post(f"/api/v1/appeals/{created}/attachments", files=files)
    assert answer.status_code in (400, 422), answer.text


# Strangers' bodies are not read at all, within the limits too --------------------------

UNREAD_TIMEOUT = 10.0  # the hub waiting this long for a body it did not need: a failure


def answer_before_the_body(hub: HubProcess, path: str, headers: dict[str, str],
                           length: int = 5 * MIB, timeout: float = UNREAD_TIMEOUT
                           ) -> tuple[int, dict[str, str], bytes]:
    """Send only the head of a POST declaring `length` bytes of multipart body, and
    read the answer: one comes only if the hub decided without reading the body (a
    hub reading it would wait for bytes that never come, and the read times out)."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection(("127.0.0.1", hub.http_port), timeout=timeout) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Content-Type: multipart/form-data; boundary=x\r\n"
                      f"Content-Length: {length}\r\n{head}\r\n").encode())
        raw = b""
        try:
            while b"\r\n\r\n" not in raw:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                raw += chunk
            status, answer_headers, body = _parse(raw)
            expected = int(answer_headers.get("content-length", "0"))
            while len(body) < expected and (chunk := sock.recv(65536)):
                body += chunk
        except TimeoutError:
            pytest.fail(f"no answer to {path} without its body: the hub waits to read it")
    return status, answer_headers, body


@pytest.mark.parametrize("credentials", [
    {},  # none at all
    {"Authorization": "Bearer not-a-token-of-ours"},  # a made-up token
    {"Cookie": "kezek_session=forged"},  # a cookie the hub never signed
], ids=["anonymous", "forged-token", "forged-cookie"])
def test_an_unauthenticated_api_upload_is_answered_401_unread(
        hub_without_mqtt: HubProcess, credentials: dict[str, str]) -> None:
    # 5 MiB: within the scan route's limit, so the body limit does not answer first.
    status, headers, body = answer_before_the_body(
        hub_without_mqtt, "/api/v1/appeals/AP-2026-00001/attachments",
        {"Accept": "application/json"} | credentials)
    assert status == 401, body
    assert headers["content-type"] == "application/problem+json"


def test_an_anonymous_console_upload_is_sent_to_login_unread(hub_without_mqtt: HubProcess) -> None:
    # A stranger who loaded the login page holds a session with a CSRF token, and
    # sends it with the upload form of the console.
    login = httpx.get(f"http://127.0.0.1:{hub_without_mqtt.http_port}/console/login")
    cookie = login.cookies["kezek_session"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token is not None
    # Each within its route's limit (5 MiB for the scan, under 1 MiB elsewhere), so
    # the body limit does not answer first.
    for path, length in (("/console/appeals/AP-2026-00001/attachments", 5 * MIB),
                         ("/console/appeals/new", 500_000), ("/console/logout", 500_000)):
        status, headers, _ = answer_before_the_body(hub_without_mqtt, path, {
            "Accept": "text/html", "Cookie": f"kezek_session={cookie}",
            "X-CSRF-Token": token.group(1)}, length=length)
        assert status == 303, path
        assert headers["location"] == "/console/login?next=/console/"
    # The control: the login form is read (it is how one signs in), and this way of
    # measuring sees the hub wait for it.
    with pytest.raises(pytest.fail.Exception, match="waits to read it"):
        answer_before_the_body(hub_without_mqtt, "/console/login", {
            "Accept": "text/html", "Cookie": f"kezek_session={cookie}"}, length=1000,
            timeout=2.0)
