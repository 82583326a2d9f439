"""Mosquitto's log lines, as it publishes them with `log_dest topic`, turned into the
connection events the hub acts on (hub/services/connection_faults.py).

Mosquitto 2.0 cannot refuse an MQTT version (`accept_protocol_versions` came in 2.1)
and says a second connection with a client id in use only in its log, so the hub reads
the log. Lines come on `$SYS/broker/log/<level>` (N notice, E error, W warning, I
information, …) as `<unix time>: <message>`; the two this module reads, written by
Mosquitto 2.0's handle_connect.c when `connection_messages` is on (checked against
2.0.11 here):

    New client connected from 10.0.0.21:52380 as terminal-1 (p5, c0, k30, u'terminal-1').
    Client terminal-1 already connected, closing old connection.

`p` is Mosquitto's protocol number: 1 MQTT 3.1, 2 MQTT 3.1.1, 5 MQTT 5. The user part is
absent for a client without a user name. Anything else is not an event (None): the log
has many other lines, and a new Mosquitto may word them differently; the hub then
simply learns nothing from them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.domain.connection_faults import MqttProtocol

LOG_TOPICS = ("$SYS/broker/log/N", "$SYS/broker/log/E")  # notices and errors
_LEVEL_TOPIC = "$SYS/broker/log/"
_LINE = re.compile(r"(?P<time>\d{1,12}): (?P<message>.*)", re.DOTALL)
_CONNECTED = re.compile(
    r"New client connected from (?P<address>\S+) as (?P<client>\S+) "
    r"\(p(?P<protocol>\d+), c(?P<clean>[01]), k(?P<keepalive>\d+)(?:, u'(?P<user>[^']*)')?\)\.")
_TAKEN_OVER = re.compile(r"Client (?P<client>\S+) already connected, closing old connection\.")
_PROTOCOLS = {"1": MqttProtocol.MQTT_31, "2": MqttProtocol.MQTT_311, "5": MqttProtocol.MQTT_5}


@dataclass(frozen=True, slots=True)
class ClientConnected:
    client_id: str
    user: str | None
    protocol: MqttProtocol
    at: datetime  # the broker's clock

    @property
    def identity(self) -> str:
        """Who connected: the user name (authenticated; a node's is its id), else the
        client id."""
        return self.user if self.user is not None else self.client_id


@dataclass(frozen=True, slots=True)
class ConnectionTakenOver:
    """A client connected with the id of one still connected: the broker closed the
    older connection. With `use_username_as_clientid` the id is the node's user."""

    client_id: str
    at: datetime


BrokerEvent = ClientConnected | ConnectionTakenOver


def is_log_topic(topic: str) -> bool:
    return topic.startswith(_LEVEL_TOPIC)


def parse_log_line(payload: bytes) -> BrokerEvent | None:
    """The event a log line tells, or None for any other line (or bytes that are not a
    log line at all)."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    line = _LINE.fullmatch(text.strip())
    if line is None:
        return None
    at = datetime.fromtimestamp(int(line["time"]), UTC)
    message = line["message"]
    if connected := _CONNECTED.fullmatch(message):
        protocol = _PROTOCOLS.get(connected["protocol"])
        if protocol is None:
            return None
        return ClientConnected(client_id=connected["client"], user=connected["user"],
                               protocol=protocol, at=at)
    if taken := _TAKEN_OVER.fullmatch(message):
        return ConnectionTakenOver(client_id=taken["client"], at=at)
    return None
