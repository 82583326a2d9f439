"""The doctor on each role's own installation: on a display node (the display extra: no
gpiozero, no escpos) it imports and examines; it says `os_32bit` for a display on a
32-bit system; it reads the node's settings with the variables the node's unit sets (a
desktop image's sink); its defaults file is read in one place. No broker is needed:
nothing listens where the generated settings point, which the broker check reports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from contract.node_faults import NODE_FAULTS
from firmware.display_node.settings import DisplayNodeSettings
from provisioning.doctor import Level, Options, examine
from provisioning.doctor.architecture import check_architecture
from provisioning.doctor.settings import load_settings, read_default
from tests.provisioning.conftest import generate_local

ROOT = Path(__file__).resolve().parents[2]


def display_config(tmp_path: Path, voice: str = 'sink = "null"') -> Path:
    """The generated display node's settings, with this machine's data folder and the
    test's [voice] section."""
    _inventory, generated = generate_local(tmp_path)
    text = (generated.node_dir("board-hall") / "node.toml").read_text()
    text = text.replace('data_dir = "/var/lib/kezek-node"',
                        f"data_dir = {json.dumps(str(tmp_path / 'data'))}")
    text = re.sub(r"\n\[voice\]\n(?:[^\[\n][^\n]*\n)*", "\n", text)
    models = (f'kk_model = {json.dumps(str(tmp_path / "kk_KZ-iseke-x_low.onnx"))}\n'
              f'ru_model = {json.dumps(str(tmp_path / "ru_RU-irina-medium.onnx"))}\n')
    path = tmp_path / "board-hall.toml"
    path.write_text(f"{text}\n[voice]\n{models}{voice}\n")
    return path


WITHOUT_GPIOZERO = """
import json, sys
from pathlib import Path
sys.modules["gpiozero"] = None  # as on a display node: the display extra has no gpiozero
from provisioning.doctor import Options, examine
findings = examine(Path(sys.argv[1]), Options(timeout=1))
print(json.dumps({"checks": [f.check for f in findings],
                  "gpiozero": sys.modules.get("gpiozero", "absent") is None,
                  "escpos": "escpos" in sys.modules}))
"""


def test_the_doctor_runs_on_a_display_node_without_gpiozero(tmp_path: Path) -> None:
    config = display_config(tmp_path)
    result = subprocess.run([sys.executable, "-c", WITHOUT_GPIOZERO, str(config)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["checks"] == ["config", "broker", "clock", "system", "audio", "voices",
                               "disk"]
    assert found["gpiozero"] is True  # still blocked: nothing tried to import it
    assert found["escpos"] is False


def fake_dpkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, architecture: str) -> None:
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    dpkg = folder / "dpkg"
    dpkg.write_text(f'#!/bin/sh\n[ "$1" = --print-architecture ] && echo {architecture}\n')
    dpkg.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_a_display_on_a_32_bit_system_is_os_32bit(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    config = display_config(tmp_path)
    fake_dpkg(tmp_path, monkeypatch, "armhf")
    system = next(f for f in examine(config, Options(timeout=1)) if f.check == "system")
    text = NODE_FAULTS["os_32bit"]
    assert (system.level, system.kk, system.ru) == (Level.FAULT, text.kk, text.ru)
    assert system.detail.startswith("armhf")
    fake_dpkg(tmp_path, monkeypatch, "arm64")
    system = next(f for f in examine(config, Options(timeout=1)) if f.check == "system")
    assert (system.level, system.detail) == (Level.OK, "arm64")


@pytest.mark.parametrize(("architecture", "level"), [
    ("arm64", Level.OK), ("amd64", Level.OK), ("64bit", Level.OK),
    ("armhf", Level.FAULT), ("armel", Level.FAULT), ("i386", Level.FAULT),
    ("32bit", Level.FAULT)])
def test_the_architecture_check(architecture: str, level: Level) -> None:
    assert check_architecture(lambda: architecture).level is level


def test_without_dpkg_pythons_word_size_decides(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert check_architecture().detail == ("64bit" if sys.maxsize > 2**32 else "32bit")


def test_settings_are_read_with_the_units_variables(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """On a desktop image the install's drop-in sets KEZEK_NODE_VOICE__SINK=pipewire:
    the doctor tests the device the node really plays on."""
    config = display_config(tmp_path, 'sink = "alsa"')
    environment = ("KEZEK_NODE_CONFIG=/etc/kezek/node.toml "
                   "XDG_RUNTIME_DIR=/run/user/1001 KEZEK_NODE_VOICE__SINK=pipewire")
    monkeypatch.setattr("provisioning.doctor.service_user.unit_property",
                        lambda name, unit="": environment if name == "Environment" else "")
    settings, finding = load_settings(config)
    assert isinstance(settings, DisplayNodeSettings) and settings.voice is not None
    assert settings.voice.sink == "pipewire"
    assert finding.level is Level.OK and "from the unit: KEZEK_NODE_VOICE__SINK" in \
        finding.detail
    assert "KEZEK_NODE_VOICE__SINK" not in os.environ  # the doctor's own is left alone
    settings, _ = load_settings(config, environment={})
    assert isinstance(settings, DisplayNodeSettings) and settings.voice is not None
    assert settings.voice.sink == "alsa"


def test_the_doctors_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = tmp_path / "kezek-doctor"
    defaults.write_text("KEZEK_DOCTOR_HUB_URL=https://hub.example\nGPIOZERO_PIN_FACTORY=\n")
    monkeypatch.delenv("KEZEK_DOCTOR_HUB_URL", raising=False)
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    assert read_default("KEZEK_DOCTOR_HUB_URL", defaults) == "https://hub.example"
    assert read_default("GPIOZERO_PIN_FACTORY", defaults) is None  # empty: gpiozero's
    assert read_default("KEZEK_DOCTOR_HUB_URL", tmp_path / "missing") is None
    monkeypatch.setenv("KEZEK_DOCTOR_HUB_URL", "https://other")
    assert read_default("KEZEK_DOCTOR_HUB_URL", defaults) == "https://other"
