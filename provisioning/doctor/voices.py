"""The display node's Piper voice files, checked against the manifest (hashed in full,
unlike the node's start, which keeps hashes by size and time), and a high-quality voice
on a Raspberry Pi turned away unless forced, as the node itself does at start
(firmware/display_node/voice.py)."""

from __future__ import annotations

from pathlib import Path

from contract.node_faults import NODE_FAULTS
from firmware.common.raspberry_pi import DEVICE_TREE_MODEL, raspberry_pi_model
from firmware.display_node.settings import VoiceSettings
from firmware.display_node.voice_policy import too_slow, voice_quality
from provisioning.doctor.findings import Finding, Options, fault, ok, warning
from provisioning.voices import manifest, voice_ok


def check_voices(voice: VoiceSettings, options: Options,
                 device_model: Path = DEVICE_TREE_MODEL) -> Finding:
    entries = manifest(options.manifest_path)
    bad, unchecked, missing_languages, slow = [], [], [], []
    pi_model = raspberry_pi_model(device_model)
    for language in ("kk", "ru"):
        model: Path | None = getattr(voice, f"{language}_model")
        config: Path | None = getattr(voice, f"{language}_config")
        if model is None:
            missing_languages.append(language)
            continue
        config = config or model.with_name(model.name + ".json")  # Piper's default
        entry = entries.get(model.name.removesuffix(".onnx"))
        if not config.is_file() or not model.is_file():
            bad.append(str(model))
        elif entry is None:
            unchecked.append(str(model))  # the installer's own model: no checksum known
        elif not voice_ok(entry, model):
            bad.append(str(model))
        if too_slow(voice_quality(config), pi_model, allowed=voice.allow_slow_voice):
            slow.append(str(model))
    if bad:
        downloads = " ".join(Path(path).name.removesuffix(".onnx") for path in bad)
        return fault("voices", "Дауыс файлдары жоқ немесе бүлінген: " + ", ".join(bad),
                     "Файлы голосов отсутствуют или повреждены: " + ", ".join(bad),
                     f"kezek-provision voices --dest <folder> {downloads}")
    if slow:
        text = NODE_FAULTS["voice_too_slow"]
        return fault("voices", f"{text.kk} ({pi_model}): " + ", ".join(slow),
                     f"{text.ru} ({pi_model}): " + ", ".join(slow),
                     "the node does not load it: choose an x_low or medium voice, or set "
                     "voice.allow_slow_voice = true")
    if missing_languages:
        languages = ", ".join(missing_languages)
        return warning("voices", f"Дауыс берілмеген тіл: {languages}",
                       f"Не задан голос для языка: {languages}",
                       "voice.kk_model / voice.ru_model")
    if unchecked:
        return warning("voices", "Дауыс файлдары тізімде жоқ, тексерілмеді",
                       "Файлы голосов не из списка, не проверены", ", ".join(unchecked))
    return ok("voices", "Дауыс файлдары тексерілді", "Файлы голосов проверены",
              f"{voice.kk_model}, {voice.ru_model}")
