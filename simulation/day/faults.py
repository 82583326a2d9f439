"""The faults of a day run, on a schedule of simulated time: what goes wrong in a real
center in a day (the hub's machine dies, the broker restarts, a printer runs out of
paper, a terminal loses its network, a board reboots), each at a set time after
opening, each noted in the day's records with its simulated time, each switchable.

A terminal whose clock is hours wrong is not an event: it is built so
(`CLOCK_OFF_HOURS`) and noted at the start."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from simulation.day.records import DayRecords
from simulation.day.schedule import DayPlan
from simulation.timeline import Timeline

log = logging.getLogger("kezek.day.faults")

HUB_KILL = "hub_kill"
BROKER_RESTART = "broker_restart"
PAPER_OUT = "paper_out"
TERMINAL_OFFLINE = "terminal_offline"
CLOCK_OFF = "clock_off"
DISPLAY_REBOOT = "display_reboot"
ALL_FAULTS = frozenset({HUB_KILL, BROKER_RESTART, PAPER_OUT, TERMINAL_OFFLINE, CLOCK_OFF,
                        DISPLAY_REBOOT})

CLOCK_OFF_HOURS = 7.0  # the terminal's own clock; the hub's time it learns is right


class FaultActions(Protocol):
    """What the runner lets the schedule do."""

    def kill_hub(self) -> str: ...

    def restart_broker(self) -> str: ...

    def paper(self, present: bool) -> str: ...

    def network(self, plugged: bool) -> str: ...

    def reboot_display(self) -> str: ...


@dataclass(frozen=True, slots=True)
class FaultEvent:
    at: datetime  # simulated
    fault: str
    what: str
    act: Callable[[], str]  # does it; returns a detail for the notes


@dataclass(frozen=True, slots=True)
class FaultTimes:
    """When each fault happens, after opening (simulated)."""

    paper_out: timedelta = timedelta(hours=1)  # 10:00, for 30 min
    paper_out_lasts: timedelta = timedelta(minutes=30)
    hub_kill: timedelta = timedelta(hours=2)  # 11:00, restarted at once
    display_reboot: timedelta = timedelta(hours=2, minutes=45)
    terminal_offline: timedelta = timedelta(hours=5, minutes=45)  # 14:45, for an hour
    terminal_offline_lasts: timedelta = timedelta(hours=1)
    broker_restart: timedelta = timedelta(hours=7, minutes=30)  # 16:30


def day_events(plan: DayPlan, actions: FaultActions, enabled: Iterable[str],
               times: FaultTimes = FaultTimes()) -> list[FaultEvent]:
    on = set(enabled)
    opens = plan.opens
    events: list[FaultEvent] = []
    if PAPER_OUT in on:
        events += [
            FaultEvent(opens + times.paper_out, PAPER_OUT, "printer out of paper",
                       lambda: actions.paper(False)),
            FaultEvent(opens + times.paper_out + times.paper_out_lasts, PAPER_OUT,
                       "paper put back", lambda: actions.paper(True))]
    if HUB_KILL in on:
        events.append(FaultEvent(opens + times.hub_kill, HUB_KILL,
                                 "hub killed (SIGKILL) and started again", actions.kill_hub))
    if DISPLAY_REBOOT in on:
        events.append(FaultEvent(opens + times.display_reboot, DISPLAY_REBOOT,
                                 "display node rebooted", actions.reboot_display))
    if TERMINAL_OFFLINE in on:
        events += [
            FaultEvent(opens + times.terminal_offline, TERMINAL_OFFLINE,
                       "terminal's network cable pulled", lambda: actions.network(False)),
            FaultEvent(opens + times.terminal_offline + times.terminal_offline_lasts,
                       TERMINAL_OFFLINE, "terminal's network cable plugged back",
                       lambda: actions.network(True))]
    if BROKER_RESTART in on:
        events.append(FaultEvent(opens + times.broker_restart, BROKER_RESTART,
                                 "broker restarted", actions.restart_broker))
    return sorted(events, key=lambda event: event.at)


class FaultSchedule:
    """Plays the events of every day on the timeline, in a thread of its own."""

    def __init__(self, timeline: Timeline, events: list[FaultEvent],
                 records: DayRecords) -> None:
        self.timeline = timeline
        self.events = sorted(events, key=lambda event: event.at)
        self.records = records
        self.failures: list[str] = []
        self.done: list[FaultEvent] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._play, name="kezek-day-faults",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)

    def _play(self) -> None:
        for event in self.events:
            if not self.timeline.wait_until(event.at, self._stop):
                return
            started = self.timeline.now()
            try:
                detail = event.act()
            except Exception as error:
                log.exception("fault %s failed", event.fault)
                self.failures.append(f"{event.fault} at {event.at:%Y-%m-%d %H:%M}: {error}")
                detail = f"FAILED: {error}"
            else:
                self.done.append(event)
            self.records.note(f"{started.isoformat(timespec='seconds')} {event.fault}: "
                              f"{event.what}" + (f" ({detail})" if detail else ""))
            log.info("fault %s: %s %s", event.fault, event.what, detail)
