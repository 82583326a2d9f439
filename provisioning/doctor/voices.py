"""The display node's Piper voice files, checked by the node's own checks
(firmware/display_node/voice.py: `voice_files`, `refuse_slow_voice`, `verify_checksum`,
in the node's order), so the doctor names a voice's problem with the node's word
(`voice_missing`, `voice_load_failed`, `voice_too_slow`, `voice_checksum`). Unlike the
node's start, which keeps hashes by size and time, the doctor hashes every file in full."""

from __future__ import annotations

import os
from pathlib import Path

from contract.node_faults import NODE_FAULTS
from firmware.common.raspberry_pi import DEVICE_TREE_MODEL, raspberry_pi_model
from firmware.display_node.settings import VoiceSettings
from firmware.display_node.synthesis import VoiceProblem
from firmware.display_node.voice import (
    ChecksumRecord,
    VoiceFiles,
    refuse_slow_voice,
    verify_checksum,
    voice_files,
)
from firmware.voices.manifest import manifest_entries, sha256_of
from provisioning.doctor.findings import Finding, Options, fault, ok, warning

# A download fixes these: the file is missing or not the manifest's.
DOWNLOADED_AGAIN = ("voice_missing", "voice_checksum", "voice_load_failed")


class HashedInFull(ChecksumRecord):
    """The node's checksum record without its memory: every file is hashed again, and
    nothing is written (the doctor runs as root; the record is the service's)."""

    def __init__(self) -> None:
        super().__init__(Path(os.devnull))  # reads nothing

    def sha256(self, files: VoiceFiles) -> str:
        self.hashed += 1
        return sha256_of(files.model)


def check_voices(voice: VoiceSettings, options: Options,
                 device_model: Path = DEVICE_TREE_MODEL) -> Finding:
    entries = manifest_entries(options.manifest_path)
    record = HashedInFull()
    pi_model = raspberry_pi_model(device_model)
    problems: dict[str, list[VoiceProblem]] = {}  # fault word -> the voices' problems
    models: dict[str, list[str]] = {}
    checked, unchecked, missing_languages = [], [], []
    for language in ("kk", "ru"):
        model: Path | None = getattr(voice, f"{language}_model")
        if model is None:
            missing_languages.append(language)
            continue
        try:
            files = voice_files(language, model, getattr(voice, f"{language}_config"))
            refuse_slow_voice(files, pi_model, allowed=voice.allow_slow_voice)
            if verify_checksum(files, record, entries):
                checked.append(str(model))
            else:
                unchecked.append(str(model))  # the installer's own: no checksum known
        except VoiceProblem as problem:
            problems.setdefault(problem.fault, []).append(problem)
            models.setdefault(problem.fault, []).append(str(model))
    if problems:
        kk = "; ".join(f"{NODE_FAULTS[word].kk}: {', '.join(models[word])}" for word in problems)
        ru = "; ".join(f"{NODE_FAULTS[word].ru}: {', '.join(models[word])}" for word in problems)
        details = [str(problem) for found in problems.values() for problem in found]
        downloads = [Path(model).name.removesuffix(".onnx") for word in DOWNLOADED_AGAIN
                     for model in models.get(word, [])
                     if Path(model).name.removesuffix(".onnx") in entries]
        if downloads:
            details.append(f"kezek-provision voices --dest <folder> {' '.join(downloads)}")
        return fault("voices", kk, ru, " | ".join(details))
    if missing_languages:
        languages = ", ".join(missing_languages)
        return warning("voices", f"Дауыс берілмеген тіл: {languages}",
                       f"Не задан голос для языка: {languages}",
                       "voice.kk_model / voice.ru_model")
    if unchecked:
        return warning("voices", "Дауыс файлдары тізімде жоқ, тексерілмеді",
                       "Файлы голосов не из списка, не проверены", ", ".join(unchecked))
    return ok("voices", "Дауыс файлдары тексерілді (sha256)",
              "Файлы голосов проверены (sha256)", ", ".join(checked))
