"""The display node's Piper voice files, checked against the manifest."""

from __future__ import annotations

from pathlib import Path

from firmware.display_node.settings import VoiceSettings
from provisioning.doctor.findings import Finding, Options, fault, ok, warning
from provisioning.voices import manifest, voice_ok


def check_voices(voice: VoiceSettings, options: Options) -> Finding:
    entries = manifest(options.manifest_path)
    bad, unchecked, missing_languages = [], [], []
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
    if bad:
        downloads = " ".join(Path(path).name.removesuffix(".onnx") for path in bad)
        return fault("voices", "Дауыс файлдары жоқ немесе бүлінген: " + ", ".join(bad),
                     "Файлы голосов отсутствуют или повреждены: " + ", ".join(bad),
                     f"kezek-provision voices --dest <folder> {downloads}")
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
