"""The voice of the hall: announcements queued and said one after another (a chime, then
the phrase in the visitor's language), never two at once and never cut off.

A repeated delivery of one announcement (same message id: QoS 1 is at-least-once) is
said once; a recall is a new announcement and is said again. An announcement in a
language without a usable voice is said in the other language and logged. In quiet hours
nothing is played (the boards still show the call).

Warming fills the voice caches in the background (at the worker's low priority) with the
openings and the desks, then the ticket numbers the center's ranges can produce for the
zones this node follows, in issuing order (`warming.py`), always giving way to a waiting
call. The cache itself is the progress: a piece on disk is not made again, so warming
resumes where it stopped after a restart. Until the hub's config names number ranges
(or when it names none: a hub older than them) the numbers 1..`fallback_numbers` are
warmed instead (voice.prewarm_up_to, 0 by default: ranges are what a center issues, and
a blind 1..999 costs ~40 min of a Pi 4 core for numbers the center may never call)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock_time

from contract.mqtt import Announcement, Driver, DriverState, ZoneNumbers
from firmware.display_node.audio import AudioError, AudioSink, Clip, Played, chime, scaled, silence
from firmware.display_node.speech import parts, spoken_desk
from firmware.display_node.synthesis import SynthesisError, VoiceProblem
from firmware.display_node.voice import CachedVoice
from firmware.display_node.warming import WarmPiece, issuing_order, number_words, warm_plan

log = logging.getLogger(__name__)

LANGUAGES = ("kk", "ru")
SEEN_IDS = 500
SAID_KEPT = 500  # recent announcements kept in `said` (a node runs for months)
PAUSE_SECONDS = 0.12  # between the pieces of a phrase
WARM_FAILURES_IN_A_ROW = 5
WARM_RETRY_SECONDS = 300.0
# The speaker's detail when voices are turned away: the gravest first.
VOICE_FAULT_ORDER = ("voice_checksum", "voice_load_failed", "voice_too_slow", "voice_missing")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From `start` to `end` local time (may wrap midnight); equal times mean never."""

    start: clock_time
    end: clock_time

    def contains(self, moment: clock_time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True, slots=True)
class Said:
    """One announcement as handled: the language used, the text, and the clip played
    (None when quiet hours or a missing voice kept it silent)."""

    announcement_id: str
    language: str | None
    text: str | None
    played: Played | None
    cached: bool
    received: float


class Announcer:
    def __init__(self, voices: dict[str, CachedVoice], sink: AudioSink, *,
                 rate: int = 22050, volume: float = 1.0, quiet: QuietHours | None = None,
                 with_chime: bool = True, zones: Iterable[str] = (),
                 fallback_numbers: Iterable[int] = (),
                 local_time: Callable[[], clock_time] = lambda: datetime.now().time(),
                 voice_problems: dict[str, VoiceProblem] | None = None) -> None:
        self.voices = dict(voices)
        self.sink = sink
        self.rate = rate
        self.volume = volume
        self.quiet = quiet
        self.with_chime = with_chime
        self.zones = tuple(zones)
        self._fallback_numbers = list(fallback_numbers)
        self._numbers: list[int] | None = None  # None: no ranges from the hub yet
        self._local_time = local_time
        self.voice_problems = dict(voice_problems or {})
        self._voices_lock = threading.Lock()
        self._queue: queue.Queue[tuple[Announcement, float] | None] = queue.Queue()
        self._seen: deque[str] = deque(maxlen=SEEN_IDS)
        self._chime = chime(rate)
        self._sink_error: AudioError | None = None
        self._desks: list[tuple[str, str, str]] = []
        self._stop = threading.Event()
        self.said: deque[Said] = deque(maxlen=SAID_KEPT)  # the latest, oldest first
        self.prewarmed = threading.Event()
        self.warm_failures = 0
        self._more = threading.Event()
        # Bumped with every new plan (desks, ranges): a warming pass that ends on an
        # older plan does not say the cache is warm (the new plan is not done yet).
        self._plan = 0
        self._plan_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="kezek-announcer", daemon=True)
        self._warmer = threading.Thread(target=self._prewarm, name="kezek-prewarm",
                                        daemon=True)
        self._track_numbers()

    def start(self) -> None:
        try:
            self.sink.check()
        except AudioError as error:
            self._sink_error = error
            log.error("audio sink unusable; calls are shown without sound",
                      extra={"error": str(error)})
        self._thread.start()
        self._warmer.start()

    def close(self, timeout: float = 10.0) -> None:
        """Say what is queued, then stop (the synthesis worker is stopped by its owner)."""
        self._stop.set()
        self._more.set()
        self._queue.put(None)
        for thread in (self._thread, self._warmer):
            if thread.is_alive():
                thread.join(timeout)

    def desks(self, desks: Iterable[tuple[str, str, str]]) -> None:
        """The center's desks (code, Kazakh label, Russian label), to warm their pieces."""
        desks = list(desks)
        if desks != self._desks:
            self._desks = desks
            self._replanned()

    def number_ranges(self, ranges: Iterable[ZoneNumbers]) -> None:
        """The hub's number ranges: the numbers of this node's zones (all zones when it
        follows every zone) are warmed in issuing order. No ranges: the fallback."""
        ranges = list(ranges)
        numbers = issuing_order(ranges, self.zones) if ranges else None
        if numbers != self._numbers:
            self._numbers = numbers
            self._track_numbers()
            self._replanned()

    def _replanned(self) -> None:
        with self._plan_lock:
            self._plan += 1
            self.prewarmed.clear()
            self._more.set()

    def announce(self, announcement: Announcement) -> None:
        """Queue a call; returns at once."""
        if announcement.id in self._seen:
            log.info("announcement delivered again; said once", extra={
                "announcement_id": announcement.id})
            return
        self._seen.append(announcement.id)
        self._queue.put((announcement, time.monotonic()))

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def state(self) -> Driver:
        sink_problem = self._sink_error or self.sink.problem()
        if sink_problem is not None:  # a fault word of contract/node_faults.py
            return Driver(state=DriverState.FAULT, detail=sink_problem.fault)
        with self._voices_lock:
            voices, problems = bool(self.voices), dict(self.voice_problems)
        words = {problem.fault for problem in problems.values()}
        word = next((word for word in VOICE_FAULT_ORDER if word in words),
                    next(iter(sorted(words)), "voice_missing"))
        if not voices:
            return Driver(state=DriverState.FAULT, detail=word)
        if problems:
            return Driver(state=DriverState.WARNING, detail=word)
        return Driver(state=DriverState.OK)

    def language_for(self, wanted: str) -> str | None:
        with self._voices_lock:
            if wanted in self.voices:
                return wanted
            return next((language for language in LANGUAGES if language in self.voices), None)

    def _voice(self, language: str) -> CachedVoice | None:
        with self._voices_lock:
            return self.voices.get(language)

    def _turn_away(self, language: str, problem: VoiceProblem) -> None:
        """A voice the worker cannot load: its language is said by the other voice."""
        with self._voices_lock:
            if self.voices.pop(language, None) is None:
                return
            self.voice_problems[language] = problem
        log.error("voice not loaded; calls in %s are said in the other language, or only "
                  "shown: %s", language, problem,
                  extra={"language": language, "fault": problem.fault, "error": str(problem)})

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self._say(*item)
            except Exception:
                log.exception("announcement failed")
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _say(self, announcement: Announcement, received: float) -> None:
        while True:
            language = self.language_for(announcement.language)
            voice = self._voice(language) if language is not None else None
            if language is None or voice is None:
                log.warning("no voice loaded; call not announced", extra={
                    "number": announcement.number, "desk": announcement.desk})
                self.said.append(Said(announcement.id, None, None, None, False, received))
                return
            try:
                self._say_with(announcement, received, language, voice)
                return
            except VoiceProblem as problem:
                self._turn_away(language, problem)  # then in the other language, if any
            except SynthesisError as error:
                log.error("call not said: its piece could not be made", extra={
                    "number": announcement.number, "language": language,
                    "error": str(error)})
                self.said.append(Said(announcement.id, language, None, None, False,
                                      received))
                return

    def _say_with(self, announcement: Announcement, received: float, language: str,
                  voice: CachedVoice) -> None:
        if language != announcement.language:
            log.warning("no voice for the visitor's language; said in the other one",
                        extra={"wanted": announcement.language, "used": language,
                               "number": announcement.number})
        desk = spoken_desk(announcement.desk, announcement.desk_label.kk,
                           announcement.desk_label.ru)
        pieces = parts(language, announcement.number, desk)
        text = f"{pieces[0]} {pieces[1]}, {pieces[2]}"
        if self.quiet is not None and self.quiet.contains(self._local_time()):
            log.info("quiet hours: call shown, not said", extra={
                "number": announcement.number})
            self.said.append(Said(announcement.id, language, text, None, False, received))
            return
        cached = all(voice.cached(piece) for piece in pieces)
        gap = silence(PAUSE_SECONDS, self.rate)
        clip = self._chime if self.with_chime else Clip(b"", self.rate)
        for index, piece in enumerate(pieces):
            clip = clip + (gap if index else Clip(b"", self.rate)) + voice.clip(piece)
        played = None
        try:
            played = self.sink.play(scaled(clip, self.volume),
                                    f"{announcement.kind.value}-{language}")
            self._sink_error = None
        except AudioError as error:
            if self._sink_error is None:
                log.error("audio sink failed", extra={"error": str(error)})
            self._sink_error = error
        log.info("call announced", extra={"number": announcement.number,
                                          "desk": announcement.desk, "language": language,
                                          "cached": cached})
        self.said.append(Said(announcement.id, language, text, played, cached, received))

    # Warming ---------------------------------------------------------------------------

    def warm_numbers(self) -> list[int]:
        """The ticket numbers warmed: the ranges' in issuing order, or the fallback."""
        return self._numbers if self._numbers is not None else self._fallback_numbers

    def prewarm_texts(self) -> list[WarmPiece]:
        """The pieces in the order they are warmed (see warming.warm_plan)."""
        with self._voices_lock:
            languages = [language for language in LANGUAGES if language in self.voices]
        return warm_plan(languages, self._desks, self.warm_numbers())

    def warmth(self) -> float | None:
        """The share of the ticket numbers' pieces (every usable language) seen on disk;
        None without a voice or before any number is to be warmed. O(voices): the caches
        keep the count (PieceCache.track), as this goes with every telemetry."""
        with self._voices_lock:
            voices = list(self.voices.values())
        if not voices or not self.warm_numbers():
            return None
        done = total = 0
        for voice in voices:
            known, tracked = voice.cache.tracked()
            done += known
            total += tracked
        return done / total if total else None

    def _track_numbers(self) -> None:
        """Have each voice's cache count the words of the numbers warmed (once per change
        of ranges: 20,000 numbers' words take ~0.1 s here, ~1 s on a Pi)."""
        numbers = self.warm_numbers()
        with self._voices_lock:
            voices = list(self.voices.values())
        for voice in voices:
            voice.cache.track(number_words(voice.language, number) for number in numbers)

    def _wait_for_calls(self) -> None:
        while not self.idle() and not self._stop.is_set():
            time.sleep(0.05)  # a call is being said: it goes first

    def _prewarm(self) -> None:
        started = time.perf_counter()
        while not self._stop.is_set():
            with self._plan_lock:
                self._more.clear()
                plan = self._plan
            made = failed = failed_in_a_row = 0
            for piece in self.prewarm_texts():
                if failed_in_a_row >= WARM_FAILURES_IN_A_ROW:
                    break  # a worker that keeps failing (out of memory, say): later
                if self._more.is_set() or self._stop.is_set():
                    break  # new desks or ranges: plan again from the start
                voice = self._voice(piece.language)
                if voice is None or voice.cached(piece.text):
                    continue
                self._wait_for_calls()
                try:
                    made += voice.warm(piece.text)
                    failed_in_a_row = 0
                except VoiceProblem as problem:
                    self._turn_away(piece.language, problem)
                except SynthesisError as error:
                    self.warm_failures += 1
                    failed += 1
                    failed_in_a_row += 1
                    log.error("piece not warmed", extra={"language": piece.language,
                                                         "text": piece.text,
                                                         "error": str(error)})
            if self._stop.is_set():
                return
            if self._more.is_set():
                continue
            if failed:
                log.error("warming paused: pieces failed; trying again later", extra={
                    "failed": failed, "retry_seconds": WARM_RETRY_SECONDS})
                self._more.wait(WARM_RETRY_SECONDS)
                continue
            with self._plan_lock:
                if plan != self._plan:
                    continue  # planned again meanwhile: warm the new plan first
                if not self.prewarmed.is_set():
                    log.info("voice cache warm", extra={
                        "made": made, "warmth": self.warmth(),
                        "seconds": round(time.perf_counter() - started, 2)})
                self.prewarmed.set()
            # New desks or ranges (the node's config came or changed) wake this up again.
            while not self._more.wait(1.0):
                if self._stop.is_set():
                    return
