"""Where the runner meets the day's other pieces, each call in this one place: the
visitors and operators (simulation/day/visitors.py), the invariants
(simulation/day/invariants.py), the node-topic sniffer (simulation/day/sniffer.py) and
the hub's API client (simulation/day/hub_api.py).

Until those modules are in the tree the runner stands in with what exists: the virtual
center's LoadDriver for the visitors (it fills no DayRecords), no sniffer, no API
client, and only the runner's own checks (simulation/day/checks.py). Each stand-in is
reported when used; nothing here pretends an invariant was checked."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from contract.mqtt import Topics
from firmware.virtual.load import LoadDriver, LoadProfile
from firmware.virtual.nodes import SimulatedButtons, SimulatedTerminal
from simulation.day.records import DayRecords
from simulation.timeline import Timeline

log = logging.getLogger("kezek.day")

STAND_IN_ARRIVALS_PER_HOUR = 60.0


class Startable(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def _module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise  # the module is there and something it imports is not
        return None


def hub_api(base_url: str, admin: str, password: str) -> Any | None:
    """The hub's API client, signed in as the administrator; None until it exists."""
    module = _module("simulation.day.hub_api")
    if module is None:
        log.warning("simulation/day/hub_api.py is not here: no API client")
        return None
    return module.HubApi.signed_in(base_url, admin, password)


def visitors(timeline: Timeline, terminals: Sequence[SimulatedTerminal],
             buttons: Sequence[SimulatedButtons], api: Any | None, records: DayRecords,
             seed: int) -> Visitors:
    module = _module("simulation.day.visitors")
    if module is None or api is None:
        log.warning("simulation/day/visitors.py is not here: the LoadDriver stands in "
                    "(no day curve, no console operators, no day records)")
        records.note("visitors: LoadDriver stand-in (simulation/day/visitors.py absent)")
        return _LoadDriverStandIn(LoadDriver(list(terminals), list(buttons), LoadProfile(
            arrivals_per_hour=STAND_IN_ARRIVALS_PER_HOUR, speed=timeline.speed, seed=seed)))
    profile = importlib.import_module("simulation.day.profile").DayProfile.default()
    started: Visitors = module.DayVisitors(timeline, terminals, buttons, api, profile,
                                           records, seed=seed)
    return started


class Visitors(Startable, Protocol):
    errors: list[str]  # threads of the load that died


@dataclass
class _LoadDriverStandIn:
    driver: LoadDriver
    errors: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.driver.start()

    def stop(self) -> None:
        self.driver.stop()


class Sniffer(Startable, Protocol):
    def take(self) -> tuple[list[tuple[str, bytes]], int]: ...


def sniffer(broker_url: str, username: str, password: str, center: str) -> Sniffer | None:
    module = _module("simulation.day.sniffer")
    if module is None:
        log.warning("simulation/day/sniffer.py is not here: node topics are not recorded")
        return None
    started: Sniffer = module.TopicSniffer(broker_url, username, password,
                                           subscription=f"{Topics(center).root}/#")
    return started


@dataclass(frozen=True, slots=True)
class InvariantRow:
    """One line of the day's table."""

    name: str
    ok: bool
    detail: str


def check_day(*, day: date, api: Any | None, database_url: str, records: DayRecords,
              topics: list[tuple[str, bytes]] | None, topics_dropped: int,
              database_bytes_before: int, database_bytes_after: int,
              hub_down: Sequence[tuple[datetime, datetime]]) -> list[InvariantRow] | None:
    """The invariants of `day`; None while simulation/day/invariants.py is absent."""
    module = _module("simulation.day.invariants")
    if module is None:
        return None
    if topics is None:
        raise RuntimeError("the invariants need the node topics: simulation/day/sniffer.py")
    results = module.check_day(database_url, day, records, topics=topics,
                               database_bytes_before=database_bytes_before,
                               database_bytes_after=database_bytes_after,
                               topics_dropped=topics_dropped, hub_down=hub_down,
                               api=api.get if api is not None else None)
    return [InvariantRow(name=result.name, ok=result.ok,
                         detail=f"{result.measured} (limit {result.limit})"
                         + (f": {result.detail}" if result.detail else ""))
            for result in results]
