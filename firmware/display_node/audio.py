"""Audio for the display node: 16-bit mono PCM clips, the chime before a call, volume,
resampling to the output stream's rate, and the sinks that play a clip: the speaker's
one long-lived output stream (`audio_stream.py`: `aplay` on ALSA, `pw-cat` on PipeWire),
a WAV-file sink for tests and the demonstration, and a null sink.

No numpy here: the resident display node must stay small (numpy and onnxruntime live in
the short-lived synthesis worker). Samples are handled with the `array` module; the
chime, the volume and a resampled clip cost a few milliseconds each (bench/README.md).

Every sink's `play()` returns when the clip has been played, so the announcer that calls
it one clip at a time never lets two calls overlap."""

from __future__ import annotations

import math
import sys
import threading
import time
import wave
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

BIG_ENDIAN = sys.byteorder == "big"


class AudioError(RuntimeError):
    """A sink that cannot play. `fault` is the machine word of contract/node_faults.py
    the speaker driver reports (audio_device_missing, audio_busy, audio_failed, ...)."""

    def __init__(self, message: str, fault: str = "audio_failed") -> None:
        super().__init__(message)
        self.fault = fault


@dataclass(frozen=True, slots=True)
class Clip:
    """Mono signed 16-bit little-endian samples at `rate` Hz."""

    pcm: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.rate

    def __add__(self, other: Clip) -> Clip:
        if other.rate != self.rate:
            raise ValueError(f"cannot join clips of {self.rate} and {other.rate} Hz")
        return Clip(self.pcm + other.pcm, self.rate)


def samples(pcm: bytes) -> array[int]:
    """The samples of little-endian 16-bit PCM as a native `array('h')`."""
    values = array("h")
    values.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if BIG_ENDIAN:
        values.byteswap()
    return values


def pcm_bytes(values: array[int]) -> bytes:
    """Native `array('h')` samples as little-endian 16-bit PCM."""
    if BIG_ENDIAN:
        values = array("h", values)
        values.byteswap()
    return values.tobytes()


def silence(seconds: float, rate: int) -> Clip:
    return Clip(bytes(2 * round(seconds * rate)), rate)


def chime(rate: int, *, notes: tuple[float, ...] = (784.0, 659.3, 523.3),
          note_seconds: float = 0.28, level: float = 0.45) -> Clip:
    """A three-note falling chime (G5 E5 C5) with soft attack and decay, made here so the
    node needs no sound file."""
    count = round(note_seconds * rate)
    peak = level * 32767
    envelope = [peak * min(1.0, n / rate / 0.01) * math.exp(-n / rate * 6.0)
                for n in range(count)]
    values = array("h")
    sin = math.sin
    for frequency in notes:
        step = 2 * math.pi * frequency / rate
        values.extend([int(gain * sin(step * n)) for n, gain in enumerate(envelope)])
    return Clip(pcm_bytes(values), rate) + silence(0.15, rate)


def scaled(clip: Clip, volume: float) -> Clip:
    """The clip at `volume` (0..1); 1 leaves it unchanged."""
    if volume >= 1.0:
        return clip
    # Fixed point (volume in 1/32768ths) keeps this an integer loop: ~4 ms for 4 s.
    factor = round(max(volume, 0.0) * 32768)
    values = array("h", [value * factor >> 15 for value in samples(clip.pcm)])
    return Clip(pcm_bytes(values), clip.rate)


def resampled(clip: Clip, rate: int) -> Clip:
    """The clip at another sample rate, by linear interpolation: enough for speech and a
    chime (the synthesis worker resamples Piper's 16 kHz voices better, with numpy,
    before caching; this is the resident node's fallback for a clip that was not)."""
    if clip.rate == rate or not clip.pcm:
        return Clip(clip.pcm, rate)
    source = samples(clip.pcm)
    last = len(source) - 1
    count = round(len(source) * rate / clip.rate)
    step = clip.rate / rate
    out = array("h", bytes(2 * count))
    for index in range(count):
        position = index * step
        left = int(position)
        if left >= last:
            out[index] = source[last]
            continue
        a = source[left]
        out[index] = a + int((source[left + 1] - a) * (position - left))
    return Clip(pcm_bytes(out), rate)


def write_wav(path: Path, clip: Clip) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(clip.rate)
        out.writeframes(clip.pcm)


@dataclass(frozen=True, slots=True)
class Played:
    """A record of one clip played: what and when (monotonic seconds). For the output
    stream `started` is when the clip's first bytes went to the player."""

    name: str
    started: float
    ended: float
    seconds: float
    path: Path | None = None


class NullSink:
    """Plays nothing, at once."""

    kind = "null"

    def __init__(self) -> None:
        self.played: list[Played] = []

    def check(self) -> None:
        return None

    def problem(self) -> AudioError | None:
        return None

    def close(self) -> None:
        return None

    def play(self, clip: Clip, name: str) -> Played:
        now = time.monotonic()
        record = Played(name, now, now, clip.seconds)
        self.played.append(record)
        return record


class WavFileSink:
    """Writes each clip to `<directory>/<n>-<name>.wav`. With `realtime` it also takes
    as long as the clip lasts, as a speaker would, so queueing can be observed."""

    kind = "wav"

    def __init__(self, directory: Path, *, realtime: bool = False) -> None:
        self.directory = directory
        self.realtime = realtime
        self.played: list[Played] = []
        self._lock = threading.Lock()

    def check(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def problem(self) -> AudioError | None:
        return None

    def close(self) -> None:
        return None

    def play(self, clip: Clip, name: str) -> Played:
        started = time.monotonic()
        with self._lock:
            path = self.directory / f"{len(self.played) + 1:05d}-{name}.wav"
        self.directory.mkdir(parents=True, exist_ok=True)
        write_wav(path, clip)
        if self.realtime:
            time.sleep(max(0.0, clip.seconds - (time.monotonic() - started)))
        record = Played(name, started, time.monotonic(), clip.seconds, path)
        with self._lock:
            self.played.append(record)
        return record


class AudioSink(Protocol):
    """What the announcer plays through: `check()` once at start (raises AudioError when
    the sink can never play), `play()` one clip at a time, `problem()` the sink's current
    fault (None when it plays), `close()` at the end."""

    kind: str

    @property
    def played(self) -> Sequence[Played]: ...

    def check(self) -> None: ...

    def problem(self) -> AudioError | None: ...

    def close(self) -> None: ...

    def play(self, clip: Clip, name: str) -> Played: ...
