"""The hub's staffing as it showed it during a day run, sampled through its API.

Which desks are staffed depends on the moment (a panel press keeps a desk staffed
for a while, a visitor at a desk does); the hub answers for its present only. So
the day's staffing invariants (simulation.day.staffing_invariants) are judged on
what the API showed at moments of the day, recorded here every few simulated
minutes, not on a reconstruction after the fact."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

log = logging.getLogger("kezek.simulation.staffing")

# Often enough that a desk-hour worked from a panel is looked at several times, and
# the 3-hour alert is seen within a quarter of an hour of its turning on.
EVERY = timedelta(minutes=5)


class ApiReader(Protocol):
    """The running hub's API, signed in (simulation.day.hub_api.HubApi is one): a GET
    of a path such as "/api/v1/staffing" gives its decoded JSON."""

    def get(self, path: str) -> Any: ...


class SimulatedSleep(Protocol):
    def sleep(self, simulated_seconds: float, stop: threading.Event) -> bool: ...


@dataclass(frozen=True, slots=True)
class StaffingSample:
    """The unstaffed desks the hub showed at `at` (its own time), each with its alert."""

    at: datetime
    unstaffed: dict[str, bool]


@dataclass
class StaffingWatch:
    api: ApiReader
    timeline: SimulatedSleep
    every: timedelta = EVERY
    samples: list[StaffingSample] = field(default_factory=list)
    failures: int = 0  # samples lost while the hub was away
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sample(self) -> StaffingSample | None:
        """Ask the hub now; None (and counted) when it does not answer."""
        try:
            at = datetime.fromisoformat(str(self.api.get("/api/v1/queue")["at"]))
            unstaffed = {str(entry["desk"]): bool(entry["alert"])
                         for entry in self.api.get("/api/v1/staffing")}
        except Exception as error:
            log.info("staffing not sampled: %s", error)
            with self._lock:
                self.failures += 1
            return None
        taken = StaffingSample(at=at, unstaffed=unstaffed)
        with self._lock:
            self.samples.append(taken)
        return taken

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="staffing-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def of_day(self, start: datetime, end: datetime) -> list[StaffingSample]:
        with self._lock:
            return [s for s in self.samples if start <= s.at < end]

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            if not self.timeline.sleep(self.every.total_seconds(), self._stop):
                return
