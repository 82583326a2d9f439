"""The broker ACL per role, against the real Mosquitto of a generated center (its own
configuration, TLS, generated passwords and ACL): with one node's password, an attacker
can publish only what that node's role sends and read only what it is sent.

Nodes speak MQTT 3.1.1 as the firmware does, so a denied publish is dropped without a
word to the sender. That it was dropped is seen at the hub: the broker delivers one
publisher's QoS 1 messages in the order sent, so when the first thing the hub gets
after the forbidden publishes is the allowed one sent after them (the positive
control), none of them got through; a short wait then shows nothing comes later."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from contract.mqtt import (
    ROLE_CHANNELS,
    ButtonAction,
    ButtonPress,
    DownChannel,
    NodeRole,
    TicketRequest,
    UpChannel,
    encode,
)
from tests.brokers import mosquitto_binary
from tests.conftest import unavailable
from tests.provisioning.conftest import generate_local
from tests.provisioning.probe import Probe
from tests.provisioning.running import RunningCenter

# Nothing denied may turn up in this long after the positive control came: the broker
# has by then passed on everything it took before it.
QUIET_SECONDS = 0.3
V311 = mqtt.MQTTv311
TERMINAL, DISPLAY, PANEL, OTHER_PANEL = ("terminal-1", "board-hall", "desk-window-1",
                                         "desk-office-105")


@pytest.fixture
def center(tmp_path: Path) -> Iterator[RunningCenter]:
    binary = mosquitto_binary()
    if binary is None:
        unavailable("mosquitto is not installed")
        raise AssertionError
    inventory, generated = generate_local(tmp_path)
    assert {node.node_id: node.role for node in inventory.nodes} == {
        TERMINAL: NodeRole.TICKET_TERMINAL, DISPLAY: NodeRole.DISPLAY,
        PANEL: NodeRole.CALL_BUTTON, OTHER_PANEL: NodeRole.CALL_BUTTON}
    running = RunningCenter(binary, inventory, generated)
    yield running
    running.stop()


def _nothing_more(probe: Probe) -> None:
    try:
        extra = probe.messages.get(timeout=QUIET_SECONDS)
    except queue.Empty:
        return
    raise AssertionError(f"a denied message got through: {extra[0]}")


def _ticket(node: str) -> bytes:
    return encode(TicketRequest(node=node, language="kk", purpose="appeal_paper"))


def _press(node: str) -> bytes:
    return encode(ButtonPress(node=node, desk="window-1", action=ButtonAction.NEXT))


@pytest.mark.parametrize(("node", "forbidden", "allowed"), [
    # A hall terminal's password (on its SD card) presses no desk's buttons.
    (TERMINAL, [(UpChannel.PRESS, _press)], UpChannel.TICKET),
    # A display sends no request at all.
    (DISPLAY, [(UpChannel.TICKET, _ticket), (UpChannel.PRESS, _press),
               (UpChannel.LEASE, _ticket)], UpChannel.TELEMETRY),
    # A desk's panel asks for no ticket, lease or offline ticket.
    (PANEL, [(UpChannel.TICKET, _ticket), (UpChannel.LEASE, _ticket),
             (UpChannel.OFFLINE_TICKET, _ticket)], UpChannel.PRESS),
], ids=["terminal-presses", "display-asks", "panel-asks"])
def test_a_node_publishes_only_what_its_role_sends(
        center: RunningCenter, node: str, forbidden: list[tuple[UpChannel, object]],
        allowed: UpChannel) -> None:
    hub = center.hub(V311)
    hub.subscribe(f"{center.topics.root}/#")
    attacker = center.node(node, V311)
    for channel, make in forbidden:
        assert channel not in ROLE_CHANNELS[center.inventory.node(node).role].sends
        payload = make(node)  # type: ignore[operator]
        attacker.publish(center.topics.up(node, channel), payload)
    control = center.topics.up(node, allowed)
    attacker.publish(control, b"allowed")
    assert hub.next_message() == (control, b"allowed")
    _nothing_more(hub)


def test_no_node_publishes_on_another_nodes_topics(center: RunningCenter) -> None:
    hub = center.hub(V311)
    hub.subscribe(f"{center.topics.root}/#")
    attacker = center.node(PANEL, V311)
    for up in UpChannel:
        attacker.publish(center.topics.up(OTHER_PANEL, up), b"forged")
    for down in DownChannel:
        attacker.publish(center.topics.down(OTHER_PANEL, down), b"forged")
    control = center.topics.up(PANEL, UpChannel.PRESS)
    attacker.publish(control, b"allowed")
    assert hub.next_message() == (control, b"allowed")
    _nothing_more(hub)


def test_nobody_reads_another_nodes_down_topics(center: RunningCenter) -> None:
    """Every node subscribes to every other node's down/# and to the whole center; the
    hub publishes on every down channel of every node, then a marker on each spy's own
    config. Before its marker each spy gets only its own messages, after it nothing."""
    hub = center.hub(V311)
    nodes = [node.node_id for node in center.inventory.nodes]
    spies = {node: center.node(node, V311) for node in nodes}
    for node, spy in spies.items():
        spy.subscribe(f"{center.topics.root}/#")
        for other in nodes:
            if other != node:
                spy.subscribe(center.topics.node_subscription(other))
        spy.subscribe(center.topics.down(node, DownChannel.CONFIG))
    for victim in nodes:
        for channel in DownChannel:
            if channel is not DownChannel.CONFIG:
                hub.publish(center.topics.down(victim, channel), f"for {victim}".encode())
    for node in nodes:
        hub.publish(center.topics.down(node, DownChannel.CONFIG), b"marker")
    for node, spy in spies.items():
        marker = (center.topics.down(node, DownChannel.CONFIG), b"marker")
        received = []
        while (message := spy.next_message()) != marker:
            received.append(message[0])
        # Its own down/ messages its role reads, and nothing of any other node.
        own = {center.topics.down(node, channel) for channel in
               ROLE_CHANNELS[center.inventory.node(node).role].reads}
        assert set(received) <= own, set(received) - own
    for spy in spies.values():
        _nothing_more(spy)


def test_a_node_reads_only_the_down_channels_of_its_role(center: RunningCenter) -> None:
    """A display subscribed to its own down/# is not given replies or print jobs (it
    sends no request, prints nothing); the same subscription gives it its snapshot."""
    hub = center.hub(V311)
    display = center.node(DISPLAY, V311)
    display.subscribe(center.topics.node_subscription(DISPLAY))
    for channel in (DownChannel.REPLY, DownChannel.PRINT, DownChannel.DESK):
        hub.publish(center.topics.down(DISPLAY, channel), b"not for a display")
    snapshot = center.topics.down(DISPLAY, DownChannel.DISPLAY)
    hub.publish(snapshot, b"snapshot")
    assert display.next_message() == (snapshot, b"snapshot")
    _nothing_more(display)
