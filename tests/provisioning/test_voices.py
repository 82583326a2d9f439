"""Voice downloads against a local HTTP server that honours Range requests and can cut
a transfer short: a broken download resumes where it stopped, a wrong checksum is
refused and nothing is left behind, a verified voice is not fetched again."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from provisioning.cli import main
from provisioning.errors import VoiceError
from provisioning.voices import fetch_voice

WEIGHTS = bytes(range(256)) * 800  # 200 KiB standing in for an .onnx file
VOICE = "kk_KZ-test-x_low"
PATH = "kk/kk_KZ/test/x_low/kk_KZ-test-x_low.onnx"


class VoiceServer(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    cut_after: ClassVar[list[int]] = []  # for the next responses: stop after n bytes
    ranges: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        body = self.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        requested = self.headers.get("Range")
        self.ranges.append(requested)
        start = int(requested.removeprefix("bytes=").rstrip("-")) if requested else 0
        part = body[start:]
        self.send_response(206 if requested else 200)
        self.send_header("Content-Length", str(len(part)))
        if requested:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        if self.cut_after:
            self.wfile.write(part[:self.cut_after.pop(0)])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(part)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    VoiceServer.files = {PATH: WEIGHTS}
    VoiceServer.cut_after = []
    VoiceServer.ranges = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), VoiceServer)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def write_manifest(tmp_path: Path, sha256: str | None = None) -> tuple[Path, Path]:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps([{
        "voice": VOICE, "path": PATH,
        "onnx_sha256": sha256 or hashlib.sha256(WEIGHTS).hexdigest(),
        "onnx_bytes": len(WEIGHTS), "license": "CC0"}]))
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / f"{VOICE}.onnx.json").write_text('{"audio": {"sample_rate": 16000}}')
    return manifest, configs


def test_downloads_and_verifies(server: str, tmp_path: Path) -> None:
    manifest, configs = write_manifest(tmp_path)
    dest = tmp_path / "voices"
    path = fetch_voice(VOICE, dest, base_url=server, manifest_path=manifest,
                       configs_dir=configs)
    assert path.read_bytes() == WEIGHTS
    assert (dest / f"{VOICE}.onnx.json").is_file()
    assert sorted(p.name for p in dest.iterdir()) == [f"{VOICE}.onnx", f"{VOICE}.onnx.json"]
    # Already there and verified: not fetched again.
    fetch_voice(VOICE, dest, base_url=server, manifest_path=manifest, configs_dir=configs)
    assert VoiceServer.ranges == [None]


def test_a_broken_download_resumes_where_it_stopped(server: str, tmp_path: Path) -> None:
    manifest, configs = write_manifest(tmp_path)
    VoiceServer.cut_after = [70_000, 50_000]
    path = fetch_voice(VOICE, tmp_path / "voices", base_url=server, manifest_path=manifest,
                       configs_dir=configs)
    assert path.read_bytes() == WEIGHTS
    assert VoiceServer.ranges == [None, "bytes=70000-", "bytes=120000-"]


def test_a_partial_file_from_an_earlier_run_is_resumed(server: str, tmp_path: Path) -> None:
    manifest, configs = write_manifest(tmp_path)
    dest = tmp_path / "voices"
    dest.mkdir()
    (dest / f"{VOICE}.onnx.part").write_bytes(WEIGHTS[:12_345])
    fetch_voice(VOICE, dest, base_url=server, manifest_path=manifest, configs_dir=configs)
    assert (dest / f"{VOICE}.onnx").read_bytes() == WEIGHTS
    assert VoiceServer.ranges == ["bytes=12345-"]


def test_a_wrong_checksum_is_refused_and_discarded(server: str, tmp_path: Path) -> None:
    manifest, configs = write_manifest(tmp_path, sha256="0" * 64)
    dest = tmp_path / "voices"
    with pytest.raises(VoiceError, match="checksum mismatch"):
        fetch_voice(VOICE, dest, base_url=server, manifest_path=manifest,
                    configs_dir=configs)
    assert list(dest.iterdir()) == []


def test_a_tampered_file_on_disk_is_fetched_again(server: str, tmp_path: Path) -> None:
    manifest, configs = write_manifest(tmp_path)
    dest = tmp_path / "voices"
    dest.mkdir()
    (dest / f"{VOICE}.onnx").write_bytes(b"x" * len(WEIGHTS))
    fetch_voice(VOICE, dest, base_url=server, manifest_path=manifest, configs_dir=configs)
    assert (dest / f"{VOICE}.onnx").read_bytes() == WEIGHTS


def test_unknown_voice_and_http_errors(server: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    manifest, configs = write_manifest(tmp_path)
    with pytest.raises(VoiceError, match="not in the manifest"):
        fetch_voice("ru_RU-nobody", tmp_path / "v", base_url=server, manifest_path=manifest)
    VoiceServer.files = {}
    with pytest.raises(VoiceError, match="HTTP 404"):
        fetch_voice(VOICE, tmp_path / "v", base_url=server, manifest_path=manifest,
                    configs_dir=configs)
    # The real manifest through the command line: a voice it does not know.
    assert main(["voices", "kk_KZ-nobody", "--dest", str(tmp_path / "v")]) == 2
    assert "is not in the manifest" in capsys.readouterr().err
