"""Tables of the appeals register (issue 8): appeals with their assignments and
attachments, consultations of the consultation zone, the satisfaction survey's
calls and the execution marks of reception protocols' instructions.

The rules live in ``hub.domain.appeals``; these rows only keep their state.
The applicant's IIN, name and contacts are kept because the register needs
them; they go to no log, no audit row and no MQTT topic (``hub.services.appeals``).
"""

from __future__ import annotations

from datetime import date, datetime

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
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.models import Base


class AppealCounterRow(Base):
    """The last registration number given in a year."""

    __tablename__ = "appeal_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class AppealRow(Base):
    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeal_state", "state"),
                      Index("ix_appeal_registered", "registered_on"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    registered_on: Mapped[date] = mapped_column(Date)
    registered_at: Mapped[datetime]
    registered_by: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(20))
    medium: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(2))
    translation_notarised: Mapped[bool] = mapped_column(Boolean, default=False)
    iin: Mapped[str] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    representative_name: Mapped[str | None] = mapped_column(String(300))
    representative_iin: Mapped[str | None] = mapped_column(String(12))
    representative_basis: Mapped[str | None] = mapped_column(String(300))
    co_applicants: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    from_reception: Mapped[bool] = mapped_column(Boolean, default=False)
    reception_request: Mapped[str | None] = mapped_column(String(40))
    handled_before: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20))
    assignee: Mapped[str | None] = mapped_column(String(120))
    due: Mapped[date | None] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    motivation: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AppealAssignmentRow(Base):
    """Each time an appeal was given to an employee: the history 002 §35 checks."""

    __tablename__ = "appeal_assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           index=True)
    assignee: Mapped[str] = mapped_column(String(120))
    due: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(120))


class AppealAttachmentRow(Base):
    """A scan kept under the hub's data directory; the row says where and what."""

    __tablename__ = "appeal_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(120))


class ConsultationRow(Base):
    """A consultation given for a ticket (000 §12); the ticket's desk and times
    are those of the queue, so the statistics need no second record of them."""

    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultation_day", "service_day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(Integer, unique=True)
    ticket_number: Mapped[int] = mapped_column(Integer)
    service_day: Mapped[date] = mapped_column(Date)
    zone: Mapped[str] = mapped_column(String(40))
    desk: Mapped[str | None] = mapped_column(String(40))
    worker: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime]
    question: Mapped[str] = mapped_column(Text)
    applied_before: Mapped[str] = mapped_column(Text, default="")
    answer_before: Mapped[str] = mapped_column(Text, default="")
    court_decision: Mapped[str] = mapped_column(Text, default="")
    advice: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(30))
    iin: Mapped[str | None] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    appeal_number: Mapped[str | None] = mapped_column(String(40))


class SurveyCallRow(Base):
    """The satisfaction survey's call of one consultation's applicant (002 §36)."""

    __tablename__ = "survey_calls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), unique=True)
    result: Mapped[str] = mapped_column(String(20))
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    called_at: Mapped[datetime]
    called_by: Mapped[str] = mapped_column(String(120))


class InstructionMarkRow(Base):
    """An instruction of a reception protocol reported as carried out."""

    __tablename__ = "instruction_marks"
    __table_args__ = (UniqueConstraint("request_number", "position",
                                       name="uq_instruction_mark"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_number: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)  # the instruction's place in the protocol
    report: Mapped[str] = mapped_column(Text)
    done_at: Mapped[datetime]
    done_by: Mapped[str] = mapped_column(String(120))
