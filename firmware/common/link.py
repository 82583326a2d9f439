"""The node's MQTT link: one paho client with a persistent session, the retained
online/offline status (offline is the will), reconnection with backoff, and incoming
messages decoded into contract models and handed to a table of handlers by channel.
Every decoded down message is also shown to `on_received` with its channel and whether
the broker replayed it as a retained copy at subscription (the hub's clock reads only
live messages: see `firmware/common/hub_clock.py`).

Handlers run on paho's network thread: they must return quickly (hand work to another
thread), or keepalives stall. A handler that raises is logged; the link keeps running."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from contract.broker import no_delay
from contract.mqtt import (
    QOS,
    RETAINED,
    Announcement,
    Command,
    ContractError,
    DeskState,
    Direction,
    DisplaySnapshot,
    DownChannel,
    ErrorMessage,
    Message,
    NodeConfig,
    NodeStatus,
    Presence,
    PrintJob,
    Reply,
    Topics,
    UpChannel,
    decode,
    encode,
    offline_status,
)
from firmware.common.settings import NodeSettings

log = logging.getLogger(__name__)

# What each down channel carries. (A candidate for contract/mqtt.py: the hub needs the same.)
DOWN_MODELS: Mapping[DownChannel, type[Message]] = {
    DownChannel.REPLY: Reply,
    DownChannel.ERROR: ErrorMessage,
    DownChannel.CONFIG: NodeConfig,
    DownChannel.COMMAND: Command,
    DownChannel.DISPLAY: DisplaySnapshot,
    DownChannel.ANNOUNCE: Announcement,
    DownChannel.PRINT: PrintJob,
    DownChannel.DESK: DeskState,
}
RECONNECT_MIN_SECONDS = 1
RECONNECT_MAX_SECONDS = 60
CLOSE_TIMEOUT_SECONDS = 5.0

M = TypeVar("M", bound=Message)
# (channel, message, retained): a retained copy is one the broker replayed at subscription.
Observer = Callable[[DownChannel, Message, bool], None]


@dataclass(frozen=True, slots=True)
class Handler(Generic[M]):
    """Decode a down channel's payload as `model` and give it to `callback`."""

    model: type[M]
    callback: Callable[[M], None]


class MqttLink:
    """Connects in the background on `start()` and keeps reconnecting until `close()`."""

    def __init__(self, settings: NodeSettings, *, status: Callable[[Presence], NodeStatus],
                 handlers: Mapping[DownChannel, Handler[Any]],
                 on_connect: Callable[[], None] | None = None,
                 on_disconnect: Callable[[], None] | None = None,
                 on_received: Observer | None = None) -> None:
        for channel, handler in handlers.items():
            if handler.model is not DOWN_MODELS[channel]:
                raise ValueError(f"down/{channel} carries {DOWN_MODELS[channel].__name__}, "
                                 f"not {handler.model.__name__}")
        self.settings = settings
        self.topics = Topics(settings.center)
        self.node = settings.node_id
        self.connected = threading.Event()
        self._status = status
        self._handlers = dict(handlers)
        self._on_connect_callback = on_connect
        self._on_disconnect_callback = on_disconnect
        self._on_received = on_received
        self._started = False
        self._closed = False
        self.client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.node,
                             clean_session=False, protocol=mqtt.MQTTv311)
        password = self.settings.password
        client.username_pw_set(self.settings.broker_username,
                               password.get_secret_value() if password else None)
        if self.settings.broker.tls:
            ca_file = self.settings.ca_file
            cert_file, key_file = self.settings.cert_file, self.settings.key_file
            client.tls_set(ca_certs=str(ca_file) if ca_file else None,
                           certfile=str(cert_file) if cert_file else None,
                           keyfile=str(key_file) if key_file else None)
        client.reconnect_delay_set(RECONNECT_MIN_SECONDS, RECONNECT_MAX_SECONDS)
        client.on_socket_open = no_delay
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_message = self._on_message
        return client

    # Lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Set the will and connect in the background; never blocks on the network."""
        if self._started:
            raise RuntimeError("the link was started already")
        self._started = True
        will = offline_status(self._status(Presence.ONLINE))
        self.client.will_set(self.topics.up(self.node, UpChannel.STATUS), encode(will),
                             qos=QOS[UpChannel.STATUS], retain=True)
        broker = self.settings.broker
        self.client.connect_async(broker.host, broker.port,
                                  keepalive=self.settings.keepalive_seconds)
        self.client.loop_start()

    def close(self, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Say offline (a clean disconnect sends no will), then disconnect and stop."""
        if self._closed:
            return
        self._closed = True
        if self.connected.is_set():
            info = self._publish(UpChannel.STATUS, self._status(Presence.OFFLINE))
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError) as error:
                log.warning("offline status not sent", extra={"error": str(error)})
        self.client.disconnect()
        if self._started:
            self.client.loop_stop()
        self.connected.clear()

    def alive(self) -> bool:
        """Whether paho's network thread runs (what the systemd watchdog vouches for)."""
        # loop_start keeps its thread private; it also wakes that thread on every publish,
        # which a thread of our own running loop_forever would not.
        thread = self.client._thread
        return thread is not None and thread.is_alive()

    # Publishing ------------------------------------------------------------------

    def publish(self, channel: UpChannel, message: Message) -> bool:
        """Publish with the contract's QoS and retain flag; False when not handed to paho
        (not connected, or its queue is full)."""
        if not self.connected.is_set():
            return False
        return self._publish(channel, message).rc == MQTTErrorCode.MQTT_ERR_SUCCESS

    def publish_status(self, state: Presence = Presence.ONLINE) -> bool:
        return self.publish(UpChannel.STATUS, self._status(state))

    def _publish(self, channel: UpChannel, message: Message) -> mqtt.MQTTMessageInfo:
        return self.client.publish(self.topics.up(self.node, channel), encode(message),
                                   qos=QOS[channel], retain=channel in RETAINED)

    # paho callbacks (network thread) ----------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: mqtt.ConnectFlags,
                    reason_code: ReasonCode, properties: object) -> None:
        if reason_code.is_failure:
            log.error("broker refused the connection", extra={"reason": str(reason_code)})
            return
        try:
            self._publish(UpChannel.STATUS, self._status(Presence.ONLINE))
            client.subscribe(self.topics.node_subscription(self.node), qos=1)
            self.connected.set()
            log.info("connected", extra={"session_present": flags.session_present})
            if self._on_connect_callback is not None:
                self._on_connect_callback()
        except Exception:
            log.exception("connect handling failed")

    def _on_disconnect(self, client: mqtt.Client, userdata: object,
                       flags: mqtt.DisconnectFlags, reason_code: ReasonCode,
                       properties: object) -> None:
        was_connected = self.connected.is_set()
        self.connected.clear()
        if self._closed:
            log.info("disconnected", extra={"reason": str(reason_code)})
        elif was_connected:
            log.warning("connection lost", extra={"reason": str(reason_code)})
            if self._on_disconnect_callback is not None:
                try:
                    self._on_disconnect_callback()
                except Exception:
                    log.exception("disconnect handling failed")

    def _on_connect_fail(self, client: mqtt.Client, userdata: object) -> None:
        log.info("broker not reachable, retrying",
                 extra={"broker": self.settings.broker_url})

    def _on_message(self, client: mqtt.Client, userdata: object,
                    message: mqtt.MQTTMessage) -> None:
        # paho re-raises a callback's exception and its network thread dies: never let one out.
        try:
            self.dispatch(message.topic, bytes(message.payload), retained=bool(message.retain))
        except Exception:
            log.exception("down message handler failed", extra={"topic": message.topic})

    def dispatch(self, topic: str, payload: bytes, *, retained: bool = False) -> None:
        """Decode a down message by its channel and call that channel's handler;
        `retained`: the broker's copy replayed at subscription, not a live message."""
        route = self.topics.parse(topic)
        if route is None or route.node != self.node or route.direction is not Direction.DOWN:
            log.warning("message on a foreign topic dropped", extra={"topic": topic})
            return
        try:
            channel = DownChannel(route.channel)
        except ValueError:
            log.warning("message on an unknown channel dropped", extra={"topic": topic})
            return
        handler = self._handlers.get(channel)
        if handler is None:
            log.debug("no handler for channel", extra={"topic": topic})
            return
        try:
            decoded = decode(handler.model, payload)
        except ContractError as error:
            # Payload contents stay out of the log: the code and detail say what is wrong.
            log.warning("undecodable message dropped",
                        extra={"topic": topic, "code": error.code, "detail": error.detail,
                               "bytes": len(payload)})
            return
        if self._on_received is not None:
            try:
                self._on_received(channel, decoded, retained)
            except Exception:
                log.exception("down message observer failed", extra={"topic": topic})
        handler.callback(decoded)
