"""The audit log: every change of a record, with who, what, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hub.storage.models import AuditRow

# Every change writes one: a prepared insert, not an object for the unit of work.
_INSERT = insert(AuditRow)


def record(session: Session, *, actor: str, action: str, entity: str, entity_id: str | int,
           at: datetime, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> None:
    session.execute(_INSERT, {"at": at, "actor": actor, "action": action, "entity": entity,
                              "entity_id": str(entity_id), "before": before, "after": after})


def record_many(session: Session, entries: list[dict[str, Any]]) -> None:
    """Several `record`s in one statement; each entry has `record`'s keyword arguments."""
    if entries:
        session.connection().execute(_INSERT, [
            {"at": e["at"], "actor": e["actor"], "action": e["action"], "entity": e["entity"],
             "entity_id": str(e["entity_id"]), "before": e.get("before"),
             "after": e.get("after")} for e in entries])


def recent(session: Session, *, limit: int = 200, entity: str | None = None,
           entity_id: str | None = None, before_id: int | None = None) -> list[AuditRow]:
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditRow.entity == entity)
    if entity_id is not None:
        query = query.where(AuditRow.entity_id == entity_id)
    if before_id is not None:
        query = query.where(AuditRow.id < before_id)
    return list(session.scalars(query))
