"""The doctor's audio check: a short tone through the node's own output stream, with a
fake `aplay`/`pw-cat` first on PATH that lists real Pi 4 / Pi 5 cards (`aplay -l`, `-L`)
and drains the tone as a sound card would; one bilingual finding for no sound card, a
missing device, a busy one, no player program, PipeWire without a session, a Pi's HDMI
by `hw:` and an HDMI port without a screen; a device busy with the node's own stream
(the owner of a playback substream in a /proc/asound stand-in is the node's player, a
real child process here) is a warning. And running a check as the service user."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from contract.node_faults import NODE_FAULTS
from firmware.display_node.settings import VoiceSettings
from provisioning.doctor.audio import check_audio, tone
from provisioning.doctor.findings import Level
from provisioning.doctor.service_user import run_as, user_named
from tests.conftest import unavailable
from tests.display_node.fake_player import FakePlayer

LISTINGS = Path(__file__).resolve().parents[1] / "display_node" / "alsa"
PI4 = ("pi4-lite-devices.txt", "pi-vc4hdmi-pcms.txt")
PI5 = ("pi5-lite-devices.txt", "pi-vc4hdmi-pcms.txt")
DAC = ("hifiberry-devices.txt", "hifiberry-pcms.txt")


def in_process(work: Callable[[], tuple[str | None, str]]) -> tuple[str | None, str]:
    return work()


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return folder


def fake(bin_dir: Path, machine: tuple[str, str] | None, name: str = "aplay",
         **faults: dict[int, str]) -> FakePlayer:
    """A fake player named `name` first on PATH, listing `machine`'s real cards."""
    devices, pcms = ((LISTINGS / machine[0]).read_text(), (LISTINGS / machine[1]).read_text()
                     ) if machine else ("", "")
    player = FakePlayer(bin_dir.parent / f"{name}-records", name=name, devices=devices,
                        pcms=pcms, **faults)  # type: ignore[arg-type]
    (bin_dir / name).symlink_to(player.program)
    return player


def voice(**settings: object) -> VoiceSettings:
    return VoiceSettings.model_validate({"buffer_ms": 50, **settings})


def check(settings: VoiceSettings, tmp_path: Path, node_pid: int | None = None,
          asound: Path | None = None) -> tuple[Level, str, str, str]:
    found = check_audio(settings, tmp_path, runner=in_process, node_pid=lambda: node_pid,
                        asound=asound or tmp_path / "no-asound")
    return found.level, found.kk, found.ru, found.detail


# Every name form is looked up in tests/display_node/test_alsa_names.py; these play a tone.
@pytest.mark.parametrize(("device", "machine"), [
    ("default:CARD=vc4hdmi0", PI5), ("plughw:CARD=Headphones,DEV=0", PI4), ("hw:0,0", PI4),
    ("pulse", DAC),
])
def test_a_tone_plays_on_the_device(bin_dir: Path, tmp_path: Path, device: str,
                                    machine: tuple[str, str]) -> None:
    player = fake(bin_dir, machine)
    level, _, ru, detail = check(voice(alsa_device=device), tmp_path)
    assert level is Level.OK, (ru, detail)
    assert ru == f"Тестовый звук воспроизведён (alsa: {device})"
    assert "0.3 s at 22050 Hz" in detail
    assert len(player.starts()) == 1 and player.starts()[0][2] == device
    assert any(player.pcm())  # the tone reached the player


def test_a_pis_hdmi_by_hw_names_the_form_to_use(bin_dir: Path, tmp_path: Path) -> None:
    player = fake(bin_dir, PI5)
    level, kk, ru, detail = check(voice(alsa_device="hw:CARD=vc4hdmi0,DEV=0"), tmp_path)
    assert level is Level.FAULT
    assert 'alsa_device = "default:CARD=vc4hdmi0"' in ru and "HDMI на Pi" in ru
    assert 'alsa_device = "default:CARD=vc4hdmi0"' in kk and "IEC958" in detail
    _, _, ru, _ = check(voice(alsa_device="plughw:1,0"), tmp_path)
    assert 'alsa_device = "default:CARD=vc4hdmi1"' in ru
    assert player.starts() == []  # refused before playing


def test_no_sound_card(bin_dir: Path, tmp_path: Path) -> None:
    fake(bin_dir, None)
    level, kk, ru, detail = check(voice(alsa_device="default"), tmp_path)
    assert (level, kk, ru) == (Level.FAULT, "Дыбыс картасы табылмады",
                               "Звуковая карта не найдена")
    assert "no soundcards found" in detail


def test_a_device_that_is_not_there(bin_dir: Path, tmp_path: Path) -> None:
    fake(bin_dir, PI4)
    level, _, ru, detail = check(voice(alsa_device="plughw:CARD=Device,DEV=0"), tmp_path)
    assert level is Level.FAULT and ru == "Звуковое устройство не найдено: plughw:CARD=Device,DEV=0"
    assert "no sound card 'Device' (cards: 0 Headphones, 1 vc4hdmi0, 2 vc4hdmi1)" in detail
    assert "sysdefault:CARD=vc4hdmi0" in detail  # what there is instead


@pytest.mark.parametrize(("failure", "word"), [("busy", "audio_busy"),
                                               ("format", "audio_format"),
                                               ("missing", "audio_device_missing")])
def test_a_device_that_does_not_play(bin_dir: Path, tmp_path: Path, failure: str,
                                     word: str) -> None:
    fake(bin_dir, PI4, fail_at_start={1: failure})
    level, kk, ru, detail = check(voice(alsa_device="plughw:CARD=Headphones,DEV=0"), tmp_path)
    assert level is Level.FAULT
    assert ru.startswith(NODE_FAULTS[word].ru) and kk.startswith(NODE_FAULTS[word].kk)
    assert ru.endswith(": plughw:CARD=Headphones,DEV=0")
    if word == "audio_busy":
        assert "systemctl stop kezek-node" in ru
    assert "aplay" in detail


@pytest.fixture
def node_and_player() -> Iterator[tuple[int, int]]:
    """A stand-in for the running node (a process) and its player (the node's child):
    their process ids."""
    node = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; "
                             "player = subprocess.Popen(['sleep', '60']); "
                             "print(player.pid, flush=True); sys.stdin.read(); "
                             "player.kill()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert node.stdout is not None and node.stdin is not None
    player = int(node.stdout.readline())
    yield node.pid, player
    node.stdin.close()
    node.wait(timeout=10)


def asound_with_owner(tmp_path: Path, owner: int) -> Path:
    """/proc/asound as the kernel shows it with card 0's first playback stream open."""
    root = tmp_path / "asound"
    (root / "card0" / "pcm0c" / "sub0").mkdir(parents=True)
    (root / "card0" / "pcm0c" / "sub0" / "status").write_text("closed\n")
    playback = root / "card0" / "pcm0p" / "sub0"
    playback.mkdir(parents=True)
    (playback / "status").write_text(
        f"state: RUNNING\nowner_pid   : {owner}\ntrigger_time: 5094.839402155\n"
        "tstamp      : 5100.151023437\ndelay       : 4410\navail       : 0\n"
        "avail_max   : 4410\n-----\nhw_ptr      : 117061\nappl_ptr    : 121471\n")
    (root / "card1" / "pcm0p" / "sub0").mkdir(parents=True)
    (root / "card1" / "pcm0p" / "sub0" / "status").write_text("closed\n")
    return root


def test_a_device_busy_with_the_nodes_own_stream(
        bin_dir: Path, tmp_path: Path, node_and_player: tuple[int, int]) -> None:
    node, player = node_and_player
    fake(bin_dir, PI4, fail_at_start={1: "busy", 2: "busy", 3: "busy"})
    device = "plughw:CARD=Headphones,DEV=0"
    asound = asound_with_owner(tmp_path, player)
    level, kk, ru, detail = check(voice(alsa_device=device), tmp_path, node, asound)
    assert level is Level.WARNING
    assert ru == ("Звуковое устройство занято собственным потоком узла "
                  "(plughw:CARD=Headphones,DEV=0): для тестового звука остановите службу "
                  "узла (systemctl stop kezek-node)")
    assert kk.startswith("Дыбыс құрылғысын түйіннің өз ағыны ұстап тұр")
    assert f"card0/pcm0p/sub0 held by pid {player} (kezek-node.service: {node})" in detail
    # Held by another program (the node's player is no child of this "node"), or the node
    # not running: busy, as before.
    for other in (player + 10**6, None):
        level, _, ru, _ = check(voice(alsa_device=device), tmp_path, other, asound)
        assert level is Level.FAULT and ru.startswith(NODE_FAULTS["audio_busy"].ru)


def test_an_hdmi_port_without_a_screen(bin_dir: Path, tmp_path: Path) -> None:
    fake(bin_dir, PI5, fail_at_start={1: "no_screen"})
    level, _, ru, detail = check(voice(alsa_device="default:CARD=vc4hdmi0"), tmp_path)
    assert level is Level.FAULT and ru.startswith("К HDMI не подключён экран со звуком")
    assert "Unknown error 524" in detail


def test_no_player_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for settings, program in ((voice(alsa_device="default"), "aplay"),
                              (voice(sink="pipewire"), "pw-cat")):
        level, _, ru, detail = check(settings, tmp_path)
        assert level is Level.FAULT and ru == NODE_FAULTS["audio_player_missing"].ru
        assert program in detail


def test_pipewire_without_and_with_a_session(bin_dir: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    player = fake(bin_dir, None, name="pw-cat")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    level, _, ru, detail = check(voice(sink="pipewire"), tmp_path)
    assert level is Level.FAULT and ru.startswith(NODE_FAULTS["audio_no_session"].ru)
    assert "XDG_RUNTIME_DIR is not set" in detail
    runtime = tmp_path / "run-user-1000"
    runtime.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    level, _, ru, detail = check(voice(sink="pipewire"), tmp_path)
    assert level is Level.FAULT and f"no PipeWire socket {runtime}/pipewire-0" in detail
    assert player.starts() == []
    (runtime / "pipewire-0").touch()  # the session's socket (the fake ignores it)
    level, _, ru, detail = check(voice(sink="pipewire", pipewire_target="hdmi-tv"), tmp_path)
    assert level is Level.OK and ru == "Тестовый звук воспроизведён (pipewire: hdmi-tv)"
    assert player.starts()[0][:2] == ["--playback", "--raw"]
    assert player.starts()[0][-3:] == ["--target", "hdmi-tv", "-"]


def test_the_tone_is_short_and_soft() -> None:
    beep = tone(22050)
    assert beep.seconds == pytest.approx(0.3, abs=0.001)
    values = memoryview(beep.pcm).cast("h")
    assert max(abs(v) for v in values) <= 0.3 * 32767 and values[0] == 0


def test_a_check_runs_as_the_service_user_with_its_groups() -> None:
    if os.geteuid() != 0:
        unavailable("switching to the service user needs root")
    nobody = user_named("nobody", {"XDG_RUNTIME_DIR": "/run/user/65534"})
    assert nobody is not None

    def who() -> tuple[int, int, list[int], str, str | None]:
        return (os.getuid(), os.getgid(), sorted(os.getgroups()), os.environ["HOME"],
                os.environ.get("XDG_RUNTIME_DIR"))

    uid, gid, groups, home, runtime = run_as(nobody, who, timeout=10)
    assert (uid, gid, groups, home) == (nobody.uid, nobody.gid, sorted(nobody.groups),
                                        nobody.home)
    assert runtime == "/run/user/65534"
    assert os.geteuid() == 0  # the doctor itself stays root
