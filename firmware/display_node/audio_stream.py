"""The speaker's one long-lived output stream: a player process (`aplay` for ALSA,
`pw-cat` for PipeWire) started once and fed raw 16-bit mono PCM on its stdin for as
long as the node runs. A writer thread feeds it a clip's samples while one is playing and
silence otherwise, so an HDMI or USB amplifier never sees the stream close and never
clips the first 0.2–1 s of a call, as it does with a fresh `aplay` per call.

Pacing: the player's buffer and a one-page pipe in front of it push back (a write that
would block means the device is full, and re-anchors the writer's clock to the device's);
a player that reads without pacing (ALSA's `null`) is held to real time by the clock.
Either way the writer is never more than about half a second ahead of the speaker, so a
call starts within that of being played.

A player that dies (device unplugged, busy, PipeWire restarted) is reported — an
AudioError carrying the player's stderr and the fault word of contract/node_faults.py —
and started again in the background with backoff (a clip during the backoff is refused
at once); the board keeps showing calls meanwhile. Anything else that goes wrong in the
writer thread is reported the same way (`audio_failed`) and the thread carries on."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import select
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from firmware.display_node.alsa_names import Card, Pcm, look_up, parse_cards, parse_pcms
from firmware.display_node.audio import AudioError, Clip, Played, resampled

if TYPE_CHECKING:
    from firmware.display_node.settings import VoiceSettings

log = logging.getLogger(__name__)

ALSA_PLAYER = "aplay"  # Debian alsa-utils
PIPEWIRE_PLAYER = "pw-cat"  # Debian pipewire-bin
PLAYER_PACKAGES = {ALSA_PLAYER: "alsa-utils", PIPEWIRE_PLAYER: "pipewire-bin"}
PIPEWIRE_SOCKET = "pipewire-0"
PIPE_BYTES = 4096  # the smallest pipe Linux allows (one page): ~93 ms at 22050 Hz
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)
LEAD_MARGIN_SECONDS = 0.25  # beyond the buffers, so a real device's backpressure rules
WAKE_SECONDS = 0.06  # an unpaced player is topped up this much at a time
PLAYED_KEPT = 200  # recent Played records kept (a resident node plays thousands a day)
STDERR_LINES = 20


def alsa_command(device: str, rate: int, buffer_seconds: float,
                 player: str = ALSA_PLAYER) -> list[str]:
    """`aplay` reading the stream's raw PCM from stdin into ALSA device `device`."""
    return [player, "-q", "-D", device, "-t", "raw", "-f", "S16_LE", "-c", "1",
            "-r", str(rate), f"--buffer-time={round(buffer_seconds * 1_000_000)}"]


def pw_cat_wants_raw(player: str = PIPEWIRE_PLAYER) -> bool:
    """Whether this `pw-cat` needs `--raw` to read raw PCM from stdin. PipeWire 0.3
    (bookworm) reads `-` as raw by itself and has no such option; PipeWire 1.x (trixie)
    needs it, and would otherwise take stdin for a sound file with a header."""
    try:
        shown = subprocess.run([player, "--help"], capture_output=True, text=True,
                               timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--raw" in shown.stdout + shown.stderr


def pipewire_command(rate: int, buffer_seconds: float, target: str | None = None,
                     player: str = PIPEWIRE_PLAYER, *, raw_option: bool | None = None
                     ) -> list[str]:
    """`pw-cat --playback` reading the stream's raw PCM from stdin into the session's
    default sink, or `target` (a node name or serial)."""
    if raw_option is None:
        raw_option = pw_cat_wants_raw(player)
    command = [player, "--playback", *(["--raw"] if raw_option else []),
               "--format", "s16", "--rate", str(rate), "--channels", "1",
               f"--latency={round(buffer_seconds * 1000)}ms"]
    if target:
        command += ["--target", target]
    return [*command, "-"]


def pipewire_session_problem(environ: Mapping[str, str]) -> AudioError | None:
    """Why this process cannot reach a PipeWire session, or None. A system service user
    has none: the node then runs as the desktop (kiosk) user, with its XDG_RUNTIME_DIR."""
    runtime = environ.get("XDG_RUNTIME_DIR")
    if not runtime:
        return AudioError("XDG_RUNTIME_DIR is not set: this user has no PipeWire session",
                          "audio_no_session")
    remote = environ.get("PIPEWIRE_REMOTE") or PIPEWIRE_SOCKET
    socket = Path(runtime) / remote
    try:
        # Python 3.11's exists() raises PermissionError for another user's runtime
        # folder (the unit's XDG_RUNTIME_DIR is not this user's) rather than say False.
        present = socket.exists()
    except OSError as exc:
        return AudioError(f"cannot reach the PipeWire socket {socket}: {exc} (the node "
                          f"must run as the user whose XDG_RUNTIME_DIR this is)",
                          "audio_no_session")
    if not present:
        return AudioError(f"no PipeWire socket {socket}: PipeWire is not running for this "
                          f"user (log in once, or enable lingering)", "audio_no_session")
    return None


def speaker_sink(voice: VoiceSettings, environ: Mapping[str, str] | None = None,
                 **options: Any) -> StreamSink:
    """The output stream a display node's `[voice]` settings ask for (sink "alsa" or
    "pipewire"); the node and the doctor's test tone both build it here."""
    seconds = voice.buffer_ms / 1000
    if voice.sink == "pipewire":
        env = dict(environ if environ is not None else os.environ)
        return StreamSink(pipewire_command(voice.output_rate, seconds, voice.pipewire_target),
                          kind="pipewire", device=voice.pipewire_target or "default",
                          rate=voice.output_rate, buffer_seconds=seconds,
                          idle_close_seconds=voice.idle_close_seconds, environ=environ,
                          preflight=lambda: pipewire_session_problem(env), **options)
    if voice.sink == "alsa":
        device = voice.alsa_device
        return StreamSink(alsa_command(device, voice.output_rate, seconds),
                          kind="alsa", device=device, rate=voice.output_rate,
                          buffer_seconds=seconds, idle_close_seconds=voice.idle_close_seconds,
                          environ=environ, on_check=lambda: warn_about_alsa_device(device),
                          **options)
    raise ValueError(f"sink {voice.sink!r} is not an output stream")


def alsa_listing(player: str = ALSA_PLAYER, environ: Mapping[str, str] | None = None
                 ) -> tuple[list[Card], list[Pcm], str]:
    """This machine's playback cards (`aplay -l`), PCM names (`aplay -L`) and what
    `aplay -l` said on stderr ("no soundcards found...")."""
    try:
        devices = subprocess.run([player, "-l"], capture_output=True, text=True, timeout=10,
                                 check=False, env=environ)
        pcms = subprocess.run([player, "-L"], capture_output=True, text=True, timeout=10,
                              check=False, env=environ)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AudioError(f"{player} -l/-L failed: {exc}", "audio_player_missing") from exc
    return parse_cards(devices.stdout), parse_pcms(pcms.stdout), devices.stderr.strip()


def warn_about_alsa_device(device: str) -> None:
    """Log, at start, a configured ALSA device that aplay does not list, or a Pi's HDMI
    named in a form it cannot play (the player's failure would say less)."""
    try:
        cards, pcms, _ = alsa_listing()
    except AudioError:
        return  # no aplay: check() reports it
    found = look_up(device, cards, pcms)
    if found.advice is not None:
        log.warning("alsa_device %s cannot play on this card: set alsa_device = \"%s\" "
                    "in [voice]", device, found.advice,
                    extra={"device": device, "use": found.advice, "reason": found.reason})
    elif not found.exists:
        log.warning("alsa_device %s is not among this machine's sound devices: %s", device,
                    found.reason, extra={"device": device, "reason": found.reason})


def classify(stderr: str) -> str:
    """The fault word for what a player printed before it ended."""
    text = stderr.lower()
    if "device or resource busy" in text:
        return "audio_busy"
    if "permission denied" in text:
        return "audio_permission"
    if "iec958_subframe" in text or "sample format non available" in text:
        return "audio_format"
    if "host is down" in text or "pw_context_connect" in text or "connection refused" in text:
        return "audio_no_session"
    if any(sign in text for sign in (
            "no such device", "no such file or directory", "unknown pcm", "cannot get card",
            "cannot find card", "unknown error 524", "unknown parameters")):
        return "audio_device_missing"
    return "audio_failed"


@dataclass(eq=False)
class _Request:
    """One clip handed from `play()` to the writer thread."""

    pcm: bytes
    seconds: float
    done: threading.Event = field(default_factory=threading.Event)
    started: float | None = None  # first bytes written to the player
    written: float | None = None  # last bytes written
    buffered: float = 0.0  # seconds of stream still ahead of the speaker at `written`
    generation: int = 0  # which player took it
    error: AudioError | None = None


class _Ended(Exception):
    """The player is gone (or stopped reading): the stream must be started again."""

    def __init__(self, error: AudioError) -> None:
        super().__init__(str(error))
        self.error = error


class StreamSink:
    """Plays clips through one long-lived player process fed from a writer thread.

    `command` is the player's argv (see `alsa_command`, `pipewire_command`); it reads
    16-bit mono PCM at `rate` from stdin. Clips of another rate are resampled. With
    `idle_close_seconds` > 0 the player is stopped after that long without a call (and
    started again for the next one, which may then clip): for nodes that stand idle at
    night; 0 keeps it running for good."""

    def __init__(self, command: Sequence[str], *, kind: str, device: str,
                 rate: int = 22050, buffer_seconds: float = 0.2,
                 idle_close_seconds: float = 0.0, environ: Mapping[str, str] | None = None,
                 preflight: Callable[[], AudioError | None] | None = None,
                 chunk_seconds: float = 0.02, settle_seconds: float = 0.5,
                 retry_seconds: tuple[float, float] = (1.0, 30.0),
                 stall_seconds: float = 5.0,
                 on_check: Callable[[], None] | None = None) -> None:
        self.command = list(command)
        self.kind = kind
        self.device = device
        self.rate = rate
        self.buffer_seconds = buffer_seconds
        self.idle_close_seconds = idle_close_seconds
        self.environ = dict(environ) if environ is not None else None
        self.played: deque[Played] = deque(maxlen=PLAYED_KEPT)
        self.starts = 0  # players started so far
        self._preflight = preflight
        self._on_check = on_check
        self._chunk_seconds = chunk_seconds
        self._settle_seconds = settle_seconds
        self._retry_first, self._retry_most = retry_seconds
        self._stall_seconds = stall_seconds
        self._cv = threading.Condition()
        self._play_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closing = False
        self._process: subprocess.Popen[bytes] | None = None
        self._generation = 0
        self._dead_generation = 0
        self._request: _Request | None = None
        self._problem: AudioError | None = None
        self._logged: str | None = None
        self._retry_at = 0.0
        self._retry_delay = self._retry_first
        self._last_call = time.monotonic()

    def __repr__(self) -> str:
        state = "closed" if self._closing else ("playing" if self._process else "down")
        return f"<StreamSink {self.kind} {self.device} {self.rate} Hz {state}>"

    # The sink interface ----------------------------------------------------------

    def check(self) -> None:
        """Start the stream. Raises AudioError only when it can never play (no player
        program); a device that is missing or busy now is reported by `problem()` and
        tried again."""
        player = self.command[0]
        path = (self.environ or os.environ).get("PATH")
        if shutil.which(player, path=path) is None:
            package = PLAYER_PACKAGES.get(Path(player).name, "its package")
            error = AudioError(f"{player} not found: install {package}",
                               "audio_player_missing")
            with self._cv:
                self._problem = error
            raise error
        if self._on_check is not None:
            self._on_check()
        self._ensure_writer()

    def problem(self) -> AudioError | None:
        """What keeps the stream from playing now; None while it plays."""
        with self._cv:
            return self._problem

    def play(self, clip: Clip, name: str) -> Played:
        """Play a clip; returns when the player has played it (its buffer drained)."""
        pcm = clip.pcm if clip.rate == self.rate else resampled(clip, self.rate).pcm
        request = _Request(pcm, len(pcm) / 2 / self.rate)
        with self._play_lock:
            with self._cv:
                if self._closing:
                    raise AudioError("the audio stream is closed")
                self._ensure_writer()
                if (self._process is None and self._problem is not None
                        and time.monotonic() < self._retry_at):
                    raise AudioError(str(self._problem), self._problem.fault)
                self._request = request
                self._last_call = time.monotonic()
                self._cv.notify_all()
            limit = request.seconds * 2 + self._lead_seconds() + self._stall_seconds + 2
            if not request.done.wait(limit):
                with self._cv:
                    if self._request is request:
                        self._request = None
                raise AudioError(f"{self.kind} player took no clip in {limit:.0f} s")
            if request.error is not None:
                raise request.error
            assert request.written is not None and request.started is not None
            # The clip's last bytes are in the pipe and the player's buffer: wait until
            # they are heard, so the next call cannot start over this one.
            time.sleep(max(0.0, request.written + request.buffered - time.monotonic()))
            with self._cv:
                if self._dead_generation >= request.generation:
                    error = self._problem or AudioError(f"{self.kind} player ended")
                    raise AudioError(f"cut off: {error}", error.fault)
                self._last_call = time.monotonic()
            record = Played(name, request.started, time.monotonic(), request.seconds)
            self.played.append(record)
            return record

    def close(self, timeout: float = 5.0) -> None:
        """Stop the writer and let the player drain and exit; safe to call twice."""
        with self._cv:
            self._closing = True
            self._cv.notify_all()
            thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)

    # The writer thread -------------------------------------------------------------

    def _ensure_writer(self) -> None:
        with self._cv:
            if self._thread is None and not self._closing:
                self._thread = threading.Thread(target=self._run, name=f"kezek-{self.kind}-out",
                                                daemon=True)
                self._thread.start()

    def _wanted(self, now: float) -> bool:
        """Whether the stream should be open now without a clip waiting."""
        return self.idle_close_seconds <= 0 or now - self._last_call < self.idle_close_seconds

    def _run(self) -> None:
        silence_chunk = bytes(2 * max(1, round(self._chunk_seconds * self.rate)))
        while True:
            try:
                with self._cv:
                    while not self._closing:
                        now = time.monotonic()
                        waiting = self._request
                        if now >= self._retry_at and (waiting is not None
                                                      or self._wanted(now)):
                            break
                        if waiting is not None and self._problem is not None:
                            self._request = None  # refused: the player failed a moment ago
                            waiting.error = AudioError(str(self._problem),
                                                       self._problem.fault)
                            waiting.done.set()
                            continue
                        if now < self._retry_at:
                            self._cv.wait(self._retry_at - now)
                        else:
                            self._cv.wait()  # closed for idleness: a call opens it again
                    if self._closing:
                        return
                process = self._spawn()
                if process is not None:
                    self._stream(process, silence_chunk)
            except Exception as exc:  # the one thread that plays must live on
                # Anything unforeseen (a preflight that raises, an OS call that fails)
                # is a fault like a dead player: reported by problem(), refused calls
                # fail at once, and the stream is tried again after the backoff.
                self._failed(_unexpected(exc))

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        error = self._preflight() if self._preflight is not None else None
        process = None
        if error is None:
            try:
                process = subprocess.Popen(self.command, stdin=subprocess.PIPE,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                           env=self.environ)
            except FileNotFoundError:
                error = AudioError(f"{self.command[0]} not found", "audio_player_missing")
            except OSError as exc:
                error = AudioError(f"{self.command[0]} did not start: {exc}")
        if process is None:
            self._failed(error or AudioError("the player did not start"))
            return None
        with self._cv:
            self._process = process
            self._generation += 1
            self.starts += 1
        log.info("audio stream started", extra={"player": self.command[0],
                                                "device": self.device, "rate": self.rate})
        return process

    def _lead_seconds(self, pipe_bytes: int = PIPE_BYTES) -> float:
        return self._capacity_seconds(pipe_bytes) + LEAD_MARGIN_SECONDS

    def _capacity_seconds(self, pipe_bytes: int) -> float:
        return pipe_bytes / 2 / self.rate + self.buffer_seconds

    def _stream(self, process: subprocess.Popen[bytes], silence_chunk: bytes) -> None:
        """Feed the player until it ends, the node closes, or it idles out."""
        assert process.stdin is not None and process.stderr is not None
        with self._cv:
            generation = self._generation
        reader: threading.Thread | None = None
        current: _Request | None = None
        try:
            fd = process.stdin.fileno()
            os.set_blocking(fd, False)
            with contextlib.suppress(OSError):  # elsewhere the pipe keeps its size (below)
                fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
            try:
                pipe_bytes = fcntl.fcntl(fd, F_GETPIPE_SZ)
            except OSError:
                pipe_bytes = 65536
            capacity = self._capacity_seconds(pipe_bytes)
            lead = capacity + LEAD_MARGIN_SECONDS
            tail: deque[str] = deque(maxlen=STDERR_LINES)
            reader = threading.Thread(target=_read_stderr, args=(process.stderr, tail),
                                      name=f"kezek-{self.kind}-stderr", daemon=True)
            reader.start()
            per_second = 2 * self.rate
            epoch = spawned = progress = time.monotonic()
            written = 0
            settled = False
            pending = memoryview(b"")
            while True:
                now = time.monotonic()
                if not settled and now - spawned >= self._settle_seconds:
                    if process.poll() is not None:
                        raise _Ended(self._ended(process, reader, tail))
                    settled = True
                    self._healthy()
                ahead = written / per_second - (now - epoch)
                if ahead > lead - WAKE_SECONDS:
                    # A player that reads without pacing: hold it to real time, waking
                    # when a few pieces fit (not for every sample: that costs CPU).
                    with self._cv:
                        if not self._closing:
                            self._cv.wait(ahead - lead + WAKE_SECONDS + 0.001)
                    continue
                if not pending:
                    with self._cv:
                        if self._closing:
                            return
                        if self._request is not None:
                            current, self._request = self._request, None
                            current.generation = generation
                            pending = memoryview(current.pcm)
                        elif not self._wanted(now):
                            log.info("audio stream closed after idle time",
                                     extra={"seconds": self.idle_close_seconds})
                            return
                    if current is None:
                        pending = memoryview(silence_chunk)
                room = max(2, int((lead - ahead) * per_second) & ~1)
                try:
                    count = os.write(fd, pending[:room])
                except BlockingIOError:
                    # The pipe and the player's buffer are full: the device sets the pace.
                    epoch = now - written / per_second + capacity
                    if (not select.select([], [fd], [], 0.1)[1]
                            and time.monotonic() - progress > self._stall_seconds):
                        process.kill()  # hung: it would not drain either
                        raise _Ended(AudioError(f"{self.command[0]} stopped reading for "
                                                f"{self._stall_seconds:.1f} s")) from None
                    continue
                except OSError as exc:  # EPIPE: the player is gone
                    if exc.errno not in (errno.EPIPE, errno.EINVAL):
                        log.warning("audio stream write failed", extra={"error": str(exc)})
                    raise _Ended(self._ended(process, reader, tail)) from None
                now = time.monotonic()
                progress = now
                written += count
                pending = pending[count:]
                if current is not None:
                    if current.started is None:
                        current.started = now
                    if not pending:
                        current.written = now
                        current.buffered = min(max(0.0, written / per_second - (now - epoch)),
                                               lead)
                        current.done.set()
                        current = None
        except Exception as exc:  # a player ended, or anything unforeseen
            error = exc.error if isinstance(exc, _Ended) else _unexpected(exc)
            with self._cv:
                self._dead_generation = generation
            if current is not None:
                current.error = error
                current.done.set()
            self._failed(error)
        finally:
            with self._cv:
                self._process = None
            _stop(process, self.buffer_seconds + 1.0)
            if reader is not None:
                reader.join(1.0)

    def _ended(self, process: subprocess.Popen[bytes], reader: threading.Thread,
               tail: deque[str]) -> AudioError:
        """The error of a player that has exited (or is exiting): its stderr, classified."""
        try:
            code: int | None = process.wait(2.0)
        except subprocess.TimeoutExpired:
            code = None
        reader.join(1.0)
        said = " / ".join(tail)
        message = (f"{self.command[0]} on {self.device} ended"
                   f"{f' (exit {code})' if code is not None else ''}"
                   f"{f': {said}' if said else ''}")
        return AudioError(message[:500], classify(said))

    def _failed(self, error: AudioError) -> None:
        with self._cv:
            self._problem = error
            self._retry_at = time.monotonic() + self._retry_delay
            self._retry_delay = min(self._retry_delay * 2, self._retry_most)
            fresh = str(error) != self._logged
            self._logged = str(error)
        if fresh:
            log.error("audio output failed; calls are shown without sound until it is back",
                      extra={"fault": error.fault, "error": str(error)})

    def _healthy(self) -> None:
        with self._cv:
            was = self._problem
            self._problem = None
            self._logged = None
            self._retry_delay = self._retry_first
        if was is not None:
            log.info("audio output back", extra={"device": self.device})


def _unexpected(exc: Exception) -> AudioError:
    """An error the writer thread did not foresee, logged with its traceback (a bug or
    an OS surprise) and reported as the speaker's generic fault."""
    log.exception("audio stream writer failed", extra={"error": repr(exc)})
    return AudioError(f"audio stream failed: {type(exc).__name__}: {exc}"[:500],
                      "audio_failed")


def _read_stderr(stream: IO[bytes], tail: deque[str]) -> None:
    for line in iter(stream.readline, b""):
        text = line.decode(errors="replace").strip()
        if text:
            tail.append(text)
            log.debug("player said: %s", text)
    stream.close()


def _stop(process: subprocess.Popen[bytes], drain_seconds: float) -> None:
    """Close the player's stdin (it plays what it has and exits), then make sure."""
    try:
        if process.stdin is not None:
            process.stdin.close()
    except OSError:
        pass
    try:
        process.wait(drain_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(2.0)
