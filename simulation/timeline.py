"""The one simulated time of a day run, shared by the hub, every node and the load driver.

A day run starts several processes (the hub, restarted when a fault kills it; the
virtual center; the runner with its load driver). They must agree on the time to the
second, or a terminal judges its leases by another date than the hub (the failure this
module exists against). So the time is not a running counter anyone owns, but a pure
function of the machine's real clock, described by three numbers every process gets in
the same `KEZEK_TIMELINE` string:

* `origin`: the real Unix time at which the simulation starts;
* `speed`: simulated seconds per real second;
* `windows`: the stretches of simulated time that are played, one after another:
  normally each working day from a little before opening to a little after closing.

Real time elapsed since `origin`, times `speed`, is laid over the windows in order;
between two windows simulated time jumps (the night, the weekend), as a hub's clock
"jumps" over a night nobody watches. After the last window it runs on at `speed`.
Before `origin` it stands at the first window's start. A process restarted mid-run
(the hub after a kill) reads the same string and is at once at the same moment.

`Timeline` satisfies the hub's `Clock` protocol (`now()`), and `timestamp()` /
`monotonic()` are the node's wall and monotonic clocks in a simulation: simulated
seconds, so the hub's time a node learns does not drift `speed` times faster than the
node's own clock."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ENV = "KEZEK_TIMELINE"


@dataclass(frozen=True, slots=True)
class Timeline:
    origin: float
    speed: float
    windows: tuple[tuple[datetime, datetime], ...]
    real_time: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError("the timeline's speed must be positive")
        if not self.windows:
            raise ValueError("the timeline needs at least one window")
        previous: datetime | None = None
        for start, end in self.windows:
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError("the timeline's windows need aware datetimes")
            if end <= start:
                raise ValueError(f"window {start}..{end} is empty")
            if previous is not None and start < previous:
                raise ValueError("the timeline's windows must follow one another")
            previous = end

    @classmethod
    def starting_now(cls, speed: float, windows: Sequence[tuple[datetime, datetime]], *,
                     delay: float = 0.0) -> Timeline:
        """A timeline whose first window starts `delay` real seconds from now."""
        return cls(origin=time.time() + delay, speed=speed, windows=tuple(windows))

    # Reading the time ---------------------------------------------------------------

    def simulated_elapsed(self) -> float:
        """Simulated seconds played since the start (nights not counted)."""
        return max(0.0, self.real_time() - self.origin) * self.speed

    def now(self) -> datetime:
        played = self.simulated_elapsed()
        for start, end in self.windows:
            length = (end - start).total_seconds()
            if played < length:
                return start + timedelta(seconds=played)
            played -= length
        return self.windows[-1][1] + timedelta(seconds=played)

    def timestamp(self) -> float:
        """The simulated time as Unix seconds: a simulated node's wall clock."""
        return self.now().timestamp()

    def monotonic(self) -> float:
        """A simulated node's monotonic clock: it follows the nights' jumps, so the
        offset between it and the hub's (simulated) time stays constant."""
        return self.timestamp()

    # Waiting ------------------------------------------------------------------------

    def real_at(self, moment: datetime) -> float:
        """The real Unix time at which the simulation reaches `moment` (a moment in a
        night is reached when the next window starts)."""
        played = 0.0
        for start, end in self.windows:
            if moment < start:
                break
            if moment < end:
                played += (moment - start).total_seconds()
                return self.origin + played / self.speed
            played += (end - start).total_seconds()
        else:
            played += (moment - self.windows[-1][1]).total_seconds()
        return self.origin + played / self.speed

    def wait_until(self, moment: datetime, stop: threading.Event) -> bool:
        """Sleep until the simulation reaches `moment`; False when `stop` was set."""
        while not stop.is_set():
            left = self.real_at(moment) - self.real_time()
            if left <= 0:
                return True
            stop.wait(min(left, 1.0))
        return False

    def sleep(self, simulated_seconds: float, stop: threading.Event) -> bool:
        """Sleep a stretch of simulated time; False when `stop` was set."""
        return self.wait_until(self.now() + timedelta(seconds=simulated_seconds), stop)

    # Passing it to other processes ----------------------------------------------------

    def to_env(self) -> str:
        return json.dumps({"origin": self.origin, "speed": self.speed,
                           "windows": [[s.isoformat(), e.isoformat()]
                                       for s, e in self.windows]})

    @classmethod
    def from_env(cls, text: str) -> Timeline:
        try:
            data = json.loads(text)
            return cls(origin=float(data["origin"]), speed=float(data["speed"]),
                       windows=tuple((datetime.fromisoformat(s), datetime.fromisoformat(e))
                                     for s, e in data["windows"]))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{ENV} is not a timeline: {error}") from error


@dataclass(frozen=True, slots=True)
class OffClock:
    """A node whose own clock is wrong by `hours` (a fault of the day run): its wall
    clock is off, its monotonic clock is not (a wrong date does not change how fast
    seconds pass)."""

    timeline: Timeline
    hours: float

    def timestamp(self) -> float:
        return self.timeline.timestamp() + self.hours * 3600

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)
