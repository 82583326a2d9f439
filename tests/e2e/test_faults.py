"""Faults under load, end to end: terminals on the real node runtime keep asking for
tickets while the hub is killed (SIGKILL) or the broker restarts. Every request is
answered exactly once in effect: as many tickets as presses, no number twice, none
lost, each terminal's tickets in the order it asked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from contract.mqtt import NodeRole, Reply, Topics
from firmware.virtual.nodes import Answer, SimulatedTerminal, node_settings
from tests.brokers import PrivateMosquitto, mosquitto_binary
from tests.conftest import unavailable
from tests.e2e.hub_process import HubProcess

CENTER = "fault-center"
TERMINALS = ("terminal-1", "terminal-2")
PER_PHASE = 12  # presses per terminal before, during and after the fault


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    if mosquitto_binary() is None:
        unavailable("mosquitto is not installed (apt-get install -y mosquitto)")
    broker_dir = tmp_path / "broker"
    broker_dir.mkdir()
    users = {"hub": "hub-pw"} | {name: f"{name}-pw" for name in TERMINALS}
    broker = PrivateMosquitto(broker_dir, Topics(CENTER), users,
                              roles=dict.fromkeys(TERMINALS, NodeRole.TICKET_TERMINAL))
    broker.start()
    yield broker
    broker.stop()


class Center:
    """A hub process and terminals pressing away."""

    def __init__(self, tmp_path: Path, hub: HubProcess, passwords: bool) -> None:
        self.hub = hub
        # Two terminals press 3 × PER_PHASE times within seconds, far faster than
        # visitors: the per-terminal limit (tested in tests/security) is lifted here.
        hub.env["KEZEK_HUB_TERMINAL_TICKET_BURST"] = str(3 * PER_PHASE)
        self.terminals = [SimulatedTerminal(node_settings(
            node_id=name, role=NodeRole.TICKET_TERMINAL, center=CENTER,
            broker_url=hub.broker_url, data_dir=tmp_path / "nodes",
            password=f"{name}-pw" if passwords else None, request_retry_seconds=0.5))
            for name in TERMINALS]
        self.answers: dict[str, list[Future[Answer]]] = {name: [] for name in TERMINALS}

    def start(self) -> None:
        self.hub.start()
        for terminal in self.terminals:
            terminal.start()

    def press(self, count: int) -> None:
        for i in range(count):
            for terminal in self.terminals:
                self.answers[terminal.node_id].append(
                    terminal.press("kk" if i % 2 else "ru", "complaint"))
            time.sleep(0.02)

    def wait_answered(self, timeout: float = 90) -> dict[str, list[Reply]]:
        replies: dict[str, list[Reply]] = {}
        for name, answers in self.answers.items():
            replies[name] = []
            for answer in answers:
                result = answer.result(timeout)
                assert isinstance(result, Reply) and result.ok, result
                replies[name].append(result)
        return replies

    def stop(self) -> None:
        for terminal in self.terminals:
            terminal.stop()
        self.hub.stop()


def check_exactly_once(center: Center, replies: dict[str, list[Reply]]) -> None:
    total = sum(len(answers) for answers in center.answers.values())
    numbers = [r.ticket.number for answers in replies.values() for r in answers if r.ticket]
    assert len(numbers) == total
    assert len(set(numbers)) == total, "a number was issued twice"
    for terminal in center.terminals:
        mine = [r.ticket.ticket_id for r in replies[terminal.node_id] if r.ticket]
        assert mine == sorted(mine), f"{terminal.node_id}: requests served out of order"
        assert len(terminal.runtime.outbox) == 0
    engine = create_engine(f"sqlite:///{center.hub.data_dir / 'kezek.sqlite3'}")
    with engine.connect() as connection:
        stored, keys = connection.execute(text(
            "SELECT count(*), count(DISTINCT idempotency_key) FROM tickets")).one()
    engine.dispose()
    assert (stored, keys) == (total, total), "tickets lost or issued twice"


@pytest.mark.parametrize("broker", ["mosquitto", "embedded"])
def test_killing_the_hub_loses_nothing_and_issues_nothing_twice(
        tmp_path: Path, request: pytest.FixtureRequest, broker: str) -> None:
    if broker == "mosquitto":
        mosquitto: PrivateMosquitto = request.getfixturevalue("mosquitto")
        hub = HubProcess(tmp_path / "hub", center=CENTER, mqtt_url=mosquitto.url,
                         username="hub", password="hub-pw")
    else:  # the hub's own broker dies with it: a hub and broker restart at once
        hub = HubProcess(tmp_path / "hub", center=CENTER)
    (tmp_path / "hub").mkdir()
    center = Center(tmp_path, hub, passwords=broker == "mosquitto")
    center.start()
    try:
        center.press(PER_PHASE)
        time.sleep(0.3)  # some answered, some in flight
        hub.kill()
        center.press(PER_PHASE)  # while the hub is dead: kept in the outboxes
        time.sleep(1.0)
        hub.start()
        center.press(PER_PHASE)
        check_exactly_once(center, center.wait_answered())
    finally:
        center.stop()


def test_a_broker_restart_loses_nothing_and_issues_nothing_twice(
        tmp_path: Path, mosquitto: PrivateMosquitto) -> None:
    (tmp_path / "hub").mkdir()
    hub = HubProcess(tmp_path / "hub", center=CENTER, mqtt_url=mosquitto.url,
                     username="hub", password="hub-pw")
    center = Center(tmp_path, hub, passwords=True)
    center.start()
    try:
        center.press(PER_PHASE)
        time.sleep(0.3)
        mosquitto.stop()
        center.press(PER_PHASE)
        time.sleep(1.0)
        mosquitto.start()
        center.press(PER_PHASE)
        check_exactly_once(center, center.wait_answered())
    finally:
        center.stop()
