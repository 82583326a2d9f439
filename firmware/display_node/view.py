"""What a display node shows, kept from the hub's retained snapshots: the calls of its
zones (newest first), waiting counts, which call is new (it blinks a few seconds), and
whether the link to the hub is up. Boards and the TV page both read from here.

Plain Python: no MQTT, no serial, no HTTP. A snapshot carries numbers, zone and desk codes
and desk labels only, and only those reach a board or the page."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contract.mqtt import CallShown, DisplaySnapshot

log = logging.getLogger(__name__)

NO_CONNECTION = {"kk": "Байланыс жоқ", "ru": "Нет связи"}
# A call in this state is a visitor sent on to the desk shown (a transfer), not called.
TRANSFERRED = "transferred"


def desk_short(call: CallShown) -> str:
    """The desk as a board shows it: its number (3, 105), else its code."""
    for label in (call.desk_label.ru, call.desk_label.kk, call.desk):
        digits = re.findall(r"\d+", label)
        if digits:
            return str(digits[-1])
    return call.desk


@dataclass(frozen=True, slots=True)
class CallKey:
    number: int
    desk: str
    at: datetime


def key(call: CallShown) -> CallKey:
    return CallKey(call.number, call.desk, call.at)


class DisplayState:
    """Thread-safe: snapshots arrive on the node's callback thread, the page server and
    the boards read from theirs. `zones` empty means every zone the hub sends."""

    def __init__(self, zones: Sequence[str], *, blink_seconds: float = 5.0,
                 link_grace_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.zones = frozenset(zones)
        self.blink_seconds = blink_seconds
        self.link_grace_seconds = link_grace_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: DisplaySnapshot | None = None
        self._newest: CallKey | None = None
        self._newest_since = 0.0
        self._connected = False
        self._lost_since: float | None = clock()
        self._unknown_zones_logged: set[str] = set()
        self.version = 0  # bumped on every change a reader should redraw for

    def apply(self, snapshot: DisplaySnapshot) -> list[CallShown]:
        """Take a snapshot; returns the calls that are new since the last one (newest
        first), which the boards and the page highlight."""
        if self.zones:
            unknown = {zone.zone for zone in snapshot.zones} | {c.zone for c in snapshot.calls}
            unknown -= self.zones
            if unknown - self._unknown_zones_logged:
                log.warning("snapshot names zones this display does not show; ignored",
                            extra={"zones": sorted(unknown)})
                self._unknown_zones_logged |= unknown
            snapshot = snapshot.model_copy(update={
                "zones": [z for z in snapshot.zones if z.zone in self.zones],
                "calls": [c for c in snapshot.calls if c.zone in self.zones]})
        with self._lock:
            before = {key(call) for call in self._snapshot.calls} if self._snapshot else set()
            self._snapshot = snapshot
            fresh = [call for call in snapshot.calls if key(call) not in before]
            newest = key(snapshot.calls[0]) if snapshot.calls else None
            if newest is not None and newest != self._newest and fresh:
                self._newest_since = self._clock()
            self._newest = newest
            self.version += 1
        return fresh

    def link(self, connected: bool) -> bool:
        """Record the link's state; True when it changed."""
        with self._lock:
            if connected == self._connected:
                return False
            self._connected = connected
            self._lost_since = None if connected else self._clock()
            self.version += 1
            return True

    def online(self) -> bool:
        """Whether what is shown may be trusted: the link is up, or was lost only for
        less than the grace period (a broker blip should not blank the hall)."""
        with self._lock:
            return self._online()

    def _online(self) -> bool:
        if self._lost_since is None:
            return True
        return self._snapshot is not None and (
            self._clock() - self._lost_since < self.link_grace_seconds)

    def calls(self) -> list[CallShown]:
        with self._lock:
            return list(self._snapshot.calls) if self._snapshot and self._online() else []

    def page(self) -> dict[str, Any]:
        """The TV page's data: JSON-ready, numbers and desk labels only."""
        with self._lock:
            online = self._online()
            snapshot = self._snapshot if online else None
            blinking = (self._newest is not None
                        and self._clock() - self._newest_since < self.blink_seconds)
            return {
                "online": online,
                "ready": snapshot is not None,
                "version": self.version,
                "no_connection": NO_CONNECTION,
                "opening": snapshot.opening if snapshot else None,
                "calls": [{
                    "number": call.number,
                    "desk": desk_short(call),
                    "desk_kk": call.desk_label.kk,
                    "desk_ru": call.desk_label.ru,
                    "at": call.at.isoformat(),
                    "transferred": call.state == TRANSFERRED,
                    "new": index == 0 and blinking,
                } for index, call in enumerate(snapshot.calls if snapshot else [])],
                "zones": [{"zone": zone.zone, "kk": zone.name.kk, "ru": zone.name.ru,
                           "waiting": zone.waiting}
                          for zone in (snapshot.zones if snapshot else [])],
            }


def hall_rows(calls: Sequence[CallShown], rows: int, *, online: bool = True) -> list[str]:
    """A hall board: the newest calls, one per row, "105 > 3"; dashes with no link."""
    if not online:
        return ["----"] * rows
    lines = [f"{call.number} > {desk_short(call)}" for call in calls[:rows]]
    return lines + [""] * (rows - len(lines))


def desk_rows(calls: Sequence[CallShown], desk: str, *, online: bool = True) -> list[str]:
    """A desk's numeric board: the ticket last called to that desk, or blank."""
    if not online:
        return ["----"]
    for call in calls:
        if call.desk == desk:
            return [str(call.number)]
    return [""]
