"""The display node's audio output: the device named in `[voice]` exists (every name
form `aplay -l` and `aplay -L` show), is not a Pi's HDMI in a form it cannot play, and
a short tone really plays on it — through the same output stream the node uses, as the
node's service user (`service_user.py`), so group membership and PipeWire sessions are
those of the service. One finding, in Kazakh and Russian, names what is wrong.

The running node keeps its own output stream open, and an ALSA device without mixing
(a Pi's HDMI, most USB speakers by `hw:`/`plughw:`) takes one stream only: when the
tone finds the device busy and the stream holding it is the node's (the owner of a
playback substream in /proc/asound is the node's service process or one of its
children, the player), that is said, as a warning, instead of "busy"."""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from contract.node_faults import NODE_FAULTS
from firmware.display_node.alsa_names import look_up, parse_name
from firmware.display_node.audio import AudioError, Clip, pcm_bytes, scaled
from firmware.display_node.audio_stream import (
    ALSA_PLAYER,
    PIPEWIRE_PLAYER,
    alsa_listing,
    speaker_sink,
)
from firmware.display_node.settings import VoiceSettings
from provisioning.doctor.findings import Finding, fault, ok, warning
from provisioning.doctor.service_user import (
    ServiceUserError,
    run_as,
    service_user,
    unit_main_pid,
)

TONE_SECONDS = 0.3
TONE_HERTZ = 880.0
ASOUND = Path("/proc/asound")
PROC = Path("/proc")
OWNER_PID = re.compile(r"^owner_pid\s*:\s*(\d+)\s*$", re.MULTILINE)
# Runs a function where the node's service would (or here, in tests) and returns its result.
Runner = Callable[[Callable[[], tuple[str | None, str]]], tuple[str | None, str]]


def check_audio(voice: VoiceSettings, data_dir: Path, *, runner: Runner | None = None,
                node_pid: Callable[[], int | None] = unit_main_pid,
                asound: Path = ASOUND) -> Finding:
    """`runner` runs the tone where the service would; `node_pid` is the node's service
    process (None: not running), `asound` the kernel's sound cards (tests give both)."""
    if voice.sink == "null":
        return warning("audio", "Дыбыс өшірулі: хабарландырулар естілмейді",
                       "Звук отключён: объявления не слышны")
    if voice.sink == "wav":
        directory = voice.wav_dir or data_dir / "speaker"  # as the display node does
        parent = directory if directory.is_dir() else directory.parent
        if parent.is_dir() and os.access(parent, os.W_OK):
            return warning("audio", "Дыбыс файлға жазылады (wav)",
                           "Звук пишется в файлы (wav)", str(directory))
        return fault("audio", "Дыбыс файлдарына бума жазылмайды",
                     "Папка для звуковых файлов недоступна для записи", str(directory))
    player = ALSA_PLAYER if voice.sink == "alsa" else PIPEWIRE_PLAYER
    if shutil.which(player) is None:
        return _fault_word("audio_player_missing", f"{player} not found on PATH")
    if voice.sink == "alsa":
        refused = _alsa_device_refused(voice.alsa_device)
        if refused is not None:
            return refused
    device = voice.alsa_device if voice.sink == "alsa" else voice.pipewire_target or "default"
    run = runner or _as_service_user
    try:
        word, said = run(lambda: play_tone(voice))
    except ServiceUserError as error:
        return fault("audio", "Тест дыбысын қызмет пайдаланушысы атынан ойнату мүмкін болмады",
                     "Не удалось проиграть тестовый звук от имени пользователя службы",
                     str(error))
    if word is None:
        return ok("audio", f"Тест дыбысы ойнатылды ({voice.sink}: {device})",
                  f"Тестовый звук воспроизведён ({voice.sink}: {device})", said)
    if word == "audio_busy":
        held = held_by_node(node_pid(), asound)
        if held is not None:
            return warning(
                "audio",
                f"Дыбыс құрылғысын түйіннің өз ағыны ұстап тұр ({device}): тест дыбысы "
                "үшін түйін қызметін тоқтатыңыз (systemctl stop kezek-node)",
                f"Звуковое устройство занято собственным потоком узла ({device}): для "
                "тестового звука остановите службу узла (systemctl stop kezek-node)",
                f"{held}; {said}")
    return _fault_word(word, said, device)


def playback_owners(asound: Path = ASOUND) -> dict[Path, int]:
    """Open playback substreams (`/proc/asound/cardN/pcmMp/subK`) and the process that
    opened each (its `owner_pid`)."""
    owners: dict[Path, int] = {}
    for status in sorted(asound.glob("card*/pcm*p/sub*/status")):
        try:
            found = OWNER_PID.search(status.read_text())
        except OSError:
            continue
        if found is not None:
            owners[status.parent] = int(found.group(1))
    return owners


def descends_from(pid: int, ancestor: int, proc: Path = PROC) -> bool:
    """Whether process `pid` is `ancestor` or was started by it (or by its children)."""
    seen: set[int] = set()
    while pid > 0 and pid not in seen:
        if pid == ancestor:
            return True
        seen.add(pid)
        try:
            stat = (proc / str(pid) / "stat").read_text()
        except OSError:
            return False
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return False


def held_by_node(node_pid: int | None, asound: Path = ASOUND, proc: Path = PROC
                 ) -> str | None:
    """The playback substream the node's process (or its player) holds open, as
    "<substream> by pid N"; None when the node is not running or holds none."""
    if node_pid is None:
        return None
    for substream, owner in playback_owners(asound).items():
        if descends_from(owner, node_pid, proc):
            return f"{substream} held by pid {owner} (kezek-node.service: {node_pid})"
    return None


def play_tone(voice: VoiceSettings) -> tuple[str | None, str]:
    """A short tone through the node's own output stream: (None, what played) or (the
    fault word, what the player said)."""
    with _quiet(logging.getLogger("firmware.display_node.audio_stream")):
        sink = speaker_sink(voice, settle_seconds=0.3, retry_seconds=(60.0, 60.0))
        try:
            sink.check()
            played = sink.play(scaled(tone(voice.output_rate), voice.volume), "doctor-tone")
        except AudioError as error:
            return error.fault, str(error)
        finally:
            sink.close()
    who = os.environ.get("USER") or str(os.getuid())
    return None, (f"{played.seconds:.1f} s at {sink.rate} Hz on {sink.device} as {who}, "
                  f"{played.ended - played.started:.2f} s until heard")


def tone(rate: int, seconds: float = TONE_SECONDS, hertz: float = TONE_HERTZ) -> Clip:
    """A soft 880 Hz beep with 20 ms fades (no click at either end)."""
    count = round(seconds * rate)
    fade = round(0.02 * rate)
    step = 2 * math.pi * hertz / rate
    values = array("h", [int(0.3 * 32767 * min(1.0, n / fade, (count - n) / fade)
                             * math.sin(step * n)) for n in range(count)])
    return Clip(pcm_bytes(values), rate)


def _alsa_device_refused(device: str) -> Finding | None:
    """A finding when the ALSA device cannot be the one: no card, no such name, a Pi's
    HDMI by hw:. None when it is worth playing the tone."""
    try:
        cards, pcms, said = alsa_listing()
    except AudioError as error:
        return _fault_word(error.fault, str(error))
    found = look_up(device, cards, pcms)
    card_backed = parse_name(device).card is not None or not found.exists
    if not cards and card_backed:
        return fault("audio", "Дыбыс картасы табылмады", "Звуковая карта не найдена",
                     said or "aplay -l lists no playback device")
    if found.advice is not None:
        return fault("audio",
                     f"Pi HDMI {device} түрінде ойнатпайды: alsa_device = \"{found.advice}\" "
                     f"деп жазыңыз",
                     f"HDMI на Pi не играет через {device}: укажите alsa_device = "
                     f"\"{found.advice}\"", found.reason)
    if not found.exists:
        names = ", ".join(pcm.name for pcm in pcms if pcm.name.startswith(
            ("default", "sysdefault", "plughw", "pipewire", "pulse")))
        return fault("audio", f"Дыбыс құрылғысы табылмады: {device}",
                     f"Звуковое устройство не найдено: {device}",
                     f"{found.reason}; aplay -L: {names or 'nothing'}")
    return None


def _fault_word(word: str, detail: str, device: str | None = None) -> Finding:
    text = NODE_FAULTS.get(word, NODE_FAULTS["audio_failed"])
    kk, ru = text.kk, text.ru
    if "unknown error 524" in detail.lower():  # a Pi's HDMI port with no screen that sounds
        kk = "HDMI-ге дыбысы бар экран қосылмаған (немесе өшірулі)"
        ru = "К HDMI не подключён экран со звуком (или он выключен)"
    elif word == "audio_busy":
        kk += " (түйін қызметін тоқтатып, қайта тексеріңіз: systemctl stop kezek-node)"
        ru += " (остановите службу узла и проверьте снова: systemctl stop kezek-node)"
    if device is not None:
        kk, ru = f"{kk}: {device}", f"{ru}: {device}"
    return fault("audio", kk, ru, detail)


def _as_service_user(work: Callable[[], tuple[str | None, str]]) -> tuple[str | None, str]:
    return run_as(service_user(), work, timeout=20.0)


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """The stream logs for the node's journal; the doctor prints its own finding."""
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was
