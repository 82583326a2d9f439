"""The sign-in limiter holds guessers back without letting a stranger lock out the
administrator, and cannot be sidestepped with X-Forwarded-For (issue 17: five wrong
passwords from anywhere locked `admin` out for five minutes; rotating the header gave
every guess a fresh address)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.cli import proxy_options
from hub.domain.login_limits import LockScope, LoginLimiter, address_key
from hub.domain.roles import Role
from hub.settings import HubSettings
from hub.wiring import Hub
from tests.e2e.hub_process import HubProcess

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "Tulpar-qyzyl-2026"
LIMITED_KK = "Сәтсіз әрекеттер тым көп."
LIMITED_RU = "Слишком много неудачных попыток."


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# The rule ---------------------------------------------------------------------------


def test_a_stranger_locks_out_only_themselves() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(5, 300, per_address=20, clock=clock)
    lockouts = [limiter.failed("admin", "10.0.0.66") for _ in range(5)]
    assert [len(started) for started in lockouts] == [0, 0, 0, 0, 1]
    (lockout,) = lockouts[-1]
    assert (lockout.scope, lockout.username, lockout.address) == (
        LockScope.USER_AT_ADDRESS, "admin", "10.0.0.66")
    assert limiter.retry_after("admin", "10.0.0.66") == 300
    assert limiter.retry_after("ADMIN ", "10.0.0.66") == 300  # the name as login reads it
    # The administrator at their own desk is not held up.
    assert limiter.retry_after("admin", "10.0.0.10") == 0
    # The window slides: the stranger may try again once it has passed.
    clock.now += 299
    assert limiter.retry_after("admin", "10.0.0.66") == pytest.approx(1)
    clock.now += 1
    assert limiter.retry_after("admin", "10.0.0.66") == 0


def test_one_address_cannot_sweep_many_names() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(5, 300, per_address=20, clock=clock)
    started = [s for i in range(20) for s in limiter.failed(f"user{i}", "10.0.0.66")]
    assert [s.scope for s in started] == [LockScope.ADDRESS]
    assert limiter.retry_after("someone-else", "10.0.0.66") == 300
    assert limiter.retry_after("someone-else", "10.0.0.67") == 0
    # A right password for one name does not reset the address's count.
    limiter.succeeded("user0", "10.0.0.66")
    assert limiter.retry_after("user0", "10.0.0.66") == 300


def test_a_right_password_forgets_that_names_failures_at_that_address() -> None:
    limiter = LoginLimiter(3, 300, clock=FakeClock())
    for _ in range(2):
        limiter.failed("admin", "10.0.0.10")
    limiter.succeeded("admin", "10.0.0.10")
    for _ in range(2):
        limiter.failed("admin", "10.0.0.10")
    assert limiter.retry_after("admin", "10.0.0.10") == 0


def test_memory_stays_bounded_under_a_flood_of_names() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(5, 300, max_keys=100, clock=clock)
    for i in range(1000):
        limiter.failed(f"name{i}", f"10.0.{i // 250}.{i % 250}")
    assert len(limiter._failures) <= 100
    assert len(limiter._overflow) <= 2  # one shared count per scope
    assert all(len(f) <= 20 for f in [*limiter._failures.values(),
                                      *limiter._overflow.values()])


@pytest.mark.parametrize(("first", "second"), [
    ("2001:db8:7:1::1", "2001:db8:7:1:ffff:ffff:ffff:fffe"),  # one /64, any host part
    ("2001:db8:7:1::1", "2001:db8:7:1:a:b:c:d%eth0"),  # with a zone
    ("10.0.0.66", "::ffff:10.0.0.66"),  # IPv4, also written IPv4-mapped
])
def test_an_ipv6_network_is_one_address(first: str, second: str) -> None:
    limiter = LoginLimiter(5, 300, per_address=20, clock=FakeClock())
    for _ in range(4):
        limiter.failed("admin", first)
    (lockout,) = limiter.failed("admin", second)
    assert lockout.address == address_key(first)
    assert limiter.retry_after("admin", first) == 300
    assert limiter.retry_after("admin", second) == 300


def test_rotating_ipv6_host_parts_gives_no_fresh_counts() -> None:
    limiter = LoginLimiter(5, 300, per_address=20, clock=FakeClock())
    started = [s for i in range(20)
               for s in limiter.failed(f"user{i}", f"2001:db8:7:1::{i + 1:x}")]
    assert [(s.scope, s.address) for s in started] == [
        (LockScope.ADDRESS, "2001:db8:7:1::/64")]
    assert limiter.retry_after("admin", "2001:db8:7:1:dead:beef:0:1") == 300
    assert limiter.retry_after("admin", "2001:db8:7:2::1") == 0  # the next /64 is not


def test_a_full_table_never_drops_a_live_lockout() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(5, 300, per_address=20, max_keys=50, clock=clock)
    for _ in range(5):
        limiter.failed("admin", "10.0.0.66")
    assert limiter.retry_after("admin", "10.0.0.66") == 300
    # The guesser fills the table from many other addresses, hoping to push the
    # lockout out of it, then tries again.
    for i in range(500):
        clock.now += 0.1
        limiter.failed(f"name{i}", f"10.1.{i // 250}.{i % 250}")
    assert len(limiter._failures) <= 50
    assert limiter.retry_after("admin", "10.0.0.66") > 200


def test_a_table_full_of_live_counts_fails_safe_for_new_addresses() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(5, 300, per_address=20, max_keys=40, clock=clock)
    # The administrator's desk has a count (one typo), then a flood fills the table.
    limiter.failed("admin", "10.0.0.10")
    flood = [s for i in range(200) for s in limiter.failed("admin", f"10.2.0.{i}")]
    # The addresses with no room share one count, which runs out like any other and
    # is audited as the shared key's.
    assert (LockScope.USER_AT_ADDRESS, "admin", "*") in [
        (s.scope, s.username, s.address) for s in flood]
    assert limiter.retry_after("admin", "10.3.0.1") > 0  # a new address: refused
    assert limiter.retry_after("admin", "10.2.0.0") == 0  # counted on its own: 1 failure
    assert limiter.retry_after("admin", "10.0.0.10") == 0  # the desk keeps its own count
    # When the window has passed the flood's counts are stale: room again, and a new
    # address has its own count.
    clock.now += 300
    assert limiter.retry_after("admin", "10.3.0.1") == 0
    assert limiter.failed("admin", "10.3.0.1") == []
    assert (LockScope.USER_AT_ADDRESS, "admin", "10.3.0.1") in limiter._failures


# The console ------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> HubSettings:
    return HubSettings(data_dir=tmp_path / "data", mqtt_enabled=False)


def _at(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


def _try(client: TestClient, username: str, password: str) -> httpx.Response:
    page = client.get("/console/login")
    token = TOKEN.search(page.text)
    assert token is not None
    answer: httpx.Response = client.post("/console/login", data={
        "username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False)
    return answer


def test_the_administrator_signs_in_while_a_stranger_is_locked_out(hub: Hub) -> None:
    hub.users.create_user(username="admin", full_name="Әкімші", role=Role.ADMINISTRATOR,
                          password=PASSWORD, actor="test")
    app = create_app(hub.settings, hub)
    with _at(app, "10.0.0.66") as stranger, _at(app, "10.0.0.10") as admin:
        statuses = [_try(stranger, "admin", f"guess-number-{i}").status_code
                    for i in range(6)]
        assert statuses == [401] * 4 + [429, 429]
        refused = _try(stranger, "admin", PASSWORD)  # even the right one, for now
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert LIMITED_KK in refused.text
        stranger.cookies.set("kezek_lang", "ru")
        assert LIMITED_RU in _try(stranger, "admin", PASSWORD).text
        # At the administrator's own desk: straight in.
        assert _try(admin, "admin", PASSWORD).status_code == 303
    with hub.db.read() as session:
        from sqlalchemy import text

        rows = session.execute(text(
            "SELECT actor, entity, entity_id FROM audit_log WHERE action = 'login_locked'"
        )).all()
    assert [tuple(row) for row in rows] == [("address:10.0.0.66", "user", "admin")]


def test_a_lockout_of_a_name_nobody_has_does_not_log_the_name(hub: Hub) -> None:
    app = create_app(hub.settings, hub)
    with _at(app, "10.0.0.66") as stranger:
        for _ in range(5):
            _try(stranger, "my-secret-password-typed-here", "x")
    with hub.db.read() as session:
        from sqlalchemy import text

        logged = session.execute(text(
            "SELECT entity_id, after FROM audit_log WHERE action = 'login_locked'")).all()
    assert len(logged) == 1 and "my-secret" not in str(logged)


# X-Forwarded-For ----------------------------------------------------------------------


def test_proxy_headers_are_believed_only_from_named_proxies(tmp_path: Path) -> None:
    assert proxy_options(HubSettings(data_dir=tmp_path)) == {
        "proxy_headers": False, "forwarded_allow_ips": ""}
    behind = HubSettings(data_dir=tmp_path, trusted_proxies=["10.0.0.1", "fd00::/64"])
    assert proxy_options(behind) == {"proxy_headers": True,
                                     "forwarded_allow_ips": "10.0.0.1,fd00::/64"}
    with pytest.raises(ValueError, match="not an IP address"):
        HubSettings(data_dir=tmp_path, trusted_proxies=["*"])


def test_rotating_x_forwarded_for_does_not_reset_the_count(hub_without_mqtt: HubProcess) -> None:
    """Through `kezek-hub serve` on 127.0.0.1, which uvicorn trusts by default."""
    statuses = []
    with httpx.Client(base_url=f"http://127.0.0.1:{hub_without_mqtt.http_port}") as client:
        for i in range(7):
            page = client.get("/console/login")
            token = TOKEN.search(page.text)
            assert token is not None
            answer = client.post("/console/login", data={
                "username": "admin", "password": f"guess-number-{i}",
                "csrf_token": token.group(1)}, headers={"X-Forwarded-For": f"198.51.100.{i}"})
            statuses.append(answer.status_code)
    assert statuses == [401] * 4 + [429] * 3
