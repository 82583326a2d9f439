"""The resident display node's side of the synthesis worker (`synth_worker.py`): start
it for a voice, hand it one piece at a time, and let it go.

At most one worker lives at a time, so the node's memory is the resident process (no
onnxruntime, numpy or piper in it) plus one loaded voice while something is being made.
A piece for a voice other than the running worker's stops that worker (after the piece it
is making) and starts one for the voice asked for. The worker exits by itself after
`idle_seconds` with nothing to do; a request that finds it gone starts a new one.

The protocol is one JSON object a line: the worker says `{"ready": true, ...}` (or
`{"ready": false, "error": ...}`) once its voice is loaded; then to each request
`{"text", "path", "warm"}` it answers `{"ok": true, "seconds", "audio_seconds"}` once the
piece is on disk at `path` (written atomically, at the output rate), or
`{"ok": false, "error"}`."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

WORKER_MODULE = "firmware.display_node.synth_worker"
LOAD_TIMEOUT_SECONDS = 120.0  # a 128 MB high voice from an SD card on a Zero 2 W
PIECE_TIMEOUT_SECONDS = 120.0  # a long desk label with a slow voice
STOP_SECONDS = 5.0


class VoiceProblem(RuntimeError):
    """A voice that cannot be used: `fault` is its word in contract/node_faults.py, the
    message names the file."""

    def __init__(self, message: str, fault: str = "voice_load_failed") -> None:
        super().__init__(message)
        self.fault = fault


class SynthesisError(RuntimeError):
    """One piece that could not be made (the worker failed or timed out on it)."""


class WorkerVoice(Protocol):
    """What the worker needs to know of a voice."""

    @property
    def language(self) -> str: ...
    @property
    def model(self) -> Path: ...
    @property
    def config(self) -> Path: ...


@dataclass(frozen=True, slots=True)
class PieceMade:
    """One piece the worker made: how long it took and how long it sounds."""

    seconds: float
    audio_seconds: float
    worker_started: bool


class LineReader:
    """Lines from a pipe with a timeout. It reads the file descriptor itself: select()
    cannot see what Python's buffered readers already hold."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = bytearray()

    def readline(self, timeout: float | None) -> bytes | None:
        """The next line without its newline; None when none came within `timeout`
        seconds (None: wait for ever). EOFError when the other end closed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return None
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(self._fd, 65536)
            if not chunk:
                raise EOFError("the pipe was closed")
            self._buffer += chunk
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        return line


class _WorkerGone(Exception):
    """The worker exited or closed its pipes (its idle exit, or a crash)."""


class _Worker:
    """One running worker process for one voice."""

    def __init__(self, command: list[str], voice: WorkerVoice) -> None:
        self.voice = voice
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        bufsize=0, close_fds=True)
        assert self.process.stdout is not None
        self._replies = LineReader(self.process.stdout.fileno())
        self.loaded: dict[str, Any] = {}

    def wait_ready(self, timeout: float) -> None:
        try:
            answer = self._answer(timeout)
        except _WorkerGone:
            self.stop()
            code = self.process.returncode
            if code is not None and code < 0:
                # Killed by a signal (the out-of-memory killer while the kiosk browser
                # grew, a stop by hand): nothing wrong with the voice; try again later.
                raise SynthesisError(
                    f"the synthesis worker for {self.voice.language} voice "
                    f"{self.voice.model} was killed by {_signal_name(-code)} while "
                    f"loading it") from None
            raise VoiceProblem(f"{self.voice.language} voice {self.voice.model}: the "
                               f"synthesis worker exited while loading it (exit code "
                               f"{self.process.returncode})") from None
        if not answer.get("ready"):
            self.stop()
            raise VoiceProblem(f"{self.voice.language} voice {self.voice.model} (config "
                               f"{self.voice.config}) cannot be loaded: "
                               f"{answer.get('error', 'no reason given')}")
        self.loaded = answer

    def alive(self) -> bool:
        return self.process.poll() is None

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps(message).encode() + b"\n")
            stdin.flush()
        except (BrokenPipeError, ValueError):  # ValueError: closed from our side
            self.stop()  # reap it and close our ends of its pipes
            raise _WorkerGone() from None
        return self._answer(timeout)

    def _answer(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._replies.readline(timeout)
        except EOFError:
            self.stop()
            raise _WorkerGone() from None
        if line is None:
            self.stop()
            raise SynthesisError(f"the synthesis worker for {self.voice.model} did not "
                                 f"answer within {timeout:.0f} s; stopped")
        try:
            answer = json.loads(line)
        except json.JSONDecodeError:
            self.stop()
            raise SynthesisError(f"the synthesis worker wrote {line[:200]!r}") from None
        if not isinstance(answer, dict):
            self.stop()
            raise SynthesisError(f"the synthesis worker wrote {line[:200]!r}")
        return answer

    def stop(self) -> None:
        """Close its input (it exits after the piece it is making), kill it if it does
        not, reap it and close its output. Safe to call again."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None and not self.process.stdout.closed:
            self.process.stdout.close()


class Synthesizer:
    """Pieces made by the worker, one at a time. `make()` is thread-safe: a call and the
    warmer share one worker; the warmer yields to calls between pieces (announcer.py)."""

    def __init__(self, *, output_rate: int, threads: int = 1, warm_nice: int = 10,
                 idle_seconds: float = 10.0, length_scale: float | None = None,
                 python: str = sys.executable,
                 load_timeout: float = LOAD_TIMEOUT_SECONDS,
                 piece_timeout: float = PIECE_TIMEOUT_SECONDS) -> None:
        self.output_rate = output_rate
        self.threads = threads
        self.warm_nice = warm_nice
        self.idle_seconds = idle_seconds
        self.length_scale = length_scale
        self.python = python
        self.load_timeout = load_timeout
        self.piece_timeout = piece_timeout
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._broken: dict[tuple[Path, Path], VoiceProblem] = {}
        self.workers_started = 0
        self.pieces_made = 0

    def command(self, voice: WorkerVoice) -> list[str]:
        command = [self.python, "-m", WORKER_MODULE, "--model", str(voice.model),
                   "--config", str(voice.config), "--output-rate", str(self.output_rate),
                   "--threads", str(self.threads), "--warm-nice", str(self.warm_nice),
                   "--idle-seconds", str(self.idle_seconds)]
        if self.length_scale is not None:
            command += ["--length-scale", str(self.length_scale)]
        return command

    def make(self, voice: WorkerVoice, text: str, path: Path, *,
             warming: bool = False) -> PieceMade:
        """Have `text` said by `voice` into `path`. VoiceProblem when the voice cannot be
        loaded (then every later piece of it fails at once, without a new worker);
        SynthesisError when this piece failed, or the worker was killed by a signal
        while loading (the next piece tries again)."""
        with self._lock:
            if _key(voice) in self._broken:
                raise self._broken[_key(voice)]
            message = {"text": text, "path": str(path), "warm": warming}
            started = False
            for attempt in (1, 2):
                worker, fresh = self._worker_for(voice)
                started = started or fresh
                try:
                    answer = worker.request(message, self.piece_timeout)
                    break
                except _WorkerGone:
                    # It left on its idle timer just as we asked (or crashed): once more
                    # with a fresh one; a second loss is the piece's fault. (request()
                    # has stopped and reaped it.)
                    self._worker = None
                    if attempt == 2 or fresh:
                        raise SynthesisError(
                            f"the synthesis worker for {voice.model} exited while making "
                            f"{text!r} (exit code {worker.process.returncode})") from None
                except SynthesisError:
                    self._worker = None
                    raise
            if not answer.get("ok"):
                raise SynthesisError(f"{voice.language} voice could not say {text!r}: "
                                     f"{answer.get('error', 'no reason given')}")
            self.pieces_made += 1
            return PieceMade(float(answer.get("seconds", 0.0)),
                             float(answer.get("audio_seconds", 0.0)), started)

    def _worker_for(self, voice: WorkerVoice) -> tuple[_Worker, bool]:
        worker = self._worker
        if worker is not None and _key(worker.voice) == _key(voice) and worker.alive():
            return worker, False
        if worker is not None:
            worker.stop()  # another voice's, or gone: one worker at a time
            self._worker = None
        try:
            worker = _Worker(self.command(voice), voice)
        except OSError as error:
            raise SynthesisError(f"the synthesis worker cannot be started: {error}") from None
        self.workers_started += 1
        try:
            worker.wait_ready(self.load_timeout)
        except VoiceProblem as problem:
            self._broken[_key(voice)] = problem
            raise
        log.info("synthesis worker started", extra={
            "language": voice.language, "model": str(voice.model),
            "pid": worker.process.pid, "load_seconds": worker.loaded.get("load_seconds")})
        self._worker = worker
        return worker, True

    def worker_pid(self) -> int | None:
        """The running worker's process id (None when none runs)."""
        worker = self._worker
        return worker.process.pid if worker is not None and worker.alive() else None

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.stop()
                self._worker = None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _key(voice: WorkerVoice) -> tuple[Path, Path]:
    """A worker loads one model with one config (tests use one model with two configs)."""
    return voice.model, voice.config
