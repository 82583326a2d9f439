"""The engine and sessions: SQLite in WAL mode by default, PostgreSQL by URL.

SQLite's driver starts transactions lazily and upgrades a read to a write,
which fails under concurrency; so the driver's own transaction handling is
switched off and we issue BEGIN ourselves: BEGIN IMMEDIATE for sessions that
will write, so writers queue on the lock (busy_timeout) instead of failing.

The SQLite file holds applicants' personal data (000 §2): it is created 0600
before the first connection, and SQLite gives its -wal and -shm files the mode
of the database file (whatever the umask); files left 0644 by an older hub are
tightened on opening (``hub.storage.private_files``).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from hub.storage.private_files import PRIVATE_FILE, tighten

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _json(value: Any) -> str:
    """JSON columns (node replies kept for resends, the audit log) hold Kazakh and
    Russian text: as UTF-8 a Cyrillic letter takes 2 bytes, as json's default \\uXXXX
    escape 6 (a day run measured the node requests at 70 % of the database)."""
    return json.dumps(value, ensure_ascii=False)


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL or in-memory."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_private(path: Path) -> None:
    """Create the database file 0600 if it is missing, and restrict it and its
    companions (WAL, shared memory, rollback journal) to the hub's user."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE))
    for companion in ("", *SQLITE_COMPANIONS):
        tighten(path.with_name(path.name + companion))


def make_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is not None and path.parent.is_dir():
            make_private(path)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False,
                                                              "timeout": 30},
                               pool_size=20, max_overflow=20, hide_parameters=True,
                               json_serializer=_json)
        _configure_sqlite(engine)
        return engine
    # Parameters carry names and password hashes: keep them out of error logs.
    return create_engine(url, echo=echo, pool_size=20, max_overflow=20, pool_pre_ping=True,
                         hide_parameters=True, json_serializer=_json)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get("kezek_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


class Database:
    """Hands out sessions: `read()` for queries, `write()` for changes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(engine.execution_options(kezek_write=True),
                                    expire_on_commit=False)
        # SQLite's busy handler lets waiting writers sleep and retry with no order,
        # so under load some wait seconds (or past the timeout) while others pass.
        # Within this process writers queue on a lock instead; other processes
        # still meet at SQLite's own lock.
        self._write_turn = threading.Lock() if engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        if self._write_turn is None:
            with self._writer() as session, session.begin():
                yield session
            return
        with self._write_turn, self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def single_connection_engine(url: str) -> Engine:
    """An engine for one-off commands (migrations) that keeps no pool open."""
    return create_engine(normalise_url(url), poolclass=NullPool)
