"""Fixtures for the bridge: a private Mosquitto with one user per node and the
contract's ACL, a hub (SQLite and PostgreSQL) with its bridge connected as `hub`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from contract.mqtt import NodeRole, Topics
from hub.mqtt.bridge import MqttBridge
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, mosquitto_binary
from tests.conftest import unavailable
from tests.mqtt.fake_node import FakeNode

CENTER = "test-center"
NODES = ("terminal-1", "terminal-2", "buttons-1", "buttons-2", "display-hall",
         "display-personal", "intruder")
# The role each node's broker credentials are provisioned for: the intruder holds a
# terminal's credentials of its own and tries to speak for others.
ROLES = {"terminal-1": NodeRole.TICKET_TERMINAL, "terminal-2": NodeRole.TICKET_TERMINAL,
         "buttons-1": NodeRole.CALL_BUTTON, "buttons-2": NodeRole.CALL_BUTTON,
         "display-hall": NodeRole.DISPLAY, "display-personal": NodeRole.DISPLAY,
         "intruder": NodeRole.TICKET_TERMINAL}
HUB_PASSWORD = "hub-secret"


def password_of(node: str) -> str:
    return f"{node}-secret"


@pytest.fixture
def topics() -> Topics:
    return Topics(CENTER)


@pytest.fixture
def mosquitto(tmp_path: Path, topics: Topics) -> Iterator[PrivateMosquitto]:
    if mosquitto_binary() is None:
        unavailable("mosquitto is not installed (apt-get install -y mosquitto)")
    users = {"hub": HUB_PASSWORD} | {node: password_of(node) for node in NODES}
    broker_dir = tmp_path / "broker"
    broker_dir.mkdir()
    broker = PrivateMosquitto(broker_dir, topics, users, roles=ROLES)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def bridged_hub(hub: Hub, mosquitto: PrivateMosquitto) -> Iterator[MqttBridge]:
    hub.settings.center_id = CENTER
    bridge = MqttBridge(hub, mosquitto.url, username="hub", password=HUB_PASSWORD)
    bridge.start()
    assert bridge.wait_connected(10)
    yield bridge
    bridge.stop()


NodeFactory = Callable[..., FakeNode]


@pytest.fixture
def node(mosquitto: PrivateMosquitto, topics: Topics) -> Iterator[NodeFactory]:
    """Connects a fake node with its own credentials; online (retained status) unless told."""
    made: list[FakeNode] = []

    def make(node_id: str, role: NodeRole = NodeRole.TICKET_TERMINAL, *,
             desk: str | None = None, zones: tuple[str, ...] = (),
             online: bool = True) -> FakeNode:
        fake = FakeNode(mosquitto.port, topics, node_id, password=password_of(node_id),
                        role=role, desk=desk, zones=zones).connect()
        made.append(fake)
        if online:
            fake.go_online()
        return fake

    yield make
    for fake in made:
        fake.close()
