"""The fleet: the center's devices (ticket terminals, displays, call buttons) as the
hub last heard from them over MQTT: presence, software, drivers, telemetry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from contract.mqtt import DriverState, NodeRole, Presence
from hub.api.deps import HubDep, Viewer
from hub.domain.errors import NotFound
from hub.domain.text import Bilingual
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


class NodeOut(BaseModel):
    node_id: str
    role: NodeRole
    presence: Presence = Field(description="as the node (or its will) last said")
    silent: bool = Field(description=f"online, but nothing heard for over "
                                     f"{int(SILENT_AFTER.total_seconds())} s")
    software: str
    desk: str | None
    zones: list[str]
    drivers: dict[str, DriverOut] = Field(description="the latest state of each driver")
    telemetry: TelemetryOut | None = Field(description="the latest heartbeat, if any")
    first_seen: datetime
    last_seen: datetime = Field(description="the hub's time of the last message")

    @classmethod
    def of(cls, node: NodeInfo, now: datetime) -> NodeOut:
        return cls(node_id=node.node_id, role=NodeRole(node.role),
                   presence=Presence(node.presence), silent=is_silent(node, now),
                   software=node.software, desk=node.desk, zones=list(node.zones),
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
