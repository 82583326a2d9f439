"""The fleet: which nodes exist, what each is (the hub's record: role, desk, zones),
what each declares, whether they are online, what their drivers report, and which of
their requests were already handled."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from contract.mqtt import NodeStatus, Telemetry
from hub.domain.center import CenterConfig
from hub.domain.errors import Conflict, NotFound, ValidationFailed
from hub.domain.node_identity import Identity, Mismatch, mismatches, valid_record
from hub.domain.rate_limits import QUIET
from hub.domain.text import Bilingual
from hub.services import audit
from hub.services.clock import Clock
from hub.services.connection_faults import TAKEN_OVER, WRONG_PROTOCOL
from hub.storage.db import Database
from hub.storage.models import AuditRow, NodeRequestRow, NodeRow

log = logging.getLogger("kezek.nodes")

# How long a request id is remembered: far longer than any outbox keeps a request.
REQUEST_MEMORY = timedelta(days=7)
RATE_LIMITED_ACTION = "node.rate_limited"
MISMATCH_ACTION = "node.identity_mismatch"
# What the fleet page lists as alerts: floods, false declarations, and the broker's
# word on a node's connection (a wrong MQTT version, its credentials used twice).
ALERT_ACTIONS = (RATE_LIMITED_ACTION, MISMATCH_ACTION, WRONG_PROTOCOL, TAKEN_OVER)
# Alerts listed: one line per node and kind of alert, so one noisy node cannot push
# the others' off the page.
ALERTS_SHOWN = 50


@dataclass(slots=True)
class _Episode:
    """A node's declaration changes closer together than QUIET: one episode."""

    changed_at: datetime
    audited_mismatch: bool = False  # the last row audited for it was a mismatch


@dataclass(frozen=True, slots=True)
class RecordImported:
    node_id: str
    created: bool  # the hub had never heard of it
    changed: bool  # its record was written (False: it already said the same)


@dataclass(frozen=True, slots=True)
class NodeAlert:
    """The newest alert of one kind about one node, as the audit log holds it: a flood
    refused (node.rate_limited), a false declaration (node.identity_mismatch), or a
    fault of its connection the broker reported (node.mqtt_protocol_refused: it spoke
    another MQTT version; node.connection_taken_over: its credentials connected twice).
    `count`: how many of that kind the period holds."""

    node_id: str
    action: str
    at: datetime
    detail: dict[str, Any]
    count: int = 1


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A node as the hub knows it. `role`, `desk` and `zones` are the hub's record (what
    the node may act as), or, while there is no record (a claim awaiting approval),
    what it declares; `declared` is always what its status said."""

    node_id: str
    role: str
    presence: str
    software: str
    desk: str | None
    zones: tuple[str, ...]
    drivers: dict[str, Any]
    telemetry: dict[str, Any] | None
    first_seen: datetime
    last_seen: datetime
    approval: str = "approved"  # pending / approved / rejected / revoked
    declared: Identity | None = None  # None: as the record (never heard, or built so)
    recorded: bool = True  # False: no record yet, role/desk/zones are the declaration

    @property
    def record(self) -> Identity | None:
        return Identity.of(self.role, self.desk, self.zones) if self.recorded else None

    @property
    def declaration(self) -> Identity:
        return self.declared or Identity.of(self.role, self.desk, self.zones)

    @property
    def mismatches(self) -> tuple[Mismatch, ...]:
        """How the declaration differs from the record (empty without a record)."""
        record = self.record
        return mismatches(record, self.declaration) if record is not None else ()

    @property
    def clock_skew_s(self) -> float | None:
        """The node's clock minus the hub's, in seconds, as its latest heartbeat said
        (Telemetry.clock_skew_s, kept with the heartbeat); None when unknown."""
        skew = (self.telemetry or {}).get("clock_skew_s")
        return float(skew) if isinstance(skew, int | float) else None


class DeclarationChanged(Conflict):
    """The node declares otherwise than the page the administrator approved it on."""


DECLARATION_CHANGED_TEXT = Bilingual(
    kk="Құрылғы бет ашылғаннан кейін өзін басқаша атады; бетті жаңартып, қайта шешіңіз",
    ru="Устройство изменило сведения о себе после открытия страницы; обновите страницу "
       "и решите снова")


class AlreadyHandled(Exception):
    """The request id was seen before; `reply` is the answer given then, if stored."""

    def __init__(self, reply: dict[str, Any] | None) -> None:
        super().__init__("request already handled")
        self.reply = reply


def _declared(row: NodeRow) -> Identity:
    return Identity.of(row.role, row.desk, row.zones)


def _record(row: NodeRow) -> Identity | None:
    if row.assigned_role is None:
        return None
    return Identity.of(row.assigned_role, row.assigned_desk, row.assigned_zones or ())


def _set_record(row: NodeRow, identity: Identity, zones: Sequence[str] | None = None) -> None:
    """`zones` in the order the node sends them (a board lists its zones in that order);
    sorted when not given."""
    row.assigned_role = identity.role
    row.assigned_desk = identity.desk
    row.assigned_zones = list(zones) if zones is not None else sorted(identity.zones)


def _info(row: NodeRow) -> NodeInfo:
    declared = _declared(row)
    record = _record(row)
    shown = record or declared
    zones = (row.assigned_zones or []) if record is not None else row.zones
    return NodeInfo(node_id=row.node_id, role=shown.role, presence=row.presence,
                    software=row.software, desk=shown.desk, zones=tuple(zones),
                    drivers=dict(row.drivers), telemetry=row.telemetry,
                    first_seen=row.first_seen, last_seen=row.last_seen,
                    approval=row.approval, declared=declared, recorded=record is not None)


def _unknown(node_id: str) -> NotFound:
    return NotFound(f"node {node_id!r} is unknown",
                    Bilingual(kk="Мұндай құрылғы белгісіз", ru="Такое устройство неизвестно"),
                    field="node")


class Approval(StrEnum):
    PENDING = "pending"  # connected for the first time; an administrator decides
    APPROVED = "approved"
    REJECTED = "rejected"  # never was trusted
    REVOKED = "revoked"  # was trusted, no longer


# What an administrator may decide from each state.
DECISIONS: dict[Approval, frozenset[Approval]] = {
    Approval.PENDING: frozenset({Approval.APPROVED, Approval.REJECTED}),
    Approval.APPROVED: frozenset({Approval.REVOKED}),
    Approval.REJECTED: frozenset({Approval.APPROVED}),
    Approval.REVOKED: frozenset({Approval.APPROVED}),
}
CUT_OFF: frozenset[Approval] = frozenset({Approval.REJECTED, Approval.REVOKED})


class NodeRegistry:
    def __init__(self, db: Database, clock: Clock, center: Callable[[], CenterConfig], *,
                 approval_required: bool = False) -> None:
        self._db = db
        self._clock = clock
        # The center's configuration as the hub holds it now: a record written here (a
        # first use trusted, a claim approved) names only its desks and zones.
        self._center = center
        # Without approval (development, the one-box demo) the first status a node
        # sends is its record: trust on first use.
        self._trust_first_use = not approval_required
        # A node first heard from is pending (claiming) or trusted at once (development,
        # the one-box demo).
        self._first_approval = Approval.PENDING if approval_required else Approval.APPROVED
        # Asked on every request: kept in memory, filled from the table on first use.
        self._approvals: dict[str, Approval] | None = None
        self._approvals_lock = threading.Lock()
        # Per node: the episode of changed declarations (`_audit_declaration`).
        self._episodes: dict[str, _Episode] = {}
        self._episodes_lock = threading.Lock()

    # Presence ------------------------------------------------------------------

    def record_status(self, status: NodeStatus) -> tuple[NodeInfo, bool]:
        """Keep the status that arrived last (the broker keeps one node's messages in
        order) as the node's declaration; returns the node and whether it changed: the
        same message delivered again changes nothing. A declaration that newly differs
        from the record is audited (once per change of declaration, not per status)."""
        now = self._clock.now()
        drivers = {name: driver.model_dump(mode="json") for name, driver in status.drivers.items()}
        declared = Identity.of(status.role.value, status.desk, status.zones)
        with self._db.write() as session:
            row = session.get(NodeRow, status.node)
            if row is None:
                row = NodeRow(node_id=status.node, first_seen=now, telemetry=None,
                              approval=self._first_approval.value)
                session.add(row)
                self._remember_approval(status.node, self._first_approval)
                before = None
            elif status.id == row.status_id:
                return _info(row), False
            else:
                before = _declared(row)
            record = _record(row)
            if record is None and self._trust_first_use \
                    and row.approval == Approval.APPROVED.value:
                try:
                    record = self._within_center(declared, status.zones)
                    _set_record(row, record, status.zones)
                except ValidationFailed as error:
                    # No record: refused (`not_allowed`) until it declares what the
                    # center has or an administrator gives it a record.
                    log.warning("node %s declares what the center does not have (%s): "
                                "not trusted as its record", status.node, error.detail)
                    record = None
            if record is not None and declared != before:
                self._audit_declaration(session, status.node, record, declared, before, now)
            row.role = status.role.value
            row.presence = status.state.value
            row.software = status.software
            row.desk = status.desk
            row.zones = list(status.zones)
            row.drivers = drivers
            row.status_id = status.id
            row.status_at = status.at
            row.last_seen = now
            session.flush()
            return _info(row), True

    def _audit_declaration(self, session: Session, node_id: str, record: Identity,
                           declared: Identity, before: Identity | None,
                           now: datetime) -> None:
        """A declaration that starts to differ from the record, or that agrees again,
        audited as an episode, as floods are (hub.domain.rate_limits.QUIET): a node
        alternating its declared desk 200 times wrote 200 rows and pushed the real
        alerts off the fleet page (issue 17). A mismatch is audited when the node's
        declaration had not changed for `QUIET`; within an episode only the first
        return to agreement after an audited mismatch is, so the rows pair up. The
        fleet page always shows what the node declares now."""
        differs = bool(mismatches(record, declared))
        differed = before is not None and bool(mismatches(record, before))
        if not differs and not differed:
            return
        with self._episodes_lock:
            episode = self._episodes.get(node_id)
            within = episode is not None and now - episode.changed_at < QUIET
            audit_it = (not within) if differs else (
                episode is not None and episode.audited_mismatch)
            if episode is None:
                episode = self._episodes[node_id] = _Episode(changed_at=now)
            episode.changed_at = max(now, episode.changed_at)
            if audit_it:
                episode.audited_mismatch = differs
        if not audit_it:
            return
        audit.record(session, actor=f"node:{node_id}",
                     action=MISMATCH_ACTION if differs else "node.identity_agrees",
                     entity="node", entity_id=node_id, at=now,
                     before={"record": record.as_dict(),
                             "declared": before.as_dict() if before else None},
                     after={"record": record.as_dict(), "declared": declared.as_dict()})

    def record_telemetry(self, telemetry: Telemetry) -> NodeInfo | None:
        """Store the heartbeat of a known node; None for a node that never said who it is."""
        now = self._clock.now()
        with self._db.write() as session:
            row = session.get(NodeRow, telemetry.node)
            if row is None:
                return None
            row.telemetry = telemetry.model_dump(mode="json", exclude={"v", "id", "node", "kind"})
            row.drivers = {name: driver.model_dump(mode="json")
                           for name, driver in telemetry.drivers.items()}
            row.last_seen = now
            session.flush()
            return _info(row)

    def get(self, node_id: str) -> NodeInfo | None:
        with self._db.read() as session:
            row = session.get(NodeRow, node_id)
            return _info(row) if row is not None else None

    def all(self) -> list[NodeInfo]:
        with self._db.read() as session:
            return [_info(row) for row in session.scalars(select(NodeRow).order_by(
                NodeRow.node_id))]

    # The record ----------------------------------------------------------------

    def assign(self, node_id: str, record: Identity, *, actor: str) -> NodeInfo:
        """An administrator's change of a node's record (role, desk, zones), audited with
        before and after. Raises NotFound for a node the hub does not know."""
        with self._db.write() as session:
            row = session.get(NodeRow, node_id)
            if row is None:
                raise _unknown(node_id)
            self._assign(session, row, record, None, actor=actor)
            session.flush()
            return _info(row)

    def import_records(self, records: Sequence[tuple[str, Identity, Sequence[str]]], *,
                       actor: str) -> list[RecordImported]:
        """Provisioning's inventory as the hub's records, in one transaction: (node id,
        record, its zones in the inventory's order) each. A node never heard from is
        made (approved: provisioning made its credentials; declaring its record until
        its first status says otherwise); a known one gets its record changed, audited.
        Its approval is kept: a revoked node stays revoked."""
        now = self._clock.now()
        done: list[RecordImported] = []
        created: list[str] = []
        with self._db.write() as session:
            for node_id, record, zones in records:
                row = session.get(NodeRow, node_id)
                made = row is None
                if row is None:
                    row = NodeRow(node_id=node_id, role=record.role, presence="offline",
                                  software="", desk=record.desk, zones=list(zones),
                                  drivers={}, telemetry=None, first_seen=now, last_seen=now,
                                  status_id="", status_at=now,
                                  approval=Approval.APPROVED.value)
                    session.add(row)
                    created.append(node_id)
                changed = self._assign(session, row, record, zones, actor=actor)
                done.append(RecordImported(node_id, created=made, changed=changed))
            session.flush()
        for node_id in created:
            self._remember_approval(node_id, Approval.APPROVED)
        return done

    def _assign(self, session: Session, row: NodeRow, record: Identity,
                zones: Sequence[str] | None, *, actor: str) -> bool:
        before = _record(row)
        if before == record:
            return False
        _set_record(row, record, zones)
        audit.record(session, actor=actor, action="node.record", entity="node",
                     entity_id=row.node_id, at=self._clock.now(),
                     before={"record": before.as_dict() if before else None},
                     after={"record": record.as_dict(), "declared": _declared(row).as_dict()})
        return True

    def rate_limited(self, node_id: str, bucket: str, *, retry_after_s: float) -> None:
        """A node met its request limit (the first refusal of a flood): audited, and so
        shown on the fleet page (`alerts`)."""
        with self._db.write() as session:
            audit.record(session, actor=f"node:{node_id}", action=RATE_LIMITED_ACTION,
                         entity="node", entity_id=node_id, at=self._clock.now(),
                         after={"limit": bucket, "retry_after_s": round(retry_after_s, 1)})

    def alerts(self, since: datetime) -> list[NodeAlert]:
        """The alerts audited since `since`: per node and kind the newest, with how many
        there were, newest first (at most ALERTS_SHOWN)."""
        with self._db.read() as session:
            groups = (select(func.max(AuditRow.id).label("newest"),
                             func.count().label("count"))
                      .where(AuditRow.entity == "node", AuditRow.action.in_(ALERT_ACTIONS),
                             AuditRow.at >= since)
                      .group_by(AuditRow.entity_id, AuditRow.action).subquery())
            rows = session.execute(select(AuditRow, groups.c.count).join(
                groups, AuditRow.id == groups.c.newest).order_by(AuditRow.id.desc())
                .limit(ALERTS_SHOWN)).all()
            return [NodeAlert(node_id=row.entity_id, action=row.action, at=row.at,
                              detail=dict(row.after or {}), count=int(count))
                    for row, count in rows]

    # Claiming ------------------------------------------------------------------

    def _remember_approval(self, node_id: str, approval: Approval) -> None:
        with self._approvals_lock:
            if self._approvals is not None:
                self._approvals[node_id] = approval

    def approval(self, node_id: str) -> Approval | None:
        """The node's approval, None for a node never heard from."""
        with self._approvals_lock:
            if self._approvals is None:
                with self._db.read() as session:
                    self._approvals = {
                        node: Approval(approval) for node, approval in session.execute(
                            select(NodeRow.node_id, NodeRow.approval))}
            return self._approvals.get(node_id)

    def trusted(self, node_id: str) -> bool:
        """Served by the hub: approved, or never heard from (its first status decides);
        pending, rejected and revoked nodes get nothing."""
        return self.approval(node_id) in (None, Approval.APPROVED)

    def _within_center(self, identity: Identity, zones: Sequence[str]) -> Identity:
        """The identity as a record, checked against the center's desks and zones
        (hub.domain.node_identity.valid_record); ValidationFailed otherwise."""
        config = self._center()
        return valid_record(identity.role, identity.desk, list(zones),
                            desks=[d.code for d in config.desks],
                            zone_codes=[z.code for z in config.zones])

    def decide(self, node_id: str, decision: Approval, *, actor: str,
               claim: Identity | None = None) -> NodeInfo:
        """An administrator's decision on a node, audited. Raises NotFound for an unknown
        node and Conflict for a decision its state does not allow.

        Approving a node without a record (a claim) makes its declaration the record, so
        the decision names the declaration the administrator saw (`claim`): a node that
        declared something else meanwhile (a click on a panel's claim approving it as a
        terminal) is refused with DeclarationChanged, and a declaration naming a desk or
        zone the center does not have with ValidationFailed; nothing is changed."""
        with self._db.write() as session:
            row = session.get(NodeRow, node_id)
            if row is None:
                raise _unknown(node_id)
            current = Approval(row.approval)
            if decision not in DECISIONS[current]:
                raise Conflict(f"node {node_id!r} is {current.value}: it cannot be "
                               f"{decision.value}",
                               Bilingual(kk="Құрылғының қазіргі күйінде бұл шешім мүмкін емес",
                                         ru="В текущем состоянии устройства такое решение "
                                            "невозможно"), field="decision")
            after: dict[str, Any] = {"approval": decision.value}
            if decision is Approval.APPROVED and _record(row) is None:
                # The claim approved: what the node declares, as the administrator saw
                # it, becomes its record.
                declared = _declared(row)
                if claim != declared:
                    raise DeclarationChanged(
                        f"node {node_id!r} declares {declared.as_dict()}, not "
                        f"{claim.as_dict() if claim else None}", DECLARATION_CHANGED_TEXT,
                        field="decision")
                _set_record(row, self._within_center(declared, row.zones), row.zones)
                after["record"] = declared.as_dict()
            row.approval = decision.value
            audit.record(session, actor=actor, action=f"node.{decision.value}",
                         entity="node", entity_id=node_id, at=self._clock.now(),
                         before={"approval": current.value}, after=after)
            session.flush()
            info = _info(row)
        self._remember_approval(node_id, decision)
        return info

    # Requests ------------------------------------------------------------------

    def claimer(self, node_id: str, request_id: str, kind: str) -> Callable[[Session], None]:
        """The claim a service runs inside its write transaction: records the request,
        or raises AlreadyHandled when it was recorded before."""
        def claim(session: Session) -> None:
            existing = session.scalars(select(NodeRequestRow).where(
                NodeRequestRow.node_id == node_id,
                NodeRequestRow.request_id == request_id)).first()
            if existing is not None:
                raise AlreadyHandled(existing.reply)
            session.add(NodeRequestRow(node_id=node_id, request_id=request_id, kind=kind,
                                       received_at=self._clock.now(), reply=None))
            session.flush()

        return claim

    def raise_if_handled(self, node_id: str, request_id: str) -> None:
        """AlreadyHandled when the request was recorded before: read before the action's
        own checks, so a press resent after a restart of the hub gets the answer it had
        (an action's checks would judge the desk as it is now, after the press)."""
        with self._db.read() as session:
            existing = session.scalars(select(NodeRequestRow).where(
                NodeRequestRow.node_id == node_id,
                NodeRequestRow.request_id == request_id)).first()
            if existing is not None:
                raise AlreadyHandled(existing.reply)

    def remember_replies(self, replies: Sequence[tuple[str, str, str, dict[str, Any]]]) -> None:
        """Store (node, request id, kind, reply) answers in one transaction; a request
        claimed by its action gets its reply added to the claim."""
        now = self._clock.now()
        with self._db.write() as session:
            for node_id, request_id, kind, reply in replies:
                changed = session.execute(
                    update(NodeRequestRow).where(NodeRequestRow.node_id == node_id,
                                                 NodeRequestRow.request_id == request_id)
                    .values(reply=reply)).rowcount  # type: ignore[attr-defined]
                if not changed:
                    session.add(NodeRequestRow(node_id=node_id, request_id=request_id,
                                               kind=kind, received_at=now, reply=reply))
                    session.flush()

    def forget_old_requests(self) -> int:
        with self._db.write() as session:
            result = session.execute(delete(NodeRequestRow).where(
                NodeRequestRow.received_at < self._clock.now() - REQUEST_MEMORY))
            return int(result.rowcount)  # type: ignore[attr-defined]
