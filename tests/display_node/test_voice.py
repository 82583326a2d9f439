"""The voice: the tiny generated model with the real kk/ru configs, made into pieces by
the real synthesis worker (PiperVoice on our own InferenceSession); a chime then the
phrase at the output rate; queued calls never overlap; a repeated delivery is said once
and a recall again; fallback language, quiet hours, volume; broken voices named at start
or when the worker cannot load them; the cache on disk."""

from __future__ import annotations

import itertools
import logging
import threading
import wave
from collections.abc import Callable, Iterator
from datetime import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from contract.mqtt import AnnouncementKind, DriverState, ZoneNumbers
from firmware.display_node.announcer import SAID_KEPT, Announcer, QuietHours
from firmware.display_node.audio import NullSink, WavFileSink, chime, scaled
from firmware.display_node.settings import VoiceSettings
from firmware.display_node.synthesis import VoiceProblem
from firmware.display_node.voice import CachedVoice, Voices, open_voices, voice_files
from tests.brokers import wait_until
from tests.display_node.conftest import KK_CONFIG, RU_CONFIG, announcement

OpenVoices = Callable[..., Voices]


@pytest.fixture
def open_tiny(tiny_model: Path, tmp_path: Path) -> Iterator[OpenVoices]:
    """Both voices on the tiny model, in a node data folder; their workers stopped after."""
    opened: list[Voices] = []

    def open_(data_dir: Path = tmp_path / "node", pi_model: str | None = None,
              **settings: Any) -> Voices:
        voice = VoiceSettings(**({"kk_model": tiny_model, "kk_config": KK_CONFIG,
                                  "ru_model": tiny_model, "ru_config": RU_CONFIG,
                                  "sink": "null"} | settings))
        voices = open_voices(voice, data_dir, pi_model=pi_model)
        opened.append(voices)
        return voices

    yield open_
    for voices in opened:
        voices.synthesizer.close()


def voices(open_tiny: OpenVoices, **settings: Any) -> dict[str, CachedVoice]:
    return open_tiny(**settings).usable


def started(announcer: Announcer) -> Announcer:
    announcer.start()
    return announcer


def wait_said(announcer: Announcer, count: int) -> None:
    wait_until(lambda: len(announcer.said) >= count and announcer.idle(),
               what=f"{count} announcements said")


def test_real_configs_are_read_and_pieces_come_at_the_output_rate(
        open_tiny: OpenVoices, tiny_model: Path) -> None:
    kk, ru = voice_files("kk", tiny_model, KK_CONFIG), voice_files("ru", tiny_model, RU_CONFIG)
    assert (kk.sample_rate, kk.quality) == (16000, "x_low")
    assert (ru.sample_rate, ru.quality) == (22050, "medium")
    loaded = voices(open_tiny)
    assert loaded["kk"].rate == loaded["ru"].rate == 22050  # the stream's one rate
    clip = loaded["kk"].clip("Талон нөмірі жүз бес")
    assert clip.rate == 22050 and clip.seconds > 0.05
    assert loaded["kk"].synthesized == 1


def test_a_call_is_a_chime_then_the_phrase_in_the_visitors_language(
        open_tiny: OpenVoices, tmp_path: Path) -> None:
    sink = WavFileSink(tmp_path / "speaker")
    loaded = voices(open_tiny)
    announcer = started(Announcer(loaded, sink))
    try:
        announcer.announce(announcement(105, "window-3", "kk"))
        announcer.announce(announcement(105, "window-3", "ru"))
        wait_said(announcer, 2)
    finally:
        announcer.close()
    kk, ru = announcer.said
    assert kk.text == "Талон нөмірі жүз бес, үшінші терезеге өтіңіз."
    assert ru.text == "Талон номер сто пять, пройдите к окну номер три."
    assert not kk.cached  # nothing was warmed: the worker made the pieces for the call
    ding = chime(22050).pcm
    for said, opening in ((kk, "Талон нөмірі"), (ru, "Талон номер")):
        assert said.played is not None and said.played.path is not None
        with wave.open(str(said.played.path)) as played:
            assert played.getframerate() == 22050  # an x_low (16 kHz) voice too
            frames = played.readframes(played.getnframes())
        assert frames.startswith(ding)  # the chime first
        assert loaded[said.language or ""].clip(opening).pcm in frames[len(ding):]


def test_calls_are_queued_never_overlapping_and_never_cut(
        open_tiny: OpenVoices, tmp_path: Path) -> None:
    sink = WavFileSink(tmp_path / "speaker", realtime=True)
    announcer = started(Announcer(voices(open_tiny), sink, with_chime=False))
    try:
        for number in (101, 102, 103):
            announcer.announce(announcement(number, "window-1", "ru"))
        wait_said(announcer, 3)
    finally:
        announcer.close()
    played = [said.played for said in announcer.said]
    assert all(p is not None for p in played)
    intervals = sorted((p.started, p.ended) for p in played if p is not None)
    for (_, end), (next_start, _) in itertools.pairwise(intervals):
        assert next_start >= end  # the next one waited for the previous to end
    for p in played:  # each written whole: as long as the phrase it was made of
        assert p is not None and p.path is not None
        with wave.open(str(p.path)) as written:
            assert written.getnframes() / written.getframerate() == pytest.approx(p.seconds)
    assert [said.text for said in announcer.said] == [
        f"Талон номер {words}, пройдите к окну номер один."
        for words in ("сто один", "сто два", "сто три")]


def test_a_repeated_delivery_is_said_once_and_a_recall_again(open_tiny: OpenVoices) -> None:
    sink = NullSink()
    announcer = started(Announcer(voices(open_tiny), sink))
    try:
        call = announcement(105, "window-3", "kk")
        announcer.announce(call)
        announcer.announce(call)  # QoS 1 delivered it twice
        announcer.announce(announcement(105, "window-3", "kk", AnnouncementKind.RECALL))
        wait_said(announcer, 2)
    finally:
        announcer.close()
    assert len(sink.played) == 2
    assert announcer.said[0].text == announcer.said[1].text
    assert announcer.said[1].cached  # the recall needed no synthesis


def test_a_language_without_a_voice_falls_back_and_is_logged(
        open_tiny: OpenVoices, caplog: pytest.LogCaptureFixture) -> None:
    only_russian = {"ru": voices(open_tiny)["ru"]}
    announcer = started(Announcer(only_russian, NullSink()))
    try:
        with caplog.at_level(logging.WARNING):
            announcer.announce(announcement(105, "window-3", "kk"))
            wait_said(announcer, 1)
    finally:
        announcer.close()
    assert announcer.said[0].language == "ru"
    assert announcer.said[0].text == "Талон номер сто пять, пройдите к окну номер три."
    assert any("other one" in record.getMessage() and record.__dict__.get("wanted") == "kk"
               for record in caplog.records)


def test_quiet_hours_keep_the_hall_silent(open_tiny: OpenVoices) -> None:
    sink = NullSink()
    quiet = QuietHours(time(19, 0), time(8, 30))
    announcer = started(Announcer(voices(open_tiny), sink, quiet=quiet,
                                  local_time=lambda: time(7, 45)))
    try:
        announcer.announce(announcement(105))
        wait_said(announcer, 1)
    finally:
        announcer.close()
    assert sink.played == []
    assert announcer.said[0].played is None
    assert quiet.contains(time(23, 0)) and not quiet.contains(time(12, 0))
    assert not QuietHours(time(9), time(9)).contains(time(9))


def test_only_the_latest_announcements_are_kept() -> None:
    """A node runs for months: `said` keeps the latest SAID_KEPT, oldest first."""
    announcer = started(Announcer({}, NullSink(), fallback_numbers=[]))
    sent = [announcement(number) for number in range(1, SAID_KEPT + 11)]
    try:
        for each in sent:
            announcer.announce(each)
        wait_said(announcer, SAID_KEPT)
        wait_until(announcer.idle, what="all handled")
    finally:
        announcer.close()
    assert [said.announcement_id for said in announcer.said] == [
        each.id for each in sent[-SAID_KEPT:]]


def test_volume_scales_the_samples() -> None:
    loud = chime(16000)
    half = scaled(loud, 0.5)
    a = np.frombuffer(loud.pcm, dtype="<i2").astype(int)
    b = np.frombuffer(half.pcm, dtype="<i2").astype(int)
    assert abs(int(np.abs(b).max()) * 2 - int(np.abs(a).max())) <= 2
    assert scaled(loud, 1.0) is loud


def test_missing_files_and_bad_configs_are_named_at_start(
        open_tiny: OpenVoices, tiny_model: Path, tmp_path: Path) -> None:
    missing = tmp_path / "kk_KZ-iseke-x_low.onnx"
    opened = open_tiny(kk_model=missing, kk_config=None)
    assert list(opened.usable) == ["ru"]
    assert opened.problems["kk"].fault == "voice_missing"
    assert f"kk voice model file {missing} does not exist" in str(opened.problems["kk"])
    nowhere = tmp_path / "nowhere.json"
    opened = open_tiny(ru_config=nowhere)
    assert opened.problems["ru"].fault == "voice_missing"
    assert f"config file {nowhere} does not exist" in str(opened.problems["ru"])
    not_piper = tmp_path / "not-piper.json"
    not_piper.write_text('{"audio": {}}')
    opened = open_tiny(ru_config=not_piper)
    assert opened.problems["ru"].fault == "voice_load_failed"
    assert str(not_piper) in str(opened.problems["ru"])


def test_a_model_the_worker_cannot_load_is_turned_away_and_the_other_voice_speaks(
        open_tiny: OpenVoices, tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.onnx"
    corrupt.write_bytes(b"\x00not an onnx model" * 10)
    opened = open_tiny(kk_model=corrupt)  # an installer's own model: no checksum known
    assert set(opened.usable) == {"kk", "ru"}  # the files exist; only loading tells
    with pytest.raises(VoiceProblem, match=rf"kk voice {corrupt} .*cannot be loaded") as raised:
        opened.usable["kk"].clip("Талон нөмірі")
    assert raised.value.fault == "voice_load_failed"
    started_workers = opened.synthesizer.workers_started
    with pytest.raises(VoiceProblem):  # known broken: no new worker for it
        opened.usable["kk"].clip("бір")
    assert opened.synthesizer.workers_started == started_workers
    announcer = started(Announcer(opened.usable, NullSink()))
    try:
        announcer.announce(announcement(105, "window-3", "kk"))
        wait_said(announcer, 1)
    finally:
        announcer.close()
    assert announcer.said[0].language == "ru" and announcer.said[0].played is not None
    assert set(announcer.voices) == {"ru"}
    state = announcer.state()
    assert (state.state, state.detail) == (DriverState.WARNING, "voice_load_failed")


def test_without_any_voice_the_speaker_reports_a_fault(open_tiny: OpenVoices) -> None:
    announcer = Announcer({}, NullSink(), voice_problems={
        "kk": VoiceProblem("missing", "voice_missing"),
        "ru": VoiceProblem("bad", "voice_checksum")})
    assert announcer.state().state is DriverState.FAULT
    assert announcer.state().detail == "voice_checksum"  # the gravest word
    some = Announcer({"ru": voices(open_tiny)["ru"]}, NullSink(),
                     voice_problems={"kk": VoiceProblem("missing", "voice_missing")})
    assert (some.state().state, some.state().detail) == (DriverState.WARNING, "voice_missing")
    assert Announcer({}, NullSink()).state().detail == "voice_missing"


def test_the_cache_is_called_warm_only_when_the_latest_plan_is(open_tiny: OpenVoices
                                                               ) -> None:
    """Ranges that come while a warming pass runs (the hub's config arrives just after
    start, or changes): `prewarmed` is cleared by each new plan and set again only once
    the newest plan's pieces are all made. (The race it guards against, a pass on an
    older plan setting it after the new plan cleared it, is closed by the plan counter
    under one lock; its window is too short to hit here reliably.)"""
    opened = open_tiny()
    announcer = Announcer(opened.usable, NullSink(), zones=["consultation"])
    announcer.desks([("window-3", "3-терезе", "Окно 3")])
    announcer.start()
    try:
        for last in range(5, 45, 4):  # replanned again and again, mid-pass
            announcer.number_ranges([ZoneNumbers(zone="consultation", first=1, last=last)])
            assert not announcer.prewarmed.is_set()
            threading.Event().wait(0.01)
        wait_until(announcer.prewarmed.is_set, timeout=60, what="the newest plan warm")
        assert announcer.warmth() == 1.0
        assert all(opened.usable[language].cached(piece.text)
                   for piece in announcer.prewarm_texts()
                   for language in [piece.language])
    finally:
        announcer.close()


def test_warming_fills_the_cache_and_the_disk_keeps_it(open_tiny: OpenVoices,
                                                       tmp_path: Path) -> None:
    opened = open_tiny()
    announcer = Announcer(opened.usable, NullSink(), fallback_numbers=range(1, 21))
    announcer.desks([("window-3", "3-терезе", "Окно 3")])
    announcer.start()
    try:
        wait_until(announcer.prewarmed.is_set, what="the cache warm")
        announcer.announce(announcement(17, "window-3", "ru"))
        wait_said(announcer, 1)
    finally:
        announcer.close()
    assert announcer.said[0].cached
    assert announcer.warmth() == 1.0
    loaded = opened.usable
    assert loaded["kk"].cached("он жеті") and loaded["ru"].cached("семнадцать")
    assert not loaded["ru"].cached("двадцать один")
    # A restarted node finds the pieces on disk: no worker is started for them.
    again = open_tiny()
    assert again.usable["ru"].cached("пройдите к окну номер три.")
    again.usable["ru"].clip("семнадцать")
    rewarmed = Announcer(again.usable, NullSink(), fallback_numbers=range(1, 21))
    rewarmed.desks([("window-3", "3-терезе", "Окно 3")])
    rewarmed.start()
    try:
        wait_until(rewarmed.prewarmed.is_set, what="the cache found warm")
    finally:
        rewarmed.close()
    assert again.synthesizer.workers_started == 0
    assert again.usable["ru"].synthesized == 0

