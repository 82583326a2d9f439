"""Breaks of an operator at a desk (issue 6): while one is open the desk calls nobody.

A table of its own so that staffing (``desk_shifts``) and the queue stay as they are;
the rules live in ``hub.services.desk_breaks``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.models import Base


class DeskBreakRow(Base):
    __tablename__ = "desk_breaks"
    __table_args__ = (
        # At most one open break per desk, even when the page and a button race.
        Index("uq_desk_break_open", "desk", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    desk: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
