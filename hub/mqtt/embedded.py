"""A broker inside the hub process (amqtt) for a one-box center with nothing installed.

amqtt speaks MQTT 3.1.1 only (it answers an MQTT 5 or 3.1 CONNECT with a refusal:
tests/security/test_mqtt_connections.py), accepts every client (it does not check passwords)
and keeps no session for anonymous clients, so it listens on the loopback
address by default and suits one machine running the hub and simulated or local
nodes. A center with real devices on its network runs Mosquitto with per-node
credentials and ACLs (see docs/mqtt.md) and gives the hub its URL.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

log = logging.getLogger("kezek.mqtt.embedded")


class EmbeddedBrokerError(RuntimeError):
    pass


class EmbeddedBroker:
    """amqtt running on its own event loop in its own thread, so neither the web
    server's loop nor a slow request can stall message delivery."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Any = None

    def start(self, timeout: float = 10.0) -> None:
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start())
            except BaseException as error:  # reported to the caller of start()
                failure.append(error)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._broker.shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="kezek-embedded-broker", daemon=True)
        self._thread.start()
        if not started.wait(timeout):
            raise EmbeddedBrokerError(f"embedded MQTT broker did not start within {timeout} s")
        if failure:
            raise EmbeddedBrokerError(
                f"embedded MQTT broker could not listen on {self.host}:{self.port}: "
                f"{failure[0]} (is another broker using the port? set KEZEK_HUB_MQTT_URL "
                "to use it, or KEZEK_HUB_EMBEDDED_MQTT_PORT to move this one)") from failure[0]
        log.info("embedded MQTT broker listening on %s:%d", self.host, self.port)

    async def _start(self) -> None:
        # amqtt and its state machine library log every transition at INFO.
        for noisy in ("amqtt", "transitions"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            # Only anonymous access: no loggers of every packet, no $SYS topics.
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin":
                        {"allow_anonymous": True}},
        }
        self._broker = _corrected_broker()(config)
        await self._broker.start()

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


class _SnapshotDict(dict[Any, Any]):
    """Iterates over a snapshot. amqtt 0.12 walks its subscription table across awaits
    while other sessions change it ("dictionary changed size during iteration" when
    several nodes connect at once)."""

    def __iter__(self) -> Any:
        return iter(list(super().keys()))

    def items(self) -> Any:
        return list(super().items())


def _corrected_broker() -> type[Any]:
    from amqtt.broker import Broker

    class CorrectedBroker(Broker):  # type: ignore[misc]
        """amqtt 0.12's Broker with two faults worked around (both seen here: nodes got
        each other's retained configuration, and connections failed)."""

        def __init__(self, config: dict[str, Any]) -> None:
            super().__init__(config)
            self._subscriptions = _SnapshotDict()

        async def _publish_retained_messages_for_subscription(
                self, subscription: tuple[str, int], session: Any) -> None:
            # On connect amqtt replays retained messages for every filter any client
            # subscribed to, not only this session's: keep to the session's own.
            holders = self._subscriptions.get(subscription[0], [])
            if any(held is session or held.client_id == session.client_id
                   for held, _ in holders):
                await super()._publish_retained_messages_for_subscription(subscription, session)

    return CorrectedBroker
