"""The hub's time in what the hub sends, through a real Mosquitto and the bridge, on
SQLite and PostgreSQL: every message carries the hub's clock in `at`; a reply given
again keeps the `at` it was made with; each online, approved node's configuration is
published again every HUB_TIME_SECONDS (retained, live), pending nodes get none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from contract.mqtt import DownChannel, LeaseRequest, NodeConfig, NodeRole, Reply, decode
from hub.mqtt.bridge import MqttBridge
from hub.services.clock import ManualClock
from hub.services.nodes import Approval
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, wait_until
from tests.conftest import WORKING_MOMENT
from tests.mqtt.conftest import CENTER, HUB_PASSWORD, NodeFactory
from tests.mqtt.fake_node import FakeNode

REPUBLISH_SECONDS = 0.3


@pytest.fixture
def quick_bridge(hub: Hub, mosquitto: PrivateMosquitto) -> Iterator[MqttBridge]:
    hub.settings.center_id = CENTER
    bridge = MqttBridge(hub, mosquitto.url, username="hub", password=HUB_PASSWORD,
                        hub_time_seconds=REPUBLISH_SECONDS)
    bridge.start()
    assert bridge.wait_connected(10)
    yield bridge
    bridge.stop()


def configs(node: FakeNode) -> list[NodeConfig]:
    return [decode(NodeConfig, raw) for raw in list(node.received[DownChannel.CONFIG])]


def test_configs_are_republished_with_the_hub_time(
        quick_bridge: MqttBridge, node: NodeFactory, clock: ManualClock) -> None:
    terminal = node("terminal-1")
    display = node("display-hall", NodeRole.DISPLAY)
    wait_until(lambda: len(configs(terminal)) >= 3 and len(configs(display)) >= 3,
               what="configs published again")
    first = configs(terminal)[0]
    assert first.at == WORKING_MOMENT  # the hub's clock, not the machine's
    clock.advance(minutes=7)
    wait_until(lambda: configs(terminal)[-1].at == WORKING_MOMENT + timedelta(minutes=7),
               what="a config with the hub's new time")
    latest = configs(terminal)[-1]
    assert latest.id != first.id
    assert latest.model_dump(exclude={"id", "at"}) == first.model_dump(exclude={"id", "at"})
    # Live, but kept by the broker: a node connecting now gets the latest at once.
    late = node("terminal-1", online=False)
    late_config = late.wait_for(DownChannel.CONFIG, NodeConfig)
    assert late_config.at == WORKING_MOMENT + timedelta(minutes=7)


def test_a_node_offline_or_cut_off_gets_no_republished_config(
        quick_bridge: MqttBridge, node: NodeFactory) -> None:
    hub = quick_bridge.hub
    kept = node("terminal-1")
    gone = node("terminal-2")
    revoked = node("buttons-1", NodeRole.CALL_BUTTON, desk="window-1")
    wait_until(lambda: all(len(configs(n)) >= 2 for n in (kept, gone, revoked)),
               what="configs to every node")
    gone.kill()  # the broker publishes its will: offline
    wait_until(lambda: (info := hub.nodes.get("terminal-2")) is not None
               and info.presence == "offline", what="terminal-2 offline")
    hub.nodes.decide("buttons-1", Approval.REVOKED, actor="test")
    revoked_before = len(configs(revoked))
    kept_before = len(configs(kept))
    wait_until(lambda: len(configs(kept)) >= kept_before + 3, what="more configs")
    assert len(configs(revoked)) == revoked_before


def test_replies_carry_the_hub_time_and_a_reply_given_again_keeps_its_own(
        quick_bridge: MqttBridge, node: NodeFactory, clock: ManualClock) -> None:
    terminal = node("terminal-1")
    wait_until(lambda: quick_bridge.hub.nodes.get("terminal-1") is not None)
    request = LeaseRequest(node="terminal-1", zones=["consultation"])
    leased = terminal.ask(request)
    assert leased.ok and leased.at == WORKING_MOMENT
    clock.advance(seconds=30)
    terminal.received[DownChannel.REPLY].clear()
    again = terminal.ask(request.model_copy())  # resent: the answer given then, as made then
    assert again.id == leased.id and again.at == WORKING_MOMENT
    other = terminal.ask(LeaseRequest(node="terminal-1", zones=["personal"]))
    assert isinstance(other, Reply) and other.at == WORKING_MOMENT + timedelta(seconds=30)
