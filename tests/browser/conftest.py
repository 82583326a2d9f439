"""A real hub served by uvicorn in a background thread, and headless Chromium
driven through Playwright, for the console's browser tests.

One server and one browser serve the whole session (so the suite stays fast);
every test gets a fresh browser context, so cookies never leak between tests.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

from hub.api.app import create_app
from hub.domain.roles import Role
from hub.domain.text import Language
from hub.services.clock import ManualClock
from hub.settings import HubSettings
from hub.wiring import Hub

# Monday 23 November 2026, 10:00 in Almaty: the center is open, so tickets can be issued.
WORKING_MOMENT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
ADMIN_PASSWORD = "correct-horse-1"
PASSWORD = "long-enough-pw"
LOGIN_ATTEMPTS = 3
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class ServerThread:
    """uvicorn serving `app` on a socket of its own, in a daemon thread."""

    def __init__(self, app: FastAPI, port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.port: int = self.sock.getsockname()[1]
        # lifespan off: the app's shutdown would close the hub the tests share.
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False,
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the console test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@dataclass
class Console:
    """The running hub: its address, the app and its services, and the clock."""

    url: str
    app: FastAPI
    hub: Hub
    clock: ManualClock
    _users: set[str] = field(default_factory=set)
    _sessions: dict[str, list[Any]] = field(default_factory=dict)

    def user(self, username: str, role: Role, *, language: Language = Language.KK,
             full_name: str = "") -> str:
        """Create the user once per session; return the username."""
        if username not in self._users:
            self.hub.users.create_user(username=username, full_name=full_name or username,
                                       role=role, password=PASSWORD, language=language,
                                       actor="test")
            self._users.add(username)
        return username

    def login(self, page: Page, username: str = "admin", password: str | None = None,
              *, next_path: str = "/console/") -> None:
        """Sign in through the login form; later logins of the same user reuse its
        session cookie (password hashing is slow, and the form is tested once)."""
        known = self._sessions.get(username)
        if known is not None and password is None:
            page.context.add_cookies(known)
            page.goto(f"{self.url}{next_path}")
            assert "/console/login" not in page.url, f"the session of {username} was refused"
            return
        page.goto(f"{self.url}/console/login?next={next_path}")
        page.fill("#f-username", username)
        page.fill("#f-password", password or (ADMIN_PASSWORD if username == "admin"
                                              else PASSWORD))
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert "/console/login" not in page.url, f"login as {username} failed"
        self._sessions[username] = [c for c in page.context.cookies()
                                    if c.get("name") == "kezek_session"]


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    clock = ManualClock(WORKING_MOMENT)
    settings = HubSettings(data_dir=tmp_path_factory.mktemp("console-hub"),
                           login_attempts=LOGIN_ATTEMPTS, login_window_seconds=300,
                           mqtt_enabled=False)
    app = create_app(settings, clock=clock)
    hub: Hub = app.state.hub
    hub.users.create_user(username="admin", full_name="Әкімші", role=Role.ADMINISTRATOR,
                          password=ADMIN_PASSWORD, actor="test")
    server = ServerThread(app).start()
    try:
        yield Console(url=server.url, app=app, hub=hub, clock=clock)
    finally:
        server.stop()
        hub.close()


@pytest.fixture
def page(chromium: Browser, console: Console) -> Iterator[Page]:
    """A page in a fresh context (no cookies), its default timeouts short."""
    context = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="kk-KZ")
    context.set_default_timeout(5000)
    the_page = context.new_page()
    yield the_page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
