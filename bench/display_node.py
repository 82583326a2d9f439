"""Benchmark of the display node: from an operator's press to the board, the page and
the speaker, beside the raw MQTT round trip of the same broker; the synthesis real-time
factor; the memory of the resident node and of its synthesis worker; the time to warm
the center's number ranges per voice.

Usage (from the repository root, with the hub's virtualenv):

    .venv/bin/python bench/display_node.py [--calls N] [--kk-model F] [--ru-model F]
        [--kk-config F] [--ru-config F] [--threads N]

It starts a private Mosquitto (anonymous, on a free port), the real hub in this process
(SQLite in a temporary directory, Borodulikha's configuration, clock on Monday 23
November 2026, 10:00 Almaty) with its MQTT bridge, a call-button node on the real node
runtime at desk window-1, and the display node application with an LED board (am03127)
on a socket:// server, the TV page on a free port, and the voice with a null sink that
records when each clip starts.

For each call, a ticket is issued, then the call-button node submits `next` (the press)
and the script records when the board server received the frame with the number, when
the page's /state.json first showed it (polled every 2 ms; the page itself polls every
250 ms, which adds up to that much on a TV) and when the speaker started; and the
node's own share: announcement received -> audio start. Three phases: `warm` (the hub's
ranges warmed first: every piece on disk), `cold` (warming off: each call's number is
made for it, by a synthesis worker already running), `cold+start` (the same, the worker
leaving after each call: a worker starts and loads the voice for every call). The
baseline is the raw MQTT QoS 1 round trip on the same broker; latencies are printed in
ms and as ratios to it. The hub throttles snapshots (SNAPSHOT_MIN_SECONDS), which shows.

Voices: without --kk-model/--ru-model a tiny generated model (the tests' one, a tone per
phoneme) stands in, loaded with the real kk/ru configs: the synthesis numbers are then
those of the phonemizer and onnxruntime only, not of a real voice. Models of the real
architecture (random weights; bench/voice_cost.py builds them) give the real cost.
Memory is measured in a child process: the display node started with both voices,
Borodulikha's ranges warmed, calls said; the resident RSS, and the worker's peak RSS
(VmHWM, sampled while it lives). Warm-up: Borodulikha's ranges (100-399, 500-699,
800-899) with their openings and desks, one voice at a time, from an empty cache.
"""

from __future__ import annotations

import argparse
import functools
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
from contract.mqtt import ButtonAction, ButtonPress, NodeRole, ZoneNumbers  # noqa: E402
from firmware.common.runtime import NodeRuntime  # noqa: E402
from firmware.common.settings import NodeSettings  # noqa: E402
from firmware.display_node.announcer import Announcer  # noqa: E402
from firmware.display_node.app import DisplayNode  # noqa: E402
from firmware.display_node.audio import NullSink  # noqa: E402
from firmware.display_node.settings import DisplayNodeSettings, VoiceSettings  # noqa: E402
from firmware.display_node.voice import open_voices  # noqa: E402
from firmware.voices import VOICES_DIR  # noqa: E402
from hub.mqtt.bridge import MqttBridge  # noqa: E402
from hub.services.clock import ManualClock  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from hub.wiring import build_hub  # noqa: E402
from tests.brokers import PrivateMosquitto, free_port, wait_until  # noqa: E402
from tests.display_node.conftest import BoardServer, tiny_piper_model  # noqa: E402

CENTER = "bench"
WORKING_MOMENT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
BORODULIKHA = [ZoneNumbers(zone="consultation", first=100, last=399),
               ZoneNumbers(zone="personal", first=500, last=699),
               ZoneNumbers(zone="self_service", first=800, last=899)]
BORODULIKHA_DESKS = [("window-1", "1-терезе", "Окно 1"), ("window-2", "2-терезе", "Окно 2"),
                     ("window-3", "3-терезе", "Окно 3"),
                     ("office-105", "105 кабинет", "Кабинет 105"),
                     ("office-106", "106 кабинет", "Кабинет 106"),
                     ("office-107", "107 кабинет", "Кабинет 107"),
                     ("self-1", "Өзіне-өзі қызмет көрсету, 1-орын",
                      "Самообслуживание, место 1")]


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
              sink: NullSink, calls: int, idle_between: float = 0.0
              ) -> dict[str, list[float]]:
    assert node.tv is not None
    found: dict[str, list[float]] = {"board": [], "page": [], "audio": [], "node": []}
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
        assert node.announcer is not None
        said = node.announcer.said[-1] if node.announcer.said else None
        if said is not None and said.played is not None:
            found["node"].append((said.played.started - said.received) * 1000)
        hub.queue.no_show(ticket.id, actor="bench")  # the desk is free for the next call
        if idle_between:
            time.sleep(idle_between)  # the worker leaves: the next call starts one
    return found


def memory_child(voice: dict[str, Any], data_dir: Path) -> dict[str, float]:
    """The display node in its own process, as on a Pi: RSS after start, after warming
    Borodulikha's ranges with both voices and saying calls; the worker's peak RSS."""
    script = f"""
import json, sys, threading, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
def status(pid, key):
    try:
        for line in open(f'/proc/{{pid}}/status'):
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0
from contract.mqtt import Announcement, Named, NodeConfig, Text, ZoneNumbers
from firmware.display_node.app import DisplayNode
from firmware.display_node.settings import DisplayNodeSettings
# Not tests.display_node.conftest's helper: that module imports onnx (and numpy), which
# would count in the resident node's memory and module list.
def announcement(number, desk, language):
    return Announcement(kind="call", number=number, zone="consultation", desk=desk,
                        desk_label=Text(kk="3-терезе", ru="Окно 3"), language=language)
node = DisplayNode(DisplayNodeSettings(
    node_id="display-bench", center="bench", broker_url="mqtt://127.0.0.1:9",
    data_dir=Path({str(data_dir)!r}), voice={voice!r}), environ={{}})
node.start()
started = status('self', 'VmRSS:')
peak = {{"worker": 0.0, "workers": set()}}
stop = threading.Event()
def sample():
    while not stop.wait(0.05):
        pid = node.synthesizer.worker_pid()
        if pid is not None:
            peak["workers"].add(pid)
            peak["worker"] = max(peak["worker"], status(pid, 'VmHWM:'))
threading.Thread(target=sample, daemon=True).start()
ranges = {[(r.zone, r.first, r.last) for r in BORODULIKHA]!r}
desks = {BORODULIKHA_DESKS!r}
t0 = time.perf_counter()
node.configured(NodeConfig(
    center_name=Text(kk="Орталық", ru="Центр"), role="display", desk=None, zones=[],
    purposes=[], zone_names=[], out_of_turn=[],
    desks=[Named(code=c, name=Text(kk=k, ru=r)) for c, k, r in desks],
    number_ranges=[ZoneNumbers(zone=z, first=a, last=b) for z, a, b in ranges]))
assert node.announcer.prewarmed.wait(7200)
warm_seconds = time.perf_counter() - t0
for number in (105, 106, 505, 805):
    for language in ("kk", "ru"):
        node.say(announcement(number, "window-3", language))
while not (len(node.announcer.said) >= 8 and node.announcer.idle()):
    time.sleep(0.05)
said = status('self', 'VmRSS:')
time.sleep(node.settings.voice.worker_idle_seconds + 1)
stop.set()
print(json.dumps({{"started_mb": started, "warm_mb": said,
                  "resident_peak_mb": status('self', 'VmHWM:'),
                  "worker_peak_mb": peak["worker"], "workers": len(peak["workers"]),
                  "worker_alive": node.synthesizer.worker_pid() is not None,
                  "warm_seconds": warm_seconds,
                  "modules": sorted(m for m in ("numpy", "onnxruntime", "piper")
                                    if m in sys.modules)}}))
node.stop()
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def warm_up(voice: dict[str, Any], work: Path) -> dict[str, dict[str, float]]:
    """Borodulikha's ranges warmed from an empty cache, one voice at a time."""
    found: dict[str, dict[str, float]] = {}
    for language in ("kk", "ru"):
        settings = VoiceSettings(**{key: value for key, value in voice.items()
                                    if not key.startswith("kk_" if language == "ru" else
                                                          "ru_")})
        data = work / f"warm-{language}"
        shutil.rmtree(data, ignore_errors=True)
        opened = open_voices(settings, data, pi_model=None)
        announcer = Announcer(opened.usable, NullSink(), rate=settings.output_rate)
        announcer.desks(BORODULIKHA_DESKS)
        announcer.number_ranges(BORODULIKHA)
        started = time.perf_counter()
        announcer.start()
        assert announcer.prewarmed.wait(7200)
        seconds = time.perf_counter() - started
        announcer.close()
        opened.synthesizer.close()
        made = opened.usable[language]
        found[language] = {"seconds": seconds, "pieces": made.synthesized,
                           "rtf": made.synthesis_seconds / max(made.audio_seconds, 1e-9),
                           "workers": opened.synthesizer.workers_started,
                           "disk_mb": sum(f.stat().st_size for f in data.rglob("*.pcm"))
                           / 1e6}
    return found


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
    parser.add_argument("--kk-config", type=Path,
                        default=VOICES_DIR / "kk_KZ-iseke-x_low.onnx.json")
    parser.add_argument("--ru-config", type=Path,
                        default=VOICES_DIR / "ru_RU-denis-medium.onnx.json")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip", action="append", default=[],
                        choices=["calls", "memory", "warm"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kezek-bench-display-"))
    tiny = tiny_piper_model(work / "tiny.onnx")
    kk_model, ru_model = args.kk_model or tiny, args.ru_model or tiny
    voice_kind = "real architecture" if args.kk_model or args.ru_model else \
        "tiny generated (not a voice)"
    voice: dict[str, Any] = {"sink": "null", "kk_model": str(kk_model),
                             "kk_config": str(args.kk_config), "ru_model": str(ru_model),
                             "ru_config": str(args.ru_config), "threads": args.threads,
                             "allow_slow_voice": True}
    results: dict[str, dict[str, list[float]]] = {}
    baseline_ms = [1.0]
    if "calls" not in args.skip:
        baseline_ms, results = calls_phases(work, voice, args.calls)
    baseline = statistics.median(baseline_ms)
    memory = memory_child(voice, work / "memory") if "memory" not in args.skip else None
    warm = warm_up(voice, work) if "warm" not in args.skip else None
    print(f"display node benchmark, {os.cpu_count()} CPUs, voices: {voice_kind} "
          f"({kk_model.name}, {ru_model.name}), onnxruntime threads {args.threads}")
    if results:
        print(f"baseline raw MQTT QoS 1 round trip: p50 {baseline:.2f} ms, "
              f"p99 {percentile(baseline_ms, 99):.2f} ms")
        for phase, found in results.items():
            for what in ("board", "page", "audio", "node"):
                label = "call->audio (node)" if what == "node" else f"press -> {what}"
                print(f"{label:<19} {phase:<10}: {stats(found[what], baseline)}")
        print("page note: the TV page polls /state.json every 250 ms; add up to that on "
              "screen")
    if memory is not None:
        print(f"resident display node: {memory['started_mb']:.0f} MB started, "
              f"{memory['warm_mb']:.0f} MB after warming Borodulikha's ranges in both "
              f"languages and saying 8 calls (peak {memory['resident_peak_mb']:.0f} MB); "
              f"onnxruntime/numpy/piper imported: {memory['modules'] or 'none'}")
        print(f"synthesis worker: peak {memory['worker_peak_mb']:.0f} MB, "
              f"{memory['workers']:.0f} started; still running after its idle time: "
              f"{bool(memory['worker_alive'])}; warming in the node took "
              f"{memory['warm_seconds']:.1f} s")
    if warm is not None:
        for language, figures in warm.items():
            print(f"warm-up of Borodulikha's ranges, {language} alone: "
                  f"{figures['seconds']:.1f} s, {figures['pieces']:.0f} pieces, "
                  f"{figures['disk_mb']:.1f} MB on disk, RTF {figures['rtf']:.3f}, "
                  f"{figures['workers']:.0f} worker start(s)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def warm(node: DisplayNode) -> bool:
    return node.voice_warm() == 1.0


def calls_phases(work: Path, voice: dict[str, Any], calls: int
                 ) -> tuple[list[float], dict[str, dict[str, list[float]]]]:
    (work / "broker").mkdir()
    broker = PrivateMosquitto(work / "broker", persistence=False)
    broker.start()
    hub = build_hub(HubSettings(data_dir=work / "hub", mqtt_enabled=False, center_id=CENTER),
                    clock=ManualClock(WORKING_MOMENT))
    bridge = MqttBridge(hub, broker.url)
    board = BoardServer(free_port())
    results = {}
    try:
        baseline_ms = raw_round_trip(broker.port, 300)
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
        idle = 0.3
        for phase, warming, worker_idle in (("warm", True, 10.0), ("cold", False, 10.0),
                                            ("cold+start", False, idle)):
            shutil.rmtree(work / "display", ignore_errors=True)
            sink = NullSink()
            node = DisplayNode(DisplayNodeSettings(
                node_id="display-bench", center=CENTER, broker_url=broker.url,
                data_dir=work / "display", link_grace_seconds=5,
                boards=[{"name": "hall", "url": f"socket://127.0.0.1:{board.port}",
                         "protocol": "am03127", "rows": 2}],
                tv={"port": 0}, voice=voice | {"worker_idle_seconds": worker_idle}),
                sink=sink, environ={})
            assert node.announcer is not None
            if not warming:  # the hub's ranges are not warmed: each number made for its call
                node.announcer.number_ranges = lambda ranges: None  # type: ignore[method-assign]
            node.start()
            wait_until(node.runtime.connected.is_set, 10)
            time.sleep(1.0)  # the hub registers the display and sends its config, snapshot
            if warming:
                wait_until(functools.partial(warm, node), 7200, "the ranges warm")
                assert node.announcer.prewarmed.wait(600)
            results[phase] = run_calls(hub, buttons, node, board, sink, calls,
                                       idle_between=idle + 0.4 if worker_idle == idle else 0)
            node.stop()
        buttons.stop()
    finally:
        bridge.stop()
        hub.close()
        broker.stop()
        board.stop()
    return baseline_ms, results


if __name__ == "__main__":
    raise SystemExit(main())
