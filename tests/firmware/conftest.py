"""Fixtures for the node runtime: a private Mosquitto on a free port (stoppable and
restartable on the same port), a fake hub made of a plain paho client, and node settings
that point at both."""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from contract.mqtt import (
    HUB_TIME_SECONDS,
    REQUEST_CHANNELS,
    AnyRequest,
    DownChannel,
    Message,
    NodeRole,
    NodeStatus,
    Reply,
    Telemetry,
    Topics,
    UpChannel,
    decode,
    decode_request_on,
    encode,
)
from firmware.common.settings import NodeSettings
from hub.mqtt.bridge import MqttBridge
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, mosquitto_binary, wait_until
from tests.conftest import unavailable

CENTER = "test-center"
NODE = "terminal-1"
HUB_PASSWORD = "hub-secret"
NODE_PASSWORD = "terminal-secret"


@pytest.fixture
def broker_process(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """A broker configured on a free port but not started."""
    if mosquitto_binary() is None:
        unavailable("the mosquitto binary is missing")
    # No persistence: a restarted broker remembers nothing, the harder case for nodes.
    broker = PrivateMosquitto(tmp_path, persistence=False)
    yield broker
    broker.stop()


@pytest.fixture
def broker(broker_process: PrivateMosquitto) -> PrivateMosquitto:
    broker_process.start()
    return broker_process


class FakeHub:
    """Plays the hub: records what nodes send and answers requests with a plain Reply."""

    def __init__(self, port: int, center: str = CENTER) -> None:
        self.topics = Topics(center)
        self.lock = threading.Lock()
        self.requests: list[AnyRequest] = []  # every copy received
        self.statuses: list[NodeStatus] = []
        self.telemetry: list[Telemetry] = []
        self.answering = True
        self.ignore_first_copy = False  # answer a request only when it comes again
        self.reply_copies = 1
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # the hub's, for `at`
        self.connected = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"fake-hub-{uuid.uuid4().hex[:8]}")
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *args: self.connected.clear()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 1)
        self.client.connect_async("127.0.0.1", port, keepalive=10)
        self.client.loop_start()

    def request_ids(self) -> list[str]:
        with self.lock:
            return [request.id for request in self.requests]

    def _on_connect(self, client: mqtt.Client, *args: Any) -> None:
        result, _ = client.subscribe(self.topics.hub_subscription(), qos=1)
        assert result == mqtt.MQTT_ERR_SUCCESS
        self.connected.set()

    def _on_message(self, client: mqtt.Client, userdata: object,
                    message: mqtt.MQTTMessage) -> None:
        route = self.topics.parse(message.topic)
        assert route is not None, message.topic
        payload = bytes(message.payload)
        if route.channel == UpChannel.STATUS:
            with self.lock:
                self.statuses.append(decode(NodeStatus, payload))
        elif route.channel == UpChannel.TELEMETRY:
            with self.lock:
                self.telemetry.append(decode(Telemetry, payload))
        elif route.channel in REQUEST_CHANNELS.values():
            request = decode_request_on(route.channel, payload)
            with self.lock:
                self.requests.append(request)
                copies = Counter(r.id for r in self.requests)[request.id]
            if self.answering and not (self.ignore_first_copy and copies == 1):
                for _ in range(self.reply_copies):
                    self.send(route.node, DownChannel.REPLY,
                              Reply(request_id=request.id, ok=True, at=self.clock()))

    def send(self, node: str, channel: DownChannel, payload: Message | bytes,
             retain: bool = False) -> None:
        raw = payload if isinstance(payload, bytes) else encode(payload)
        self.client.publish(self.topics.down(node, channel), raw, qos=1, retain=retain)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def fake_hub(broker: PrivateMosquitto) -> Iterator[FakeHub]:
    fake = FakeHub(broker.port)
    wait_until(fake.connected.is_set, what="the fake hub to connect")
    yield fake
    fake.close()


@pytest.fixture(autouse=True)
def _quick_reconnects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Back off at most a second between reconnections, so outages in tests end quickly."""
    monkeypatch.setattr("firmware.common.link.RECONNECT_MAX_SECONDS", 1)


@pytest.fixture
def node_settings(tmp_path: Path, broker_process: PrivateMosquitto) -> Callable[..., NodeSettings]:
    """Settings of a ticket terminal at the private broker, data in the test's directory."""

    def make(**overrides: Any) -> NodeSettings:
        values: dict[str, Any] = {
            "node_id": NODE, "center": CENTER, "role": NodeRole.TICKET_TERMINAL,
            "broker_url": broker_process.url, "data_dir": tmp_path / "node",
            "heartbeat_seconds": 30, "request_retry_seconds": 0.5, "keepalive_seconds": 5,
            "zones": ["a"],
        }
        return NodeSettings(**(values | overrides))

    return make


@pytest.fixture(autouse=True)
def _no_node_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Node settings of the machine running the tests must not leak into them."""
    for name in list(os.environ):
        if name.startswith("KEZEK_NODE_") or name in ("NOTIFY_SOCKET", "WATCHDOG_USEC",
                                                      "WATCHDOG_PID"):
            monkeypatch.delenv(name)


@pytest.fixture
def secured_broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """A Mosquitto with passwords for the hub and NODE and the contract's ACL."""
    if mosquitto_binary() is None:
        unavailable("the mosquitto binary is missing")
    directory = tmp_path / "secured-broker"
    directory.mkdir()
    broker = PrivateMosquitto(directory, Topics(CENTER),
                              {"hub": HUB_PASSWORD, NODE: NODE_PASSWORD},
                              roles={NODE: NodeRole.TICKET_TERMINAL})
    broker.start()
    yield broker
    broker.stop()


def start_bridge(hub: Hub, broker: PrivateMosquitto, *,
                 hub_time_seconds: float = HUB_TIME_SECONDS) -> MqttBridge:
    """The hub's real bridge on `broker`, connected."""
    hub.settings.center_id = CENTER
    bridge = MqttBridge(hub, broker.url, username="hub", password=HUB_PASSWORD,
                        hub_time_seconds=hub_time_seconds)
    bridge.start()
    assert bridge.wait_connected(10)
    return bridge
