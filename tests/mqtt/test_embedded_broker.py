"""The one-box center: with no broker URL the hub starts amqtt itself, and nodes get
tickets, calls and display snapshots through it just as through Mosquitto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from contract.mqtt import (
    Announcement,
    ButtonAction,
    ButtonPress,
    DisplaySnapshot,
    DownChannel,
    NodeRole,
    TicketRequest,
    Topics,
)
from hub.api.app import create_app
from hub.mqtt.embedded import EmbeddedBroker, EmbeddedBrokerError
from hub.mqtt.messaging import Messaging
from hub.wiring import Hub
from tests.brokers import free_port
from tests.mqtt.fake_node import FakeNode


@pytest.fixture
def one_box(hub: Hub) -> Iterator[tuple[Messaging, Topics]]:
    """The web application as `kezek-hub serve` builds it, MQTT included."""
    hub.settings.mqtt_enabled = True
    hub.settings.mqtt_url = None
    hub.settings.embedded_mqtt_port = free_port()
    app = create_app(hub.settings, hub)
    with TestClient(app):
        messaging: Messaging = app.state.messaging
        assert messaging.broker is not None
        assert messaging.bridge.wait_connected(10)
        yield messaging, messaging.bridge.topics


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_tickets_calls_and_displays_through_the_embedded_broker(
        one_box: tuple[Messaging, Topics]) -> None:
    messaging, topics = one_box
    port = messaging.broker.port  # type: ignore[union-attr]
    nodes = [FakeNode(port, topics, "terminal-1").connect().go_online(),
             FakeNode(port, topics, "display-hall", role=NodeRole.DISPLAY).connect().go_online(),
             FakeNode(port, topics, "buttons-1", role=NodeRole.CALL_BUTTON,
                      desk="window-1").connect().go_online()]
    terminal, hall, buttons = nodes
    try:
        issued = terminal.ask(TicketRequest(node="terminal-1", language="ru",
                                            purpose="complaint"))
        assert issued.ticket is not None and issued.ticket.number == 100
        called = buttons.ask(ButtonPress(node="buttons-1", desk="window-1",
                                         action=ButtonAction.NEXT))
        assert called.desk is not None and called.desk.current is not None
        said = hall.wait_for(DownChannel.ANNOUNCE, Announcement)
        assert (said.number, said.desk_label.ru, said.language) == (100, "Окно 1", "ru")
        hall.wait_for(DownChannel.DISPLAY, DisplaySnapshot,
                      lambda s: [c.number for c in s.calls] == [100])
    finally:
        for fake in nodes:
            fake.close()


def test_a_taken_port_is_a_clear_error() -> None:
    first = EmbeddedBroker("127.0.0.1", free_port())
    first.start()
    try:
        with pytest.raises(EmbeddedBrokerError, match="KEZEK_HUB_MQTT_URL"):
            EmbeddedBroker("127.0.0.1", first.port).start()
    finally:
        first.stop()
