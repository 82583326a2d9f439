"""Mosquitto's log lines, as 2.0 publishes them on `$SYS/broker/log/…` (the lines are
copied from a Mosquitto 2.0.11 run), into connection events; every other line is none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.domain.connection_faults import MqttProtocol
from hub.mqtt.broker_log import (
    ClientConnected,
    ConnectionTakenOver,
    is_log_topic,
    parse_log_line,
)

AT = datetime.fromtimestamp(1796689514, UTC)


@pytest.mark.parametrize(("line", "protocol"), [
    (b"1796689514: New client connected from 127.0.0.1:52380 as n1 (p5, c1, k60, u'n1').",
     MqttProtocol.MQTT_5),
    (b"1796689514: New client connected from 127.0.0.1:52380 as n1 (p2, c0, k30, u'n1').",
     MqttProtocol.MQTT_311),
    (b"1796689514: New client connected from ::1:40000 as n1 (p1, c1, k60, u'n1').",
     MqttProtocol.MQTT_31),
])
def test_a_connection_names_its_protocol(line: bytes, protocol: MqttProtocol) -> None:
    event = parse_log_line(line)
    assert event == ClientConnected(client_id="n1", user="n1", protocol=protocol, at=AT)
    assert event.identity == "n1"


def test_without_a_user_the_client_id_names_it() -> None:
    event = parse_log_line(b"1796689514: New client connected from 10.0.0.5:1 as "
                           b"auto-CFB3838C (p2, c1, k60).")
    assert isinstance(event, ClientConnected)
    assert (event.user, event.identity) == (None, "auto-CFB3838C")


def test_a_takeover() -> None:
    assert parse_log_line(b"1796689514: Client terminal-1 already connected, closing old "
                          b"connection.") == ConnectionTakenOver(client_id="terminal-1", at=AT)


@pytest.mark.parametrize("line", [
    b"1796689513: New connection from 127.0.0.1:52360 on port 18999.",
    b"1796689513: Client n1 disconnected.",
    b"1796689513: n1 0 kezek/c/node/n1/down/#",
    b"New client connected from 127.0.0.1:1 as n1 (p5, c1, k60, u'n1').",  # no time
    b"1796689514: New client connected from 127.0.0.1:1 as n1 (p3, c1, k60, u'n1').",
    b"1796689514: New client connected from 127.0.0.1:1 as n1 (p5, c1, k60, u'n1'). extra",
    b"\xff\xfe",
    b"",
])
def test_other_lines_are_no_event(line: bytes) -> None:
    assert parse_log_line(line) is None


def test_log_topics() -> None:
    assert is_log_topic("$SYS/broker/log/N")
    assert not is_log_topic("kezek/c/node/n1/up/status")
