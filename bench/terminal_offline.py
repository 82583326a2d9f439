"""Benchmark of a ticket terminal's reconnect: the tickets it printed from its lease
while the hub was away, reported one after another (as its outbox sends them),
beside a ticket request and the raw MQTT QoS 1 round trip, through a real
Mosquitto and the hub's bridge.

Usage (from the repository root, with the hub's virtualenv):

    .venv/bin/python bench/terminal_offline.py [--reports N]   (N <= 150, default 120)

One process holds the hub (SQLite in a temporary directory, its clock on Monday
23 November 2026, 10:00 Almaty), its bridge and the measuring clients, so the
figures are relative: each kind's p50/p99 is printed beside the raw round trip
measured in the same run (an echo client republishing each request unchanged to
the sender's `down/reply`). Afterwards the queue must hold every reported ticket
exactly once, in the order they were printed; a violated check exits with 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is sys.path[0], not the root
    sys.path.insert(0, str(ROOT))

from contract.broker import no_delay  # noqa: E402
from contract.mqtt import (  # noqa: E402
    AnyRequest,
    DownChannel,
    LeaseRequest,
    NodeRole,
    NodeStatus,
    OfflineTicket,
    Presence,
    Reply,
    TicketRequest,
    Topics,
    decode,
    encode,
    request_channel,
)
from hub.mqtt.bridge import MqttBridge  # noqa: E402
from hub.services.clock import ManualClock  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from hub.wiring import build_hub  # noqa: E402
from tests.brokers import PrivateMosquitto  # noqa: E402

MONDAY_TEN = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
NODE = "terminal-1"


class Terminal:
    """A paho client that sends one request and waits for its reply."""

    def __init__(self, port: int, topics: Topics) -> None:
        self.topics = topics
        self._replies: dict[str, bytes] = {}
        self._arrived = threading.Condition()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{topics.center}-{NODE}",
                             protocol=mqtt.MQTTv311)
        client.on_message = self._on_message
        client.on_socket_open = no_delay  # as the hub and the nodes do: no Nagle delay
        client.connect("127.0.0.1", port)
        client.loop_start()
        client.subscribe(topics.down(NODE, DownChannel.REPLY), qos=1)
        self.client = client

    def _on_message(self, _client: Any, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        reply = decode(Reply, bytes(message.payload)) if message.payload[:1] == b"{" else None
        key = reply.request_id if reply is not None else ""
        with self._arrived:
            self._replies[key] = bytes(message.payload)
            self._arrived.notify_all()

    def ask(self, request: AnyRequest) -> tuple[float, Reply]:
        started = time.perf_counter()
        self.client.publish(self.topics.up(NODE, request_channel(request)), encode(request),
                            qos=1)
        with self._arrived:
            while request.id not in self._replies:
                if not self._arrived.wait(10):
                    raise RuntimeError(f"no reply to {request.id}")
            raw = self._replies.pop(request.id)
        return time.perf_counter() - started, decode(Reply, raw)


def echo(port: int, topics: Topics) -> mqtt.Client:
    """Republish every request of the echo center to its sender's reply topic."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="echo",
                         protocol=mqtt.MQTTv311)

    def on_message(_client: Any, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        route = topics.parse(message.topic)
        if route is None:
            return
        request = decode(TicketRequest, bytes(message.payload))
        answer = Reply(request_id=request.id, ok=False, problem={
            "code": "echo", "detail": "echo", "text": {"kk": "echo", "ru": "echo"}})
        client.publish(topics.down(route.node, DownChannel.REPLY), encode(answer), qos=1)

    client.on_message = on_message
    client.on_socket_open = no_delay
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe(topics.hub_subscription(), qos=1)
    return client


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def measure(count: int, make: Callable[[int], AnyRequest], terminal: Terminal) -> list[float]:
    times = []
    for i in range(count):
        elapsed, reply = terminal.ask(make(i))
        if reply.problem is not None and reply.problem.code != "echo":
            raise RuntimeError(f"refused: {reply.problem.code} {reply.problem.detail}")
        times.append(elapsed)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=120,
                        help="offline tickets reported (and round trips measured per kind); "
                             "at most 150: both kinds share the 300 consultation numbers")
    args = parser.parse_args()
    if not 1 <= args.reports <= 150:
        parser.error("--reports must be between 1 and 150")
    with tempfile.TemporaryDirectory() as scratch:
        broker = PrivateMosquitto(Path(scratch), persistence=False)
        broker.start()
        clock = ManualClock(MONDAY_TEN)
        hub = build_hub(HubSettings(data_dir=Path(scratch) / "hub", mqtt_enabled=False,
                                    center_id="bench", lease_numbers=args.reports,
                                    # the reports are charged to the ticket bucket
                                    # (hub.domain.rate_limits), then as many tickets
                                    terminal_ticket_burst=2 * args.reports + 1),
                        clock=clock)
        bridge = MqttBridge(hub, broker.url)
        echoer = echo(broker.port, Topics("echo"))
        try:
            bridge.start()
            assert bridge.wait_connected(10)
            hub.nodes.record_status(NodeStatus(node=NODE, state=Presence.ONLINE,
                                               role=NodeRole.TICKET_TERMINAL,
                                               software="bench"))
            bridge.stop()  # it read the fleet when it started: start again knowing the node
            bridge = MqttBridge(hub, broker.url)
            bridge.start()
            assert bridge.wait_connected(10)
            raw_terminal = Terminal(broker.port, Topics("echo"))
            terminal = Terminal(broker.port, Topics("bench"))
            _, leased = terminal.ask(LeaseRequest(node=NODE, zones=["consultation"]))
            assert leased.lease is not None
            block = leased.lease[0]
            clock.advance(minutes=30)  # the hub was away; the terminal printed meanwhile
            raw = measure(args.reports, lambda i: TicketRequest(
                node=NODE, language="kk", purpose="appeal_paper"), raw_terminal)
            offline = measure(len(block.numbers), lambda i: OfflineTicket(
                node=NODE, lease_id=block.lease_id, zone="consultation",
                number=block.numbers[i], language="kk", purpose="appeal_paper",
                printed_at=MONDAY_TEN + timedelta(seconds=5 * (i + 1))), terminal)
            online = measure(args.reports, lambda i: TicketRequest(
                node=NODE, language="ru", purpose="appeal_paper"), terminal)
            state = hub.queue.state()
            waiting = [w.number for z in state.zones if z.code == "consultation"
                       for w in z.waiting]
            ok = waiting[:len(block.numbers)] == block.numbers and len(set(waiting)) == len(
                waiting) == len(block.numbers) + args.reports
            raw_p50, raw_p99 = percentiles(raw)
            print(f"{'kind':<22}{'p50 ms':>9}{'p99 ms':>9}{'p50/raw':>9}{'p99/raw':>9}")
            for name, samples in (("raw MQTT round trip", raw), ("offline ticket", offline),
                                  ("ticket request", online)):
                p50, p99 = percentiles(samples)
                print(f"{name:<22}{p50:>9.2f}{p99:>9.2f}{p50 / raw_p50:>9.2f}"
                      f"{p99 / raw_p99:>9.2f}")
            print(f"queue order and uniqueness: {'ok' if ok else 'VIOLATED'}")
            return 0 if ok else 1
        finally:
            bridge.stop()
            echoer.loop_stop()
            hub.close()
            broker.stop()


if __name__ == "__main__":
    raise SystemExit(main())
