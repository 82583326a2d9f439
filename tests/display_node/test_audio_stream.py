"""The speaker's one long-lived output stream, through real player processes: a fake
player that drains stdin at real-time pace and records what it read and when (with
faults: busy, missing device, dying, stalling), Debian's real `aplay` on ALSA's `null`
device and on a card that does not exist, and the real `pw-cat` without a PipeWire
session. Also the samples without numpy: chime, volume, resampling."""

from __future__ import annotations

import errno
import itertools
import math
import os
import select
import shutil
import subprocess
import sys
import time
from array import array
from pathlib import Path
from typing import Any

import pytest

from contract.mqtt import DriverState
from contract.node_faults import NODE_FAULTS
from firmware.display_node.announcer import Announcer
from firmware.display_node.audio import (
    AudioError,
    Clip,
    chime,
    pcm_bytes,
    resampled,
    samples,
    scaled,
    silence,
)
from firmware.display_node.audio_stream import (
    PIPE_BYTES,
    StreamSink,
    alsa_command,
    classify,
    pipewire_command,
    pipewire_session_problem,
    pw_cat_wants_raw,
)
from firmware.display_node.settings import VoiceSettings
from firmware.display_node.voice import open_voices
from tests.brokers import wait_until
from tests.conftest import unavailable
from tests.display_node.conftest import KK_CONFIG, RU_CONFIG, announcement
from tests.display_node.fake_player import FakePlayer

RATE = 22050
BUFFER = 0.05


def tone(value: int, seconds: float, rate: int = RATE) -> Clip:
    """A clip whose every sample is `value`: easy to find in the recorded stream."""
    return Clip(pcm_bytes(array("h", [value]) * round(seconds * rate)), rate)


def fake_sink(player: FakePlayer, **options: object) -> StreamSink:
    settings: dict[str, object] = {"settle_seconds": 0.2, "retry_seconds": (0.1, 0.4),
                                   "stall_seconds": 1.0}
    settings.update(options)
    return StreamSink(alsa_command("plughw:CARD=Device,DEV=0", RATE, BUFFER,
                                   player=str(player.program)),
                      kind="alsa", device="plughw:CARD=Device,DEV=0", rate=RATE,
                      buffer_seconds=BUFFER, **settings)  # type: ignore[arg-type]


def runs(pcm: bytes) -> list[tuple[int, int, int]]:
    """(first byte, end byte, sample value) of each run of equal non-zero samples."""
    values = samples(pcm)
    found: list[tuple[int, int, int]] = []
    start = None
    for index, value in enumerate(values):
        if start is not None and value != values[start]:
            found.append((2 * start, 2 * index, values[start]))
            start = None
        if start is None and value != 0:
            start = index
    if start is not None:
        found.append((2 * start, 2 * len(values), values[start]))
    return found


def test_clips_are_played_in_order_between_silence_by_one_player(tmp_path: Path) -> None:
    player = FakePlayer(tmp_path / "player")
    sink = fake_sink(player)
    sink.check()
    try:
        wait_until(lambda: len(player.pcm()) > 0, timeout=5, what="silence flowing")
        values = [1000, -2000, 3000, -4000, 5000]
        played = [sink.play(tone(value, 0.06), f"call-{n}") for n, value in enumerate(values)]
        time.sleep(0.1)
    finally:
        sink.close()
    assert sink.starts == 1 and len(player.starts()) == 1
    assert player.starts()[0] == ["-q", "-D", "plughw:CARD=Device,DEV=0", "-t", "raw", "-f",
                                  "S16_LE", "-c", "1", "-r", "22050", "--buffer-time=50000"]
    pcm = player.pcm()
    found = runs(pcm)
    # Each clip arrives whole and in order; silence (zeros) before, between and after.
    assert [value for _, _, value in found] == values
    assert all(end - start == 2 * round(0.06 * RATE) for start, end, _ in found)
    assert found[0][0] > 0 and found[-1][1] < len(pcm)
    assert all(before[1] < after[0] for before, after in itertools.pairwise(found))
    assert [record.name for record in sink.played] == [f"call-{n}" for n in range(5)]
    assert all(record.ended - record.started >= 0.06 for record in played)
    assert sink.problem() is None


def test_a_call_returns_when_the_player_has_played_it(tmp_path: Path) -> None:
    player = FakePlayer(tmp_path / "player")
    sink = fake_sink(player)
    sink.check()
    try:
        first = sink.play(tone(1000, 0.3), "first")
        second = sink.play(tone(-1000, 0.3), "second")
    finally:
        sink.close()
    (a_start, a_end, _), (b_start, _, _) = runs(player.pcm())
    # play() did not return before the player read the clip's last byte (the speaker
    # is a small buffer behind), so the next call cannot start over it.
    assert first.ended >= player.read_at(a_end - 1) - 0.02
    assert second.started >= first.ended
    assert player.read_at(b_start) >= player.read_at(a_end - 1)
    assert first.started <= player.read_at(a_start)
    # The player reads at the clip's pace: play() lasted at least the clip.
    assert first.ended - first.started >= 0.3


def test_a_player_that_dies_is_reported_and_started_again(tmp_path: Path) -> None:
    # The first player dies in the middle of the first clip (a USB speaker pulled out).
    player = FakePlayer(tmp_path / "player", die_after_bytes={1: 8000})
    sink = fake_sink(player)
    sink.check()
    try:
        with pytest.raises(AudioError) as failed:
            sink.play(tone(1000, 0.4), "cut")
        assert failed.value.fault == "audio_device_missing"
        assert "write error: No such device" in str(failed.value)
        problem = sink.problem()
        assert problem is not None and problem.fault == "audio_device_missing"
        # Started again in the background (backoff 0.1 s) and healthy once it runs.
        wait_until(lambda: sink.starts == 2 and sink.problem() is None, timeout=5,
                   what="the player started again")
        sink.play(tone(2000, 0.1), "after")
    finally:
        sink.close()
    assert len(player.starts()) == 2
    assert [value for _, _, value in runs(player.pcm())][-1] == 2000


def test_a_busy_device_gives_its_fault_word_and_the_board_goes_on(tmp_path: Path) -> None:
    player = FakePlayer(tmp_path / "player", fail_at_start=dict.fromkeys(range(1, 50), "busy"))
    sink = fake_sink(player, retry_seconds=(0.2, 0.2))
    announcer = Announcer({}, sink, fallback_numbers=[])
    announcer.start()
    try:
        wait_until(lambda: announcer.state().detail == "audio_busy", timeout=5,
                   what="the busy word in the speaker's state")
        state = announcer.state()
        assert state.state is DriverState.FAULT and state.detail in NODE_FAULTS
        # A call while the device is busy: refused with the device's fault word (not
        # the writer's "took no clip" time-out, which says audio_failed).
        with pytest.raises(AudioError) as refused:
            sink.play(tone(1000, 0.1), "call")
        assert refused.value.fault == "audio_busy"
        # The device comes free: the next start plays, the fault clears by itself.
        player.fail_at_start = {}
        player.configure()
        wait_until(lambda: sink.problem() is None, timeout=5, what="the device free")
        sink.play(tone(1000, 0.05), "call")
        # The sink is well again: what is left is that this announcer has no voice.
        assert announcer.state().detail == "voice_missing"
    finally:
        announcer.close()
        sink.close()


def test_calls_go_on_without_sound_while_the_device_is_missing(tmp_path: Path,
                                                              tiny_model: Path) -> None:
    """The announcer with real (tiny) voices on a stream whose device is gone: each call
    is handled (nothing raised, nothing queued forever), unheard, and the speaker driver
    says why; the device comes back and the next call is heard."""
    player = FakePlayer(tmp_path / "player", fail_at_start=dict.fromkeys(range(1, 99),
                                                                         "missing"))
    sink = fake_sink(player, retry_seconds=(0.2, 0.2))
    opened = open_voices(VoiceSettings(kk_model=tiny_model, kk_config=KK_CONFIG,
                                       ru_model=tiny_model, ru_config=RU_CONFIG, sink="null"),
                         tmp_path / "node", pi_model=None)
    announcer = Announcer(opened.usable, sink, fallback_numbers=[], with_chime=False)
    announcer.start()
    try:
        wait_until(lambda: sink.problem() is not None, timeout=5, what="the device missing")
        announcer.announce(announcement(105, "window-3", "kk"))
        announcer.announce(announcement(106, "window-3", "ru"))
        wait_until(lambda: len(announcer.said) == 2 and announcer.idle(), timeout=10,
                   what="both calls handled")
        assert [said.played for said in announcer.said] == [None, None]
        state = announcer.state()
        assert (state.state, state.detail) == (DriverState.FAULT, "audio_device_missing")
        player.fail_at_start = {}
        player.configure()
        wait_until(lambda: sink.problem() is None, timeout=5, what="the device back")
        announcer.announce(announcement(107, "window-3", "kk"))
        wait_until(lambda: len(announcer.said) == 3 and announcer.idle(), timeout=10,
                   what="the third call said")
    finally:
        announcer.close()
        sink.close()
        opened.synthesizer.close()
    assert announcer.said[2].played is not None
    assert announcer.state().state is DriverState.OK
    assert any(player.pcm())


@pytest.mark.parametrize(("fault", "word"), [("missing", "audio_device_missing"),
                                             ("format", "audio_format"),
                                             ("session", "audio_no_session")])
def test_a_player_that_cannot_open_its_device_is_classified(tmp_path: Path, fault: str,
                                                            word: str) -> None:
    player = FakePlayer(tmp_path / "player", fail_at_start={1: fault, 2: fault})
    sink = fake_sink(player, retry_seconds=(5.0, 5.0))
    sink.check()
    try:
        wait_until(lambda: sink.problem() is not None, timeout=5, what="the failure")
        problem = sink.problem()
        assert problem is not None and problem.fault == word and word in NODE_FAULTS
    finally:
        sink.close()


def test_a_player_that_stops_reading_is_replaced(tmp_path: Path) -> None:
    player = FakePlayer(tmp_path / "player", stall_after_bytes={1: 4000})
    sink = fake_sink(player, stall_seconds=0.5)
    sink.check()
    try:
        wait_until(lambda: sink.starts >= 2, timeout=8, what="the stalled player replaced")
        wait_until(lambda: sink.problem() is None, timeout=5, what="the new player healthy")
        sink.play(tone(700, 0.05), "call")
    finally:
        sink.close()
    assert [value for _, _, value in runs(player.pcm())] == [700]


def test_idle_close_stops_the_player_and_a_call_starts_it_again(tmp_path: Path) -> None:
    player = FakePlayer(tmp_path / "player")
    sink = fake_sink(player, idle_close_seconds=0.3)
    sink.check()
    try:
        wait_until(lambda: sink.starts == 1, timeout=5, what="the stream open")
        time.sleep(0.8)
        assert "down" in repr(sink)  # closed for idleness, not a fault
        assert sink.problem() is None
        sink.play(tone(1200, 0.05), "call")
    finally:
        sink.close()
    assert sink.starts == 2
    assert [value for _, _, value in runs(player.pcm())] == [1200]


def test_a_clip_of_another_rate_is_resampled_to_the_stream(tmp_path: Path) -> None:
    player = FakePlayer(tmp_path / "player")
    sink = fake_sink(player)
    sink.check()
    try:
        sink.play(tone(900, 0.2, rate=16000), "x_low voice")
    finally:
        sink.close()
    ((start, end, value),) = runs(player.pcm())
    assert value == 900 and (end - start) // 2 == round(0.2 * RATE)


def test_a_writer_thread_surprise_is_a_fault_and_the_stream_recovers(tmp_path: Path) -> None:
    """Anything the writer thread did not foresee (here a preflight that raises, as
    Path.exists() does for another user's runtime folder) is reported by problem() and
    refuses calls with the fault word at once; the thread lives on and plays once the
    cause is gone."""
    player = FakePlayer(tmp_path / "player")
    surprises = [PermissionError(13, "Permission denied", "/run/user/1000/pipewire-0")]

    def preflight() -> AudioError | None:
        if surprises:
            raise surprises[0]
        return None

    sink = fake_sink(player, preflight=preflight, retry_seconds=(0.2, 0.2))
    sink.check()
    try:
        wait_until(lambda: sink.problem() is not None, timeout=5, what="the fault reported")
        problem = sink.problem()
        assert problem is not None and problem.fault == "audio_failed"
        assert "PermissionError" in str(problem) and "pipewire-0" in str(problem)
        with pytest.raises(AudioError) as refused:
            sink.play(tone(1000, 0.05), "call")
        assert "PermissionError" in str(refused.value)  # the cause, not "took no clip"
        assert player.starts() == []
        surprises.clear()
        wait_until(lambda: sink.starts == 1 and sink.problem() is None, timeout=5,
                   what="the stream started once the preflight passes")
        sink.play(tone(1000, 0.05), "call")
    finally:
        sink.close()
    assert [value for _, _, value in runs(player.pcm())] == [1000]


def test_a_surprise_while_streaming_fails_the_clip_and_the_stream_restarts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unforeseen error inside the feeding loop (here select() failing while the pipe
    is full) ends that player like a player that died, and a new one is started."""
    player = FakePlayer(tmp_path / "player")
    sink = fake_sink(player)
    real_select = select.select
    failures = [OSError(errno.EBADF, "Bad file descriptor")]

    def failing_once(*args: Any) -> Any:
        if failures:
            raise failures.pop()
        return real_select(*args)

    monkeypatch.setattr(select, "select", failing_once)
    sink.check()
    try:
        wait_until(lambda: not failures, timeout=5, what="the pipe full once")
        wait_until(lambda: sink.starts == 2 and sink.problem() is None, timeout=5,
                   what="a new player")
        sink.play(tone(800, 0.05), "call")
    finally:
        sink.close()
    assert len(player.starts()) == 2
    assert [value for _, _, value in runs(player.pcm())] == [800]


def test_no_player_program_is_a_fault_at_once(tmp_path: Path) -> None:
    sink = StreamSink(alsa_command("default", RATE, BUFFER, player=str(tmp_path / "aplay")),
                      kind="alsa", device="default")
    with pytest.raises(AudioError) as missing:
        sink.check()
    assert missing.value.fault == "audio_player_missing" and "alsa-utils" in str(missing.value)
    problem = sink.problem()
    assert problem is not None and problem.fault == "audio_player_missing"
    announcer = Announcer({}, sink, fallback_numbers=[])
    announcer.start()
    try:
        assert announcer.state().detail == "audio_player_missing"
    finally:
        announcer.close()
        sink.close()


def test_a_call_waits_behind_at_most_a_pipe_page_of_silence(tmp_path: Path) -> None:
    """What bounds call → player latency, by construction rather than by a clock: when a
    clip's first bytes are written, at most one pipe page of silence (plus the piece the
    player is holding) lies between them and what the player has read. The player's own
    buffer adds `buffer_seconds` on a real device."""
    player = FakePlayer(tmp_path / "player")
    sink = fake_sink(player)
    sink.check()
    asked: list[float] = []
    played = []
    try:
        wait_until(lambda: len(player.pcm()) > PIPE_BYTES, timeout=5, what="the pipe full")
        for n in range(5):
            asked.append(time.monotonic())
            played.append(sink.play(tone(100 + n, 0.05), "call"))
    finally:
        sink.close()
    found = runs(player.pcm())
    assert [value for _, _, value in found] == [100 + n for n in range(5)]
    piece = 2 * round(RATE / 100)  # the fake player's read: 10 ms
    for at, record, (start, _, _) in zip(asked, played, found, strict=True):
        assert at <= record.started <= player.read_at(start)
        read_by_then = sum(length for when, offset, length in player.reads()
                           if when <= record.started and offset < start)
        assert start - read_by_then <= PIPE_BYTES + piece, (start, read_by_then)


# Real players ---------------------------------------------------------------------


def need(program: str, package: str) -> str:
    found = shutil.which(program)
    if found is None:
        unavailable(f"{program} is not installed (Debian package {package})")
    assert found is not None
    return found


def test_real_aplay_plays_the_stream_on_alsa_null(tmp_path: Path) -> None:
    need("aplay", "alsa-utils")
    sink = StreamSink(alsa_command("null", RATE, 0.05), kind="alsa", device="null",
                      buffer_seconds=0.05, settle_seconds=0.2)
    sink.check()
    try:
        wait_until(lambda: sink.starts == 1, timeout=5, what="aplay started")
        first = sink.play(tone(1000, 0.1), "one")
        second = sink.play(tone(1000, 0.1), "two")
        assert sink.problem() is None
    finally:
        sink.close()
    # `null` reads without pacing: the stream is held to real time by the clock.
    assert first.ended - first.started >= 0.1 and second.started >= first.ended
    assert sink.starts == 1


def test_real_aplay_names_a_missing_card(tmp_path: Path) -> None:
    need("aplay", "alsa-utils")
    sink = StreamSink(alsa_command("hw:CARD=Nowhere,DEV=0", RATE, 0.1), kind="alsa",
                      device="hw:CARD=Nowhere,DEV=0", retry_seconds=(10.0, 10.0))
    sink.check()
    try:
        wait_until(lambda: sink.problem() is not None, timeout=5, what="aplay failed")
        problem = sink.problem()
        assert problem is not None and problem.fault == "audio_device_missing"
        assert "Nowhere" in str(problem)
        with pytest.raises(AudioError):
            sink.play(tone(1, 0.05), "call")
    finally:
        sink.close()


def test_real_pw_cat_without_a_session(tmp_path: Path) -> None:
    pw_cat = need("pw-cat", "pipewire-bin")
    # No XDG_RUNTIME_DIR (a system service user): said without starting pw-cat.
    environ = {key: value for key, value in os.environ.items() if key != "XDG_RUNTIME_DIR"}
    lonely = StreamSink(pipewire_command(RATE, 0.1), kind="pipewire", device="default",
                        environ=environ, preflight=lambda: pipewire_session_problem(environ),
                        retry_seconds=(10.0, 10.0))
    lonely.check()
    try:
        wait_until(lambda: lonely.problem() is not None, timeout=5, what="no session")
        problem = lonely.problem()
        assert problem is not None and problem.fault == "audio_no_session"
        assert lonely.starts == 0
    finally:
        lonely.close()
    # A runtime folder whose socket nobody serves: the real pw-cat says so.
    runtime = tmp_path / "run-user"
    runtime.mkdir(mode=0o700)
    (runtime / "pipewire-0").touch()
    environ["XDG_RUNTIME_DIR"] = str(runtime)
    stale = StreamSink(pipewire_command(RATE, 0.1, player=pw_cat), kind="pipewire",
                       device="default", environ=environ, retry_seconds=(10.0, 10.0),
                       preflight=lambda: pipewire_session_problem(environ))
    stale.check()
    try:
        wait_until(lambda: stale.problem() is not None, timeout=5, what="pw-cat failed")
        problem = stale.problem()
        assert problem is not None and problem.fault == "audio_no_session", problem
        assert stale.starts == 1
    finally:
        stale.close()


def test_a_pipewire_socket_that_cannot_be_examined_is_no_session(tmp_path: Path) -> None:
    # stat() failing with something other than "no such file" (PermissionError for
    # another user's /run/user/<uid> on Python 3.11; here a name too long) is said, not
    # raised into the writer thread.
    environ = {"XDG_RUNTIME_DIR": str(tmp_path / ("x" * 300))}
    problem = pipewire_session_problem(environ)
    assert problem is not None and problem.fault == "audio_no_session"
    assert "cannot reach the PipeWire socket" in str(problem)
    assert pipewire_session_problem({"XDG_RUNTIME_DIR": str(tmp_path)}) is not None
    (tmp_path / "pipewire-0").touch()
    assert pipewire_session_problem({"XDG_RUNTIME_DIR": str(tmp_path)}) is None


def test_pw_cat_command_follows_its_version(tmp_path: Path) -> None:
    newer = tmp_path / "pw-cat"
    newer.write_text("#!/bin/sh\necho '  -a, --raw                             RAW mode'\n")
    newer.chmod(0o755)
    assert pw_cat_wants_raw(str(newer))
    assert pipewire_command(22050, 0.2, "alsa_output.hdmi", player=str(newer)) == [
        str(newer), "--playback", "--raw", "--format", "s16", "--rate", "22050",
        "--channels", "1", "--latency=200ms", "--target", "alsa_output.hdmi", "-"]
    assert not pw_cat_wants_raw(str(tmp_path / "none"))
    if shutil.which("pw-cat"):  # bookworm's PipeWire 0.3 reads "-" raw without --raw
        version = subprocess.run(["pw-cat", "--version"], capture_output=True, text=True,
                                 check=False).stdout
        if "libpipewire 0.3" in version:
            assert not pw_cat_wants_raw()


def test_player_messages_are_classified() -> None:
    # Lines as aplay, ALSA and pw-cat print them (on this machine and in the field).
    assert classify("aplay: main:831: audio open error: Device or resource busy") == \
        "audio_busy"
    assert classify("ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM nosuch / "
                    "aplay: main:831: audio open error: No such file or directory") == \
        "audio_device_missing"
    assert classify("aplay: main:831: audio open error: Unknown error 524") == \
        "audio_device_missing"
    assert classify("aplay: set_params:1352: Sample format non available / Available "
                    "formats: / - IEC958_SUBFRAME_LE") == "audio_format"
    assert classify("aplay: main:831: audio open error: Host is down") == "audio_no_session"
    assert classify("error: pw_context_connect() failed: Host is down") == "audio_no_session"
    assert classify("aplay: main:831: audio open error: Permission denied") == \
        "audio_permission"
    assert classify("something else") == "audio_failed"
    assert {"audio_busy", "audio_device_missing", "audio_format", "audio_no_session",
            "audio_permission", "audio_failed", "audio_player_missing"} <= set(NODE_FAULTS)


# Samples without numpy ------------------------------------------------------------


def test_the_resident_audio_modules_do_not_import_numpy() -> None:
    code = ("import sys; import firmware.display_node.audio, "
            "firmware.display_node.audio_stream, firmware.display_node.alsa_names; "
            "print('numpy' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert shown.stdout.strip() == "False"


def test_chime_volume_and_resampling_without_numpy() -> None:
    ding = chime(RATE)
    values = samples(ding.pcm)
    assert ding.rate == RATE and ding.seconds == pytest.approx(3 * 0.28 + 0.15, abs=0.001)
    peak = max(abs(value) for value in values)
    assert 0.3 * 32767 < peak <= 0.45 * 32767
    assert samples(silence(0.15, RATE).pcm) == values[-round(0.15 * RATE):]
    half = samples(scaled(ding, 0.5).pcm)
    assert all(abs(h - v / 2) <= 1 for h, v in zip(half, values, strict=True))
    assert scaled(ding, 1.0) is ding and set(samples(scaled(ding, 0.0).pcm)) == {0}
    # A 16 kHz sine resampled to 22050 Hz: same duration, same tone.
    sine = Clip(pcm_bytes(array("h", [int(10000 * math.sin(2 * math.pi * 440 * n / 16000))
                                      for n in range(16000)])), 16000)
    up = resampled(sine, RATE)
    assert up.rate == RATE and up.seconds == pytest.approx(1.0, abs=0.001)
    out = samples(up.pcm)
    expected = [10000 * math.sin(2 * math.pi * 440 * n / RATE) for n in range(len(out))]
    # Linear interpolation of a 440 Hz tone sampled at 16 kHz errs by ~40 at most; the
    # last sample, past the final source sample, is held.
    assert max(abs(a - b) for a, b in zip(out[:-2], expected[:-2], strict=True)) < 60
    assert resampled(up, RATE).pcm == up.pcm
