"""A bare node for bridge tests: a paho client that can send anything, including what
the contract forbids, and collects what the hub sends it."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any, TypeVar

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import BaseModel

from contract.mqtt import (
    AnyRequest,
    DownChannel,
    Message,
    NodeRole,
    NodeStatus,
    Presence,
    Reply,
    Topics,
    UpChannel,
    decode,
    encode,
    offline_status,
    request_channel,
)

M = TypeVar("M", bound=BaseModel)
DOWN_MODELS: dict[str, type[BaseModel]] = {}


class FakeNode:
    def __init__(self, port: int, topics: Topics, node_id: str, *, password: str | None = None,
                 role: NodeRole = NodeRole.TICKET_TERMINAL, desk: str | None = None,
                 zones: tuple[str, ...] = ()) -> None:
        self.topics = topics
        self.node_id = node_id
        self.port = port
        self.status = NodeStatus(node=node_id, state=Presence.ONLINE, role=role,
                                 software="test", desk=desk, zones=list(zones))
        self.received: dict[str, list[bytes]] = defaultdict(list)
        self._changed = threading.Condition()
        self._subscribed = threading.Event()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=node_id,
                             protocol=mqtt.MQTTv311)
        if password is not None:
            client.username_pw_set(node_id, password)
        client.will_set(topics.up(node_id, UpChannel.STATUS), encode(offline_status(self.status)),
                        qos=1, retain=True)
        client.on_message = self._on_message
        client.on_subscribe = lambda *_: self._subscribed.set()
        self.client = client

    def connect(self, subscribe: str | None = None) -> FakeNode:
        connected = threading.Event()
        self.client.on_connect = lambda *_: connected.set()
        self.client.connect("127.0.0.1", self.port, keepalive=5)
        self.client.loop_start()
        assert connected.wait(10), f"{self.node_id} could not connect"
        self.client.subscribe(subscribe or self.topics.node_subscription(self.node_id), qos=1)
        assert self._subscribed.wait(10)
        return self

    def go_online(self) -> FakeNode:
        # Composed now, as a node does on every connection: newer than the will.
        self.status = NodeStatus.model_validate(self.status.model_dump(exclude={"id", "at"}))
        self.publish(UpChannel.STATUS, self.status, retain=True)
        return self

    def publish(self, channel: UpChannel | str, payload: bytes | Message, *,
                node: str | None = None, retain: bool = False) -> None:
        topic = (self.topics.up(node or self.node_id, channel) if isinstance(channel, UpChannel)
                 else f"{self.topics.root}/node/{node or self.node_id}/up/{channel}")
        data = payload if isinstance(payload, bytes) else encode(payload)
        self.client.publish(topic, data, qos=1, retain=retain).wait_for_publish(10)

    def _on_message(self, _client: Any, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        route = self.topics.parse(message.topic)
        channel = route.channel if route else message.topic
        with self._changed:
            self.received[channel].append(bytes(message.payload))
            self._changed.notify_all()

    def wait_for(self, channel: DownChannel, model: type[M], predicate: Any = None,
                 timeout: float = 10.0) -> M:
        """The first message on `channel` (decoded as `model`) that `predicate` accepts."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for raw in self.received[channel]:
                    message = decode(model, raw)
                    if predicate is None or predicate(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.node_id}: no matching {channel} message "
                                         f"in {timeout} s; got {self.received[channel]!r:.500}")
                self._changed.wait(left)

    def count(self, channel: DownChannel) -> int:
        with self._changed:
            return len(self.received[channel])

    def ask(self, request: AnyRequest, timeout: float = 10.0) -> Reply:
        self.publish(request_channel(request), request)
        return self.wait_for(DownChannel.REPLY, Reply, lambda r: r.request_id == request.id,
                             timeout)

    def kill(self) -> None:
        """Vanish without DISCONNECT, as a node losing power: the broker sends the will."""
        sock = self.client.socket()
        self.client.loop_stop()
        if sock is not None:
            sock.close()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
