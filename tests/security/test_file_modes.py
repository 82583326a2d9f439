"""Files with personal data belong to the hub's user alone (issue 17, Deliver 3):
the SQLite database and its WAL and shared-memory files 0600, the scans'
directories 0700 and the scans 0600 — under a permissive umask too, and files
an older hub left 0644 are tightened when the hub starts."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.services.users import Principal
from hub.settings import HubSettings
from hub.wiring import Hub, build_hub
from tests.hub.test_api_appeals import APPEAL
from tests.security.documents import clean_pdf


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The umask most systems start services with, and a looser one."""
    previous = os.umask(0o002)
    yield
    os.umask(previous)


def started(data_dir: Path, clock: ManualClock) -> Hub:
    return build_hub(HubSettings(data_dir=data_dir, database_url=None, mqtt_enabled=False),
                     clock=clock)


def register_with_scan(hub: Hub) -> str:
    from hub.services.appeals import AppealInput

    record = hub.appeals.register.register(AppealInput(**APPEAL), actor="test")
    hub.appeals.register.attach(record.number, "скан.pdf", clean_pdf(), actor="test")
    return record.number


def test_database_wal_and_scans_are_private(tmp_path: Path, clock: ManualClock,
                                            open_umask: None) -> None:
    hub = started(tmp_path / "data", clock)
    try:
        register_with_scan(hub)
        database = tmp_path / "data" / "kezek.sqlite3"
        files = [database, database.with_name("kezek.sqlite3-wal"),
                 database.with_name("kezek.sqlite3-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        scans = tmp_path / "data" / "attachments"
        directories = [scans, *[p for p in scans.rglob("*") if p.is_dir()]]
        stored = [p for p in scans.rglob("*") if p.is_file()]
        assert len(stored) == 1 and not stored[0].name.endswith(".part")
        assert {mode(d) for d in directories} == {0o700}
        assert mode(stored[0]) == 0o600
        admin = Principal(name="admin", role=Role.ADMINISTRATOR, kind="user")
        assert hub.appeals.register.attachment("AP-2026-00001", 1, admin)[1] == clean_pdf()
    finally:
        hub.close()


def test_files_an_older_hub_left_readable_are_tightened_at_start(
        tmp_path: Path, clock: ManualClock, open_umask: None) -> None:
    hub = started(tmp_path / "data", clock)
    register_with_scan(hub)
    hub.close()
    loose = [p for p in (tmp_path / "data").rglob("*")
             if p.is_file() and (p.name.startswith("kezek.sqlite3") or "attachments" in
                                 p.parts)]
    for path in loose:
        path.chmod(0o644)
    for path in (tmp_path / "data" / "attachments").rglob("*"):
        if path.is_dir():
            path.chmod(0o755)
    (tmp_path / "data" / "attachments").chmod(0o755)
    again = started(tmp_path / "data", clock)
    try:
        assert {p.name: mode(p) for p in loose} == {p.name: 0o600 for p in loose}
        assert mode(tmp_path / "data" / "attachments") == 0o700
    finally:
        again.close()
