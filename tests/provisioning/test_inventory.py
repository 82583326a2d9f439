"""The inventory: the example is valid; each kind of bad input gets an error naming the
node and the field, and the command line exits 2 with nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contract.mqtt import NodeRole
from provisioning.cli import main
from provisioning.errors import InventoryError
from provisioning.inventory import load_inventory, parse_inventory
from provisioning.roles import ROLE_SETTINGS, CallButtonSettings, TicketTerminalSettings
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
    assert isinstance(terminal, TicketTerminalSettings)
    assert terminal.printer.type == "usb"
    assert terminal.broker_url == "mqtts://hub.kezek.lan:8883"
    desk = inventory.node("desk-window-1").settings
    assert isinstance(desk, CallButtonSettings)
    assert desk.desk == "window-1"


def test_every_role_has_a_settings_class() -> None:
    assert set(ROLE_SETTINGS) == set(NodeRole)


def test_duplicate_node_ids_are_named() -> None:
    data = example_data()
    data["nodes"][2]["id"] = "terminal-1"
    assert problems_of(data) == ["node 'terminal-1' (nodes[2]) id: duplicate of nodes[0]"]


def test_a_pin_used_twice_is_named() -> None:
    data = example_data()
    data["nodes"][2]["lamps"] = {"busy": 5}
    [problem] = problems_of(data)
    assert problem.startswith("node 'desk-window-1' (nodes[2]) ")
    assert "GPIO 5 is used twice: buttons.next and lamps.busy" in problem


def test_a_desk_that_does_not_exist_is_named() -> None:
    data = example_data()
    data["nodes"][3]["desk"] = "office-999"
    [problem] = problems_of(data)
    assert problem.startswith("node 'desk-office-105' (nodes[3]) desk: 'office-999' does "
                              "not exist in the center")


def test_a_zone_that_does_not_exist_is_named() -> None:
    data = example_data()
    data["nodes"][1]["zones"] = ["consultation", "cafeteria"]
    assert problems_of(data) == [
        "node 'board-hall' (nodes[1]) zones: 'cafeteria' does not exist in the center"]


def test_field_errors_name_the_node_and_the_field() -> None:
    data = example_data()
    data["nodes"][0]["printer"]["vendor_id"] = "epson"
    data["nodes"][1]["voices"]["kk"] = "kk_KZ-nobody-low"
    data["nodes"][2]["buttons"]["next"] = 40
    problems = problems_of(data)
    assert len(problems) == 3
    assert problems[0].startswith("node 'terminal-1' (nodes[0]) printer.usb.vendor_id:")
    assert problems[1].startswith("node 'board-hall' (nodes[1]) voices:")
    assert "kk_KZ-nobody-low" in problems[1]
    assert problems[2].startswith("node 'desk-window-1' (nodes[2]) buttons.next:")


def test_a_call_button_without_a_desk_and_an_unknown_role() -> None:
    data = example_data()
    del data["nodes"][3]["desk"]
    data["nodes"][0]["role"] = "coffee_machine"
    problems = problems_of(data)
    assert problems[0].startswith("node 'terminal-1' (nodes[0]) role: must be one of")
    assert "a call button needs the desk it serves" in problems[1]
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
