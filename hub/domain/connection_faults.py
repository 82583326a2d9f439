"""Faults of a node's connection to the broker (issue 17), and the rule on them.

The MQTT contract is 3.1.1 only (contract/mqtt.py, docs/mqtt.md "Sessions and MQTT
version"): the embedded broker of a one-box center speaks nothing else, and nothing of
MQTT 5 is used. A node connected with another version is not the firmware the center
installed (or is misconfigured): the hub refuses its requests until it connects again
with 3.1.1. A second connection with a node's credentials closes the first (the broker
keeps one session per client id): the hub cannot stop it, but the fleet page shows how
often it happened and when last, since two boxes holding one password is exactly what
a copied SD card looks like. One takeover alone proves little: a node whose link broke
and came back before the broker noticed (within 1.5 keepalives) takes over its own
dead connection the same way; two boxes take turns every few seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.domain.errors import NodeNotAllowed
from hub.domain.text import Bilingual


class MqttProtocol(StrEnum):
    MQTT_31 = "3.1"
    MQTT_311 = "3.1.1"
    MQTT_5 = "5"


CONTRACT_PROTOCOL = MqttProtocol.MQTT_311


class WrongMqttProtocol(NodeNotAllowed):
    """The node is connected with an MQTT version the contract does not speak."""

    code = "mqtt_protocol"


@dataclass(frozen=True, slots=True)
class ConnectionFaults:
    """What the hub holds against one node's connection now."""

    node_id: str
    # The version the node is connected with, when it is not the contract's.
    wrong_protocol: MqttProtocol | None = None
    wrong_protocol_since: datetime | None = None
    # Connections of this node closed because another connected with its credentials.
    taken_over: int = 0
    last_taken_over: datetime | None = None

    @property
    def any(self) -> bool:
        return self.wrong_protocol is not None or self.taken_over > 0


def protocol_refusal(node_id: str, protocol: MqttProtocol) -> WrongMqttProtocol:
    return WrongMqttProtocol(
        f"node {node_id} is connected with MQTT {protocol.value}; the contract is MQTT "
        f"{CONTRACT_PROTOCOL.value}: reconnect with it",
        Bilingual(kk=f"Құрылғы MQTT {protocol.value} нұсқасымен қосылған; тек MQTT "
                     f"{CONTRACT_PROTOCOL.value} қабылданады",
                  ru=f"Устройство подключено по MQTT {protocol.value}; принимается только "
                     f"MQTT {CONTRACT_PROTOCOL.value}"),
        field="protocol")
