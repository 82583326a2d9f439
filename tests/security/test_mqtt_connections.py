"""MQTT versions and duplicate connections, against the real Mosquitto of a generated
center (its own configuration: TLS, passwords, the per-role ACL, `log_dest topic`) and
the hub's bridge reading the broker's log.

Mosquitto 2.0 accepts MQTT 5 and 3.1 (it cannot be told otherwise before 2.1), so the
hub refuses a node's requests while it is connected with anything but 3.1.1, and
records a connection closed by a second one with the same credentials. The embedded
broker of a one-box center refuses those versions itself."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy import select

from contract.mqtt import (
    DownChannel,
    NodeRole,
    NodeStatus,
    Presence,
    Reply,
    TicketRequest,
    UpChannel,
    decode,
    encode,
)
from hub.domain.connection_faults import MqttProtocol
from hub.domain.roles import Role
from hub.mqtt.bridge import MqttBridge
from hub.mqtt.embedded import EmbeddedBroker
from hub.services.clock import ManualClock
from hub.settings import HubSettings
from hub.storage.models import AuditRow
from hub.wiring import Hub, build_hub
from tests.brokers import free_port, mosquitto_binary, wait_until
from tests.conftest import unavailable
from tests.hub.test_console_check_in import signed_in
from tests.provisioning.conftest import generate_local
from tests.provisioning.probe import Probe
from tests.provisioning.running import RunningCenter

NODE = "terminal-1"


@pytest.fixture
def center(tmp_path: Path) -> Iterator[RunningCenter]:
    binary = mosquitto_binary()
    if binary is None:
        unavailable("mosquitto is not installed")
        raise AssertionError
    inventory, generated = generate_local(tmp_path)
    running = RunningCenter(binary, inventory, generated)
    yield running
    running.stop()


@pytest.fixture
def bridged(center: RunningCenter, tmp_path: Path, clock: ManualClock
            ) -> Iterator[tuple[Hub, MqttBridge]]:
    settings = HubSettings(data_dir=tmp_path / "hub", mqtt_enabled=False,
                           center_id=center.inventory.center.id)
    hub = build_hub(settings, clock=clock)
    bridge = MqttBridge(hub, center.inventory.broker_url.replace("hub.kezek.lan", "localhost"),
                        username=center.inventory.hub.user,
                        password=center.generated.hub_password, ca_file=str(center.ca_file))
    bridge.start()
    assert bridge.wait_connected(10)
    yield hub, bridge
    bridge.stop()
    hub.close()


def _ask(center: RunningCenter, node: Probe, request: TicketRequest) -> Reply:
    node.publish(center.topics.up(NODE, UpChannel.TICKET), encode(request))
    while True:
        topic, payload = node.next_message()
        if topic == center.topics.down(NODE, DownChannel.REPLY):
            reply = decode(Reply, payload)
            if reply.request_id == request.id:
                return reply


def _audited(hub: Hub) -> list[str]:
    with hub.db.read() as session:
        return list(session.scalars(select(AuditRow.action).where(
            AuditRow.entity == "node", AuditRow.entity_id == NODE).order_by(AuditRow.id)))


def test_mqtt5_is_refused_and_a_second_connection_is_a_fault(
        center: RunningCenter, bridged: tuple[Hub, MqttBridge]) -> None:
    hub, _ = bridged
    faults = hub.connection_faults
    # A node's stolen password used with MQTT 5.
    rogue = center.node(NODE, mqtt.MQTTv5)
    wait_until(lambda: faults.faults(NODE).wrong_protocol is MqttProtocol.MQTT_5, 10,
               "the hub to read the MQTT 5 connection from the broker's log")
    rogue.subscribe(center.topics.node_subscription(NODE))
    rogue.publish(center.topics.up(NODE, UpChannel.STATUS), encode(NodeStatus(
        node=NODE, state=Presence.ONLINE, role=NodeRole.TICKET_TERMINAL, software="rogue",
        zones=["consultation"])))
    request = TicketRequest(node=NODE, language="kk", zone="consultation")
    refused = _ask(center, rogue, request)
    assert not refused.ok and refused.problem is not None
    assert refused.problem.code == "mqtt_protocol"
    assert refused.problem.text.kk == ("Құрылғы MQTT 5 нұсқасымен қосылған; "
                                       "тек MQTT 3.1.1 қабылданады")
    assert refused.problem.text.ru == ("Устройство подключено по MQTT 5; "
                                       "принимается только MQTT 3.1.1")

    # The real terminal (3.1.1, same credentials) connects: the broker closes the rogue's
    # connection; the fault of the version ends, the takeover is counted.
    real = center.node(NODE, mqtt.MQTTv311)
    wait_until(lambda: faults.faults(NODE).taken_over == 1, 10, "the takeover recorded")
    wait_until(lambda: faults.refuses(NODE) is None, 10, "the version fault to end")
    assert faults.faults(NODE).last_taken_over == hub.clock.now()
    real.subscribe(center.topics.node_subscription(NODE))
    served = _ask(center, real, request)  # the same request, resent: now served
    assert served.ok and served.ticket is not None
    assert _audited(hub) == ["node.mqtt_protocol_refused", "node.connection_taken_over",
                             "node.mqtt_protocol_ok"]
    # The administrator reads both on the fleet page, in the page's language.
    page = signed_in(hub, "admin", Role.ADMINISTRATOR).get("/console/fleet").text
    assert f'data-alert="node.mqtt_protocol_refused" data-node="{NODE}"' in page
    assert f'data-alert="node.connection_taken_over" data-node="{NODE}"' in page
    assert "MQTT 5" in page


def test_a_fault_of_the_version_outlives_a_restart_of_the_hub(
        center: RunningCenter, bridged: tuple[Hub, MqttBridge]) -> None:
    hub, _ = bridged
    center.node(NODE, mqtt.MQTTv31)
    wait_until(lambda: hub.connection_faults.refuses(NODE) is not None, 10,
               "the MQTT 3.1 connection to be seen")
    assert hub.connection_faults.faults(NODE).wrong_protocol is MqttProtocol.MQTT_31
    restarted = type(hub.connection_faults)(hub.db, hub.clock)
    refusal = restarted.refuses(NODE)
    assert refusal is not None and refusal.code == "mqtt_protocol"
    assert restarted.faults("board-hall").any is False


@pytest.mark.parametrize("protocol", [mqtt.MQTTv5, mqtt.MQTTv31])
def test_the_embedded_broker_refuses_other_versions(protocol: MQTTProtocolVersion) -> None:
    broker = EmbeddedBroker("127.0.0.1", free_port())
    broker.start()
    answered = threading.Event()
    outcome: dict[str, bool] = {}

    def connected(_c: object, _u: object, _f: object, reason: object, _p: object) -> None:
        outcome["accepted"] = not getattr(reason, "is_failure", True)
        answered.set()

    def closed(*_: object) -> None:
        outcome.setdefault("accepted", False)
        answered.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="node", protocol=protocol)
    client.on_connect = connected
    client.on_disconnect = closed
    try:
        client.connect("127.0.0.1", broker.port)
        client.loop_start()
        assert answered.wait(10)
        assert outcome == {"accepted": False}
    finally:
        client.loop_stop()
        broker.stop()
