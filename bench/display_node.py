"""Benchmark of the display node: from an operator's press to the board, the page and
the speaker, beside the raw MQTT round trip of the same broker; the synthesis real-time
factor; the node's resident memory with both voices loaded.

Usage (from the repository root, with the hub's virtualenv):

    .venv/bin/python bench/display_node.py [--calls N] [--kk-model F] [--ru-model F]

It starts a private Mosquitto (anonymous, on a free port), the real hub in this process
(SQLite in a temporary directory, clock on Monday 23 November 2026, 10:00 Almaty) with
its MQTT bridge, a call-button node on the real node runtime at desk window-1, and the
display node application with an LED board (am03127) on a socket:// server, the TV page
on a free port, and the voice with a null sink that records when each clip starts.

For each call, a ticket is issued, then the call-button node submits `next` (the press)
and the script records when the board server received the frame with the number, when
the page's /state.json first showed it (polled every 2 ms; the page itself polls every
250 ms, which adds up to that much on a TV) and when the speaker started. First with an
empty voice cache (uncached: the number's words are synthesized at call time), then
with the cache pre-warmed. The baseline is the raw MQTT QoS 1 round trip (publish ->
echo -> back) on the same broker, measured in the same run; latencies are printed in ms
and as ratios to it. The hub throttles snapshots (SNAPSHOT_MIN_SECONDS), which shows.

Voices: without --kk-model/--ru-model a tiny generated model (the tests' one, a tone per
phoneme) stands in, loaded with the real kk/ru configs: the synthesis numbers are then
those of the phonemizer and onnxruntime only, not of a real voice. Memory is measured in
a child process that imports the node, loads both voices and warms 1..999.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is sys.path[0], not the root
    sys.path.insert(0, str(ROOT))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from contract.broker import no_delay  # noqa: E402
from contract.mqtt import ButtonAction, ButtonPress, NodeRole  # noqa: E402
from firmware.common.runtime import NodeRuntime  # noqa: E402
from firmware.common.settings import NodeSettings  # noqa: E402
from firmware.display_node.app import DisplayNode  # noqa: E402
from firmware.display_node.audio import NullSink  # noqa: E402
from firmware.display_node.settings import DisplayNodeSettings  # noqa: E402
from firmware.display_node.voice import CachedVoice  # noqa: E402
from firmware.voices import VOICES_DIR  # noqa: E402
from hub.mqtt.bridge import MqttBridge  # noqa: E402
from hub.services.clock import ManualClock  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from hub.wiring import build_hub  # noqa: E402
from tests.brokers import PrivateMosquitto, free_port, wait_until  # noqa: E402
from tests.display_node.conftest import BoardServer, tiny_piper_model  # noqa: E402

CENTER = "bench"
WORKING_MOMENT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def raw_round_trip(port: int, count: int) -> list[float]:
    """QoS 1 publish -> an echo client republishes -> back to the sender, in ms."""
    got = threading.Event()
    echo = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-echo")
    echo.on_socket_open = no_delay
    echo.on_message = lambda c, _u, m: c.publish("bench/back", m.payload, qos=1)
    echo.connect("127.0.0.1", port)
    echo.subscribe("bench/there", qos=1)
    echo.loop_start()
    sender = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-sender")
    sender.on_socket_open = no_delay
    sender.on_message = lambda *_: got.set()
    sender.connect("127.0.0.1", port)
    sender.subscribe("bench/back", qos=1)
    sender.loop_start()
    time.sleep(0.3)
    times = []
    for index in range(count):
        got.clear()
        started = time.perf_counter()
        sender.publish("bench/there", json.dumps({"i": index}), qos=1)
        got.wait(5)
        times.append((time.perf_counter() - started) * 1000)
    for client in (echo, sender):
        client.disconnect()
        client.loop_stop()
    return times


def page_number(url: str) -> int | None:
    with urllib.request.urlopen(f"{url}state.json", timeout=5) as answer:
        calls = json.load(answer)["calls"]
    return int(calls[0]["number"]) if calls else None


def run_calls(hub: Any, buttons: NodeRuntime, node: DisplayNode, board: BoardServer,
              sink: NullSink, calls: int) -> dict[str, list[float]]:
    assert node.tv is not None
    found: dict[str, list[float]] = {"board": [], "page": [], "audio": []}
    for _ in range(calls):
        ticket = hub.queue.issue(language="kk", purpose="appeal_paper", actor="bench").ticket
        heard = len(sink.played)
        frame_mark = f"{ticket.number} > 1".encode()
        pressed = time.perf_counter()
        pressed_mono = time.monotonic()
        buttons.submit(ButtonPress(node=buttons.settings.node_id, desk="window-1",
                                   action=ButtonAction.NEXT))
        times: dict[str, float] = {}
        deadline = pressed + 20
        while len(times) < 3 and time.perf_counter() < deadline:
            now = time.perf_counter()
            if "board" not in times and frame_mark in board.bytes()[-200:]:
                times["board"] = now
            if "page" not in times and page_number(node.tv.url) == ticket.number:
                times["page"] = now
            if "audio" not in times and len(sink.played) > heard:
                times["audio"] = pressed + (sink.played[heard].started - pressed_mono)
            time.sleep(0.002)
        if len(times) < 3:
            print(f"call {ticket.number}: only {sorted(times)} within 20 s", file=sys.stderr)
        for what, at in times.items():
            found[what].append((at - pressed) * 1000)
        wait_until(lambda: node.announcer is not None and node.announcer.idle(), 20)
        hub.queue.no_show(ticket.id, actor="bench")  # the desk is free for the next call
    return found


def memory_child(kk: Path, ru: Path, kk_config: Path, ru_config: Path) -> dict[str, float]:
    script = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
from firmware.display_node.announcer import Announcer
from firmware.display_node.voice import CachedVoice
from firmware.display_node.audio import NullSink
before = rss()
from pathlib import Path
voices = {{"kk": CachedVoice.load("kk", Path({str(kk)!r}), Path({str(kk_config)!r})),
          "ru": CachedVoice.load("ru", Path({str(ru)!r}), Path({str(ru_config)!r}))}}
loaded = rss()
announcer = Announcer(voices, NullSink(), prewarm_numbers=range(1, 1000))
announcer.start()
announcer.prewarmed.wait(600)
announcer.close()
print(json.dumps({{"imports_mb": before, "voices_mb": loaded, "warm_mb": rss()}}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def stats(values: list[float], baseline: float) -> str:
    if not values:
        return "no samples"
    p50, p99 = statistics.median(values), percentile(values, 99)
    return (f"p50 {p50:8.1f} ms ({p50 / baseline:6.1f}x)   p99 {p99:8.1f} ms "
            f"({p99 / baseline:6.1f}x)   n={len(values)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--kk-model", type=Path)
    parser.add_argument("--ru-model", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kezek-bench-display-"))
    kk_config = VOICES_DIR / "kk_KZ-iseke-x_low.onnx.json"
    ru_config = VOICES_DIR / "ru_RU-denis-medium.onnx.json"
    tiny = tiny_piper_model(work / "tiny.onnx")
    kk_model, ru_model = args.kk_model or tiny, args.ru_model or tiny
    voice_kind = "real" if args.kk_model or args.ru_model else "tiny generated (not a voice)"
    (work / "broker").mkdir()
    broker = PrivateMosquitto(work / "broker", persistence=False)
    broker.start()
    hub = build_hub(HubSettings(data_dir=work / "hub", mqtt_enabled=False, center_id=CENTER),
                    clock=ManualClock(WORKING_MOMENT))
    bridge = MqttBridge(hub, broker.url)
    board = BoardServer(free_port())
    try:
        baseline_ms = raw_round_trip(broker.port, 300)
        baseline = statistics.median(baseline_ms)
        bridge.start()
        assert bridge.wait_connected(10)
        buttons = NodeRuntime(NodeSettings(
            node_id="buttons-window-1", center=CENTER, role=NodeRole.CALL_BUTTON,
            broker_url=broker.url, data_dir=work / "buttons", desk="window-1",
            request_retry_seconds=2), environ={},
            on_reply=lambda _r, reply: None if reply.ok else print(
                "press refused:", reply.problem, file=sys.stderr),
            on_error=lambda _r, error: print("press error:", error.problem, file=sys.stderr))
        buttons.start()
        wait_until(buttons.connected.is_set, 10)
        results = {}
        for phase, prewarm in (("uncached", 0), ("cached", 999)):
            shutil.rmtree(work / "display", ignore_errors=True)
            sink = NullSink()
            node = DisplayNode(DisplayNodeSettings(
                node_id="display-bench", center=CENTER, broker_url=broker.url,
                data_dir=work / "display", link_grace_seconds=5,
                boards=[{"name": "hall", "url": f"socket://127.0.0.1:{board.port}",
                         "protocol": "am03127", "rows": 2}],
                tv={"port": 0},
                voice={"sink": "null", "prewarm_up_to": prewarm, "kk_model": str(kk_model),
                       "kk_config": str(kk_config), "ru_model": str(ru_model),
                       "ru_config": str(ru_config)}), sink=sink, environ={})
            node.start()
            wait_until(node.runtime.connected.is_set, 10)
            time.sleep(1.0)  # the hub registers the display and sends its first snapshot
            if prewarm:
                assert node.announcer is not None
                assert node.announcer.prewarmed.wait(600)
            results[phase] = run_calls(hub, buttons, node, board, sink, args.calls)
            node.stop()
        buttons.stop()
        rtf = {}
        for language, model, config in (("kk", kk_model, kk_config),
                                         ("ru", ru_model, ru_config)):
            voice = CachedVoice.load(language, model, config)
            for number in range(101, 121):
                voice.clip(f"Талон {number}" if language == "ru" else f"Талон нөмірі {number}")
            rtf[language] = voice.synthesis_seconds / voice.audio_seconds
        memory = memory_child(kk_model, ru_model, kk_config, ru_config)
    finally:
        bridge.stop()
        hub.close()
        broker.stop()
        board.stop()
    print(f"display node benchmark, {os.cpu_count()} CPUs, voices: {voice_kind}")
    print(f"baseline raw MQTT QoS 1 round trip: p50 {baseline:.2f} ms, "
          f"p99 {percentile(baseline_ms, 99):.2f} ms")
    for phase, found in results.items():
        for what in ("board", "page", "audio"):
            print(f"press -> {what:<5} {phase:<8}: {stats(found[what], baseline)}")
    print("page note: the TV page polls /state.json every 250 ms; add up to that on screen")
    for language, value in rtf.items():
        print(f"synthesis real-time factor {language}: {value:.4f} "
              f"(seconds of compute per second of audio)")
    print(f"resident memory: interpreter+imports {memory['imports_mb']:.0f} MB, with both "
          f"voices {memory['voices_mb']:.0f} MB, with 1..999 warmed in memory "
          f"{memory['warm_mb']:.0f} MB")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
