"""Tables of the hub. Times are stored in UTC; service days are local dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hub.storage.types import UtcDateTime

# The states in which a ticket still holds its number; kept literal here
# because the partial index is part of the schema and its migration.
ACTIVE_STATES_SQL = "('waiting', 'transferred', 'called', 'recalled', 'serving')"
AT_DESK_STATES_SQL = "('called', 'recalled', 'serving')"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(),
                                                     dict[str, Any]: JSON}


class CenterRow(Base):
    """The single row of center-wide settings; `version` changes with every edit."""

    __tablename__ = "center"
    id: Mapped[int] = mapped_column(primary_key=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    timezone: Mapped[str] = mapped_column(String(64))
    opens: Mapped[str] = mapped_column(String(5))
    closes: Mapped[str] = mapped_column(String(5))
    lunch_starts: Mapped[str | None] = mapped_column(String(5))
    lunch_ends: Mapped[str | None] = mapped_column(String(5))
    weekdays: Mapped[str] = mapped_column(String(40))
    transfer_keeps_arrival: Mapped[bool] = mapped_column(Boolean)
    next_finishes_serving: Mapped[bool] = mapped_column(Boolean)
    unstaffed_alert_hours: Mapped[float] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ZoneRow(Base):
    __tablename__ = "zones"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    range_first: Mapped[int | None] = mapped_column(Integer)
    range_last: Mapped[int | None] = mapped_column(Integer)
    default_service_minutes: Mapped[float] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer)


class DeskRow(Base):
    __tablename__ = "desks"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label_kk: Mapped[str] = mapped_column(String(300))
    label_ru: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    zones: Mapped[str] = mapped_column(String(500))  # comma-separated zone codes, in order
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer)


class PurposeRow(Base):
    __tablename__ = "purposes"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    zone: Mapped[str] = mapped_column(String(40))
    calls_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)


class OutOfTurnRow(Base):
    __tablename__ = "out_of_turn_categories"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer)


class CalendarDayRow(Base):
    """An extra closed day or a transferred working day set by the administrator."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "closed" or "working"
    note: Mapped[str] = mapped_column(String(300), default="")


class TicketCounterRow(Base):
    """How many tickets a zone has issued on a service day; locked while issuing."""

    __tablename__ = "ticket_counters"
    zone: Mapped[str] = mapped_column(String(40), primary_key=True)
    service_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("issued_zone", "service_day", "sequence", name="uq_ticket_sequence"),
        # No two tickets still in the queue may show the same number of a zone.
        Index("uq_ticket_active_number", "issued_zone", "service_day", "number", unique=True,
              sqlite_where=text(f"state IN {ACTIVE_STATES_SQL}"),
              postgresql_where=text(f"state IN {ACTIVE_STATES_SQL}")),
        # A desk holds at most one visitor at a time, even with two operators pressing at once.
        Index("uq_ticket_desk_busy", "desk", unique=True,
              sqlite_where=text(f"state IN {AT_DESK_STATES_SQL}"),
              postgresql_where=text(f"state IN {AT_DESK_STATES_SQL}")),
        Index("ix_ticket_queue", "service_day", "state", "zone"),
        # Who arrived in a zone after a ticket, and each one's class: people ahead of
        # a new ticket are counted from the back of the queue, on this index alone
        # (hub.storage.queue_queries).
        Index("ix_ticket_arrival", "service_day", "zone", "state", "queued_at",
              "out_of_turn", "booked_for"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_day: Mapped[date] = mapped_column(Date)
    issued_zone: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    zone: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2))
    out_of_turn: Mapped[str | None] = mapped_column(String(40))
    needs_escort: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20))
    desk: Mapped[str | None] = mapped_column(String(40))
    target_desk: Mapped[str | None] = mapped_column(String(40))
    booked_for: Mapped[datetime | None]
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime]
    queued_at: Mapped[datetime]
    called_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    source: Mapped[str | None] = mapped_column(String(120))
    # "<actor>|<key>": a client's retry finds its own ticket, never another client's.
    idempotency_key: Mapped[str | None] = mapped_column(String(250), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def arrival(self) -> datetime:
        """The time that orders the ticket in its class (see hub.domain.ordering.Queued)."""
        return self.queued_at

    # Concurrent edits of one ticket (two desks calling it) fail instead of overwriting.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(2), default="kk")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class ConsoleSessionRow(Base):
    """A signed-in console session; the cookie carries only its id, so logout,
    a password change or blocking the user ends it on the server."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_session_user", "username"),)
    sid_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ApiTokenRow(Base):
    """A service's bearer token; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class DeskShiftRow(Base):
    __tablename__ = "desk_shifts"
    __table_args__ = (
        # One person per desk and one desk per person, even when two sign in at once.
        Index("uq_shift_open_desk", "desk", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        Index("uq_shift_open_operator", "operator", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    desk: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AuditRow(Base):
    """Who changed what and when, with the record before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class NodeRow(Base):
    """A device of the center as the hub last heard from it over MQTT."""

    __tablename__ = "nodes"
    node_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    role: Mapped[str] = mapped_column(String(30))
    presence: Mapped[str] = mapped_column(String(10))  # online / offline
    software: Mapped[str] = mapped_column(String(40))
    desk: Mapped[str | None] = mapped_column(String(40))
    zones: Mapped[list[str]] = mapped_column(JSON)
    drivers: Mapped[dict[str, Any]] = mapped_column(JSON)
    telemetry: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    # The status message we keep, by id: the same message delivered again (a retained
    # status resent on resubscribe, a will amqtt delivers twice) changes nothing. Order
    # is not judged by `at`: a will is composed at connect time, before the online
    # status that follows it, yet it is the newer news when it arrives.
    status_id: Mapped[str] = mapped_column(String(64))
    status_at: Mapped[datetime]
    # Claiming: pending until an administrator approves (when the hub asks for that);
    # rejected and revoked nodes are refused and cut off at the broker.
    approval: Mapped[str] = mapped_column(String(10), default="approved",
                                          server_default="approved")
    # The hub's record of the node: what it is, whatever its status declares (the
    # columns above keep the declaration). Written by an inventory import, an approved
    # claim, an administrator, or (without approval) the first status; NULL role: no
    # record yet (a claim waiting for approval).
    assigned_role: Mapped[str | None] = mapped_column(String(30))
    assigned_desk: Mapped[str | None] = mapped_column(String(40))
    assigned_zones: Mapped[list[str] | None] = mapped_column(JSON)


class NodeRequestRow(Base):
    """A request a node made, by its own id: a resent request is answered from here."""

    __tablename__ = "node_requests"
    __table_args__ = (UniqueConstraint("node_id", "request_id", name="uq_node_request"),
                      Index("ix_node_request_received", "received_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node_id: Mapped[str] = mapped_column(String(63))
    request_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime]
    reply: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# Tables of other features register on Base.metadata when imported; importing
# them here lets Alembic and every user of Base see the whole schema.
from hub.storage import appeal_models as _appeal_models  # noqa: E402,F401
from hub.storage import desk_break_models as _desk_break_models  # noqa: E402,F401
from hub.storage import lease_models as _lease_models  # noqa: E402,F401
from hub.storage import letter_models as _letter_models  # noqa: E402,F401
from hub.storage import reception_day_models as _reception_day_models  # noqa: E402,F401
from hub.storage import reception_models as _reception_models  # noqa: E402,F401
