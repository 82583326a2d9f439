"""Benchmark of the display node's output stream (firmware/display_node/audio_stream.py):
what keeping one player fed with silence costs, and how soon a call reaches the player.

Usage (from the repository root, with the hub's virtualenv):

    .venv/bin/python bench/audio_stream.py [--idle-seconds 10] [--calls 50] [--json F]

1. Samples without numpy: the chime, the volume on a 4 s clip and the resampling of a
   4 s 16 kHz clip to 22050 Hz, best of 5, in ms.
2. Idle cost: the stream open on the real `aplay -D null` (ALSA's null device, which
   reads without pacing, so the writer's clock paces it: the worst case for the writer)
   and on the tests' fake player (paced like a sound card), for --idle-seconds with no
   call; CPU% of this process (the writer thread and the player's stderr reader, from
   /proc/self/stat) and of the player process.
3. Call to the player: --calls clips of 50 ms through the fake player, which records
   when it read each byte; the latency is from `play()` being called to the player
   reading the clip's first byte, p50/p99 in ms (silence queued ahead of it in the pipe
   and the writer's current piece is what it measures).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is sys.path[0], not the root
    sys.path.insert(0, str(ROOT))

from firmware.display_node.audio import Clip, chime, pcm_bytes, resampled, scaled  # noqa: E402
from firmware.display_node.audio_stream import StreamSink, alsa_command  # noqa: E402
from tests.display_node.fake_player import FakePlayer  # noqa: E402

RATE = 22050
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | str = "self") -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def best_ms(work: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return round(min(times) * 1000, 2)


def samples_cost() -> dict[str, float]:
    four = Clip(bytes(range(256)) * (4 * RATE * 2 // 256), RATE)
    low = Clip(four.pcm[: 4 * 16000 * 2], 16000)
    return {"chime_ms": best_ms(lambda: chime(RATE)),
            "volume_4s_ms": best_ms(lambda: scaled(four, 0.8)),
            "resample_4s_16k_to_22k_ms": best_ms(lambda: resampled(low, RATE))}


def idle_cost(sink: StreamSink, seconds: float) -> dict[str, float]:
    sink.check()
    deadline = time.monotonic() + 5
    while sink.starts == 0 or sink._process is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the player did not start: {sink.problem()}")
        time.sleep(0.05)
    time.sleep(1.0)  # past the start
    process = sink._process
    assert process is not None
    mine, theirs, wall = cpu_seconds(), cpu_seconds(process.pid), time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - wall
    result = {"node_cpu_percent": round(100 * (cpu_seconds() - mine) / elapsed, 2),
              "player_cpu_percent": round(100 * (cpu_seconds(process.pid) - theirs) / elapsed,
                                          2),
              "seconds": round(elapsed, 1)}
    sink.close()
    return result


def call_latency(folder: Path, calls: int) -> dict[str, float]:
    player = FakePlayer(folder / "latency")
    sink = StreamSink(alsa_command("bench", RATE, 0.2, player=str(player.program)),
                      kind="alsa", device="bench", rate=RATE, buffer_seconds=0.2)
    sink.check()
    time.sleep(0.5)
    asked = []
    for n in range(calls):
        clip = Clip(pcm_bytes(array("h", [1000 + n]) * round(0.05 * RATE)), RATE)
        time.sleep(0.05 * (n % 4))  # calls land at different points of the silence
        asked.append((time.monotonic(), 1000 + n))
        sink.play(clip, "call")
    sink.close()
    values = memoryview(player.pcm()).cast("h")
    first: dict[int, int] = {}
    for index, value in enumerate(values):
        if value and value not in first:
            first[value] = 2 * index
    latencies = sorted((player.read_at(first[value]) - at) * 1000 for at, value in asked)
    return {"calls": calls, "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
            "max_ms": round(latencies[-1], 1), "players_started": sink.starts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    results: dict[str, object] = {"samples": samples_cost()}
    print("samples without numpy:", results["samples"])
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if shutil.which("aplay"):
            null = StreamSink(alsa_command("null", RATE, 0.2), kind="alsa", device="null")
            results["idle_aplay_null"] = idle_cost(null, args.idle_seconds)
            print("idle, aplay -D null:", results["idle_aplay_null"])
        fake = FakePlayer(folder / "idle")
        paced = StreamSink(alsa_command("bench", RATE, 0.2, player=str(fake.program)),
                           kind="alsa", device="bench", rate=RATE)
        results["idle_paced_fake"] = idle_cost(paced, args.idle_seconds)
        print("idle, paced fake player:", results["idle_paced_fake"])
        results["call_to_player"] = call_latency(folder, args.calls)
        print("call to the player's first byte:", results["call_to_player"])
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
