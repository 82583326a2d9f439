"""Benchmark of a desk's call button: press -> lamp answer, and press -> display
snapshot, beside the raw MQTT QoS 1 round trip through the same broker.

Usage (from the repository root, with the hub's virtualenv):

    .venv/bin/python bench/call_buttons.py [--presses N] [--db sqlite|postgres]

One process holds a private Mosquitto (anonymous, no persistence), the hub (SQLite
file, or a fresh PostgreSQL database with --db postgres) with its MQTT bridge, a real
call-button application on MockFactory pins bound to window-1, and a display node
(the node runtime with a snapshot callback) following the consultation zone.

* baseline: a ButtonPress payload sent at QoS 1 by one paho client and echoed at
  QoS 1 by another, through the same broker: what MQTT alone costs;
* press -> lamp: the Next button's pin driven low until the application has the
  hub's reply and has set its lamps (the visitor is called);
* press -> display: the same press until the display node holds a snapshot
  showing the called number.

Each press calls a freshly issued ticket; a Done press (not timed) ends the visit
before the next sample. p50/p99 are printed in ms and as ratios to the baseline
measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.mqtt_tickets import Mosquitto  # noqa: E402
from bench.tickets_api import percentile  # noqa: E402
from contract.broker import no_delay  # noqa: E402
from contract.mqtt import ButtonPress, DisplaySnapshot, NodeRole  # noqa: E402
from firmware.call_button.app import CallButtonApp  # noqa: E402
from firmware.call_button.desk_model import LampMode  # noqa: E402
from firmware.call_button.settings import CallButtonSettings  # noqa: E402
from firmware.common.runtime import NodeRuntime  # noqa: E402
from firmware.common.settings import NodeSettings  # noqa: E402
from hub.mqtt.bridge import MqttBridge  # noqa: E402
from hub.services.clock import ManualClock  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from hub.wiring import build_hub  # noqa: E402

CENTER = "bench-center"
DESK = "window-1"
NEXT, DONE = 17, 22
WAIT_S = 10.0


def wait(predicate: object, what: str) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.0005)


def baseline(port: int, count: int) -> list[float]:
    """Raw QoS 1 round trips of a ButtonPress payload through the broker."""
    payload = ButtonPress(node="buttons-w1", desk=DESK, action="next").model_dump_json().encode()
    answered = threading.Event()
    echo = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"echo-{uuid.uuid4().hex[:6]}")
    echo.on_message = lambda c, u, m: c.publish("bench/back", m.payload, qos=1)
    echo.on_socket_open = no_delay  # as the hub and the nodes do
    echo.connect("127.0.0.1", port)
    echo.subscribe("bench/there", qos=1)
    echo.loop_start()
    sender = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"send-{uuid.uuid4().hex[:6]}")
    sender.on_message = lambda c, u, m: answered.set()
    sender.on_socket_open = no_delay
    sender.connect("127.0.0.1", port)
    sender.subscribe("bench/back", qos=1)
    sender.loop_start()
    time.sleep(0.3)  # both subscriptions in place
    times = []
    for _ in range(count):
        answered.clear()
        started = time.perf_counter()
        sender.publish("bench/there", payload, qos=1)
        if not answered.wait(WAIT_S):
            raise RuntimeError("the echo did not answer")
        times.append(time.perf_counter() - started)
    for client in (echo, sender):
        client.disconnect()
        client.loop_stop()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args(argv)
    os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")
    from gpiozero.pins.mock import MockFactory
    with tempfile.TemporaryDirectory(prefix="kezek-bench-buttons-") as tmp:
        directory = Path(tmp)
        broker = Mosquitto(directory, no_delay=True)
        broker.start()
        database_url = None
        if args.db == "postgres":
            name = f"kezek_bench_{uuid.uuid4().hex[:8]}"
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c",
                            f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
            database_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        from datetime import UTC, datetime
        hub = build_hub(HubSettings(data_dir=directory / "hub", database_url=database_url,
                                    mqtt_enabled=False, center_id=CENTER),
                        clock=ManualClock(datetime(2026, 11, 23, 5, 0, tzinfo=UTC)))
        bridge = MqttBridge(hub, broker.url)
        bridge.start()
        bridge.wait_connected(10)
        panel = CallButtonApp(CallButtonSettings(
            node_id="buttons-w1", center=CENTER, broker_url=broker.url, desk=DESK,
            data_dir=directory / "buttons", buttons={"next": NEXT, "done": DONE,
                                                     "bounce_ms": 0},
            lamps={"serving": 5, "waiting": 6, "fault": 13}), factory=MockFactory(),
            environ={})
        shown: list[DisplaySnapshot] = []
        display = NodeRuntime(NodeSettings(
            node_id="display-hall", center=CENTER, role=NodeRole.DISPLAY,
            broker_url=broker.url, data_dir=directory / "display", zones=["consultation"]),
            on_display=shown.append, environ={})
        answers: list[float] = []
        panel.answer_listeners.append(lambda request, answer: answers.append(
            time.perf_counter()))
        try:
            panel.start()
            display.start()
            wait(lambda: panel.model.state is not None and shown, "the nodes to be known")
            raw = baseline(broker.port, args.presses)
            to_lamp, to_display = [], []
            pin_next, pin_done = panel.panel.factory.pin(NEXT), panel.panel.factory.pin(DONE)
            for _ in range(args.presses):
                number = hub.queue.issue(language="kk", zone="consultation",
                                         actor="bench").ticket.number
                wait(lambda: panel.panel.mode("waiting") is LampMode.ON, "the waiting lamp")
                before = len(answers)
                started = time.perf_counter()
                pin_next.drive_low()
                pin_next.drive_high()
                wait(lambda n=before: len(answers) > n, "the reply")
                to_lamp.append(answers[-1] - started)
                wait(lambda n=number: any(c.number == n and c.state == "called"
                                           for c in shown[-1].calls), "the snapshot")
                to_display.append(time.perf_counter() - started)
                assert panel.panel.mode("serving") is LampMode.BLINK
                before = len(answers)
                pin_done.drive_low()
                pin_done.drive_high()
                wait(lambda n=before: len(answers) > n, "the done reply")
                wait(lambda: panel.panel.mode("serving") is LampMode.OFF, "the serving lamp")
        finally:
            panel.stop()
            display.stop()
            bridge.stop()
            hub.close()
            broker.stop()
            if database_url is not None:
                subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c",
                                f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" '
                                "WITH (FORCE)"], capture_output=True)
    base50, base99 = percentile(raw, 50), percentile(raw, 99)
    print(f"call buttons, {args.presses} presses, database {args.db}")
    print(f"{'path':<22}{'p50 ms':>9}{'p99 ms':>9}{'p50 ×raw':>10}{'p99 ×raw':>10}")
    for name, times in (("raw MQTT round trip", raw), ("press -> lamp", to_lamp),
                        ("press -> display", to_display)):
        p50, p99 = percentile(times, 50), percentile(times, 99)
        print(f"{name:<22}{p50 * 1000:>9.2f}{p99 * 1000:>9.2f}"
              f"{p50 / base50:>10.1f}{p99 / base99:>10.1f}")
    print(f"mean press -> lamp {statistics.mean(to_lamp) * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
