"""Every message on the broker during a day run, for the node-topic invariant
("nothing personal on node topics", simulation.day.invariants.check_node_topics).

A plain paho client under an account that may read the whole center (the hub's),
subscribed to `#`: the broker delivers what the account's ACL allows, so with the
hub's account that is everything under `kezek/<center>/`. Payloads are kept as
bytes in arrival order; memory is bounded (a day of a district center is a few MB,
the cap is far above it), and what did not fit is counted, so the check can say it
did not see everything instead of passing on half a day."""

from __future__ import annotations

import logging
import ssl
import threading
import uuid
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from contract.broker import broker_address
from contract.mqtt import Topics

log = logging.getLogger("kezek.simulation.sniffer")

MAX_BYTES = 200 * 1024 * 1024


class TopicSniffer:
    def __init__(self, broker_url: str, username: str | None = None,
                 password: str | None = None, *, center: str | None = None,
                 max_bytes: int = MAX_BYTES) -> None:
        """With `center`, only its topics (`kezek/<center>/#`); else everything."""
        self._address = broker_address(broker_url)
        self._subscription = "#" if center is None else f"{Topics(center).root}/#"
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._messages: list[tuple[str, bytes]] = []
        self._bytes = 0
        self._dropped = 0
        self.subscribed = threading.Event()
        # A persistent session: while the broker restarts (a fault of the day) the
        # messages queued for the nodes are queued for the sniffer too, and it sees
        # them when it is back, as they do.
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                   client_id=f"kezek-sniffer-{uuid.uuid4().hex[:8]}",
                                   clean_session=False)
        if username is not None:
            self._client.username_pw_set(username, password)
        if self._address.tls:
            self._client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._client.reconnect_delay_set(1, 5)

    def start(self, timeout: float = 10.0) -> None:
        """Connect and subscribe; returns once subscribed (the broker restarting
        later is survived: the client reconnects and subscribes again)."""
        self._client.connect_async(self._address.host, self._address.port, keepalive=30)
        self._client.loop_start()
        if not self.subscribed.wait(timeout):
            self.stop()
            raise TimeoutError(f"the sniffer could not subscribe within {timeout} s")

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    @property
    def messages(self) -> list[tuple[str, bytes]]:
        """A copy of every (topic, payload) kept so far."""
        with self._lock:
            return list(self._messages)

    @property
    def dropped(self) -> int:
        with self._lock:
            return self._dropped

    def take(self) -> tuple[list[tuple[str, bytes]], int]:
        """The messages and drop count so far, and start afresh (one day at a time)."""
        with self._lock:
            taken, dropped = self._messages, self._dropped
            self._messages, self._bytes, self._dropped = [], 0, 0
        return taken, dropped

    # paho callbacks (its network thread) ---------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: Any,
                    reason: Any, properties: Any = None) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("sniffer refused by the broker: %s", reason)
            return
        client.subscribe(self._subscription, qos=1)

    def _on_subscribe(self, client: mqtt.Client, userdata: object, mid: int,
                      reasons: Any, properties: Any = None) -> None:
        self.subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: object,
                    message: mqtt.MQTTMessage) -> None:
        payload = bytes(message.payload)
        with self._lock:
            if self._bytes + len(payload) > self._max_bytes:
                self._dropped += 1
                return
            self._messages.append((message.topic, payload))
            self._bytes += len(payload)
