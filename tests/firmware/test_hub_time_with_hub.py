"""A ticket terminal whose own clock is 30 hours behind (a Pi booted with the time it saved
the day before, no NTP on the LAN), against the hub's real bridge through a Mosquitto
with passwords and the contract's ACL, on SQLite and PostgreSQL:

- the node reports the skew in telemetry, measured from the hub's messages, and its
  `clock` driver says `clock_skew`; the API and the fleet page (both languages) show it;
- the terminal judges its leased block by the hub's time (one lease, not a storm of
  them because the block looks like another day's), and the ticket it prints from the
  lease while the hub is away carries the hub's date, which the hub accepts."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from gpiozero.pins.mock import MockFactory
from sqlalchemy import func, select

from contract.mqtt import Driver, DriverState, OfflineTicket, Reply
from contract.node_faults import NODE_FAULTS
from firmware.common.hub_clock import DRIFT
from firmware.common.outbox import OutboxRequest
from firmware.ticket_terminal.app import TicketTerminalApp
from firmware.ticket_terminal.printer import SimulatedPrinter
from hub.api.app import create_app
from hub.domain.roles import Role
from hub.services.clock import ShiftedClock
from hub.storage.models import NodeRequestRow, TicketRow
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, wait_until
from tests.conftest import WORKING_MOMENT
from tests.firmware.conftest import CENTER, NODE, NODE_PASSWORD, start_bridge
from tests.hub.test_console_check_in import signed_in
from tests.ticket_terminal.conftest import terminal_settings

BEHIND_SECONDS = 30 * 3600.0  # the node's clock says Sunday 04:00, the hub's Monday 10:00
KAZAKH, APPEAL_PAPER = 5, 13  # pins of tests/ticket_terminal/conftest.py
CUT = b"\x1dV"
WAIT = 30.0


@pytest.fixture
def clock() -> ShiftedClock:
    """The hub's clock runs (the node's is compared with it), from Monday 10:00."""
    return ShiftedClock(WORKING_MOMENT)


class Terminal:
    def __init__(self, hub: Hub, broker: PrivateMosquitto, tmp_path: Path) -> None:
        settings = terminal_settings(
            tmp_path, node_id=NODE, center=CENTER, broker_url=broker.url,
            password=NODE_PASSWORD, request_retry_seconds=0.5, keepalive_seconds=5,
            heartbeat_seconds=0.5, printer={"poll_seconds": 0.1},
            limits={"min_seconds_between": 0, "per_minute": 60},
            offline={"hub_answer_seconds": 1.0, "lease_low_water": 3})
        self.pins = MockFactory()
        self.answers: list[tuple[OutboxRequest, object]] = []
        self.app = TicketTerminalApp(
            settings, pin_factory=self.pins,
            on_answer=lambda request, answer: self.answers.append((request, answer)),
            wall_clock=lambda: hub.clock.now().timestamp() - BEHIND_SECONDS)

    @property
    def printer(self) -> SimulatedPrinter:
        assert self.app.printer.simulated is not None
        return self.app.printer.simulated

    def slips(self) -> list[bytes]:
        return bytes(self.printer.output).split(CUT)[:-1]

    def press(self) -> None:
        wait_until(lambda: self.app.terminal.signal.value == "choose_language", WAIT,
                   "the terminal ready for a visitor")
        for pin in (KAZAKH, APPEAL_PAPER):
            self.pins.pin(pin).drive_low()
            self.pins.pin(pin).drive_high()


def lease_requests(hub: Hub) -> int:
    with hub.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(NodeRequestRow).where(
            NodeRequestRow.node_id == NODE, NodeRequestRow.kind == "lease")) or 0)


def test_a_terminal_hours_off_reports_its_skew_and_prints_the_hub_date(
        hub: Hub, secured_broker: PrivateMosquitto, tmp_path: Path, admin_token: str) -> None:
    broker = secured_broker
    bridge = start_bridge(hub, broker, hub_time_seconds=1.0)
    terminal = Terminal(hub, broker, tmp_path)
    try:
        terminal.app.start()
        store, runtime = terminal.app.store, terminal.app.runtime
        wait_until(lambda: store.remaining("consultation", hub.clock.now()) > 0, WAIT,
                   "the terminal's lease")

        # The skew, as the node measured it, in its telemetry and kept by the hub.
        def reported() -> float | None:
            node = hub.nodes.get(NODE)
            return node.clock_skew_s if node is not None else None

        wait_until(lambda: runtime.hub_clock.error() is not None, WAIT,
                   "the lease's round trip")
        error_at = runtime.hub_clock.monotonic()
        error = runtime.hub_clock.error()
        measured = runtime.hub_clock.skew()
        assert error is not None and measured is not None

        def within(skew: float | None) -> bool:
            """The node's clock is exactly BEHIND_SECONDS behind the hub's (both read
            one clock); the estimate is a lower bound of the hub's time, late by at most
            the bounds' width, which only narrows (but for its 100 ppm ageing) as more
            messages come. Bounds by construction, not by the machine's speed (1 ms:
            `at` travels as microseconds, telemetry rounds to milliseconds)."""
            aged = error + 2 * DRIFT * (runtime.hub_clock.monotonic() - error_at)
            return skew is not None and (
                -BEHIND_SECONDS - 0.001 <= skew <= -BEHIND_SECONDS + aged + 0.001)

        assert within(measured)
        wait_until(lambda: within(reported()), WAIT, "the skew in telemetry")
        print(f"\nskew error {abs(measured + BEHIND_SECONDS) * 1000:.2f} ms "
              f"(bound {error * 1000:.2f} ms)")
        node = hub.nodes.get(NODE)
        assert node is not None
        assert node.drivers["clock"] == {"state": "fault", "detail": "clock_skew"}

        # One lease: the block is judged by the hub's day, not the node's Sunday.
        assert lease_requests(hub) == 1

        # The API and the fleet page show it, in both languages.
        with TestClient(create_app(hub.settings, hub),
                        headers={"Authorization": f"Bearer {admin_token}"}) as api:
            shown = api.get(f"/api/v1/nodes/{NODE}").json()
        assert within(shown["telemetry"]["clock_skew_s"])
        assert shown["drivers"]["clock"] == {"state": "fault", "detail": "clock_skew"}
        console = signed_in(hub, "fleet.admin", Role.ADMINISTRATOR)
        page = console.get("/console/fleet")
        row = re.search(r'<tr data-node="terminal-1".*?</tr>', page.text, re.DOTALL)
        assert row is not None
        assert 'data-clock-level="fault"' in row.group(0)
        assert "−30 сағ 0 мин" in row.group(0)
        assert NODE_FAULTS["clock_skew"].kk in row.group(0)
        console.cookies.set("kezek_lang", "ru")
        row = re.search(r'<tr data-node="terminal-1".*?</tr>',
                        console.get("/console/fleet").text, re.DOTALL)
        assert row is not None
        assert "−30 ч 0 мин" in row.group(0)
        assert NODE_FAULTS["clock_skew"].ru in row.group(0)

        # With the hub: the hub's ticket. Then the hub away: a number of the lease,
        # dated by the hub's clock, not the node's Sunday.
        terminal.press()
        wait_until(lambda: len(terminal.slips()) == 1, WAIT, "the hub's ticket")
        bridge.stop()
        pressed = hub.clock.now()
        terminal.press()
        wait_until(lambda: len(terminal.slips()) == 2, WAIT, "the ticket of the lease")
        offline = terminal.slips()[1]
        assert b"23.11.2026" in offline and b"22.11.2026" not in offline
        assert b"23.11.2026" in terminal.slips()[0]

        bridge = start_bridge(hub, broker, hub_time_seconds=1.0)
        wait_until(lambda: any(isinstance(request, OfflineTicket) for request, _ in
                               terminal.answers), WAIT, "the offline ticket reported")
        report, answer = next((request, answer) for request, answer in terminal.answers
                              if isinstance(request, OfflineTicket))
        assert isinstance(report, OfflineTicket) and isinstance(answer, Reply)
        assert answer.ok, answer.problem
        # Dated by the node's estimate of the hub's time: a lower bound, late by at
        # most the bounds' width (aged), taken between the press and now.
        late = error + 2 * DRIFT * (runtime.hub_clock.monotonic() - error_at) + 0.001
        assert pressed - timedelta(seconds=late) <= report.printed_at <= hub.clock.now()
        with hub.db.read() as session:
            stored = session.scalars(select(TicketRow).where(
                TicketRow.number == report.number, TicketRow.zone == report.zone)).one()
        assert stored.service_day.isoformat() == "2026-11-23"
        assert runtime.driver_states()["clock"] == Driver(state=DriverState.FAULT,
                                                          detail="clock_skew")
    finally:
        terminal.app.stop()
        bridge.stop()
