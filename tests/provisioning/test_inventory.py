"""The inventory: the example is valid; each kind of bad input gets an error naming the
node and the field, and the command line exits 2 with nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contract.mqtt import NodeRole
from firmware.call_button.settings import CallButtonSettings
from firmware.display_node.settings import DisplayNodeSettings
from firmware.ticket_terminal.settings import TerminalSettings
from provisioning.cli import main
from provisioning.errors import InventoryError
from provisioning.inventory import load_inventory, parse_inventory
from provisioning.roles import ROLE_SETTINGS
from tests.provisioning.conftest import EXAMPLE, example_data


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(InventoryError) as caught:
        parse_inventory(data, EXAMPLE)
    return caught.value.problems


def test_the_example_inventory_is_valid() -> None:
    inventory = load_inventory(EXAMPLE)
    assert [n.node_id for n in inventory.nodes] == [
        "terminal-1", "board-hall", "desk-window-1", "desk-office-105"]
    terminal = inventory.node("terminal-1").settings
    assert isinstance(terminal, TerminalSettings)
    assert (terminal.printer.kind, terminal.printer.usb_vendor) == ("usb", 0x04B8)
    assert [b.code for b in terminal.buttons.purposes] == [
        "appeal_help", "appeal_paper", "book_reception", "complaint", "booked_reception"]
    assert terminal.broker_url == "mqtts://hub.kezek.lan:8883"
    desk = inventory.node("desk-window-1").settings
    assert isinstance(desk, CallButtonSettings)
    assert desk.desk == "window-1"
    assert desk.buttons.pins() == {"next": 5, "recall": 6, "done": 13, "no_show": 19}
    board = inventory.node("board-hall").settings
    assert isinstance(board, DisplayNodeSettings) and board.voice is not None
    assert [b.name for b in board.boards] == ["hall", "window-1"]


def test_every_role_has_its_applications_settings_class() -> None:
    assert set(ROLE_SETTINGS) == set(NodeRole)
    assert ROLE_SETTINGS[NodeRole.TICKET_TERMINAL] is TerminalSettings
    assert ROLE_SETTINGS[NodeRole.DISPLAY] is DisplayNodeSettings
    assert ROLE_SETTINGS[NodeRole.CALL_BUTTON] is CallButtonSettings


def test_duplicate_node_ids_are_named() -> None:
    data = example_data()
    data["nodes"][2]["id"] = "terminal-1"
    assert problems_of(data) == ["node 'terminal-1' (nodes[2]) id: duplicate of nodes[0]"]


def test_a_pin_used_twice_is_named() -> None:
    data = example_data()
    data["nodes"][2]["lamps"] = {"serving": 5}
    data["nodes"][0]["lamps"]["busy"] = "GPIO27"  # gpiozero's name for BCM 27
    [terminal, desk] = problems_of(data)
    assert terminal.startswith("node 'terminal-1' (nodes[0]) ")
    assert "pins used twice: 27 is buttons.russian and lamps.busy" in terminal
    assert desk.startswith("node 'desk-window-1' (nodes[2]) ")
    assert "a pin is used twice among buttons, lamps and buzzer: 5 is buttons.next and " \
           "lamps.serving" in desk


def test_a_desk_that_does_not_exist_is_named() -> None:
    data = example_data()
    data["nodes"][3]["desk"] = "office-999"
    [problem] = problems_of(data)
    assert problem.startswith("node 'desk-office-105' (nodes[3]) desk: desk 'office-999' "
                              "does not exist in the center")


def test_desks_and_zones_named_in_sections_must_exist() -> None:
    data = example_data()
    data["nodes"][1]["boards"][1]["desk"] = "window-9"
    data["nodes"][3]["buttons"] |= {"transfer": 6, "transfer_zone": "cafeteria"}
    problems = problems_of(data)
    assert problems == [
        "node 'board-hall' (nodes[1]) boards.1.desk: desk 'window-9' does not exist in the "
        "center (desks: office-105, office-106, office-107, self-1, window-1, window-2, "
        "window-3)",
        "node 'desk-office-105' (nodes[3]) buttons.transfer_zone: zone 'cafeteria' does not "
        "exist in the center"]


def test_a_zone_that_does_not_exist_is_named() -> None:
    data = example_data()
    data["nodes"][1]["zones"] = ["consultation", "cafeteria"]
    assert problems_of(data) == [
        "node 'board-hall' (nodes[1]) zones: zone 'cafeteria' does not exist in the center"]


def test_field_errors_name_the_node_and_the_field() -> None:
    data = example_data()
    data["nodes"][0]["printer"]["usb_vendor"] = "epson"
    data["nodes"][1]["voice"]["kk_model"] = "/var/lib/kezek-node/voices/kk_KZ-nobody-low.onnx"
    data["nodes"][2]["buttons"]["next"] = 40
    problems = problems_of(data)
    assert len(problems) == 3
    assert problems[0].startswith("node 'terminal-1' (nodes[0]) printer.usb_vendor:")
    assert problems[1].startswith("node 'board-hall' (nodes[1]) voice:")
    assert "kk_model: voice 'kk_KZ-nobody-low' is not in the manifest" in problems[1]
    assert problems[2].startswith("node 'desk-window-1' (nodes[2]) buttons.next:")


def test_voices_provisioning_cannot_download_are_refused() -> None:
    """A display's own model (not a Piper voice name) loads on a laptop, but provisioning
    could not put it on the Pi: the node would start mute."""
    data = example_data()
    data["nodes"][1]["voice"]["ru_model"] = "/opt/voices/my-voice.onnx"
    data["nodes"][1]["voice"]["kk_model"] = "/opt/voices/ru_RU-irina-medium.onnx"
    problems = problems_of(data)
    assert problems == ["node 'board-hall' (nodes[1]) voice: Value error, kk_model: voice "
                        "'ru_RU-irina-medium' does not speak kk"]
    data["nodes"][1]["voice"]["kk_model"] = "/opt/voices/kk_KZ-iseke-x_low.onnx"
    assert problems_of(data) == [
        "node 'board-hall' (nodes[1]) voice: /opt/voices/my-voice.onnx is not a voice "
        "provisioning can download (firmware/voices/manifest.json)"]


def test_a_call_button_without_a_desk_and_an_unknown_role() -> None:
    data = example_data()
    del data["nodes"][3]["desk"]
    data["nodes"][0]["role"] = "coffee_machine"
    problems = problems_of(data)
    assert problems[0].startswith("node 'terminal-1' (nodes[0]) role: must be one of")
    assert "a call-button node is bound to one desk: set desk" in problems[1]
    assert problems[1].startswith("node 'desk-office-105' (nodes[3])")


def test_provisioned_keys_and_the_hub_user_are_refused() -> None:
    data = example_data()
    data["nodes"][0]["password"] = "mine"
    data["nodes"][1]["id"] = "kezek-hub"
    problems = problems_of(data)
    assert problems == ["node 'terminal-1' (nodes[0]) password: set by provisioning, "
                        "remove it", "node 'kezek-hub' (nodes[1]) id: is the hub's broker user"]


def test_sections_are_checked() -> None:
    data = example_data()
    data["broker"]["port"] = 0
    data["center"]["id"] = "Borodulikha!"
    data["extra"] = {}
    problems = problems_of(data)
    assert "extra: unknown section" in problems
    assert any(p.startswith("[center] id:") for p in problems)
    assert any(p.startswith("[broker] port:") for p in problems)


@pytest.mark.parametrize(("content", "expected"), [
    (b"[center\nid = 1", "is not valid TOML"),
    (b"\xff\xfe\x00", "is not UTF-8 text"),
])
def test_an_unreadable_inventory(tmp_path: Path, content: bytes, expected: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    inventory = tmp_path / "inventory.toml"
    inventory.write_bytes(content)
    out = tmp_path / "center"
    assert main(["generate", str(inventory), "--out", str(out)]) == 2
    assert expected in capsys.readouterr().err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [inventory]


def test_a_missing_inventory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nowhere.toml")]) == 2
    assert "cannot be read: No such file or directory" in capsys.readouterr().err


def test_check_lists_the_nodes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "desk-window-1\tcall_button\twindow-1\tdesk-window-1" in out
    assert "4 nodes, center borodulikha: valid" in out


def test_node_side_commands_do_not_need_the_hub() -> None:
    """A node has the node's and provisioning's extras only: `kezek-provision voices`,
    `revoke` and the doctor must not import the hub (holidays, SQLAlchemy...)."""
    import subprocess
    import sys

    code = ("import sys\n"
            "import provisioning.cli, provisioning.doctor\n"
            "provisioning.cli._parser()\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('hub', 'holidays', 'sqlalchemy', 'fastapi'))\n"
            "assert not loaded, loaded\n")
    subprocess.run([sys.executable, "-c", code], check=True)
