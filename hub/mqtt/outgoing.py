"""What the hub tells nodes unasked: display snapshots, announcements, node
configuration. Built from the queue's state and the center's configuration; numbers,
codes and labels only."""

from __future__ import annotations

from contract.mqtt import (
    Announcement,
    AnnouncementKind,
    CallShown,
    DisplaySnapshot,
    Named,
    NodeConfig,
    NodeRole,
    Text,
    ZoneCount,
    ZoneNumbers,
)
from hub.domain.center import CenterConfig
from hub.domain.text import Bilingual
from hub.services.events import QueueEvent
from hub.services.nodes import NodeInfo
from hub.services.views import QueueState

CALLS_SHOWN = 10
# Queue events a speaker says aloud, and how.
SPOKEN = {"called": AnnouncementKind.CALL, "recalled": AnnouncementKind.RECALL}


def _text(value: Bilingual) -> Text:
    return Text(kk=value.kk, ru=value.ru)


def followed_zones(node: NodeInfo, config: CenterConfig) -> set[str]:
    """A display with no zones configured is a hall board: it follows every serving zone."""
    return set(node.zones) or {zone.code for zone in config.zones if zone.serving}


def display_snapshot(state: QueueState, zones: set[str]) -> DisplaySnapshot:
    return DisplaySnapshot(
        service_day=state.service_day, opening=state.opening,
        zones=[ZoneCount(zone=zone.code, name=_text(zone.name), waiting=len(zone.waiting))
               for zone in state.zones if zone.code in zones],
        calls=[CallShown(number=call.number, zone=call.zone, desk=call.desk,
                         desk_label=_text(call.desk_label), at=call.at, state=call.state)
               for call in state.recent_calls if call.zone in zones][:CALLS_SHOWN])


def announcement(event: QueueEvent, config: CenterConfig) -> Announcement | None:
    """The spoken call for a queue event, or None when the event is not said aloud."""
    kind = SPOKEN.get(event.kind)
    if (kind is None or event.desk is None or event.number is None or event.zone is None
            or event.language is None):
        return None
    desk = config.desk(event.desk)
    return Announcement(kind=kind, number=event.number, zone=event.zone, desk=desk.code,
                        desk_label=_text(desk.label),
                        language=event.language)


def node_config(node: NodeInfo, config: CenterConfig) -> NodeConfig:
    try:
        role: NodeRole | None = NodeRole(node.role)
    except ValueError:
        role = None
    return NodeConfig(
        center_name=_text(config.name), role=role, desk=node.desk,
        zones=sorted(followed_zones(node, config)) if role is NodeRole.DISPLAY
        else list(node.zones),
        purposes=[Named(code=p.code, name=_text(p.name)) for p in config.purposes],
        zone_names=[Named(code=z.code, name=_text(z.name)) for z in config.zones],
        desks=[Named(code=d.code, name=_text(d.label)) for d in config.desks if d.active],
        out_of_turn=[Named(code=c.code, name=_text(c.name)) for c in config.out_of_turn],
        number_ranges=[ZoneNumbers(zone=z.code, first=z.number_range.first,
                                   last=z.number_range.last)
                       for z in config.zones if z.number_range is not None])
