"""The voice: the tiny generated model with the real kk/ru configs through the real
PiperVoice.load; a chime then the phrase; queued calls never overlap; a repeated delivery
is said once and a recall again; fallback language, quiet hours, volume; broken voices
named at start; the cache on disk."""

from __future__ import annotations

import itertools
import logging
import wave
from datetime import time
from pathlib import Path

import numpy as np
import pytest

from contract.mqtt import AnnouncementKind, DriverState
from firmware.display_node.announcer import Announcer, QuietHours
from firmware.display_node.audio import NullSink, WavFileSink, chime, scaled
from firmware.display_node.voice import CachedVoice, VoiceError
from tests.brokers import wait_until
from tests.display_node.conftest import KK_CONFIG, RU_CONFIG, announcement


def voices(model: Path, cache: Path | None = None) -> dict[str, CachedVoice]:
    return {"kk": CachedVoice.load("kk", model, KK_CONFIG, cache_dir=cache),
            "ru": CachedVoice.load("ru", model, RU_CONFIG, cache_dir=cache)}


def started(announcer: Announcer) -> Announcer:
    announcer.start()
    return announcer


def wait_said(announcer: Announcer, count: int) -> None:
    wait_until(lambda: len(announcer.said) >= count and announcer.idle(),
               what=f"{count} announcements said")


def test_real_configs_load_with_the_tiny_model(tiny_model: Path) -> None:
    loaded = voices(tiny_model)
    assert loaded["kk"].rate == 16000  # x_low
    assert loaded["ru"].rate == 22050  # medium
    assert loaded["kk"].voice.config.espeak_voice == "kk"
    clip = loaded["kk"].clip("Талон нөмірі жүз бес")
    assert clip.seconds > 0.05


def test_a_call_is_a_chime_then_the_phrase_in_the_visitors_language(
        tiny_model: Path, tmp_path: Path) -> None:
    sink = WavFileSink(tmp_path / "speaker")
    loaded = voices(tiny_model)
    announcer = started(Announcer(loaded, sink, prewarm_numbers=[]))
    try:
        announcer.announce(announcement(105, "window-3", "kk"))
        announcer.announce(announcement(105, "window-3", "ru"))
        wait_said(announcer, 2)
    finally:
        announcer.close()
    kk, ru = announcer.said
    assert kk.text == "Талон нөмірі жүз бес, үшінші терезеге өтіңіз."
    assert ru.text == "Талон номер сто пять, пройдите к окну номер три."
    assert kk.played is not None and kk.played.path is not None
    with wave.open(str(kk.played.path)) as played:
        assert played.getframerate() == 16000
        frames = played.readframes(played.getnframes())
    ding = chime(16000).pcm
    assert frames.startswith(ding)  # the chime first
    phrase = loaded["kk"].clip("Талон нөмірі")
    assert phrase.pcm in frames[len(ding):]  # then the voice
    assert ru.played is not None and ru.played.path is not None
    with wave.open(str(ru.played.path)) as played:
        assert played.getframerate() == 22050


def test_calls_are_queued_never_overlapping_and_never_cut(
        tiny_model: Path, tmp_path: Path) -> None:
    sink = WavFileSink(tmp_path / "speaker", realtime=True)
    announcer = started(Announcer(voices(tiny_model), sink, prewarm_numbers=[],
                                  with_chime=False))
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


def test_a_repeated_delivery_is_said_once_and_a_recall_again(
        tiny_model: Path, tmp_path: Path) -> None:
    sink = NullSink()
    announcer = started(Announcer(voices(tiny_model), sink, prewarm_numbers=[]))
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
        tiny_model: Path, caplog: pytest.LogCaptureFixture) -> None:
    only_russian = {"ru": voices(tiny_model)["ru"]}
    announcer = started(Announcer(only_russian, NullSink(), prewarm_numbers=[]))
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


def test_quiet_hours_keep_the_hall_silent(tiny_model: Path) -> None:
    sink = NullSink()
    quiet = QuietHours(time(19, 0), time(8, 30))
    announcer = started(Announcer(voices(tiny_model), sink, quiet=quiet, prewarm_numbers=[],
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


def test_volume_scales_the_samples() -> None:
    loud = chime(16000)
    half = scaled(loud, 0.5)
    a = np.frombuffer(loud.pcm, dtype="<i2").astype(int)
    b = np.frombuffer(half.pcm, dtype="<i2").astype(int)
    assert abs(int(np.abs(b).max()) * 2 - int(np.abs(a).max())) <= 2
    assert scaled(loud, 1.0) is loud


def test_missing_and_corrupt_voice_files_are_named(tiny_model: Path, tmp_path: Path) -> None:
    missing = tmp_path / "kk_KZ-iseke-x_low.onnx"
    with pytest.raises(VoiceError, match=rf"kk voice model file {missing} does not exist"):
        CachedVoice.load("kk", missing, KK_CONFIG)
    corrupt = tmp_path / "broken.onnx"
    corrupt.write_bytes(b"\x00not an onnx model" * 10)
    with pytest.raises(VoiceError, match=rf"ru voice {corrupt} .*cannot be loaded"):
        CachedVoice.load("ru", corrupt, RU_CONFIG)
    with pytest.raises(VoiceError, match=r"config file .*nowhere\.json does not exist"):
        CachedVoice.load("ru", tiny_model, tmp_path / "nowhere.json")


def test_without_any_voice_the_speaker_reports_a_fault(tiny_model: Path) -> None:
    announcer = Announcer({}, NullSink(), prewarm_numbers=[],
                          voice_problems={"kk": "missing", "ru": "missing"})
    assert announcer.state().state is DriverState.FAULT
    some = Announcer({"ru": voices(tiny_model)["ru"]}, NullSink(), prewarm_numbers=[],
                     voice_problems={"kk": "missing"})
    assert some.state().detail == "voice_missing_kk"


def test_prewarm_fills_the_cache_and_the_disk_keeps_it(tiny_model: Path,
                                                      tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    loaded = voices(tiny_model, cache)
    announcer = Announcer(loaded, NullSink(), prewarm_numbers=range(1, 21))
    announcer.desks([("window-3", "3-терезе", "Окно 3")])
    announcer.start()
    try:
        wait_until(announcer.prewarmed.is_set, what="the cache warm")
        announcer.announce(announcement(17, "window-3", "ru"))
        wait_said(announcer, 1)
    finally:
        announcer.close()
    assert announcer.said[0].cached
    assert loaded["kk"].cached("он жеті") and loaded["ru"].cached("семнадцать")
    assert not loaded["ru"].cached("двадцать один")
    # A restarted node finds the pieces on disk and synthesizes nothing for them.
    again = voices(tiny_model, cache)
    assert again["ru"].cached("пройдите к окну номер три.")
    again["ru"].clip("семнадцать")
    assert again["ru"].synthesized == 0
