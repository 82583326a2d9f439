"""Migration 0012 on both databases: the nodes a hub already knows get the role, desk
and zones they declared as their record (they were trusted as declared); a claim
still awaiting approval gets none (its approval will write it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from hub.storage.db import make_engine
from hub.storage.migrate import alembic_config, upgrade

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def downgrade_to(engine: sa.Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_known_nodes_keep_their_declaration_as_their_record(database_url: str | None,
                                                            tmp_path: Path) -> None:
    engine = make_engine(database_url or f"sqlite:///{tmp_path / 'nodes.sqlite3'}")
    try:
        upgrade(engine)  # the PostgreSQL of the run is at the head already: go back
        downgrade_to(engine, "0011")
        nodes = sa.table("nodes", sa.column("node_id", sa.String), sa.column("role", sa.String),
                         sa.column("presence", sa.String), sa.column("software", sa.String),
                         sa.column("desk", sa.String), sa.column("zones", sa.JSON),
                         sa.column("drivers", sa.JSON), sa.column("first_seen", sa.DateTime),
                         sa.column("last_seen", sa.DateTime), sa.column("status_id", sa.String),
                         sa.column("status_at", sa.DateTime), sa.column("approval", sa.String))
        row = {"presence": "online", "software": "1", "drivers": {}, "first_seen": AT,
               "last_seen": AT, "status_id": "s", "status_at": AT}
        with engine.begin() as connection:
            connection.execute(nodes.insert(), [
                {"node_id": "buttons-1", "role": "call_button", "desk": "window-2",
                 "zones": ["consultation"], "approval": "approved", **row},
                {"node_id": "claim-1", "role": "ticket_terminal", "desk": None,
                 "zones": [], "approval": "pending", **row}])
        upgrade(engine)
        with engine.connect() as connection:
            found = {r.node_id: (r.assigned_role, r.assigned_desk, r.assigned_zones)
                     for r in connection.execute(sa.select(
                         sa.column("node_id"), sa.column("assigned_role"),
                         sa.column("assigned_desk"), sa.column("assigned_zones", sa.JSON))
                         .select_from(sa.table("nodes")))}
    finally:
        engine.dispose()
    assert found["buttons-1"] == ("call_button", "window-2", ["consultation"])
    assert found["claim-1"] == (None, None, None)
