"""The doctor's voice check says what the display node says at start, in the node's words
(`voice_missing`, `voice_load_failed`, `voice_checksum`): both run the node's own
checks. The doctor hashes every file in full: a file changed behind the node's checksum
record (same size, same time) passes the node's start and not the doctor. Small
stand-ins for the weights, the real published configs, a manifest of the stand-ins."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from contract.node_faults import NODE_FAULTS
from firmware.display_node.settings import VoiceSettings
from firmware.display_node.voice import open_voices
from firmware.voices import VOICES_DIR
from provisioning.doctor.findings import Level, Options
from provisioning.doctor.voices import check_voices

KK, RU = "kk_KZ-iseke-x_low", "ru_RU-irina-medium"
LAPTOP = Path("/nonexistent/device-tree/model")


def voices(tmp_path: Path) -> tuple[VoiceSettings, Path]:
    """Both voices in place, matching the manifest written beside them."""
    folder = tmp_path / "voices"
    folder.mkdir()
    entries = []
    for name in (KK, RU):
        weights = name.encode() * 100
        (folder / f"{name}.onnx").write_bytes(weights)
        shutil.copyfile(VOICES_DIR / f"{name}.onnx.json", folder / f"{name}.onnx.json")
        entries.append({"voice": name, "path": f"x/{name}.onnx",
                        "onnx_sha256": hashlib.sha256(weights).hexdigest(),
                        "onnx_bytes": len(weights), "license": "test"})
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(entries))
    return VoiceSettings(kk_model=folder / f"{KK}.onnx", ru_model=folder / f"{RU}.onnx",
                         sink="null"), manifest


def node_words(voice: VoiceSettings, data_dir: Path, manifest: Path) -> dict[str, str]:
    opened = open_voices(voice, data_dir, pi_model=None, manifest=manifest)
    return {language: problem.fault for language, problem in opened.problems.items()}


def doctor(voice: VoiceSettings, manifest: Path) -> tuple[Level, str, str, str]:
    found = check_voices(voice, Options(manifest_path=manifest), device_model=LAPTOP)
    return found.level, found.kk, found.ru, found.detail


def test_good_voices(tmp_path: Path) -> None:
    voice, manifest = voices(tmp_path)
    assert node_words(voice, tmp_path / "node", manifest) == {}
    level, _, ru, detail = doctor(voice, manifest)
    assert (level, ru) == (Level.OK, "Файлы голосов проверены (sha256)")
    assert detail == f"{voice.kk_model}, {voice.ru_model}"


def test_the_doctor_says_the_nodes_words(tmp_path: Path) -> None:
    voice, manifest = voices(tmp_path)
    assert voice.kk_model is not None and voice.ru_model is not None
    voice.kk_model.unlink()
    broken = bytearray(voice.ru_model.read_bytes())
    broken[0] ^= 1  # one bit flipped, same size
    voice.ru_model.write_bytes(bytes(broken))
    assert node_words(voice, tmp_path / "node", manifest) == {"kk": "voice_missing",
                                                              "ru": "voice_checksum"}
    level, kk, ru, detail = doctor(voice, manifest)
    missing, checksum = NODE_FAULTS["voice_missing"], NODE_FAULTS["voice_checksum"]
    assert level is Level.FAULT
    assert ru == f"{missing.ru}: {voice.kk_model}; {checksum.ru}: {voice.ru_model}"
    assert kk == f"{missing.kk}: {voice.kk_model}; {checksum.kk}: {voice.ru_model}"
    assert detail.endswith(f"kezek-provision voices --dest <folder> {KK} {RU}")


def test_a_config_that_is_no_piper_config(tmp_path: Path) -> None:
    voice, manifest = voices(tmp_path)
    assert voice.ru_model is not None
    Path(f"{voice.ru_model}.json").write_text("{}")
    assert node_words(voice, tmp_path / "node", manifest) == {"ru": "voice_load_failed"}
    level, _, ru, detail = doctor(voice, manifest)
    assert (level, ru) == (Level.FAULT, f"{NODE_FAULTS['voice_load_failed'].ru}: "
                                        f"{voice.ru_model}")
    assert "is not a Piper voice config" in detail


def test_the_doctor_hashes_in_full(tmp_path: Path) -> None:
    """The node trusts its record of a file of the same size and time; the doctor
    hashes it again."""
    voice, manifest = voices(tmp_path)
    assert voice.kk_model is not None
    data_dir = tmp_path / "node"
    assert node_words(voice, data_dir, manifest) == {}  # hashed once, recorded
    stat = voice.kk_model.stat()
    changed = bytearray(voice.kk_model.read_bytes())
    changed[-1] ^= 1
    voice.kk_model.write_bytes(bytes(changed))
    os.utime(voice.kk_model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert node_words(voice, data_dir, manifest) == {}  # the record still vouches for it
    record = (data_dir / "voice-checksums.json").read_text()
    level, _, ru, _ = doctor(voice, manifest)
    assert (level, ru) == (Level.FAULT, f"{NODE_FAULTS['voice_checksum'].ru}: "
                                        f"{voice.kk_model}")
    assert (data_dir / "voice-checksums.json").read_text() == record  # the node's, untouched
