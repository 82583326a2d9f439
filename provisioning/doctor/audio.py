"""The display node's audio output."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from firmware.display_node.settings import VoiceSettings
from provisioning.doctor.findings import Finding, fault, ok, warning


def check_audio(voice: VoiceSettings, data_dir: Path) -> Finding:
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
    cards = Path("/proc/asound/cards")
    listed = cards.read_text() if cards.is_file() else ""
    if "no soundcards" in listed or not listed.strip():
        return fault("audio", "Дыбыс картасы табылмады", "Звуковая карта не найдена",
                     "no ALSA card in /proc/asound/cards")
    aplay = shutil.which("aplay")
    if aplay is None:  # the display node plays through aplay
        return fault("audio", "aplay жоқ (alsa-utils орнатыңыз)",
                     "Нет aplay (установите alsa-utils)")
    if voice.alsa_device != "default":
        devices = subprocess.run([aplay, "-L"], capture_output=True, text=True,
                                 timeout=10).stdout.split()
        if voice.alsa_device not in devices:
            return fault("audio", f"Дыбыс құрылғысы табылмады: {voice.alsa_device}",
                         f"Звуковое устройство не найдено: {voice.alsa_device}")
    return ok("audio", "Дыбыс құрылғысы бар", "Звуковое устройство есть", voice.alsa_device)
