"""The clocks of a virtual node: the machine's, or a day run's simulated time
(`simulation/timeline.py`), so that every node of the virtual center and the hub agree
on the time (a node on the machine clock next to a hub on a simulated one shows an
hours-long clock fault and judges its leases by another date).

In a day run the node's monotonic clock is the simulated one too: the hub's time a
node learns is anchored to it, and on the machine's monotonic clock it would run
`speed` times slower than the hub's."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# The hub shows a node as silent after three missed 30-s heartbeats of its own time
# (hub/api/routes/nodes.py); a simulated node beats every HEARTBEAT_SIMULATED_SECONDS of
# simulated time, but not more often than HEARTBEAT_FLOOR_SECONDS of real time (each
# beat is a database write at the hub; at speed 300 that floor is 75 simulated seconds,
# still inside the hub's 90).
HEARTBEAT_SIMULATED_SECONDS = 30.0
HEARTBEAT_FLOOR_SECONDS = 0.25
HEARTBEAT_REAL_SECONDS = 30.0  # a node on the machine clock: firmware's default
# A terminal reads its printer's paper every 3 s (firmware's default): at speed 300 that
# is 15 simulated minutes in which visitors are refused after the paper is back. A
# simulated terminal reads it every PRINTER_POLL_SIMULATED_SECONDS of simulated time,
# not more often than PRINTER_POLL_FLOOR_SECONDS of real time.
PRINTER_POLL_REAL_SECONDS = 3.0
PRINTER_POLL_SIMULATED_SECONDS = 5.0
PRINTER_POLL_FLOOR_SECONDS = 0.05


class SimulatedTime(Protocol):
    """What a node needs of simulation.timeline.Timeline."""

    @property
    def speed(self) -> float: ...

    def timestamp(self) -> float: ...

    def monotonic(self) -> float: ...


@dataclass(frozen=True, slots=True)
class NodeClocks:
    wall: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    heartbeat_seconds: float = HEARTBEAT_REAL_SECONDS
    printer_poll_seconds: float = PRINTER_POLL_REAL_SECONDS

    @classmethod
    def simulated(cls, timeline: SimulatedTime, *, off_hours: float = 0.0) -> NodeClocks:
        """A node on the day run's time; `off_hours` sets its own (wall) clock that far
        wrong (the "clock hours wrong" fault: the date is wrong, not how fast seconds
        pass, so the monotonic clock is the timeline's)."""
        def wall() -> float:
            return timeline.timestamp() + off_hours * 3600

        heartbeat = min(HEARTBEAT_REAL_SECONDS, max(
            HEARTBEAT_SIMULATED_SECONDS / timeline.speed, HEARTBEAT_FLOOR_SECONDS))
        poll = min(PRINTER_POLL_REAL_SECONDS, max(
            PRINTER_POLL_SIMULATED_SECONDS / timeline.speed, PRINTER_POLL_FLOOR_SECONDS))
        return cls(wall=wall if off_hours else timeline.timestamp,
                   monotonic=timeline.monotonic, heartbeat_seconds=heartbeat,
                   printer_poll_seconds=poll)


MACHINE_CLOCKS = NodeClocks()
