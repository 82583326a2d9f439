"""Tables of the day of a personal reception (issue 7, items 7 and 8): the
check-in of a booked applicant with the ticket it produced, and the protocol
of the reception (002 §19).

Kept apart from ``reception_models`` (the booking procedure) so that the two
features change independently; the rules live in ``hub.services.check_in``
and ``hub.services.protocols``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.models import Base


class CheckInRow(Base):
    """A booked applicant's arrival: the ticket issued for the booking, or the
    flag that they came too late and were sent to reception."""

    __tablename__ = "reception_check_ins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reception_requests.id", ondelete="CASCADE"), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("tickets.id"))
    checked_in_at: Mapped[datetime | None]
    checked_in_by: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(String(20))  # reception or terminal
    late_at: Mapped[datetime | None]  # refused as late: to be seen by reception
    updated_at: Mapped[datetime]


class ReceptionProtocolRow(Base):
    """The protocol of one reception (002 §19): the decision taken, or the
    instructions with their responsible persons and deadlines. ``mark_kk`` and
    ``mark_ru`` are the mark the appeals register shows for an appeal made at
    a personal reception."""

    __tablename__ = "reception_protocols"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reception_requests.id", ondelete="CASCADE"), unique=True)
    official: Mapped[str] = mapped_column(String(40))
    received_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20))  # decision or instructions
    decision: Mapped[str | None] = mapped_column(Text)
    # [{"text", "responsible", "due" (ISO date), "working_days" (or null)}]
    instructions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    mark_kk: Mapped[str] = mapped_column(String(60))
    mark_ru: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(120))
