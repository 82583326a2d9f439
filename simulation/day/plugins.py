"""Where the runner meets the day's other pieces, each call in this one place: the
visitors and operators (simulation/day/visitors.py), the invariants
(simulation/day/invariants.py), the node-topic sniffer (simulation/day/sniffer.py), the
staffing watch (simulation/day/staffing_watch.py) and the hub's API client
(simulation/day/hub_api.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from firmware.virtual.nodes import SimulatedButtons, SimulatedTerminal
from simulation.day.hub_api import HubApi
from simulation.day.invariants import check_day as check_invariants
from simulation.day.profile import DayProfile
from simulation.day.records import DayRecords
from simulation.day.sniffer import TopicSniffer
from simulation.day.staffing_watch import StaffingWatch
from simulation.day.visitors import DayVisitors
from simulation.timeline import Timeline

Visitors = DayVisitors
Sniffer = TopicSniffer


def hub_api(base_url: str, admin: str, password: str) -> HubApi:
    """The hub's API client, signed in as the administrator."""
    return HubApi.signed_in(base_url, admin, password)


def visitors(timeline: Timeline, terminals: Sequence[SimulatedTerminal],
             buttons: Sequence[SimulatedButtons], api: HubApi, records: DayRecords,
             seed: int) -> DayVisitors:
    return DayVisitors(timeline, terminals, buttons, api, DayProfile.default(), records,
                       seed=seed)


def sniffer(broker_url: str, username: str, password: str, center: str) -> TopicSniffer:
    return TopicSniffer(broker_url, username, password, center=center)


def staffing_watch(api: HubApi, timeline: Timeline) -> StaffingWatch:
    """The hub's staffing sampled through the day: the hub tells only who is staffed
    now, and the invariants judge every moment of the day."""
    return StaffingWatch(api, timeline)


@dataclass(frozen=True, slots=True)
class InvariantRow:
    """One line of the day's table."""

    name: str
    ok: bool
    detail: str


def check_day(*, day: date, window: tuple[datetime, datetime], api: HubApi,
              database_url: str, records: DayRecords, topics: list[tuple[str, bytes]],
              topics_dropped: int, staffing: StaffingWatch, database_bytes_before: int,
              database_bytes_after: int,
              hub_down: Sequence[tuple[datetime, datetime]],
              paper_out: Sequence[tuple[datetime, datetime]]) -> list[InvariantRow]:
    """The invariants of `day`, as rows of the run's table."""
    results = check_invariants(database_url, day, records, topics=topics,
                               database_bytes_before=database_bytes_before,
                               database_bytes_after=database_bytes_after,
                               topics_dropped=topics_dropped, hub_down=hub_down,
                               paper_out=paper_out,
                               staffing=staffing.of_day(*window), api=api)
    return [InvariantRow(name=result.name, ok=result.ok,
                         detail=f"{result.measured} (limit {result.limit})"
                         + (f": {result.detail}" if result.detail else ""))
            for result in results]
