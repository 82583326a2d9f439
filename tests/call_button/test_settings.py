"""Settings of a call-button node: file sections, and mistakes named for the installer."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.call_button.app import main
from firmware.call_button.settings import CallButtonSettings
from firmware.common.settings import NodeSettingsError, load_node_settings

GOOD = """
node_id = "buttons-w1"
center = "borodulikha"
broker_url = "mqtt://hub.local"
desk = "window-1"

[buttons]
next = 17
done = 22
transfer = 24
transfer_desk = "office-105"

[lamps]
serving = 5
waiting = 6
fault = 13

[buzzer]
pin = 19

[serial_display]
type = "line"
url = "loop://"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_panel_with_fewer_buttons_reads_from_its_file(tmp_path: Path) -> None:
    settings = load_node_settings(CallButtonSettings, write(tmp_path, GOOD))
    assert settings.role == "call_button"
    assert settings.buttons.pins() == {"next": 17, "done": 22, "transfer": 24}
    assert settings.lamps.pins() == {"serving": 5, "waiting": 6, "fault": 13}
    assert settings.serial_display.type == "line"


@pytest.mark.parametrize(("change", "message"), [
    (('desk = "window-1"\n', ""), "bound to one desk"),
    (("done = 22", "done = 17"), "two buttons share a pin"),
    (('transfer_desk = "office-105"', ""), "needs transfer_zone or transfer_desk"),
    (("pin = 19", "pin = 5"), "used twice"),
    (("next = 17", "next = 40"), "buttons.next"),
    (("[lamps]", "[lamps]\ncolour = 1"), "lamps.colour"),
])
def test_mistakes_are_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(NodeSettingsError, match=message):
        load_node_settings(CallButtonSettings, path)


def test_the_command_checks_settings_and_exits_2_on_a_bad_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(write(tmp_path, GOOD)), "--check"]) == 0
    assert "window-1" in capsys.readouterr().out
    assert main(["--config", str(write(tmp_path, GOOD.replace("next = 17", "")))]) == 2
    assert "buttons.next" in capsys.readouterr().err
