"""A paho client for the broker tests: connects with a node's or the hub's generated
credentials over TLS, records what it receives and how publishes were acknowledged."""

from __future__ import annotations

import queue
import ssl
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from tests.brokers import wait_until


class Probe:
    def __init__(self, port: int, username: str, password: str | None, ca_file: Path, *,
                 cert: tuple[Path, Path] | None = None,
                 protocol: MQTTProtocolVersion = mqtt.MQTTv5) -> None:
        # MQTT 5 by default: the broker then says why it refused a publish (0x87).
        self.port = port
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=username,
                                  protocol=protocol)
        self.client.username_pw_set(username, password)
        self.client.tls_set(ca_certs=str(ca_file),
                            certfile=str(cert[0]) if cert else None,
                            keyfile=str(cert[1]) if cert else None,
                            tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.messages: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.connack: ReasonCode | None = None
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.answered = threading.Event()
        self.acks: dict[int, ReasonCode] = {}
        self.subacks: dict[int, list[ReasonCode]] = {}
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish
        self.client.on_subscribe = self._on_subscribe
        self.client.on_connect_fail = self._on_connect_fail

    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: ReasonCode,
                    _p: Properties | None) -> None:
        self.connack = reason
        self.answered.set()
        if not reason.is_failure:
            self.connected.set()

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, _reason: ReasonCode,
                       _p: Properties | None) -> None:
        self.connected.clear()
        self.disconnected.set()
        self.answered.set()

    def _on_connect_fail(self, _c: Any, _u: Any) -> None:
        self.answered.set()  # TCP or TLS failed before any CONNACK

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        self.messages.put((message.topic, bytes(message.payload)))

    def _on_publish(self, _c: Any, _u: Any, mid: int, reason: ReasonCode,
                    _p: Properties) -> None:
        self.acks[mid] = reason

    def _on_subscribe(self, _c: Any, _u: Any, mid: int, reasons: list[ReasonCode],
                      _p: Properties | None) -> None:
        self.subacks[mid] = reasons

    def connect(self) -> bool:
        """True when the broker accepted; False when it refused or dropped the TLS."""
        self.client.connect_async("127.0.0.1", self.port, keepalive=30)
        self.client.loop_start()
        wait_until(self.answered.is_set, 10, "the broker to answer")
        return self.connected.is_set()

    def subscribe(self, topic: str) -> list[ReasonCode]:
        _, mid = self.client.subscribe(topic, qos=1)
        assert mid is not None, f"not subscribed to {topic}"
        wait_until(lambda: mid in self.subacks, 10, f"SUBACK for {topic}")
        return self.subacks[mid]

    def publish(self, topic: str, payload: bytes) -> ReasonCode:
        info = self.client.publish(topic, payload, qos=1)
        wait_until(lambda: info.mid in self.acks, 10, f"PUBACK for {topic}")
        return self.acks[info.mid]

    def next_message(self) -> tuple[str, bytes]:
        return self.messages.get(timeout=10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
