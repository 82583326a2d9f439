"""Audio for the display node: 16-bit mono PCM clips, the chime before a call, volume,
and the sinks that play a clip: ALSA through `aplay` on the Pi (alsa-utils ships with
Raspberry Pi OS), a WAV-file sink for tests and the demonstration, and a null sink.

`play()` returns when the clip has been played (for ALSA: when aplay exits), so the
announcer that calls it one clip at a time never lets two calls overlap."""

from __future__ import annotations

import logging
import math
import shutil
import subprocess
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class AudioError(RuntimeError):
    """A sink that cannot play (no aplay, no such ALSA device)."""


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


def silence(seconds: float, rate: int) -> Clip:
    return Clip(bytes(2 * round(seconds * rate)), rate)


def chime(rate: int, *, notes: tuple[float, ...] = (784.0, 659.3, 523.3),
          note_seconds: float = 0.28, level: float = 0.45) -> Clip:
    """A three-note falling chime (G5 E5 C5) with soft attack and decay, made here so the
    node needs no sound file."""
    count = round(note_seconds * rate)
    t = np.arange(count) / rate
    envelope = np.minimum(1.0, t / 0.01) * np.exp(-t * 6.0)
    parts = [np.sin(2 * math.pi * frequency * t) * envelope for frequency in notes]
    samples = np.concatenate(parts) * level * 32767
    return Clip(samples.astype("<i2").tobytes(), rate) + silence(0.15, rate)


def scaled(clip: Clip, volume: float) -> Clip:
    """The clip at `volume` (0..1); 1 leaves it unchanged."""
    if volume >= 1.0:
        return clip
    samples = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float32) * max(volume, 0.0)
    return Clip(samples.astype("<i2").tobytes(), clip.rate)


def write_wav(path: Path, clip: Clip) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(clip.rate)
        out.writeframes(clip.pcm)


@dataclass(frozen=True, slots=True)
class Played:
    """A record of one clip played: what and when (monotonic seconds)."""

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


class AlsaSink:
    """The Pi's speaker: `aplay -D <device>` reading raw PCM from its stdin."""

    kind = "alsa"

    def __init__(self, device: str = "default", *, aplay: str = "aplay") -> None:
        self.device = device
        self.aplay = aplay
        self.played: list[Played] = []

    def command(self, clip: Clip) -> list[str]:
        return [self.aplay, "-q", "-D", self.device, "-t", "raw", "-f", "S16_LE",
                "-c", "1", "-r", str(clip.rate)]

    def check(self) -> None:
        if shutil.which(self.aplay) is None:
            raise AudioError(f"{self.aplay} not found: install alsa-utils")

    def play(self, clip: Clip, name: str) -> Played:
        started = time.monotonic()
        try:
            result = subprocess.run(self.command(clip), input=clip.pcm, capture_output=True,
                                    timeout=clip.seconds + 10, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise AudioError(f"aplay on {self.device} failed: {error}") from error
        if result.returncode != 0:
            raise AudioError(f"aplay on {self.device} exited {result.returncode}: "
                             f"{result.stderr.decode(errors='replace').strip()[:300]}")
        record = Played(name, started, time.monotonic(), clip.seconds)
        self.played.append(record)
        return record


AudioSink = NullSink | WavFileSink | AlsaSink
