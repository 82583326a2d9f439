"""The fleet page: every node of the center (ticket terminals, displays, call
buttons), whether it is online, when it was last heard from, its software, its
drivers, its latest heartbeat and how far its clock is from the hub's; what it is
(the hub's record, which an administrator changes here) and, when it says otherwise,
what it declares; and the last day's alerts, one line per node and kind: floods,
false declarations and faults of its connection (a wrong MQTT version, its
credentials connected twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from contract.mqtt import DriverState, NodeRole, Presence
from contract.node_faults import CLOCK_DRIVER, fault_text
from contract.node_faults import clock_level as node_clock_level
from hub.api.routes.nodes import SILENT_AFTER, is_silent
from hub.console.i18n import MESSAGES, text, translate
from hub.console.web import (
    PREFIX,
    checked_form,
    flash,
    flash_key,
    hub_of,
    language_of,
    need,
    render,
    see_other,
)
from hub.domain.errors import DomainError
from hub.domain.node_identity import Identity
from hub.domain.roles import Permission, allows
from hub.domain.text import Bilingual, Language
from hub.services.broker_access import BrokerAccess
from hub.services.connection_faults import TAKEN_OVER, WRONG_PROTOCOL
from hub.services.events import QueueEvent
from hub.services.node_records import change_record
from hub.services.nodes import CUT_OFF, DECISIONS, Approval, NodeAlert, NodeInfo
from hub.services.users import Principal

router = APIRouter(prefix=PREFIX, include_in_schema=False)

Viewer = Annotated[Principal, Depends(need(Permission.VIEW_QUEUE))]

ROLE_ORDER = tuple(role.value for role in NodeRole)
STATE_ORDER = tuple(state.value for state in DriverState)
# The alerts shown: a day's, so the morning's flood is still there in the afternoon.
ALERTS_SINCE = timedelta(days=1)
# A Raspberry Pi starts throttling at 80 °C; warn a little before.
CPU_WARM_C = 70.0
CPU_HOT_C = 80.0


@dataclass(frozen=True, slots=True)
class DriverRow:
    name: str  # shown name (translated when known)
    code: str
    state: str  # ok / warning / fault / off (anything else is shown as is)
    state_name: str
    detail: str | None  # the machine word
    detail_text: str | None  # its translation, when known


@dataclass(frozen=True, slots=True)
class NodeRow:
    node_id: str
    role: str
    presence: str  # online / silent / offline
    presence_name: str
    last_seen: datetime
    last_seen_ago: str
    software: str
    desk: str | None
    zones: list[str]
    drivers: list[DriverRow]
    outbox: int | None
    cpu_temp_c: float | None
    cpu_level: str  # ok / warm / hot / "" without a reading
    clock_skew_s: float | None = None  # the node's clock minus the hub's
    clock_shown: str = ""  # the skew as a person reads it ("+3 h 5 min"), "" unknown
    clock_level: str = ""  # ok / warning / fault / "" unknown
    clock_text: str | None = None  # what to do about it, for a warning or a fault
    approval: str = "approved"  # pending / approved / rejected / revoked
    approval_name: str = ""
    decisions: tuple[str, ...] = ()  # what an administrator may decide now
    recorded: bool = True  # False: no record yet (a claim awaiting approval)
    # What the node declares, shown when it differs from the record (each part named).
    mismatches: tuple[str, ...] = ()
    declared_role: str = ""
    declared_desk: str | None = None
    declared_zones: tuple[str, ...] = ()
    # The record's codes, for the administrator's forms (without a record: what the
    # node declares, the claim an approval makes its record).
    record_role: str = ""
    record_desk: str | None = None
    record_zones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One node's newest alert of one kind, and how many of that kind the day held."""

    node_id: str
    # node.rate_limited / node.identity_mismatch, or a connection fault the broker
    # reported: node.mqtt_protocol_refused / node.connection_taken_over
    action: str
    what: str
    at: datetime
    at_ago: str
    detail: str  # the limit met, what the node declared, its MQTT version, takeovers
    times: str = ""  # "12 times today" when the day held more than one, "" otherwise


@dataclass(frozen=True, slots=True)
class RoleGroup:
    role: str
    title: str
    nodes: list[NodeRow]


def _known(language: Language, key: str, fallback: str) -> str:
    return translate(language, key) if key in MESSAGES else fallback


def driver_name(language: Language, code: str) -> str:
    """A driver as a person reads it: a display's boards are `board-<name>`, the name
    the installer gave the board (hall, window-3) shown after the word for a board."""
    if code.startswith("board-"):
        return f"{translate(language, 'fleet.driver.board')} {code.removeprefix('board-')}"
    return _known(language, f"fleet.driver.{code}", code)


def ago(language: Language, elapsed: timedelta) -> str:
    """'5 min ago' in the page's language (a moment in the future counts as now)."""
    seconds = int(elapsed.total_seconds())
    if seconds < 5:
        return translate(language, "fleet.ago.now")
    if seconds < 60:
        return translate(language, "fleet.ago.seconds", n=seconds)
    minutes = seconds // 60
    if minutes < 60:
        return translate(language, "fleet.ago.minutes", n=minutes)
    hours = minutes // 60
    if hours < 24:
        return translate(language, "fleet.ago.hours", h=hours, m=minutes % 60)
    return translate(language, "fleet.ago.days", n=hours // 24)


def clock_shown(language: Language, skew: float) -> str:
    """The skew with its sign, in the unit a person reads best: '+2.5 s', '−12 min',
    '+3 h 5 min', '−2 days' (seconds with a decimal comma below 10 s)."""
    sign = "+" if skew > 0 else "−" if skew < 0 else ""
    size = abs(skew)
    if size < 10:
        amount = f"{size:.1f}".replace(".", ",")
        return sign + translate(language, "fleet.clock.seconds", n=amount)
    seconds = round(size)
    if seconds < 120:
        return sign + translate(language, "fleet.clock.seconds", n=seconds)
    minutes = seconds // 60
    if minutes < 120:
        return sign + translate(language, "fleet.clock.minutes", n=minutes)
    hours = minutes // 60
    if hours < 48:
        return sign + translate(language, "fleet.clock.hours", h=hours, m=minutes % 60)
    return sign + translate(language, "fleet.clock.days", n=hours // 24)


def clock_level(skew: float | None) -> str:
    """ok / warning / fault by the thresholds the node and the doctor use; "" unknown."""
    return "" if skew is None else node_clock_level(skew).value


def _detail_text(language: Language, detail: str) -> str | None:
    """A driver's machine word as a person reads it: the console's own words first,
    then the node faults' vocabulary (contract/node_faults.py)."""
    key = f"fleet.detail.{detail}"
    if key in MESSAGES:
        return translate(language, key)
    known = fault_text(detail)
    return (known.kk if language == Language.KK else known.ru) if known else None


def _presence(node: NodeInfo, now: datetime) -> str:
    if is_silent(node, now):
        return "silent"
    return "online" if node.presence == Presence.ONLINE.value else "offline"


def _drivers(node: NodeInfo, language: Language) -> list[DriverRow]:
    rows = []
    for code, value in sorted(node.drivers.items()):
        if code == CLOCK_DRIVER:
            continue  # the clock has its own column, with the skew itself
        state = str(value.get("state", "")) if isinstance(value, dict) else ""
        detail = value.get("detail") if isinstance(value, dict) else None
        rows.append(DriverRow(
            name=driver_name(language, code), code=code, state=state,
            state_name=_known(language, f"fleet.state.{state}", state),
            detail=detail if isinstance(detail, str) else None,
            detail_text=_detail_text(language, detail) if isinstance(detail, str) else None))
    # Faults first, then warnings: what needs a person is read first.
    rank = {state: i for i, state in enumerate(("fault", "warning", "ok", "off"))}
    return sorted(rows, key=lambda r: (rank.get(r.state, len(rank)), r.code))


def _cpu_level(temp: float | None) -> str:
    if temp is None:
        return ""
    return "hot" if temp >= CPU_HOT_C else "warm" if temp >= CPU_WARM_C else "ok"


def node_row(node: NodeInfo, now: datetime, language: Language,
             desk_labels: dict[str, str], zone_names: dict[str, str]) -> NodeRow:
    presence = _presence(node, now)
    telemetry: dict[str, Any] = node.telemetry or {}
    outbox = telemetry.get("outbox")
    temp = telemetry.get("cpu_temp_c")
    cpu = float(temp) if isinstance(temp, int | float) else None
    skew = node.clock_skew_s
    level = clock_level(skew)
    advice = fault_text("clock_skew") if level in ("warning", "fault") else None
    return NodeRow(
        node_id=node.node_id, role=node.role, presence=presence,
        presence_name=translate(language, f"fleet.presence.{presence}"),
        last_seen=node.last_seen, last_seen_ago=ago(language, now - node.last_seen),
        software=node.software,
        desk=desk_labels.get(node.desk, node.desk) if node.desk else None,
        zones=[zone_names.get(z, z) for z in node.zones],
        drivers=_drivers(node, language),
        outbox=outbox if isinstance(outbox, int) else None,
        cpu_temp_c=cpu, cpu_level=_cpu_level(cpu), clock_skew_s=skew,
        clock_shown=clock_shown(language, skew) if skew is not None else "",
        clock_level=level,
        clock_text=(advice.kk if language == Language.KK else advice.ru) if advice else None,
        approval=node.approval,
        approval_name=translate(language, f"fleet.approval.{node.approval}"),
        decisions=tuple(sorted(d.value for d in DECISIONS.get(Approval(node.approval), ()))),
        recorded=node.recorded, mismatches=tuple(m.value for m in node.mismatches),
        declared_role=role_name(language, node.declaration.role),
        declared_desk=(desk_labels.get(node.declaration.desk, node.declaration.desk)
                       if node.declaration.desk else None),
        declared_zones=tuple(zone_names.get(z, z) for z in sorted(node.declaration.zones)),
        record_role=node.role, record_desk=node.desk, record_zones=tuple(node.zones))


def role_name(language: Language, role: str) -> str:
    return _known(language, f"fleet.role_one.{role}", role)


def alert_rows(alerts: list[NodeAlert], now: datetime, language: Language,
               desk_labels: dict[str, str], zone_names: dict[str, str]) -> list[AlertRow]:
    """The audit's floods, false declarations and connection faults as the page shows
    them: one line per node and kind (NodeRegistry.alerts groups them)."""
    rows = []
    for alert in alerts:
        if alert.action == "node.rate_limited":
            limit = str(alert.detail.get("limit", ""))
            detail = _known(language, f"fleet.alert.limit.{limit}", limit)
        elif alert.action == WRONG_PROTOCOL:
            detail = f"MQTT {alert.detail.get('protocol', '')}"
        elif alert.action == TAKEN_OVER:
            detail = translate(language, "fleet.alert.count").format(
                count=alert.detail.get("count", 1))
        else:
            declared = alert.detail.get("declared")
            said = declared if isinstance(declared, dict) else {}
            desk = said.get("desk")
            detail = ", ".join(part for part in (
                role_name(language, str(said.get("role", ""))),
                desk_labels.get(desk, desk) if isinstance(desk, str) else "",
                " ".join(zone_names.get(str(z), str(z)) for z in said.get("zones") or ()))
                if part)
        rows.append(AlertRow(node_id=alert.node_id, action=alert.action,
                             what=_known(language, f"fleet.alert.{alert.action}", alert.action),
                             at=alert.at, at_ago=ago(language, now - alert.at), detail=detail,
                             times=translate(language, "fleet.alert.times").format(
                                 count=alert.count) if alert.count > 1 else ""))
    return rows


def fleet_groups(nodes: list[NodeInfo], now: datetime, language: Language,
                 desk_labels: dict[str, str], zone_names: dict[str, str]) -> list[RoleGroup]:
    """Nodes by role, in the order terminals, displays, call buttons (then anything else)."""
    roles = sorted({n.role for n in nodes},
                   key=lambda r: (ROLE_ORDER.index(r) if r in ROLE_ORDER else len(ROLE_ORDER), r))
    return [RoleGroup(role=role, title=_known(language, f"fleet.role.{role}", role),
                      nodes=[node_row(n, now, language, desk_labels, zone_names)
                             for n in sorted(nodes, key=lambda n: n.node_id) if n.role == role])
            for role in roles]


@router.get("/fleet")
def fleet_page(request: Request, principal: Viewer) -> Response:
    hub = hub_of(request)
    language = language_of(request, principal)
    config = hub.centers.snapshot().config
    now = hub.clock.now()
    desk_labels = {d.code: d.label.get(language) for d in config.desks}
    zone_names = {z.code: z.name.get(language) for z in config.zones}
    groups = fleet_groups(hub.nodes.all(), now, language, desk_labels, zone_names)
    counts = {kind: sum(1 for g in groups for n in g.nodes if n.presence == kind)
              for kind in ("online", "silent", "offline")}
    pending = sum(1 for g in groups for n in g.nodes if n.approval == Approval.PENDING)
    alerts = alert_rows(hub.nodes.alerts(now - ALERTS_SINCE), now, language, desk_labels,
                        zone_names)
    return render(request, "fleet.html", principal, section="fleet", groups=groups,
                  counts=counts, now=now, pending=pending, alerts=alerts,
                  may_decide=allows(principal.role, Permission.CONFIGURE_CENTER),
                  roles=[(role.value, role_name(language, role.value)) for role in NodeRole],
                  desks=[(d.code, d.label.get(language)) for d in config.desks],
                  zones=[(z.code, z.name.get(language)) for z in config.zones],
                  silent_seconds=int(SILENT_AFTER.total_seconds()))


# Claiming ---------------------------------------------------------------------

Decider = Annotated[Principal, Depends(need(Permission.CONFIGURE_CENTER))]
Form = Annotated[FormData, Depends(checked_form)]


@router.post("/fleet/{node_id}/approval")
def decide_node(request: Request, node_id: str, principal: Decider, form: Form) -> Response:
    """Approve, reject or revoke a node. Rejecting or revoking also removes its broker
    credentials and reloads the broker, when the hub manages them. The form carries the
    role, desk and zones the page showed for a node without a record: approving its
    claim makes them its record only if the node still declares them."""
    hub = hub_of(request)
    role = str(form.get("role", ""))
    claim = Identity.of(role, str(form.get("desk", "")).strip() or None,
                        [str(zone) for zone in form.getlist("zones")]) if role else None
    try:
        decision = Approval(str(form.get("decision", "")))
        hub.nodes.decide(node_id, decision, actor=principal.actor, claim=claim)
    except ValueError as error:  # an unknown decision, an unknown node, a wrong state
        template = text("fleet.decision_refused")
        reason = error.text if isinstance(error, DomainError) else Bilingual(
            kk="белгісіз шешім", ru="неизвестное решение")
        flash(request, Bilingual(kk=template.kk.format(reason=reason.kk),
                                 ru=template.ru.format(reason=reason.ru)), "error")
        return see_other(f"{PREFIX}/fleet")
    if decision in CUT_OFF:
        settings = hub.settings
        access = BrokerAccess(settings.broker_password_file, settings.broker_pid_file)
        outcome = access.cut_off(node_id)
        if not outcome.done:
            flash_key(request, "fleet.cut_off_failed", "error", node=node_id)
            return see_other(f"{PREFIX}/fleet")
    else:
        # The bridge sends the approved node its configuration (and a display its board).
        hub.bus.publish(QueueEvent(kind="config", at=hub.clock.now()))
    flash_key(request, f"fleet.decided.{decision.value}", node=node_id)
    return see_other(f"{PREFIX}/fleet")


@router.post("/fleet/{node_id}/record")
def change_node_record(request: Request, node_id: str, principal: Decider,
                       form: Form) -> Response:
    """Set what a node is (role, desk, zones): an administrator's action, audited
    before and after. The node acts as this record from its next request on."""
    hub = hub_of(request)
    desk = str(form.get("desk", "")).strip() or None
    zones = [str(zone) for zone in form.getlist("zones")]
    try:
        change_record(hub.nodes, hub.centers.snapshot().config, node_id,
                      role=str(form.get("role", "")), desk=desk, zones=zones,
                      actor=principal.actor)
    except DomainError as error:
        template = text("fleet.record.refused")
        flash(request, Bilingual(kk=template.kk.format(reason=error.text.kk),
                                 ru=template.ru.format(reason=error.text.ru)), "error")
        return see_other(f"{PREFIX}/fleet")
    # The bridge re-reads the records and sends the node its configuration.
    hub.bus.publish(QueueEvent(kind="config", at=hub.clock.now()))
    flash_key(request, "fleet.record.saved", node=node_id)
    return see_other(f"{PREFIX}/fleet")
