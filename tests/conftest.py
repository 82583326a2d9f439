"""Shared fixtures: a clock standing at a working moment, databases (a fresh
SQLite file per test; one PostgreSQL database per run, emptied between tests)
and a hub built through the same wiring as production."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from sqlalchemy import text

from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.settings import HubSettings
from hub.storage.db import make_engine
from hub.storage.migrate import upgrade
from hub.storage.models import Base
from hub.wiring import Hub, build_hub

# Monday 23 November 2026, 10:00 in Almaty (UTC+5): the center is open.
WORKING_MOMENT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
POSTGRES_ADMIN_URL = os.environ.get("KEZEK_TEST_POSTGRES_URL",
                                    "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def unavailable(reason: str) -> None:
    """A service a test needs is missing: in CI that is a failure, locally a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WORKING_MOMENT)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run; dropped at the end."""
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
        raise
    name = f"kezek_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def empty_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_database")
    empty_postgres(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> HubSettings:
    return HubSettings(data_dir=tmp_path / "data", database_url=database_url,
                       mqtt_enabled=False)


@pytest.fixture
def hub(settings: HubSettings, clock: ManualClock) -> Iterator[Hub]:
    the_hub = build_hub(settings, clock=clock)
    yield the_hub
    the_hub.close()


@pytest.fixture
def admin_token(hub: Hub) -> str:
    return hub.users.create_token(name="test-admin", role=Role.ADMINISTRATOR, actor="test")


# One Playwright and one Chromium for the whole run: a second sync_playwright() started
# while the first is alive fails ("Sync API inside the asyncio loop"), so the console's
# and the display node's browser tests share these.
@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_session: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM}")
    browser = playwright_session.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=CHROMIUM_ARGS)
    yield browser
    browser.close()
