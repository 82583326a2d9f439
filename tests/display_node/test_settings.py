"""Display node settings from a TOML file: boards, TV and voice sections; mistakes named
by field; the entry point refusing a bad file with that message."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from firmware.common.settings import NodeSettingsError, load_node_settings
from firmware.display_node.app import main
from firmware.display_node.settings import DisplayNodeSettings

GOOD = """
node_id = "display-hall"
center = "borodulikha"
broker_url = "mqtt://hub.local"
zones = ["consultation"]

[[boards]]
name = "hall"
url = "/dev/ttyUSB0"
protocol = "am03127"
rows = 4

[[boards]]
name = "window-3"
url = "/dev/ttyAMA0"
protocol = "line"
rs485 = true
desk = "window-3"

[tv]
port = 8080

[voice]
kk_model = "/var/lib/kezek-node/voices/kk_KZ-iseke-x_low.onnx"
ru_model = "/var/lib/kezek-node/voices/ru_RU-denis-medium.onnx"
volume = 0.8
quiet_from = "19:00"
quiet_until = "08:30"
"""


@pytest.fixture(autouse=True)
def _no_node_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    for name in list(os.environ):
        if name.startswith("KEZEK_NODE_"):
            monkeypatch.delenv(name)


def test_a_full_file_loads(tmp_path: Path) -> None:
    file = tmp_path / "node.toml"
    file.write_text(GOOD)
    settings = load_node_settings(DisplayNodeSettings, file)
    assert settings.role.value == "display"
    assert [b.protocol for b in settings.boards] == ["am03127", "line"]
    assert settings.boards[1].rs485 and settings.boards[1].desk == "window-3"
    assert settings.voice is not None and settings.voice.sink == "alsa"
    assert settings.voice.quiet_from == time(19, 0)
    assert settings.tv is not None and settings.tv.port == 8080


@pytest.mark.parametrize(("change", "named"), [
    ('protocol = "am03127"', 'protocol = "modbus"'),
    ("volume = 0.8", "volume = 3"),
    ('quiet_until = "08:30"', ""),
])
def test_mistakes_are_named(tmp_path: Path, change: str, named: str) -> None:
    file = tmp_path / "node.toml"
    file.write_text(GOOD.replace(change, named, 1))
    with pytest.raises(NodeSettingsError) as error:
        load_node_settings(DisplayNodeSettings, file)
    message = str(error.value)
    expected = {"modbus": "boards.0", "volume = 3": "voice.volume"}
    field = next((f for key, f in expected.items() if key in named), "voice")
    assert field in message
    if "modbus" in named:
        assert "unknown LED protocol 'modbus'" in message


def test_main_refuses_a_bad_file_with_the_reason(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "node.toml"
    file.write_text(GOOD.replace('role = "display"', "").replace("rows = 4", "rows = 40"))
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(file)])
    assert exited.value.code == 2
    assert "boards.0.rows" in capsys.readouterr().err
