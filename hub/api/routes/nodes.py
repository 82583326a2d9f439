"""The fleet: the center's devices (ticket terminals, displays, call buttons) as the
hub last heard from them over MQTT: presence, software, drivers, telemetry; what each
is (the hub's record, which an administrator changes here) and what each declares."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from contract.mqtt import DriverState, NodeRole, Presence
from hub.api.deps import Configurator, HubDep, Viewer
from hub.domain.errors import NotFound
from hub.domain.text import Bilingual
from hub.services.events import QueueEvent
from hub.services.node_records import change_record
from hub.services.nodes import NodeInfo

router = APIRouter(prefix="/api/v1/nodes", tags=["nodes"])

# Nodes send telemetry every 30 s (firmware's `heartbeat_seconds`). A node marked
# online that missed three heartbeats may have lost power before the broker noticed
# (its will comes only after the keep-alive runs out): it is shown as silent.
HEARTBEAT = timedelta(seconds=30)
SILENT_AFTER = 3 * HEARTBEAT


def is_silent(node: NodeInfo, now: datetime) -> bool:
    """Online by its last status, but not heard from for longer than three heartbeats."""
    return node.presence == Presence.ONLINE.value and now - node.last_seen > SILENT_AFTER


class DriverOut(BaseModel):
    state: DriverState = Field(description="ok, warning (needs attention soon), fault or off")
    detail: str | None = Field(None, description="a machine word, e.g. paper_low")


class TelemetryOut(BaseModel):
    at: datetime = Field(description="when the node measured it (the node's clock)")
    uptime_s: float
    outbox: int = Field(description="requests the node holds, waiting to be answered")
    cpu_temp_c: float | None
    clock_skew_s: float | None = Field(
        None, description="the node's clock minus the hub's, in seconds (null: not known "
                          "yet); nodes take the hub's time from its messages, so this says "
                          "only how wrong the node's own clock is (NTP)")


class DeclaredOut(BaseModel):
    role: NodeRole
    desk: str | None
    zones: list[str]


class NodeOut(BaseModel):
    node_id: str
    role: NodeRole = Field(description="the hub's record: what the node may act as")
    presence: Presence = Field(description="as the node (or its will) last said")
    silent: bool = Field(description=f"online, but nothing heard for over "
                                     f"{int(SILENT_AFTER.total_seconds())} s")
    software: str
    desk: str | None = Field(description="the hub's record (a call button acts only there)")
    zones: list[str] = Field(description="the hub's record")
    recorded: bool = Field(description="false: no record yet (a claim awaiting approval); "
                                       "role, desk and zones are then what it declares")
    declared: DeclaredOut = Field(description="what the node's last status declared")
    identity_mismatch: list[Literal["role", "desk", "zones"]] = Field(
        description="how the declaration differs from the record; not empty: every "
                    "request of the node is refused (identity_mismatch)")
    drivers: dict[str, DriverOut] = Field(description="the latest state of each driver")
    telemetry: TelemetryOut | None = Field(description="the latest heartbeat, if any")
    first_seen: datetime
    last_seen: datetime = Field(description="the hub's time of the last message")

    @classmethod
    def of(cls, node: NodeInfo, now: datetime) -> NodeOut:
        return cls(node_id=node.node_id, role=NodeRole(node.role),
                   presence=Presence(node.presence), silent=is_silent(node, now),
                   software=node.software, desk=node.desk, zones=list(node.zones),
                   recorded=node.recorded,
                   declared=DeclaredOut(role=NodeRole(node.declaration.role),
                                        desk=node.declaration.desk,
                                        zones=sorted(node.declaration.zones)),
                   identity_mismatch=[m.value for m in node.mismatches],
                   drivers={name: DriverOut.model_validate(value)
                            for name, value in node.drivers.items()},
                   telemetry=_telemetry(node.telemetry), first_seen=node.first_seen,
                   last_seen=node.last_seen)


def _telemetry(stored: dict[str, Any] | None) -> TelemetryOut | None:
    if stored is None:
        return None
    return TelemetryOut.model_validate({key: stored.get(key) for key in
                                        ("at", "uptime_s", "outbox", "cpu_temp_c",
                                         "clock_skew_s")})


@router.get("", response_model=list[NodeOut], summary="Every node the hub has heard from")
def list_nodes(hub: HubDep, _: Viewer) -> list[NodeOut]:
    now = hub.clock.now()
    return [NodeOut.of(node, now) for node in hub.nodes.all()]


@router.get("/{node_id}", response_model=NodeOut, summary="One node")
def get_node(node_id: str, hub: HubDep, _: Viewer) -> NodeOut:
    node = hub.nodes.get(node_id)
    if node is None:
        raise NotFound(f"no node {node_id!r}",
                       Bilingual(kk=f"«{node_id}» құрылғысы табылмады",
                                 ru=f"Устройство «{node_id}» не найдено"),
                       field="node_id")
    return NodeOut.of(node, hub.clock.now())


class RecordIn(BaseModel):
    role: NodeRole
    desk: str | None = Field(None, max_length=40, description="a call button's desk")
    zones: list[str] = Field(default_factory=list, max_length=50)


@router.put("/{node_id}/record", response_model=NodeOut,
            summary="Set what a node is: its role, desk and zones (administrators)")
def set_record(node_id: str, body: RecordIn, hub: HubDep, principal: Configurator) -> NodeOut:
    """The node acts as this record from its next request on; a node declaring
    anything else is refused (identity_mismatch). Audited with before and after."""
    node = change_record(hub.nodes, hub.centers.snapshot().config, node_id,
                         role=body.role.value, desk=body.desk, zones=body.zones,
                         actor=principal.actor)
    # The bridge re-reads the records and sends the node its configuration.
    hub.bus.publish(QueueEvent(kind="config", at=hub.clock.now()))
    return NodeOut.of(node, hub.clock.now())
