"""Benchmark: a visitor's press on the real ticket terminal application (MockFactory
pins) to the last byte of the ticket in the simulated printer, through a private
Mosquitto (passwords, the contract's ACL, persistence, as on a center's hub machine)
and the hub in its own process; beside the raw MQTT QoS 1 round trip measured in the
same run on the same broker. Prints p50/p99 in milliseconds and as ratios.

    PYTHONPATH=. python bench/ticket_terminal.py [--presses 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from gpiozero.pins.mock import MockFactory
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contract.broker import broker_address, no_delay
from contract.mqtt import NodeRole, Topics
from firmware.ticket_terminal.app import TicketTerminalApp
from tests.brokers import PrivateMosquitto, wait_until
from tests.e2e.hub_process import HubProcess
from tests.ticket_terminal.conftest import terminal_settings

CENTER = "bench-terminal"
NODE = "terminal-1"
HUB_PASSWORD, NODE_PASSWORD = "bench-hub-pw", "bench-node-pw"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def raw_round_trips(url: str, count: int) -> list[float]:
    """Publish QoS 1 to a topic this same client subscribes: broker there and back. As
    the hub's user, the one the ACL lets use a topic outside the nodes' own."""
    address = broker_address(url)
    arrived = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-raw")
    client.username_pw_set("hub", HUB_PASSWORD)
    client.on_message = lambda *args: arrived.set()
    client.on_socket_open = no_delay  # as the nodes do: no Nagle delay
    client.connect(address.host, address.port)
    client.loop_start()
    client.subscribe(f"kezek/{CENTER}/bench/echo", qos=1)
    time.sleep(0.5)
    times = []
    for _ in range(count):
        arrived.clear()
        start = time.perf_counter()
        client.publish(f"kezek/{CENTER}/bench/echo", b"x" * 200, qos=1)
        arrived.wait(5)
        times.append(time.perf_counter() - start)
    client.loop_stop()
    client.disconnect()
    return times


def presses(app: TicketTerminalApp, pins: MockFactory, count: int) -> list[float]:
    assert app.printer.simulated is not None
    printer = app.printer.simulated
    times = []
    for index in range(count):
        wait_until(lambda: app.terminal.signal.value == "choose_language", 20, "ready")
        start = time.perf_counter()
        for pin in (5 if index % 2 else 6, 13):
            pins.pin(pin).drive_low()
            pins.pin(pin).drive_high()
        # The spooler removes a slip once the printer took its last byte (the cut).
        slips = index + 1
        wait_until(lambda: printer.output.count(b"\x1dV") == slips, 20, "the slip")  # noqa: B023
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        for part in ("broker", "hub"):
            (root / part).mkdir()
        broker = PrivateMosquitto(root / "broker", Topics(CENTER),
                                  {"hub": HUB_PASSWORD, NODE: NODE_PASSWORD},
                                  roles={NODE: NodeRole.TICKET_TERMINAL})
        broker.start()
        hub = HubProcess(root / "hub", center=CENTER, mqtt_url=broker.url, username="hub",
                         password=HUB_PASSWORD)
        try:
            hub.start()
            settings = terminal_settings(root, node_id=NODE, center=CENTER,
                                         broker_url=broker.url, password=NODE_PASSWORD,
                                         limits={"min_seconds_between": 0, "per_minute": 10**6},
                                         offline={"hub_answer_seconds": 60},
                                         printer={"poll_seconds": 0.05})
            pins = MockFactory()
            app = TicketTerminalApp(settings, pin_factory=pins, clock=hub.now)
            app.start()
            try:
                # The lease asked for at connect goes first, not in a measured press.
                wait_until(lambda: app.store.remaining("consultation", hub.now()) > 0, 30,
                           "the terminal's lease")
                ticket = presses(app, pins, args.presses)
            finally:
                app.stop()
            raw = raw_round_trips(broker.url, args.presses)
        finally:
            hub.stop()
            broker.stop()
    for name, values in (("raw MQTT QoS 1 round trip", raw), ("press -> last printer byte",
                                                                ticket)):
        print(f"{name:28s} p50 {percentile(values, 0.5) * 1000:7.1f} ms   "
              f"p99 {percentile(values, 0.99) * 1000:7.1f} ms   "
              f"mean {statistics.fmean(values) * 1000:7.1f} ms")
    print(f"ratio to raw: p50 {percentile(ticket, 0.5) / percentile(raw, 0.5):.1f}x, "
          f"p99 {percentile(ticket, 0.99) / percentile(raw, 0.99):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
