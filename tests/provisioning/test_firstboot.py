"""First boot on a real Pi: each role installs only its extra into a venv that sees
Debian's python3-lgpio; the units pick lgpio and keep escpos's cache; a display on a
32-bit OS stops before apt and pip with a Kazakh and Russian line; on a desktop image a
display runs as the desktop user; a terminal gets the printer udev rule, on both the
cloud-init and the firstrun.sh paths.

Parts of the generated install script run here for real, with fake `uname`, `dpkg`,
`apt-get`, `getent`, `id`, `usermod`, `loginctl` and `pipewire` on PATH. The udev rule is
read by udev itself (`udevadm verify`, or `udevadm test` in a private mount namespace on
systemd older than 254) and matched against devices by a small evaluator of its own."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from contract.node_faults import NODE_FAULTS
from provisioning.center import generate_center
from provisioning.errors import InventoryError
from provisioning.firstboot import (
    DESKTOP_AUDIO_DROPIN,
    UNIT_DIR,
    install_script,
    node_files,
    systemd_unit,
)
from provisioning.inventory import Inventory, parse_inventory
from provisioning.udev import RULES_PATH, printer_rules
from tests.conftest import unavailable
from tests.provisioning.conftest import EXAMPLE, example_data

ROOT = Path(__file__).resolve().parents[2]
WHEEL = "kezek-0.1.0-py3-none-any.whl"
ROLE_EXTRA = {"call_button": "button", "ticket_terminal": "terminal", "display": "display"}


def inventory(data: dict[str, Any] | None = None) -> Inventory:
    return parse_inventory(data or example_data(), EXAMPLE)


def section(script: str, name: str) -> str:
    match = re.search(rf"^# kezek-section: {name}\n(.*?)^# kezek-section-end: {name}$",
                      script, re.MULTILINE | re.DOTALL)
    assert match, f"no section {name}"
    return match.group(1)


def service_entries(unit: str) -> dict[str, list[str]]:
    """[Service] key -> every value it is given (Environment= may repeat)."""
    entries: dict[str, list[str]] = {}
    current = ""
    for line in unit.splitlines():
        if line.startswith("["):
            current = line
        elif current == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            entries.setdefault(key, []).append(value)
    return entries


# Install script ---------------------------------------------------------------------


def test_each_role_installs_only_its_extra() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    for name in ("button", "terminal"):
        assert not [dependency for dependency in extras[name]
                    if re.match(r"(piper-tts|onnxruntime|numpy|num2words)\b", dependency)]
    assert any(dependency.startswith("python-escpos[usb]") for dependency in extras["terminal"])
    for node in inventory().nodes:
        script = install_script(node, WHEEL)
        installs = re.findall(r"pip install .*\[([^\]]*)\]", script)
        assert installs == [f"{ROLE_EXTRA[node.role.value]},doctor"], node.node_id
        assert "python3 -m venv --system-site-packages /opt/kezek" in script
        apt = re.search(r"apt-get install -y --no-install-recommends (.*)", script)
        assert apt is not None
        wants_lgpio = node.role.value in ("call_button", "ticket_terminal")
        assert ("python3-lgpio" in apt.group(1).split()) is wants_lgpio, node.node_id
        # Only a display needs a 64-bit OS: the button role installs on armv7 too.
        assert ("# kezek-section: 64-bit" in script) is (node.role.value == "display")


def test_units_choose_lgpio_and_keep_escpos_cache() -> None:
    expected = {
        "call_button": ["KEZEK_NODE_CONFIG=/etc/kezek/node.toml", "GPIOZERO_PIN_FACTORY=lgpio"],
        "ticket_terminal": ["KEZEK_NODE_CONFIG=/etc/kezek/node.toml",
                            "GPIOZERO_PIN_FACTORY=lgpio",
                            "ESCPOS_CAPABILITIES_PICKLE_DIR=/var/lib/kezek-node/escpos"],
        "display": ["KEZEK_NODE_CONFIG=/etc/kezek/node.toml"]}
    center = inventory()
    for node in center.nodes:
        unit = service_entries(systemd_unit(node))
        assert unit["Environment"] == expected[node.role.value], node.node_id
        files = {str(f.path): f.content for f in node_files(center, node, "", "", None, WHEEL)}
        doctor = files["/etc/default/kezek-doctor"]
        assert ("GPIOZERO_PIN_FACTORY=lgpio" in doctor) is (node.role.value != "display")


def fake_commands(tmp_path: Path, scripts: dict[str, str]) -> tuple[Path, Path]:
    """A bin folder holding only the given fake commands (each logs its arguments to the
    returned log file, then runs its body) and the real tools a section needs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "commands.log"
    log.touch()
    for name, body in scripts.items():
        fake = bin_dir / name
        fake.write_text(f'#!/bin/sh\necho "{name} $*" >> {log}\n{body}\n')
        fake.chmod(0o755)
    for tool in ("cut", "cat", "install"):
        real = shutil.which(tool)
        assert real is not None
        (bin_dir / tool).symlink_to(real)
    return bin_dir, log


def run_shell(script: str, bin_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True,
                          timeout=30, env={"PATH": str(bin_dir), "LANG": "C.UTF-8"})


@pytest.mark.parametrize(("dpkg", "uname", "refused"), [
    (None, "armv7l", True),           # a 32-bit OS without dpkg: uname decides
    ("armhf", "aarch64", True),       # Pi 4 on a 32-bit OS: 64-bit kernel, armhf Python
    ("arm64", "aarch64", False),
    (None, "aarch64", False),
])
def test_a_display_on_a_32_bit_os_stops_before_apt_and_pip(
        tmp_path: Path, dpkg: str | None, uname: str, refused: bool) -> None:
    scripts = {"uname": f'[ "$1" = -m ] && echo {uname}',
               "apt-get": "exit 97",  # reached: the check let it through
               "python3": "exit 98"}
    if dpkg is not None:
        scripts["dpkg"] = f'[ "$1" = --print-architecture ] && echo {dpkg}'
    bin_dir, log = fake_commands(tmp_path, scripts)
    script = install_script(inventory().node("board-hall"), WHEEL)
    result = run_shell(script, bin_dir)
    calls = log.read_text()
    if refused:
        text = NODE_FAULTS["os_32bit"]
        assert result.returncode == 1
        assert f"Kezek: {text.kk}\nKezek: {text.ru}\n" in result.stderr
        assert "Установите Raspberry Pi OS (64-bit)" in result.stderr
        assert f"Kezek: {dpkg or uname}" in result.stderr
        assert "apt-get" not in calls and "python3" not in calls
    else:
        assert result.returncode == 97, result.stderr
        assert result.stderr == ""
        assert calls.splitlines()[-1].startswith("apt-get update")


DESKTOP_FAKES = {
    "getent": '[ "$1 $2" = "passwd 1000" ] && echo "pi:x:1000:1000:,,,:/home/pi:/bin/bash"',
    "id": 'case "$2" in pi) echo 1000 ;; kiosk) echo 1001 ;; *) exit 1 ;; esac',
    "usermod": "", "loginctl": ""}


def desktop_section(tmp_path: Path, desktop_user: str | None = None) -> tuple[str, Path]:
    data = example_data()
    if desktop_user is not None:
        next(node for node in data["nodes"] if node["id"] == "board-hall")[
            "desktop_user"] = desktop_user
    script = install_script(inventory(data).node("board-hall"), WHEEL)
    units = tmp_path / "systemd"
    return section(script, "desktop-audio").replace(str(UNIT_DIR), str(units)), \
        units / DESKTOP_AUDIO_DROPIN.relative_to(UNIT_DIR)


@pytest.mark.parametrize(("desktop_user", "user", "uid"), [(None, "pi", 1000),
                                                           ("kiosk", "kiosk", 1001)])
def test_a_display_on_a_desktop_image_plays_as_the_desktop_user(
        tmp_path: Path, desktop_user: str | None, user: str, uid: int) -> None:
    bin_dir, log = fake_commands(tmp_path, {**DESKTOP_FAKES, "pipewire": ""})
    text, dropin = desktop_section(tmp_path, desktop_user)
    result = run_shell(text, bin_dir)
    assert result.returncode == 0, result.stderr
    assert [line for line in log.read_text().splitlines()
            if line.startswith(("usermod", "loginctl"))] == [
        f"usermod -aG kezek-node {user}", f"loginctl enable-linger {user}"]
    unit = dropin.read_text()
    assert service_entries(unit) == {
        "User": [user], "Environment": [f"XDG_RUNTIME_DIR=/run/user/{uid}"],
        "ProtectHome": ["no"]}
    assert f"After=user@{uid}.service" in unit and f"Wants=user@{uid}.service" in unit


def test_a_display_on_lite_keeps_the_system_user(tmp_path: Path) -> None:
    bin_dir, log = fake_commands(tmp_path, DESKTOP_FAKES)  # no pipewire
    text, dropin = desktop_section(tmp_path)
    result = run_shell(text, bin_dir)
    assert (result.returncode, result.stderr) == (0, "")
    assert log.read_text() == ""
    assert not dropin.parent.exists()


def test_a_desktop_without_its_user_says_so_and_goes_on(tmp_path: Path) -> None:
    bin_dir, log = fake_commands(tmp_path, {**DESKTOP_FAKES, "pipewire": "",
                                            "getent": "exit 2"})
    text, dropin = desktop_section(tmp_path)
    result = run_shell(text, bin_dir)
    assert result.returncode == 0
    assert "Пользователь рабочего стола не найден" in result.stderr
    assert "Жұмыс үстелінің пайдаланушысы табылмады" in result.stderr
    assert not dropin.exists() and "usermod" not in log.read_text()


def test_desktop_user_is_checked_in_the_inventory() -> None:
    data = example_data()
    data["nodes"][0]["desktop_user"] = "kiosk"  # terminal-1
    next(node for node in data["nodes"] if node["id"] == "board-hall")[
        "desktop_user"] = "Not A User"
    with pytest.raises(InventoryError) as caught:
        inventory(data)
    problems = "\n".join(caught.value.problems)
    assert "node 'terminal-1' (nodes[0]) desktop_user: only a display node" in problems
    assert "desktop_user: 'Not A User' is not a user name" in problems


# The printer rule -------------------------------------------------------------------


def terminal_rule(data: dict[str, Any] | None = None) -> str:
    center = inventory(data)
    files = node_files(center, center.node("terminal-1"), "", "", None, WHEEL)
    return next(f.content for f in files if f.path == RULES_PATH)


def test_only_a_terminal_gets_the_rule_on_both_first_boot_paths(tmp_path: Path) -> None:
    data = example_data()
    data["printers"] = {"usb_ids": ["0DD4", "0483:5720"]}
    center = inventory(data)
    wheel = tmp_path / WHEEL
    wheel.write_bytes(b"PK")
    root = generate_center(center, tmp_path / "center", wheel).root
    for node in center.nodes:
        boot = root / "nodes" / node.node_id / "boot"
        _header, body = (boot / "user-data").read_text().split("\n", 1)
        written = {entry["path"]: entry for entry in json.loads(body)["write_files"]}
        firstrun = (boot / "firstrun.sh").read_text()
        if node.role.value != "ticket_terminal":
            assert str(RULES_PATH) not in written and str(RULES_PATH) not in firstrun
            continue
        rule = written[str(RULES_PATH)]
        assert (rule["permissions"], rule["owner"]) == ("0644", "root:root")
        assert f"cat > {RULES_PATH} <<'KEZEK_FILE_END'\n{rule['content']}KEZEK_FILE_END" \
            in firstrun
        assert 'ATTR{idVendor}=="0dd4", GROUP="lp"' in rule["content"]
        assert 'ATTR{idVendor}=="0483", ATTR{idProduct}=="5720"' in rule["content"]
        assert "udevadm control --reload && udevadm trigger" in install_script(node, WHEEL)
    with pytest.raises(InventoryError, match=r"\[printers\] usb_ids.0"):
        inventory({**example_data(), "printers": {"usb_ids": ["04b8:"]}})


@dataclass
class Outcome:
    group: str | None = None
    mode: str | None = None


RULE_TOKEN = re.compile(r'\s*([A-Z_]+(?:\{[A-Za-z_]+\})?)\s*(==|!=|=)\s*"([^"]*)"\s*(,|$)')
MATCH_KEYS = {"ACTION", "SUBSYSTEM", "KERNEL", "ENV", "ATTR"}
ASSIGN_KEYS = {"GROUP", "MODE", "GOTO", "LABEL"}


def parse_rule_lines(text: str) -> list[list[tuple[str, str, str]]]:
    """Each rule line as (key, operator, value): every character accounted for, match
    keys compared, assignment keys assigned."""
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        tokens, at = [], 0
        while at < len(line):
            token = RULE_TOKEN.match(line, at)
            assert token, f"line {number}: cannot read {line[at:]!r}"
            key, operator, value = token.group(1, 2, 3)
            kind = key.split("{")[0]
            assert kind in MATCH_KEYS | ASSIGN_KEYS, f"line {number}: unknown key {key}"
            assert (operator in ("==", "!=")) is (kind in MATCH_KEYS), f"line {number}"
            tokens.append((key, operator, value))
            at = token.end()
        rules.append(tokens)
    return rules


def apply_rules(text: str, device: dict[str, str]) -> Outcome:
    """What the rule file assigns to a device (its properties as udev names them)."""
    outcome, skipping_to = Outcome(), None
    for tokens in parse_rule_lines(text):
        if skipping_to is not None:
            if ("LABEL", "=", skipping_to) in tokens:
                skipping_to = None
            continue
        matches = [(key, op, value) for key, op, value in tokens if op in ("==", "!=")]
        if not all(fnmatch.fnmatchcase(device.get(key, ""), value) is (op == "==")
                   for key, op, value in matches):
            continue
        for key, _operator, value in tokens:
            if key == "GROUP":
                outcome.group = value
            elif key == "MODE":
                outcome.mode = value
            elif key == "GOTO":
                skipping_to = value
    return outcome


def usb_device(vendor: str, product: str, interfaces: str = ":ff0000:",
               **more: str) -> dict[str, str]:
    return {"ACTION": "add", "SUBSYSTEM": "usb", "ENV{DEVTYPE}": "usb_device",
            "ATTR{idVendor}": vendor, "ATTR{idProduct}": product,
            "ENV{ID_USB_INTERFACES}": interfaces, **more}


GRANTED = Outcome("lp", "0660")


def test_the_rule_opens_printers_and_nothing_else() -> None:
    data = example_data()
    data["printers"] = {"usb_ids": ["0dd4"]}
    rule = terminal_rule(data)
    assert apply_rules(rule, usb_device("04b8", "0e15")) == GRANTED  # Epson TM-T20II
    assert apply_rules(rule, usb_device("1fc9", "2016")) == GRANTED  # Xprinter
    assert apply_rules(rule, usb_device("0483", "5743")) == GRANTED  # Xprinter, POS-80
    assert apply_rules(rule, usb_device("0fe6", "811e")) == GRANTED  # POS-80 bridge
    assert apply_rules(rule, usb_device("0dd4", "0205")) == GRANTED  # the inventory's
    # An unknown printer that says it is one (interface class 07, subclass 01).
    assert apply_rules(rule, usb_device("9999", "0001", ":070102:")) == GRANTED
    assert apply_rules(rule, {"ACTION": "add", "SUBSYSTEM": "usbmisc",
                              "KERNEL": "lp0"}) == GRANTED
    # The bridge chips' vendors make other things too: an ST-Link, an ICS Ethernet.
    assert apply_rules(rule, usb_device("0483", "3748")) == Outcome()
    assert apply_rules(rule, usb_device("0fe6", "9700")) == Outcome()
    assert apply_rules(rule, usb_device("04b8", "0e15", ACTION="remove")) == Outcome()
    assert apply_rules(rule, usb_device("04b8", "0e15", **{"ENV{DEVTYPE}": "usb_interface"})
                       ) == Outcome()


def test_the_evaluator_can_refuse() -> None:
    with pytest.raises(AssertionError, match="cannot read"):
        parse_rule_lines('ATTR{idVendor}=="04b8" GROUP:="lp"')
    with pytest.raises(AssertionError, match="unknown key"):
        parse_rule_lines('FOO=="bar", GROUP="lp"')


def udev_reads(rules: str, tmp_path: Path) -> str:
    """What udev says reading the rule file: `udevadm verify` (systemd 254+), else
    `udevadm test` in a private mount namespace whose /etc/udev/rules.d holds only it."""
    folder = tmp_path / "rules.d"
    folder.mkdir(exist_ok=True)
    path = folder / RULES_PATH.name
    path.write_text(rules)
    udevadm = shutil.which("udevadm")
    if udevadm is None:
        unavailable("udevadm is missing (Debian package udev)")
        raise AssertionError
    verify = subprocess.run([udevadm, "verify", str(path)], capture_output=True, text=True)
    if "Unknown command verb verify" not in verify.stderr:
        return verify.stdout + verify.stderr + f"\nexit {verify.returncode}"
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        unavailable("reading the rule with udevadm test needs root and unshare")
    script = (f"mount --bind {folder} /etc/udev/rules.d && mount -t tmpfs kezek-dev /dev && "
              f"exec {udevadm} test --action=add /sys/class/mem/null")
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                             script], capture_output=True, text=True, timeout=60)
    assert "Reading rules file: /etc/udev/rules.d/" + RULES_PATH.name in result.stderr + \
        result.stdout, result.stderr
    return "\n".join(line for line in (result.stdout + result.stderr).splitlines()
                     if line.startswith(f"/etc/udev/rules.d/{RULES_PATH.name}:"))


def test_udev_reads_the_rule_without_complaint(tmp_path: Path) -> None:
    said = udev_reads(terminal_rule(), tmp_path)
    assert said in ("", "\nexit 0") or said.endswith("exit 0"), said
    assert "Invalid" not in said
    broken = udev_reads(printer_rules() + 'FOO=="bar", GROUP="lp"\n', tmp_path)
    assert "Invalid key 'FOO'" in broken or "exit 1" in broken, broken
