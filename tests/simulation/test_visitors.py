"""The day's people against a real hub (its clock the timeline, its embedded broker)
and the virtual center's nodes: a simulated hour of a Tuesday morning at 600 times real
speed, after a short stretch two weeks before in which reception booked the day's
receptions. Visitors get tickets at both kinds of terminal, operators call and finish
them at the real call-button application and at the console desk, booked applicants
check in at the real terminal's scanner, and every press is recorded with exactly one
answer."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import uvicorn

from contract.mqtt import NodeRole
from firmware.common.settings import NodeSettings
from firmware.virtual.nodes import SimulatedTerminal, node_settings
from firmware.virtual.real_buttons import RealButtons
from firmware.virtual.real_terminal import RealTerminal
from hub.api.app import create_app
from hub.domain.roles import Role
from hub.domain.text import Language
from hub.settings import HubSettings
from simulation.day.hub_api import HubApi
from simulation.day.profile import DayProfile
from simulation.day.records import DayRecords
from simulation.day.visitors import DayVisitors
from simulation.timeline import Timeline
from tests.brokers import free_port, wait_until

CENTER = "day"
PROFILE = DayProfile.default()
ZONE = PROFILE.calendar.tz
# Tuesday 24 November, before opening: reception books the receptions of 8 December.
BOOKING = (datetime(2026, 11, 24, 8, 20, tzinfo=ZONE), datetime(2026, 11, 24, 8, 30, tzinfo=ZONE))
HOUR = (datetime(2026, 12, 8, 9, 50, tzinfo=ZONE), datetime(2026, 12, 8, 10, 50, tzinfo=ZONE))
SPEED = 300.0  # an hour in 12 s; a loaded CI machine keeps up
ADMIN = ("admin.day", "admin day password")


class Gate:
    """The real clock of the test's timeline: it stands until opened, so the day starts
    when the nodes and the staff are ready, however slow the machine."""

    def __init__(self) -> None:
        self.opened_at: float | None = None

    def __call__(self) -> float:
        return 0.0 if self.opened_at is None else time.time() - self.opened_at

    def open(self) -> None:
        self.opened_at = time.time()


@dataclass
class Center:
    timeline: Timeline
    gate: Gate
    api_url: str
    terminals: list[SimulatedTerminal]
    buttons: list[RealButtons]


@pytest.fixture
def center(tmp_path: Path) -> Iterator[Center]:
    gate = Gate()
    timeline = Timeline(origin=0.0, speed=SPEED, windows=(BOOKING, HOUR), real_time=gate)
    http_port, mqtt_port = free_port(), free_port()
    settings = HubSettings(data_dir=tmp_path / "hub", port=http_port,
                           embedded_mqtt_port=mqtt_port, center_id=CENTER)
    app = create_app(settings, clock=timeline)
    app.state.hub.users.create_user(username=ADMIN[0], full_name="Әкімші",
                                    role=Role.ADMINISTRATOR, password=ADMIN[1],
                                    language=Language.RU, actor="test")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=http_port,
                                           log_level="warning", lifespan="on"))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    wait_until(lambda: server.started, 30, "the hub to serve")

    def node(node_id: str, role: NodeRole, desk: str | None = None) -> NodeSettings:
        return node_settings(node_id=node_id, role=role, center=CENTER,
                             broker_url=f"mqtt://127.0.0.1:{mqtt_port}",
                             data_dir=tmp_path / "nodes", desk=desk, request_retry_seconds=1.0)

    terminals: list[SimulatedTerminal] = [
        SimulatedTerminal(node("terminal-1", NodeRole.TICKET_TERMINAL)),
        RealTerminal(node("terminal-real-1", NodeRole.TICKET_TERMINAL))]
    buttons = [RealButtons(node(f"buttons-{desk}", NodeRole.CALL_BUTTON, desk))
               for desk in ("window-1", "window-2", "office-105")]
    nodes = [*terminals, *buttons]
    for each in nodes:
        each.start()
    try:
        wait_until(lambda: all(n.runtime.connected.is_set() for n in nodes), 20,
                   "the nodes to connect")
        yield Center(timeline, gate, f"http://127.0.0.1:{http_port}", terminals, buttons)
    finally:
        for each in nodes:
            each.stop()
        server.should_exit = True
        serving.join(15)


def test_an_hour_of_the_day_through_terminals_buttons_and_the_console(center: Center) -> None:
    records = DayRecords()
    admin = HubApi.signed_in(center.api_url, *ADMIN)
    visitors = DayVisitors(center.timeline, center.terminals, center.buttons, admin, PROFILE,
                           records, seed=11, console_desks=["window-3"])
    visitors.start()
    center.gate.open()
    try:
        wait_until(lambda: center.timeline.now() >= HOUR[1], 90, "the hour to pass")
    finally:
        visitors.stop()
    wait_until(visitors.idle, 20, "every press to have its answer")
    assert visitors.errors == []

    tickets = records.tickets
    issued = [t for t in tickets if t.ok]
    assert len(issued) >= 15  # ~35 walk-ins an hour at 10:00, and the booked
    assert {t.terminal for t in issued} == {"terminal-1", "terminal-real-1"}
    assert all(t.answers == 1 for t in tickets), [t for t in tickets if t.answers != 1]
    assert all(t.number is not None and t.zone is not None and t.people_ahead is not None
               for t in issued)
    numbers = [t.number for t in issued]
    assert len(numbers) == len(set(numbers))
    # The day's six receptions were booked two weeks ahead; the applicants of 10:00
    # and 10:20 came and checked in at the real terminal's scanner.
    assert len(records.personal_data) == 3 * 6, records.notes  # name, IIN, phone of each
    booked = [t for t in issued if t.zone == "personal"]
    assert booked and all(t.terminal == "terminal-real-1" for t in booked)

    presses = records.desk_presses
    assert all(p.answers == 1 for p in presses), [p for p in presses if p.answers != 1]
    actions = Counter((p.desk, p.action) for p in presses if p.problem is None)
    for desk in ("window-1", "window-2", "window-3"):
        assert actions[(desk, "sign_in")] == 1
        assert actions[(desk, "next")] >= 1
    assert sum(n for (_, action), n in actions.items() if action == "done") >= 3
    refused = Counter(p.problem for p in presses if p.problem is not None)
    # Nobody waiting, or a leftover visit the operator finishes before calling again.
    assert set(refused) <= {"queue_empty", "desk_busy"}, refused

    # The hub agrees: the tickets finished were started and finished at a desk.
    states: Counter[str] = Counter()
    for press in issued:
        assert press.ticket_id is not None
        ticket = admin.ticket(press.ticket_id)
        states[ticket["state"]] += 1
        assert ticket["transfers"] <= 1  # a visitor is sent on once, not back and forth
        if ticket["state"] == "done":
            assert ticket["desk"] is not None and ticket["started_at"] is not None
    assert states["done"] >= 3, states
