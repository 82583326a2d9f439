"""Tables of the letters to applicants (issue 7 item 6): the durable outbox a
decision writes its letter into, and the log of deliveries a channel took.

Kept apart from ``reception_models`` so the letters change on their own; the
rules live in ``hub.services.letters``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.models import Base


class LetterOutboxRow(Base):
    """One letter to one applicant, queued in the transaction of the decision
    it tells of. ``letter`` is the letter's data (re-renderable: the PDF of a
    letter depends on the letter alone); ``pdf`` keeps the bytes that were
    sent. ``state``: pending (to be sent at ``next_attempt_at``), sent, or
    failed (a worker must look: ``send again`` puts it back to pending)."""

    __tablename__ = "letters_outbox"
    __table_args__ = (Index("ix_letters_outbox_due", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    letter_id: Mapped[str] = mapped_column(String(80), unique=True)
    request_number: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2))
    channels: Mapped[list[str]] = mapped_column(JSON)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    letter: Mapped[dict[str, Any]] = mapped_column(JSON)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)  # what went wrong (operators' English)
    last_error_kk: Mapped[str | None] = mapped_column(Text)
    last_error_ru: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120))
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class LetterDeliveryRow(Base):
    """A delivery a channel took (an e-mail's Message-ID, ``sms:<letter id>``):
    the database-backed ``DeliveryLog``, so a restarted hub never sends twice."""

    __tablename__ = "letter_deliveries"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime]
