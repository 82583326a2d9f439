"""Tables of personal reception with officials (002, 004; issue 7).

Officials and their approved schedules, receptions outside the schedule by
order (002 §9), booking requests with their history, and the separate
protocol of oral and phone requests (002 §21). The rules live in
``hub.domain.reception``; these rows only keep its state.

The applicant's IIN, name and phone are kept here because the procedure
needs them (letters, the final list, check-in); they never go to the audit
log or to logs (see ``hub.services.reception``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.models import Base

# States of a request that hold their slot; literal because the partial index
# below is part of the schema and of its migration.
HOLDING_STATES_SQL = "('approved', 'checked_in')"


class OfficialRow(Base):
    """Who receives (002 §2): printed in the schedule of the appendix of 004."""

    __tablename__ = "reception_officials"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(300))
    position_kk: Mapped[str] = mapped_column(String(300))
    position_ru: Mapped[str] = mapped_column(String(300))
    state_body_kk: Mapped[str] = mapped_column(String(300))
    state_body_ru: Mapped[str] = mapped_column(String(300))
    location_kk: Mapped[str] = mapped_column(String(300), default="")
    location_ru: Mapped[str] = mapped_column(String(300), default="")
    desk: Mapped[str | None] = mapped_column(String(40))  # an office desk of the center
    languages: Mapped[list[str]] = mapped_column(JSON)
    phone: Mapped[str] = mapped_column(String(40), default="")  # the office's contact phone
    email: Mapped[str] = mapped_column(String(254), default="")
    username: Mapped[str | None] = mapped_column(String(80))  # the console user, if any
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the schedule
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReceptionScheduleRow(Base):
    """An official's reception days and hours approved by the akim (002 §7, 004 §7-1)."""

    __tablename__ = "reception_schedules"
    __table_args__ = (Index("ix_reception_schedule_official", "official", "valid_from"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    official: Mapped[str] = mapped_column(
        String(40), ForeignKey("reception_officials.code", ondelete="CASCADE"))
    approved_by: Mapped[str] = mapped_column(String(300))  # the akim who approved it
    approved_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    weekdays: Mapped[list[int]] = mapped_column(JSON)  # Monday = 0
    dates: Mapped[list[str]] = mapped_column(JSON)  # ISO dates received besides the weekdays
    starts: Mapped[str] = mapped_column(String(5))  # HH:MM, local
    ends: Mapped[str] = mapped_column(String(5))
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    video_link: Mapped[bool] = mapped_column(Boolean, default=False)  # 002 §13
    video_only: Mapped[bool] = mapped_column(Boolean, default=False)  # 002 §14
    created_at: Mapped[datetime]


class ExtraReceptionRow(Base):
    """A reception outside the approved schedule by order of the head, with the
    date stated (002 §9)."""

    __tablename__ = "reception_extra"
    __table_args__ = (Index("ix_reception_extra_official", "official", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    official: Mapped[str] = mapped_column(
        String(40), ForeignKey("reception_officials.code", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    starts: Mapped[str] = mapped_column(String(5))
    ends: Mapped[str] = mapped_column(String(5))
    order_number: Mapped[str] = mapped_column(String(80))
    order_date: Mapped[date] = mapped_column(Date)
    video_link: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class OfficialAbsenceRow(Base):
    """A day the official cannot receive on (002 §16): nothing is booked on it, its
    bookings were moved and the public schedule leaves it out."""

    __tablename__ = "reception_absences"
    __table_args__ = (UniqueConstraint("official", "day", name="uq_reception_absence_day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    official: Mapped[str] = mapped_column(
        String(40), ForeignKey("reception_officials.code", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class BookingRequestRow(Base):
    """A request to be received, in its current state (see
    ``hub.domain.reception.requests.BookingRequest``)."""

    __tablename__ = "reception_requests"
    __table_args__ = (
        # One applicant per official and start time, even when two workers book at once.
        Index("uq_reception_slot_held", "booked_official", "booked_starts_at", unique=True,
              sqlite_where=text(f"state IN {HOLDING_STATES_SQL}"),
              postgresql_where=text(f"state IN {HOLDING_STATES_SQL}")),
        Index("ix_reception_request_state", "state"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime]
    registered_at: Mapped[datetime]
    registered_on: Mapped[date] = mapped_column(Date)
    registered_by: Mapped[str] = mapped_column(String(120))
    profile: Mapped[str] = mapped_column(String(40))
    applicant_iin: Mapped[str] = mapped_column(String(12))
    applicant_name: Mapped[str] = mapped_column(String(300))
    applicant_phone: Mapped[str] = mapped_column(String(16))
    applicant_email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    # The legal representative (000 §10): {"full_name", "iin", "basis"}.
    representative: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    essence: Mapped[str] = mapped_column(Text)
    official_asked: Mapped[str | None] = mapped_column(String(40))
    interpreter_language: Mapped[str | None] = mapped_column(String(40))
    video_link: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(30))
    considered_for: Mapped[date | None] = mapped_column(Date)
    defects: Mapped[str | None] = mapped_column(Text)
    correction_asked_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the reference note
    draft_refusal_on: Mapped[date | None] = mapped_column(Date)
    draft_grounds: Mapped[list[str]] = mapped_column(JSON)
    refusal_grounds: Mapped[list[str]] = mapped_column(JSON)
    refusal_explanation: Mapped[str | None] = mapped_column(Text)
    extensions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    answered_on: Mapped[date | None] = mapped_column(Date)
    official: Mapped[str | None] = mapped_column(String(40))
    booked_official: Mapped[str | None] = mapped_column(String(40))
    booked_starts_at: Mapped[datetime | None]
    booked_ends_at: Mapped[datetime | None]
    booking_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    date_time_told_on: Mapped[date | None] = mapped_column(Date)
    moved_bookings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    late_cancellations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Two workers deciding on one request at once: the second fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RequestTransitionRow(Base):
    """One step of a request's history: the state change, who, when and why."""

    __tablename__ = "reception_transitions"
    __table_args__ = (Index("ix_reception_transition_request", "request_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reception_requests.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(30))
    target: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    event: Mapped[str | None] = mapped_column(String(40))


class OralProtocolRow(Base):
    """The separate protocol of requests made orally in person or by phone (002 §21)."""

    __tablename__ = "reception_oral_protocol"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reception_requests.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(30))
    spoken_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
