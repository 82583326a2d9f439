"""Tables of the ticket terminals (issue 4): blocks of numbers leased to a terminal
for printing while the hub is unreachable, each leased number with the ticket it
became, and how printing each ticket on a terminal went.

The rules live in ``hub.domain.leases`` and ``hub.services.leases``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.storage.models import Base


class NumberLeaseRow(Base):
    """A block of one zone's numbers reserved for one terminal on one service day, the
    terminal's until its numbers are all reported or the day ends (issue 16, rule L1).
    `replaced_at` was set until then when a newer lease of the zone took its place (its
    unreported numbers were given up); the hub no longer sets it, rows of before keep it."""

    __tablename__ = "number_leases"
    __table_args__ = (Index("ix_number_lease_node", "node_id", "zone", "service_day"),
                      Index("ix_number_lease_request", "node_id", "request_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node_id: Mapped[str] = mapped_column(String(63))
    request_id: Mapped[str] = mapped_column(String(64))  # the LeaseRequest that made it
    zone: Mapped[str] = mapped_column(String(40))
    service_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    valid_until: Mapped[datetime]
    replaced_at: Mapped[datetime | None]


class LeasedNumberRow(Base):
    """One number of a lease; `ticket_id` once a ticket printed with it was reported."""

    __tablename__ = "leased_numbers"
    __table_args__ = (UniqueConstraint("lease_id", "number", name="uq_leased_number"),
                      Index("ix_leased_number_replaces", "node_id", "replaces"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("number_leases.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(String(63))
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # printing order within the block
    ticket_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    request_id: Mapped[str | None] = mapped_column(String(64))  # the OfflineTicket's id
    replaces: Mapped[str | None] = mapped_column(String(64))  # a TicketRequest given up


class TicketPrintRow(Base):
    """How printing a ticket on a terminal went, last report first: sent (a print job
    is on its way), printed, or failed (`detail`: paper_out, cover_open, offline...)."""

    __tablename__ = "ticket_prints"
    __table_args__ = (Index("ix_ticket_print_state", "state", "updated_at"),)
    ticket_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[str] = mapped_column(String(63))
    state: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str | None] = mapped_column(String(40))
    printed: Mapped[bool] = mapped_column(Boolean, default=False)  # printed at least once
    jobs: Mapped[int] = mapped_column(Integer, default=0)  # print jobs the hub sent
    updated_at: Mapped[datetime]
