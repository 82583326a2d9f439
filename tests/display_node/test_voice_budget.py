"""The voice budget (issue 15 item 5): synthesis in a short-lived worker with capped
threads and low priority while warming, one worker at a time, calls before warming; only
the numbers the center's ranges produce warmed, in issuing order, resumably; old cache
folders removed; a high voice refused on a Pi unless forced; a voice whose sha256 is not
the manifest's refused; warmth in telemetry; and the resident node process never
importing onnxruntime, numpy or piper."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from contract.mqtt import ZoneNumbers
from firmware.common.raspberry_pi import raspberry_pi_model
from firmware.display_node.announcer import Announcer
from firmware.display_node.audio import NullSink
from firmware.display_node.settings import VoiceSettings
from firmware.display_node.synth_worker import load_piper_voice, resample
from firmware.display_node.synthesis import (
    PieceMade,
    SynthesisError,
    Synthesizer,
    VoiceProblem,
)
from firmware.display_node.voice import (
    CHECKSUMS_FILE,
    VOICE_CACHE_DIR,
    ChecksumRecord,
    Voices,
    manifest_entries,
    open_voices,
    verify_checksum,
    voice_files,
)
from firmware.display_node.warming import issuing_order, number_words, warm_plan
from firmware.voices import VOICES_DIR
from provisioning.doctor.findings import Level, Options
from provisioning.doctor.voices import check_voices
from tests.brokers import wait_until
from tests.display_node.conftest import KK_CONFIG, RU_CONFIG, announcement

PI_4 = b"Raspberry Pi 4 Model B Rev 1.5\x00"
HIGH_CONFIG = VOICES_DIR / "kk_KZ-issai-high.onnx.json"
BORODULIKHA = [ZoneNumbers(zone="consultation", first=100, last=399),
               ZoneNumbers(zone="personal", first=500, last=699),
               ZoneNumbers(zone="documents", first=800, last=899)]

OpenVoices = Callable[..., Voices]


@pytest.fixture
def open_tiny(tiny_model: Path, tmp_path: Path) -> Iterator[OpenVoices]:
    opened: list[Voices] = []

    def open_(data_dir: Path = tmp_path / "node", pi_model: str | None = None,
              manifest: Path | None = None, **settings: Any) -> Voices:
        voice = VoiceSettings(**({"kk_model": tiny_model, "kk_config": KK_CONFIG,
                                  "ru_model": tiny_model, "ru_config": RU_CONFIG,
                                  "sink": "null"} | settings))
        voices = open_voices(voice, data_dir, pi_model=pi_model,
                             **({"manifest": manifest} if manifest else {}))
        opened.append(voices)
        return voices

    yield open_
    for voices in opened:
        voices.synthesizer.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# The worker ------------------------------------------------------------------------


def test_resampling_keeps_pitch_and_length() -> None:
    t = np.arange(16000) / 16000
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    up = resample(tone, 16000, 22050)
    assert len(up) == 22050
    spectrum = np.abs(np.fft.rfft(up))
    assert np.argmax(spectrum) * 22050 / len(up) == pytest.approx(440, abs=1.5)
    assert float(np.abs(up[2000:-2000]).max()) == pytest.approx(0.5, abs=0.01)
    down = resample(up, 22050, 16000)
    assert len(down) == 16000
    assert np.abs(down[1000:-1000] - tone[1000:-1000]).max() < 0.01
    assert resample(tone, 22050, 22050) is tone
    odd = resample(tone[:12345], 16000, 22050)
    assert len(odd) == round(12345 * 22050 / 16000)


def test_onnxruntime_threads_are_capped(tiny_model: Path) -> None:
    for threads in (1, 2):
        voice = load_piper_voice(tiny_model, KK_CONFIG, threads)
        options = voice.session.get_session_options()
        assert options.intra_op_num_threads == threads
        assert options.inter_op_num_threads == threads
    assert voice.config.sample_rate == 16000


def test_the_worker_writes_pcm_at_the_output_rate_and_leaves_when_idle(
        tiny_model: Path, tmp_path: Path) -> None:
    synthesizer = Synthesizer(output_rate=22050, idle_seconds=0.5)
    kk = voice_files("kk", tiny_model, KK_CONFIG)
    ru = voice_files("ru", tiny_model, RU_CONFIG)
    try:
        made = synthesizer.make(kk, "бір", tmp_path / "kk.pcm")
        synthesizer.make(ru, "один", tmp_path / "ru-at-22050.pcm")
        synthesizer.make(ru, "один", tmp_path / "ru-again.pcm")
        pid = synthesizer.worker_pid()
        assert pid is not None and synthesizer.workers_started == 2
        wait_until(lambda: not alive(pid) or synthesizer.worker_pid() is None,
                   what="the idle worker to exit")
        synthesizer.make(ru, "два", tmp_path / "ru-later.pcm")  # a fresh worker
        assert synthesizer.workers_started == 3
    finally:
        synthesizer.close()
    assert made.audio_seconds > 0 and made.worker_started
    # The tiny model makes 64 samples a phoneme id at the voice's own rate: a 16 kHz
    # piece is 22050/16000 times as long in samples once resampled.
    at_16k = Synthesizer(output_rate=16000)
    try:
        at_16k.make(kk, "бір", tmp_path / "kk-at-16000.pcm")
        at_16k.make(ru, "один", tmp_path / "ru-at-16000.pcm")
    finally:
        at_16k.close()
    kk_22k, kk_16k = ((tmp_path / name).stat().st_size // 2
                      for name in ("kk.pcm", "kk-at-16000.pcm"))
    assert kk_22k == round(kk_16k * 22050 / 16000)
    ru_22k, ru_16k = ((tmp_path / name).stat().st_size // 2
                      for name in ("ru-at-22050.pcm", "ru-at-16000.pcm"))
    assert ru_16k == round(ru_22k * 16000 / 22050)
    assert not list(tmp_path.glob("*.tmp"))


def test_one_worker_at_a_time_and_it_lowers_its_priority_to_warm(
        tiny_model: Path, tmp_path: Path) -> None:
    synthesizer = Synthesizer(output_rate=22050, warm_nice=7)
    kk = voice_files("kk", tiny_model, KK_CONFIG)
    ru = voice_files("ru", tiny_model, RU_CONFIG)
    own = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        synthesizer.make(kk, "бір", tmp_path / "a.pcm")
        first = synthesizer.worker_pid()
        assert first is not None
        assert os.getpriority(os.PRIO_PROCESS, first) == own  # for a call: as the node
        synthesizer.make(kk, "екі", tmp_path / "b.pcm", warming=True)
        assert os.getpriority(os.PRIO_PROCESS, first) == max(own, 7)
        # A call's piece: back to the node's priority where Linux allows it (root,
        # LimitNICE), else kept at the warming one (the known limit, synth_worker.py).
        synthesizer.make(kk, "үш", tmp_path / "b2.pcm")
        assert synthesizer.worker_pid() == first
        back = own if may_raise_priority_again(own, 7) else max(own, 7)
        assert os.getpriority(os.PRIO_PROCESS, first) == back
        synthesizer.make(ru, "один", tmp_path / "c.pcm")
        second = synthesizer.worker_pid()
        assert second is not None and second != first
        assert not alive(first)  # the kk worker left before the ru one started
    finally:
        synthesizer.close()
    assert second is not None and not alive(second)
    assert os.getpriority(os.PRIO_PROCESS, 0) == own  # the node itself never niced


def may_raise_priority_again(own: int, lowered: int) -> bool:
    """Whether a process of this user, niced from `own` to `lowered`, may go back."""
    code = (f"import os; os.nice({max(0, lowered - own)}); "
            f"os.setpriority(os.PRIO_PROCESS, 0, {own})")
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          check=False).returncode == 0


def test_a_worker_that_dies_is_replaced(tiny_model: Path, tmp_path: Path) -> None:
    synthesizer = Synthesizer(output_rate=22050)
    kk = voice_files("kk", tiny_model, KK_CONFIG)
    try:
        synthesizer.make(kk, "бір", tmp_path / "a.pcm")
        pid = synthesizer.worker_pid()
        assert pid is not None
        os.kill(pid, 9)  # the out-of-memory killer, say
        wait_until(lambda: synthesizer.worker_pid() is None, what="the worker gone")
        synthesizer.make(kk, "екі", tmp_path / "b.pcm")
        assert synthesizer.workers_started == 2 and (tmp_path / "b.pcm").is_file()
    finally:
        synthesizer.close()


def stand_in_python(path: Path, body: str) -> str:
    """A program the Synthesizer starts as its `python` (argv: -m <worker module> ...):
    `body` runs first, with `real` (this interpreter), `here` (its folder) and `start`
    (1 for its first run, 2 for the next...), then the real worker runs unless it left."""
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(f"""\
        import json, os, signal, sys, time
        from pathlib import Path
        real, here = {sys.executable!r}, Path({str(path.parent)!r})
        with (here / "starts").open("a") as starts:
            starts.write(str(os.getpid()) + "\\n")
        start = len((here / "starts").read_text().split())
        """) + textwrap.dedent(body) + "os.execv(real, [real, *sys.argv[1:]])\n")
    path.chmod(0o755)
    return str(path)


def started_pids(folder: Path) -> list[int]:
    return [int(pid) for pid in (folder / "starts").read_text().split()]


def test_a_worker_whose_pipe_breaks_is_reaped(tiny_model: Path, tmp_path: Path) -> None:
    """A worker that stops reading just as a piece is asked for (its idle exit, a
    crash): the write fails with a broken pipe; the worker is stopped and reaped, not
    dropped with its pipes open, and the next piece gets a fresh worker."""
    python = stand_in_python(tmp_path / "python", """\
        if start == 1:  # makes one piece, then closes its input and lingers a moment
            print(json.dumps({"ready": True}), flush=True)
            request = json.loads(sys.stdin.buffer.readline())
            Path(request["path"]).write_bytes(bytes(2000))
            print(json.dumps({"ok": True, "seconds": 0.1, "audio_seconds": 0.05}),
                  flush=True)
            os.close(0)
            time.sleep(1.0)
            sys.exit(0)
        """)
    synthesizer = Synthesizer(output_rate=22050, python=python)
    kk = voice_files("kk", tiny_model, KK_CONFIG)
    try:
        synthesizer.make(kk, "бір", tmp_path / "a.pcm")
        (first,) = started_pids(tmp_path)
        assert synthesizer.worker_pid() == first
        made = synthesizer.make(kk, "екі", tmp_path / "b.pcm")  # broken pipe, then anew
        # The first worker was reaped by the node: no zombie, nothing left to wait for.
        with pytest.raises(ChildProcessError):
            os.waitpid(first, os.WNOHANG)
    finally:
        synthesizer.close()
    assert made.worker_started and synthesizer.workers_started == 2
    assert (tmp_path / "b.pcm").is_file()


def test_a_worker_killed_while_loading_is_tried_again_later(tiny_model: Path,
                                                            tmp_path: Path) -> None:
    """The out-of-memory killer taking the worker while it loads says nothing about the
    voice: that piece fails, the next one starts a worker again."""
    python = stand_in_python(tmp_path / "python", """\
        if start == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        """)
    synthesizer = Synthesizer(output_rate=22050, python=python)
    kk = voice_files("kk", tiny_model, KK_CONFIG)
    try:
        with pytest.raises(SynthesisError, match="killed by SIGKILL while loading"):
            synthesizer.make(kk, "бір", tmp_path / "a.pcm")
        synthesizer.make(kk, "бір", tmp_path / "a.pcm")
    finally:
        synthesizer.close()
    assert synthesizer.workers_started == 2 and (tmp_path / "a.pcm").is_file()


def test_a_worker_that_exits_while_loading_is_a_voice_problem(tiny_model: Path,
                                                              tmp_path: Path) -> None:
    """An exit of its own (a traceback, an abort in onnxruntime) is the voice's problem:
    remembered, no new worker for it."""
    python = stand_in_python(tmp_path / "python", "sys.exit(3)\n")
    synthesizer = Synthesizer(output_rate=22050, python=python)
    kk = voice_files("kk", tiny_model, KK_CONFIG)
    try:
        with pytest.raises(VoiceProblem, match="exit code 3"):
            synthesizer.make(kk, "бір", tmp_path / "a.pcm")
        with pytest.raises(VoiceProblem):
            synthesizer.make(kk, "екі", tmp_path / "b.pcm")
    finally:
        synthesizer.close()
    assert synthesizer.workers_started == 1


def test_what_the_engine_prints_at_import_stays_off_the_protocol(tiny_model: Path,
                                                                 tmp_path: Path) -> None:
    """numpy, onnxruntime or piper printing to fd 1 as they are imported (as C libraries
    do) must not reach the node's end of the line protocol."""
    python = stand_in_python(tmp_path / "python", """\
        import importlib.abc, runpy

        class Noisy(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name in ("numpy", "onnxruntime", "piper"):
                    os.write(1, f"{name} says hello at import\\n".encode())
                return None

        sys.meta_path.insert(0, Noisy())
        assert sys.argv[1] == "-m"
        sys.argv = [sys.argv[2], *sys.argv[3:]]
        runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
        sys.exit(0)
        """)
    synthesizer = Synthesizer(output_rate=22050, python=python)
    kk = voice_files("kk", tiny_model, KK_CONFIG)
    try:
        made = synthesizer.make(kk, "бір", tmp_path / "a.pcm")
    finally:
        synthesizer.close()
    assert made.audio_seconds > 0 and (tmp_path / "a.pcm").stat().st_size > 0


def test_a_call_goes_before_warming(open_tiny: OpenVoices) -> None:
    opened = open_tiny()
    made: list[tuple[float, str, bool]] = []
    real_make = opened.synthesizer.make

    def recording(voice: Any, text: str, path: Path, *, warming: bool = False) -> PieceMade:
        made.append((time.monotonic(), text, warming))
        return real_make(voice, text, path, warming=warming)

    opened.synthesizer.make = recording  # type: ignore[method-assign]
    announcer = Announcer({"ru": opened.usable["ru"]}, NullSink())  # one worker throughout
    announcer.number_ranges([ZoneNumbers(zone="consultation", first=1, last=300)])
    announcer.start()
    try:
        wait_until(lambda: len(made) > 20, what="warming under way")
        asked = time.monotonic()
        announcer.announce(announcement(299, "window-3", "ru"))  # its number is cold
        wait_until(lambda: announcer.said and announcer.idle(), what="the call said")
    finally:
        announcer.close()
    assert announcer.said[0].played is not None
    after = [(text, warming) for at, text, warming in made if at >= asked]
    first_call = next(index for index, (_, warming) in enumerate(after) if not warming)
    assert first_call <= 1  # at most the piece being made when the call came
    assert ("двести девяносто девять", False) in after


# What is warmed ---------------------------------------------------------------------


def test_issuing_order_interleaves_the_zones_first_numbers_first() -> None:
    order = issuing_order(BORODULIKHA)
    assert order[:7] == [100, 500, 800, 101, 501, 801, 102]
    assert len(order) == 300 + 200 + 100 and set(order) == (
        set(range(100, 400)) | set(range(500, 700)) | set(range(800, 900)))
    assert order[-1] == 399  # the longest range ends last
    assert issuing_order(BORODULIKHA, ["personal"]) == list(range(500, 700))
    shared = [ZoneNumbers(zone="a", first=1, last=3), ZoneNumbers(zone="b", first=2, last=4)]
    assert issuing_order(shared) == [1, 2, 3, 4]  # 2 and 3 once, where they first come
    assert issuing_order([ZoneNumbers(zone="a", first=9998, last=9999)]) == [9998, 9999]


def test_warm_plan_openings_and_desks_first_then_numbers_in_batches() -> None:
    plan = warm_plan(["kk", "ru"], [("window-3", "3-терезе", "Окно 3")], [100, 500, 800],
                     batch=2)
    assert [(piece.language, piece.text) for piece in plan] == [
        ("kk", "Талон нөмірі"), ("kk", "үшінші терезеге өтіңіз."),
        ("ru", "Талон номер"), ("ru", "пройдите к окну номер три."),
        ("kk", "жүз"), ("kk", "бес жүз"), ("ru", "сто"), ("ru", "пятьсот"),
        ("kk", "сегіз жүз"), ("ru", "восемьсот")]


def test_only_the_ranges_of_the_nodes_zones_are_warmed_and_warmth_is_reported(
        open_tiny: OpenVoices) -> None:
    opened = open_tiny()
    announcer = Announcer(opened.usable, NullSink(), zones=["personal"],
                          fallback_numbers=range(1, 4))
    assert announcer.warmth() == 0.0  # the fallback, before the hub's config
    announcer.start()
    try:
        wait_until(announcer.prewarmed.is_set, what="the fallback warm")
        assert announcer.warmth() == 1.0
        announcer.number_ranges([ZoneNumbers(zone="consultation", first=1, last=50),
                                 ZoneNumbers(zone="personal", first=500, last=519)])
        assert announcer.warm_numbers() == list(range(500, 520))
        assert announcer.warmth() == 0.0
        wait_until(lambda: announcer.prewarmed.is_set() and announcer.warmth() == 1.0,
                   what="the ranges warm")
    finally:
        announcer.close()
    kk, ru = opened.usable["kk"], opened.usable["ru"]
    assert kk.cached("бес жүз он тоғыз") and ru.cached("пятьсот девятнадцать")
    assert not ru.cached("сорок")  # another zone's range
    assert kk.synthesized == 1 + 3 + 20  # the opening, the fallback, the range


def test_warmth_is_a_running_count_not_a_pass_over_the_numbers(
        open_tiny: OpenVoices) -> None:
    """The warmth figure goes with every telemetry: it reads the caches' counts, never
    spells the numbers out again, and follows pieces written, found and vanished."""
    opened = open_tiny()
    kk, ru = opened.usable["kk"], opened.usable["ru"]
    announcer = Announcer(opened.usable, NullSink(), fallback_numbers=[])
    assert announcer.warmth() is None  # nothing to warm yet
    announcer.number_ranges([ZoneNumbers(zone="consultation", first=1, last=9999)])
    assert announcer.warmth() == 0.0
    kk.cache.written(number_words("kk", 5))  # the worker made it
    ru.cache.file(number_words("ru", 7)).parent.mkdir(parents=True, exist_ok=True)
    ru.cache.file(number_words("ru", 7)).write_bytes(bytes(100))
    assert ru.cached(number_words("ru", 7))  # found on disk (left by the last run)
    kk.cache.written("Талон нөмірі")  # not a number: not counted
    spelled = number_words.cache_info()
    for _ in range(3):
        assert announcer.warmth() == 2 / (2 * 9999)
    calls = number_words.cache_info()
    assert calls.hits + calls.misses == spelled.hits + spelled.misses
    assert kk.cache.read(number_words("kk", 5)) is None  # its file is gone after all
    assert announcer.warmth() == 1 / (2 * 9999)
    announcer.number_ranges([ZoneNumbers(zone="consultation", first=1, last=10)])
    assert announcer.warmth() == 1 / 20  # ru 7, still known


def test_old_cache_folders_and_half_written_pieces_are_removed(
        open_tiny: OpenVoices, tmp_path: Path) -> None:
    data = tmp_path / "node"
    opened = open_tiny(data)
    opened.usable["kk"].clip("бір")
    kept = opened.usable["kk"].cache.folder
    (kept / "abc.pcm.123.tmp").write_bytes(b"half")
    old_model = data / VOICE_CACHE_DIR / "kk_KZ-old-x_low-22050-0123456789ab"
    old_model.mkdir()
    (old_model / "x.pcm").write_bytes(b"\0\0")
    (data / VOICE_CACHE_DIR / "0123456789abcdef.pcm").write_bytes(b"\0\0")  # flat, old
    again = open_tiny(data)
    assert again.usable["kk"].cache.folder == kept and kept.is_dir()
    assert again.usable["kk"].cached("бір")
    assert not old_model.exists() and not list(kept.glob("*.tmp"))
    assert {p.name for p in (data / VOICE_CACHE_DIR).iterdir()} <= {
        voice.cache.folder.name for voice in again.usable.values()}
    # Another output rate: other pieces, the old ones go.
    other = open_tiny(data, output_rate=16000)
    assert other.usable["kk"].cache.folder != kept and not kept.exists()
    assert not other.usable["kk"].cached("бір")


# Voices turned away -------------------------------------------------------------------


def test_a_high_voice_is_refused_on_a_pi_unless_forced(
        open_tiny: OpenVoices, tiny_model: Path, tmp_path: Path) -> None:
    model_file = tmp_path / "model"
    model_file.write_bytes(PI_4)
    pi = raspberry_pi_model(model_file)
    assert pi == "Raspberry Pi 4 Model B Rev 1.5"
    (tmp_path / "generic").write_bytes(b"Generic x86 board\x00")
    assert raspberry_pi_model(tmp_path / "generic") is None
    assert raspberry_pi_model(tmp_path / "nowhere") is None
    refused = open_tiny(pi_model=pi, kk_config=HIGH_CONFIG)
    assert list(refused.usable) == ["ru"]
    assert refused.problems["kk"].fault == "voice_too_slow"
    assert "allow_slow_voice" in str(refused.problems["kk"])
    announcer = Announcer(refused.usable, NullSink(), voice_problems=refused.problems)
    announcer.start()
    try:
        announcer.announce(announcement(105, "window-3", "kk"))
        wait_until(lambda: announcer.said and announcer.idle(), what="the call said")
    finally:
        announcer.close()
    assert announcer.said[0].language == "ru"  # the other language still speaks
    state = announcer.state()
    assert (state.state.value, state.detail) == ("warning", "voice_too_slow")
    assert set(open_tiny(pi_model=pi, kk_config=HIGH_CONFIG,
                         allow_slow_voice=True).usable) == {"kk", "ru"}
    assert set(open_tiny(pi_model=None, kk_config=HIGH_CONFIG).usable) == {"kk", "ru"}
    # The doctor says the same, on the same device tree.
    voice = VoiceSettings(kk_model=tiny_model, kk_config=HIGH_CONFIG, ru_model=tiny_model,
                          ru_config=RU_CONFIG)
    found = check_voices(voice, Options(), device_model=model_file)
    assert found.level is Level.FAULT
    assert "Голос высокого качества слишком медленный" in found.ru and str(tiny_model) in \
        found.ru
    assert check_voices(voice, Options(), device_model=tmp_path / "generic").level \
        is Level.WARNING  # not on a Pi: only "not in the manifest"
    forced = voice.model_copy(update={"allow_slow_voice": True})
    assert check_voices(forced, Options(), device_model=model_file).level is Level.WARNING


def test_a_voice_whose_sha256_is_not_the_manifests_is_refused(
        open_tiny: OpenVoices, tiny_model: Path, tmp_path: Path) -> None:
    voices_dir = tmp_path / "voices"
    voices_dir.mkdir()
    model = voices_dir / "kk_KZ-iseke-x_low.onnx"
    model.write_bytes(tiny_model.read_bytes())
    weights = model.read_bytes()
    manifest = tmp_path / "manifest.json"

    def publish(sha256: str, size: int = len(weights)) -> None:
        manifest.write_text(json.dumps([{"voice": "kk_KZ-iseke-x_low", "path": "x",
                                         "onnx_sha256": sha256, "onnx_bytes": size}]))

    publish(hashlib.sha256(weights).hexdigest())
    files = voice_files("kk", model, KK_CONFIG)
    record = ChecksumRecord(tmp_path / CHECKSUMS_FILE)
    assert verify_checksum(files, record, manifest_entries(manifest))
    assert record.hashed == 1
    again = ChecksumRecord(tmp_path / CHECKSUMS_FILE)  # the next start
    assert verify_checksum(files, again, manifest_entries(manifest))
    assert again.hashed == 0  # known by size and time: not hashed again
    model.write_bytes(weights[:-4] + b"\0\0\0\0")  # same size, new time: hashed again
    with pytest.raises(VoiceProblem, match="sha256") as raised:
        verify_checksum(voice_files("kk", model, KK_CONFIG), again, manifest_entries(manifest))
    assert raised.value.fault == "voice_checksum" and again.hashed == 1
    publish(hashlib.sha256(weights).hexdigest(), size=len(weights) + 1)
    with pytest.raises(VoiceProblem, match="bytes, the manifest says") as raised:
        verify_checksum(files, ChecksumRecord(tmp_path / "other.json"),
                        manifest_entries(manifest))
    assert raised.value.fault == "voice_checksum"
    assert not verify_checksum(voice_files("kk", tiny_model, KK_CONFIG), record,
                               manifest_entries(manifest))  # not a manifest voice
    # At start: not loaded, the word in the speaker's state, the other voice speaks.
    publish("0" * 64)
    opened = open_tiny(kk_model=model, manifest=manifest)
    assert list(opened.usable) == ["ru"] and opened.problems["kk"].fault == "voice_checksum"
    announcer = Announcer(opened.usable, NullSink(), voice_problems=opened.problems)
    assert announcer.state().detail == "voice_checksum"


# The resident process ---------------------------------------------------------------

NODE_SCRIPT = textwrap.dedent('''
    import json, sys, time, traceback
    first = {}

    class Watch:
        """Who imported numpy, onnxruntime or piper first (the node's own files)."""
        def find_spec(self, name, path=None, target=None):
            top = name.partition(".")[0]
            if top in ("numpy", "onnxruntime", "piper") and top not in first:
                first[top] = [frame.filename for frame in traceback.extract_stack()
                              if "/firmware/" in frame.filename]
            return None

    sys.meta_path.insert(0, Watch())
    from pathlib import Path
    from contract.mqtt import Announcement, Named, NodeConfig, Text, ZoneNumbers
    from firmware.display_node.app import DisplayNode
    from firmware.display_node.settings import DisplayNodeSettings
    # Not the conftest's helper: that module imports onnx (and numpy) to build voices.
    def announcement(number, desk, language):
        return Announcement(kind="call", number=number, zone="consultation", desk=desk,
                            desk_label=Text(kk="3-терезе", ru="Окно 3"), language=language)
    tiny, kk_config, ru_config, data, port = sys.argv[1:]
    node = DisplayNode(DisplayNodeSettings(
        node_id="display-hall", center="c", broker_url=f"mqtt://127.0.0.1:{port}",
        data_dir=Path(data), zones=["consultation"],
        voice={"sink": "null", "kk_model": tiny, "kk_config": kk_config,
               "ru_model": tiny, "ru_config": ru_config}), environ={})
    node.start()
    node.configured(NodeConfig(
        center_name=Text(kk="Орталық", ru="Центр"), role="display", desk=None,
        zones=["consultation"], purposes=[], zone_names=[],
        desks=[Named(code="window-3", name=Text(kk="3-терезе", ru="Окно 3"))],
        out_of_turn=[], number_ranges=[ZoneNumbers(zone="consultation", first=1, last=5)]))
    assert node.announcer.prewarmed.wait(60)
    node.say(announcement(105, "window-3", "kk"))  # not warmed: made for the call
    node.say(announcement(3, "window-3", "ru"))
    deadline = time.monotonic() + 60
    while len(node.announcer.said) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    warm = node.voice_warm()
    telemetry = node.runtime.telemetry()
    node.stop()
    print(json.dumps({"said": [s.text for s in node.announcer.said if s.played],
                      "warm": warm, "telemetry_warm": telemetry.voice_warm,
                      "modules": sorted(m for m in ("numpy", "onnxruntime", "piper")
                                        if m in sys.modules),
                      "first": first}))
''')


def test_the_resident_node_never_imports_onnxruntime_numpy_or_piper(
        tiny_model: Path, tmp_path: Path) -> None:
    """The whole node, started, warmed and saying calls, in its own process."""
    root = Path(__file__).resolve().parents[2]
    closed_port = "9"  # discard: nothing listens; the node keeps reconnecting meanwhile
    result = subprocess.run(
        [sys.executable, "-c", NODE_SCRIPT, str(tiny_model), str(KK_CONFIG), str(RU_CONFIG),
         str(tmp_path / "node"), closed_port],
        capture_output=True, text=True, timeout=120, cwd=root, check=False,
        env=os.environ | {"PYTHONPATH": str(root)})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["said"] == ["Талон нөмірі жүз бес, үшінші терезеге өтіңіз.",
                              "Талон номер три, пройдите к окну номер три."]
    assert report["warm"] == report["telemetry_warm"] == 1.0
    for heavy in ("onnxruntime", "piper", "numpy"):
        assert heavy not in report["modules"], report["first"]

def test_warming_pauses_when_pieces_keep_failing_and_resumes(
        open_tiny: OpenVoices, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("firmware.display_node.announcer.WARM_RETRY_SECONDS", 1.5)
    opened = open_tiny()
    ru = opened.usable["ru"]
    folder = ru.cache.folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_bytes(b"")  # a file where the folder goes: no piece can be written
    announcer = Announcer({"ru": ru}, NullSink(), fallback_numbers=range(1, 51))
    announcer.start()
    try:
        wait_until(lambda: announcer.warm_failures >= 5, what="five failures")
        time.sleep(0.1)
        assert announcer.warm_failures == 5  # paused, not one error for each piece
        assert not announcer.prewarmed.is_set() and announcer.warmth() == 0.0
        folder.unlink()  # the disk is fine again: the next try warms everything
        wait_until(announcer.prewarmed.is_set, what="the cache warm after all")
    finally:
        announcer.close()
    assert announcer.warmth() == 1.0
