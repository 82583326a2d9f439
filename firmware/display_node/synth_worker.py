"""`python -m firmware.display_node.synth_worker`: the display node's short-lived
synthesis worker. It loads one Piper voice, makes the pieces it is asked for (one JSON
request a line on stdin, protocol in `synthesis.py`), resamples each to the output
stream's rate, writes it atomically into the disk cache, and exits after a few idle
seconds (or when its stdin closes).

Why a subprocess started with `python -m` and not multiprocessing: the resident node
must never import onnxruntime, numpy or piper, and a loaded voice's memory (107 → 196 MB
for an x_low voice after use, more for medium: onnxruntime's arenas grow and glibc never
gives them back) is only returned whole when its process exits. A plain subprocess with
a line protocol is the least machinery for that: nothing of the parent is pickled or
re-imported (multiprocessing's spawn re-imports the parent's `__main__`), a crash or an
out-of-memory kill of the worker only fails one piece, the worker is one process that
`os.nice` can lower, and its stdin closing is its signal to go, so it never outlives the
node. Its stdout carries only the protocol: fd 1 is pointed at stderr for whatever
numpy, onnxruntime, piper or espeak might print, before any of them is imported (so this
module imports them inside its functions, not at its top).

onnxruntime's threads are capped (`--threads`, intra and inter op); while warming the
cache the worker lowers its priority (`--warm-nice`) at its first warming request, and
for a call's piece it puts it back to what it started with where Linux lets it: as root,
or when the unit's `LimitNICE=` (RLIMIT_NICE) allows that niceness.

Known limit: an unprivileged worker without such a limit cannot raise its priority
again, so once it has warmed a piece it makes a call's cold piece at `warm_nice` too,
until it exits (`idle_seconds` without a request, or a switch of voice). We keep it
rather than start a fresh worker for the call: that costs a voice load (seconds on a
Pi) for each call that comes while warming, more than niceness costs, which slows the
worker only when the kiosk browser keeps the cores busy; and the call never waits for
more than the one piece in progress (`synthesis.py`)."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

from firmware.display_node.synthesis import LineReader

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import onnxruntime  # type: ignore[import-untyped]
    from piper import PiperVoice, SynthesisConfig

    Samples: TypeAlias = npt.NDArray[np.float32]

EDGE_SECONDS = 0.05  # silence around a clip while resampling: the FFT wraps round


def session_options(threads: int) -> onnxruntime.SessionOptions:
    """onnxruntime on at most `threads` cores, without busy-waiting threads (a Pi runs
    the kiosk browser beside the voice)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = threads
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


def load_piper_voice(model: Path, config: Path, threads: int) -> PiperVoice:
    """PiperVoice.load's voice, with our own InferenceSession (PiperVoice.load gives
    onnxruntime default options: a thread per core, spinning)."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    with config.open(encoding="utf-8") as handle:
        config_dict = json.load(handle)
    session = onnxruntime.InferenceSession(str(model), sess_options=session_options(threads),
                                           providers=["CPUExecutionProvider"])
    return PiperVoice(session=session, config=PiperConfig.from_dict(config_dict))


def resample(samples: Samples, source: int, target: int) -> Samples:
    """`samples` at `source` Hz brought to `target` Hz by the FFT (band-limited: nothing
    above the lower Nyquist frequency is kept or made). Silence is added around the clip
    and cut off again, and the padded length is a multiple of the rates' ratio, so the
    result has exactly round(len * target / source) samples and no wrap-round click."""
    import numpy as np

    if source == target or len(samples) == 0:
        return samples
    step = source // math.gcd(source, target)
    edge = step * math.ceil(EDGE_SECONDS * source / step)
    total = len(samples) + 2 * edge
    total += (-total) % step
    padded = np.zeros(total, dtype=np.float64)
    padded[edge:edge + len(samples)] = samples
    out_total = total * target // source
    out = np.fft.irfft(np.fft.rfft(padded), out_total) * (out_total / total)
    start = edge * target // source
    return out[start:start + round(len(samples) * target / source)].astype(np.float32)


def pcm16(samples: Samples) -> bytes:
    """Float samples in [-1, 1] as signed 16-bit little-endian PCM (as piper makes it)."""
    import numpy as np

    return bytes(np.clip(samples * 32767.0, -32767.0, 32767.0).astype("<i2").tobytes())


def synthesize(voice: PiperVoice, text: str, syn: SynthesisConfig,
               output_rate: int) -> bytes:
    import numpy as np

    chunks = [chunk.audio_float_array.astype(np.float32)
              for chunk in voice.synthesize(text, syn)]
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return pcm16(resample(samples, int(voice.config.sample_rate), output_rate))


def write_atomically(path: Path, data: bytes) -> None:
    """Never a half-written piece in the cache after a power cut: written beside it,
    flushed, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with partial.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def serve(voice: PiperVoice, syn: SynthesisConfig, *, output_rate: int,
          requests: LineReader, replies: TextIO, idle_seconds: float,
          warm_nice: int) -> int:
    """Answer requests until stdin closes or none comes for `idle_seconds`."""
    started_nice = os.nice(0)
    while True:
        try:
            line = requests.readline(idle_seconds)
        except EOFError:
            return 0
        if line is None:
            return 0  # nothing to do: give the memory back
        answer: dict[str, Any]
        try:
            request = json.loads(line)
            if request.get("warm") and os.nice(0) < warm_nice:
                os.nice(warm_nice - os.nice(0))
            elif not request.get("warm") and os.nice(0) > started_nice:
                with contextlib.suppress(OSError):  # not allowed: the known limit above
                    os.setpriority(os.PRIO_PROCESS, 0, started_nice)
            started = time.perf_counter()
            pcm = synthesize(voice, str(request["text"]), syn, output_rate)
            write_atomically(Path(request["path"]), pcm)
            answer = {"ok": True, "seconds": round(time.perf_counter() - started, 4),
                      "audio_seconds": round(len(pcm) / 2 / output_rate, 4)}
        except Exception as error:  # one piece's failure; the node decides what next
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"[:500]}
        replies.write(json.dumps(answer) + "\n")
        replies.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kezek-synth-worker", description=__doc__)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--output-rate", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warm-nice", type=int, default=10)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--length-scale", type=float, default=None)
    args = parser.parse_args(argv)
    # The protocol gets the real stdout; anything else written to fd 1 goes to stderr.
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    # Only now numpy, onnxruntime and piper: whatever they print at import goes to stderr.
    from piper import SynthesisConfig

    started = time.perf_counter()
    try:
        voice = load_piper_voice(args.model, args.config, args.threads)
    except Exception as error:  # onnxruntime and json raise many kinds for a bad file
        replies.write(json.dumps({"ready": False,
                                  "error": f"{type(error).__name__}: {error}"[:500]}) + "\n")
        replies.flush()
        return 1
    replies.write(json.dumps({"ready": True, "sample_rate": int(voice.config.sample_rate),
                              "load_seconds": round(time.perf_counter() - started, 3)})
                  + "\n")
    replies.flush()
    return serve(voice, SynthesisConfig(length_scale=args.length_scale),
                 output_rate=args.output_rate, requests=LineReader(sys.stdin.fileno()),
                 replies=replies, idle_seconds=args.idle_seconds, warm_nice=args.warm_nice)


if __name__ == "__main__":
    sys.exit(main())
