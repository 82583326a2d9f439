"""The voice of the hall: announcements queued and said one after another (a chime, then
the phrase in the visitor's language), never two at once and never cut off.

A repeated delivery of one announcement (same message id: QoS 1 is at-least-once) is
said once; a recall is a new announcement and is said again. An announcement in a
language without a loaded voice is said in the other language and logged. In quiet hours
nothing is played (the boards still show the call). Pre-warming fills the voice caches in
the background with the openings, the desks and the ticket numbers, always giving way to
a waiting call."""

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

from contract.mqtt import Announcement, Driver, DriverState
from firmware.display_node.audio import AudioError, AudioSink, Clip, Played, chime, scaled, silence
from firmware.display_node.speech import parts, spoken_desk
from firmware.display_node.voice import CachedVoice

log = logging.getLogger(__name__)

LANGUAGES = ("kk", "ru")
SEEN_IDS = 500
PAUSE_SECONDS = 0.12  # between the pieces of a phrase


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
                 volume: float = 1.0, quiet: QuietHours | None = None,
                 with_chime: bool = True, prewarm_numbers: Iterable[int] = range(1, 1000),
                 local_time: Callable[[], clock_time] = lambda: datetime.now().time(),
                 voice_problems: dict[str, str] | None = None) -> None:
        self.voices = voices
        self.sink = sink
        self.volume = volume
        self.quiet = quiet
        self.with_chime = with_chime
        self._prewarm_numbers = list(prewarm_numbers)
        self._local_time = local_time
        self.voice_problems = dict(voice_problems or {})
        self._queue: queue.Queue[tuple[Announcement, float] | None] = queue.Queue()
        self._seen: deque[str] = deque(maxlen=SEEN_IDS)
        self._chimes = {voice.rate: chime(voice.rate) for voice in voices.values()}
        self._sink_error: AudioError | None = None
        self._desks: list[tuple[str, str, str]] = []
        self._stop = threading.Event()
        self.said: list[Said] = []
        self.prewarmed = threading.Event()
        self._more = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kezek-announcer", daemon=True)
        self._warmer = threading.Thread(target=self._prewarm, name="kezek-prewarm",
                                        daemon=True)

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
        """Say what is queued, then stop."""
        self._stop.set()
        self._more.set()
        self._queue.put(None)
        for thread in (self._thread, self._warmer):
            if thread.is_alive():
                thread.join(timeout)

    def desks(self, desks: Iterable[tuple[str, str, str]]) -> None:
        """The center's desks (code, Kazakh label, Russian label), to pre-warm their pieces."""
        desks = list(desks)
        if desks != self._desks:
            self._desks = desks
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
        if not self.voices:
            return Driver(state=DriverState.FAULT, detail="no_voice")
        if self.voice_problems:
            return Driver(state=DriverState.WARNING,
                          detail="voice_missing_" + "_".join(sorted(self.voice_problems)))
        return Driver(state=DriverState.OK)

    def language_for(self, wanted: str) -> str | None:
        if wanted in self.voices:
            return wanted
        return next((language for language in LANGUAGES if language in self.voices), None)

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
        language = self.language_for(announcement.language)
        if language is None:
            log.warning("no voice loaded; call not announced", extra={
                "number": announcement.number, "desk": announcement.desk})
            self.said.append(Said(announcement.id, None, None, None, False, received))
            return
        if language != announcement.language:
            log.warning("no voice for the visitor's language; said in the other one",
                        extra={"wanted": announcement.language, "used": language,
                               "number": announcement.number})
        voice = self.voices[language]
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
        gap = silence(PAUSE_SECONDS, voice.rate)
        clip = self._chimes[voice.rate] if self.with_chime else Clip(b"", voice.rate)
        for index, piece in enumerate(pieces):
            clip = clip + (gap if index else Clip(b"", voice.rate)) + voice.clip(piece)
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

    def prewarm_texts(self) -> list[tuple[str, str]]:
        """(language, piece) in the order they are warmed: openings and desks first, then
        ticket numbers from the smallest."""
        texts: list[tuple[str, str]] = []
        for language in self.voices:
            texts.append((language, parts(language, 1, spoken_desk("x", "x", "x"))[0]))
            for code, label_kk, label_ru in self._desks:
                texts.append((language, parts(language, 1,
                                              spoken_desk(code, label_kk, label_ru))[2]))
        for number in self._prewarm_numbers:
            for language in self.voices:
                texts.append((language, parts(language, number,
                                              spoken_desk("x", "x", "x"))[1]))
        return texts

    def _prewarm(self) -> None:
        started = time.perf_counter()
        done: set[tuple[str, str]] = set()
        while not self._stop.is_set():
            self._more.clear()
            for language, text in self.prewarm_texts():
                if (language, text) in done:
                    continue
                while self._queue.unfinished_tasks and not self._stop.is_set():
                    time.sleep(0.05)  # a call is being said: it goes first
                if self._stop.is_set():
                    return
                self.voices[language].clip(text)
                done.add((language, text))
            if not self.prewarmed.is_set():
                log.info("voice cache warm", extra={
                    "pieces": len(done), "seconds": round(time.perf_counter() - started, 2)})
            self.prewarmed.set()
            # New desks (the node's config came or changed) wake this up again.
            while not self._more.wait(1.0):
                if self._stop.is_set():
                    return
