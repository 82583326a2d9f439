"""The runner's own checks of a day, beside the invariants of the queue
(simulation/day/invariants.py): that the run itself went as planned, or the invariants
would judge a day that did not happen. The hub answers, every fault of the day was
played, the visitors' and operators' threads live, every node is connected and has
nothing left unanswered in its outbox, and the day had tickets."""

from __future__ import annotations

import time

from firmware.virtual.center import VirtualCenter
from simulation.day.faults import FaultSchedule
from simulation.day.measure import tickets_of_day
from simulation.day.plugins import InvariantRow, Visitors
from simulation.day.processes import HubProcess
from simulation.day.schedule import DayPlan

DRAIN_SECONDS = 15.0


class RunChecks:
    def __init__(self, hub: HubProcess, center: VirtualCenter, faults: FaultSchedule,
                 database_url: str, visitors: Visitors) -> None:
        self.visitors = visitors
        self.hub = hub
        self.center = center
        self.faults = faults
        self.database_url = database_url

    def day_rows(self, plan: DayPlan) -> list[InvariantRow]:
        return [self._hub_answers(), self._faults_played(plan), self._load_alive(),
                self._nodes_connected(), self._outboxes_empty(), self._tickets_issued(plan)]

    def _load_alive(self) -> InvariantRow:
        errors = list(self.visitors.errors)
        return InvariantRow("run: every visitor and operator thread alive", not errors,
                            "; ".join(errors) or "none died")

    def _hub_answers(self) -> InvariantRow:
        try:
            ok = self.hub.healthy()
            detail = f"{self.hub.base_url}, started {self.hub.starts} time(s)"
        except RuntimeError as error:
            ok, detail = False, str(error)
        return InvariantRow("run: the hub answers", ok, detail)

    def _faults_played(self, plan: DayPlan) -> InvariantRow:
        start, end = plan.window
        due = [event for event in self.faults.events if start <= event.at <= plan.closes]
        done = [event for event in self.faults.done if start <= event.at <= end]
        failed = [text for text in self.faults.failures if plan.day.isoformat() in text]
        ok = len(done) == len(due) and not failed
        detail = f"{len(done)}/{len(due)} played"
        if failed:
            detail += "; " + "; ".join(failed)
        return InvariantRow("run: the day's faults played", ok, detail)

    def _nodes_connected(self) -> InvariantRow:
        links = {node.node_id: node.runtime.connected.is_set() for node in self.center.nodes}
        links |= {app.settings.node_id: app.runtime.connected.is_set()
                  for app in self.center.display_apps}
        away = sorted(node for node, connected in links.items() if not connected)
        return InvariantRow("run: every node connected", not away,
                            f"{len(links) - len(away)}/{len(links)}"
                            + (f", away: {', '.join(away)}" if away else ""))

    def _outboxes_empty(self) -> InvariantRow:
        """Each node's outbox empties within DRAIN_SECONDS: a press just made may be on
        its way, one kept there since the hub or the network was away must not be."""
        runtimes = {node.node_id: node.runtime for node in self.center.nodes}
        runtimes |= {app.settings.node_id: app.runtime for app in self.center.display_apps}
        left: dict[str, int] = {}
        deadline = time.monotonic() + DRAIN_SECONDS
        while True:
            left = {node: len(runtime.outbox) for node, runtime in runtimes.items()
                    if len(runtime.outbox)}
            runtimes = {node: runtimes[node] for node in left}
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        return InvariantRow("run: nothing unanswered in the outboxes", not left,
                            ", ".join(f"{node} {count}" for node, count in sorted(left.items()))
                            or f"all emptied within {DRAIN_SECONDS:.0f} real s")

    def _tickets_issued(self, plan: DayPlan) -> InvariantRow:
        tickets = tickets_of_day(self.database_url, plan.day)
        total = sum(tickets.values())
        return InvariantRow("run: the day had tickets", total > 0,
                            f"{total}: " + ", ".join(f"{state} {count}" for state, count
                                                     in sorted(tickets.items())))
