"""First boot on a real Pi: each role installs only its extra into a venv that sees
Debian's python3-lgpio; the units pick lgpio, keep escpos's cache and run in their state
directory (lgpio's notification pipe); the install waits for NTP and retries apt-get
update while the clock is stale; a display on a 32-bit OS stops before apt and pip with
a Kazakh and Russian line; on a desktop image a speaking display runs as the desktop
user (never the admin or a member of sudo) and plays through PipeWire; a terminal gets
the printer udev rule, on both the cloud-init and the firstrun.sh paths.

Parts of the generated install script run here for real, with fake `uname`, `dpkg`,
`apt-get`, `sleep`, `getent`, `id`, `usermod`, `loginctl` and `pipewire` on PATH. The udev rule is
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
from firmware.common.settings import load_node_settings
from firmware.display_node.settings import DisplayNodeSettings
from provisioning.center import generate_center, node_settings_toml
from provisioning.errors import InventoryError
from provisioning.firstboot import (
    APT_ATTEMPTS,
    APT_PAUSE_SECONDS,
    DESKTOP_AUDIO_DROPIN,
    TIME_WAIT_SYNC_DROPIN,
    UNIT_DIR,
    install_script,
    install_unit,
    node_files,
    systemd_unit,
)
from provisioning.inventory import Inventory, NodeEntry, parse_inventory
from provisioning.udev import RULES_PATH, printer_rules
from tests.conftest import unavailable
from tests.provisioning.conftest import EXAMPLE, example_data

ROOT = Path(__file__).resolve().parents[2]
WHEEL = "kezek-0.1.0-py3-none-any.whl"
ROLE_EXTRA = {"call_button": "button", "ticket_terminal": "terminal", "display": "display"}


def inventory(data: dict[str, Any] | None = None) -> Inventory:
    return parse_inventory(data or example_data(), EXAMPLE)


def script_of(node: NodeEntry) -> str:
    return install_script(node, WHEEL, admin_user=example_data()["network"]["admin_user"])


def section(script: str, name: str) -> str:
    match = re.search(rf"^# kezek-section: {name}\n(.*?)^# kezek-section-end: {name}$",
                      script, re.MULTILINE | re.DOTALL)
    assert match, f"no section {name}"
    return match.group(1)


def service_entries(unit: str, part: str = "[Service]") -> dict[str, list[str]]:
    """[Service] (or `part`) key -> every value it is given (Environment= may repeat)."""
    entries: dict[str, list[str]] = {}
    current = ""
    for line in unit.splitlines():
        if line.startswith("["):
            current = line
        elif current == part and "=" in line and not line.startswith("#"):
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
        script = script_of(node)
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


def test_units_run_in_their_state_directory() -> None:
    """Debian's lgpio makes its notification pipe (.lgd-nfy*) in the current directory:
    in `/`, which the service user cannot write, it fails and the buttons are mock. The
    unit's working directory is its StateDirectory, which systemd creates (owned by the
    unit's user) before it enters the working directory."""
    for node in inventory().nodes:
        unit = service_entries(systemd_unit(node))
        assert unit["StateDirectory"] == ["kezek-node"], node.node_id
        assert unit["WorkingDirectory"] == ["/var/lib/kezek-node"], node.node_id
        assert (unit["User"], unit["Group"]) == (["kezek-node"], ["kezek-node"])


def test_a_display_may_return_its_synthesis_worker_to_normal_priority() -> None:
    """The worker is niced while it warms the cache; a call's piece asks for normal
    priority again, which an unprivileged process may only do under RLIMIT_NICE."""
    for node in inventory().nodes:
        unit = service_entries(systemd_unit(node))
        wanted = ["+0"] if node.role.value == "display" else None
        assert unit.get("LimitNICE") == wanted, node.node_id


def test_the_install_waits_for_ntp_but_not_for_ever() -> None:
    unit = install_unit()
    assert "Wants=network-online.target systemd-time-wait-sync.service" in unit
    assert "After=network-online.target time-sync.target systemd-time-wait-sync.service" \
        in unit
    center = inventory()
    for node in center.nodes:
        files = {f.path: f for f in node_files(center, node, "", "", None, WHEEL)}
        dropin = files[TIME_WAIT_SYNC_DROPIN]
        assert str(TIME_WAIT_SYNC_DROPIN) == \
            "/etc/systemd/system/systemd-time-wait-sync.service.d/kezek-install.conf"
        assert service_entries(dropin.content) == {"TimeoutStartSec": ["300"]}
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


def apt_section(tmp_path: Path, apt_fails: int) -> tuple[subprocess.CompletedProcess[str],
                                                          list[str]]:
    """The install's apt-get update with a fake apt-get that fails `apt_fails` times as
    on a stale clock, then works; the commands it ran."""
    counter = tmp_path / "apt-count"
    counter.write_text("0")
    bin_dir, log = fake_commands(tmp_path, {
        "apt-get": f"n=$(cat {counter}); echo $((n + 1)) > {counter}; "
                   f"if [ $n -lt {apt_fails} ]; then echo 'E: Release file for "
                   "http://deb.debian.org/debian/dists/bookworm/InRelease is not valid yet' "
                   ">&2; exit 100; fi",
        "sleep": "", "date": "echo 2023-05-03 10:00:00 UTC"})
    script = "set -eu\n" + section(script_of(inventory().node("desk-window-1")), "apt-update")
    result = run_shell(script, bin_dir)
    return result, log.read_text().splitlines()


def test_apt_update_is_retried_while_the_clock_is_stale(tmp_path: Path) -> None:
    result, calls = apt_section(tmp_path, apt_fails=2)
    assert result.returncode == 0, result.stderr
    assert calls == ["apt-get update", f"sleep {APT_PAUSE_SECONDS}", "apt-get update",
                     f"sleep {APT_PAUSE_SECONDS}", "apt-get update"]


def test_apt_update_gives_up_with_a_bilingual_line(tmp_path: Path) -> None:
    result, calls = apt_section(tmp_path, apt_fails=1000)
    assert result.returncode == 1
    assert calls.count("apt-get update") == APT_ATTEMPTS
    assert calls.count(f"sleep {APT_PAUSE_SECONDS}") == APT_ATTEMPTS - 1
    assert "Kezek: Бумалар тізімі жүктелмеді (apt-get update): желіні және сағатты (NTP) " \
        "тексеріңіз\n" in result.stderr
    assert "Kezek: Не удалось загрузить списки пакетов (apt-get update): проверьте сеть и " \
        "часы (NTP)\n" in result.stderr
    assert "Kezek: 2023-05-03" in result.stderr  # the clock it had


@pytest.mark.parametrize(("dpkg", "uname", "refused"), [
    (None, "armv7l", True),           # a 32-bit OS without dpkg: uname decides
    ("armhf", "aarch64", True),       # Pi 4 on a 32-bit OS: 64-bit kernel, armhf Python
    ("arm64", "aarch64", False),
    (None, "aarch64", False),
])
def test_a_display_on_a_32_bit_os_stops_before_apt_and_pip(
        tmp_path: Path, dpkg: str | None, uname: str, refused: bool) -> None:
    scripts = {"uname": f'[ "$1" = -m ] && echo {uname}',
               # Reached: the check let it through (update works, install stops here).
               "apt-get": '[ "$1" = update ] || exit 97',
               "python3": "exit 98"}
    if dpkg is not None:
        scripts["dpkg"] = f'[ "$1" = --print-architecture ] && echo {dpkg}'
    bin_dir, log = fake_commands(tmp_path, scripts)
    script = script_of(inventory().node("board-hall"))
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
        assert calls.splitlines()[-2:] == [
            "apt-get update", "apt-get install -y --no-install-recommends python3-venv "
            "python3-pip alsa-utils"]


# Users of a desktop image: pi (the image's first user, in sudo), kiosk (the TV's own
# user), kezek (the inventory's admin_user), toor (uid 0).
FAKE_ID = """case "$1:$2" in
  -u:pi) echo 1000 ;; -u:kiosk) echo 1001 ;; -u:kezek) echo 1002 ;; -u:toor) echo 0 ;;
  -nG:pi) echo pi adm dialout sudo audio video ;; -nG:kiosk) echo kiosk audio video ;;
  -nG:kezek) echo kezek adm ;; -nG:toor) echo root ;;
  *) exit 1 ;;
esac"""


def desktop_fakes(first_user: str = "pi") -> dict[str, str]:
    return {"getent": f'[ "$1 $2" = "passwd 1000" ] && '
                      f'echo "{first_user}:x:1000:1000:,,,:/home/{first_user}:/bin/bash"',
            "id": FAKE_ID, "usermod": "", "loginctl": ""}


def desktop_section(tmp_path: Path, desktop_user: str | None = None) -> tuple[str, Path]:
    data = example_data()
    if desktop_user is not None:
        next(node for node in data["nodes"] if node["id"] == "board-hall")[
            "desktop_user"] = desktop_user
    script = script_of(inventory(data).node("board-hall"))
    units = tmp_path / "systemd"
    return section(script, "desktop-audio").replace(str(UNIT_DIR), str(units)), \
        units / DESKTOP_AUDIO_DROPIN.relative_to(UNIT_DIR)


@pytest.mark.parametrize(("desktop_user", "first_user", "uid"), [("kiosk", "pi", 1001),
                                                                 (None, "kiosk", 1001)])
def test_a_display_on_a_desktop_image_plays_as_the_desktop_user(
        tmp_path: Path, desktop_user: str | None, first_user: str, uid: int) -> None:
    bin_dir, log = fake_commands(tmp_path, {**desktop_fakes(first_user), "pipewire": ""})
    text, dropin = desktop_section(tmp_path, desktop_user)
    result = run_shell(text, bin_dir)
    assert (result.returncode, result.stderr) == (0, "")
    # No usermod: the desktop user's whole session (its browser) stays out of group
    # kezek-node; the unit's Group= gives the node's process alone the secrets.
    assert [line for line in log.read_text().splitlines()
            if line.startswith(("usermod", "loginctl"))] == ["loginctl enable-linger kiosk"]
    unit = dropin.read_text()
    assert service_entries(unit) == {
        "User": ["kiosk"],
        "Environment": [f"XDG_RUNTIME_DIR=/run/user/{uid}", "KEZEK_NODE_VOICE__SINK=pipewire"],
        "ProtectHome": ["no"]}
    assert f"After=user@{uid}.service" in unit and f"Wants=user@{uid}.service" in unit
    # The unit with its drop-in: the node's group and state directory stay.
    merged = service_entries(systemd_unit(inventory().node("board-hall")))
    merged.update(service_entries(unit))
    assert (merged["User"], merged["Group"]) == (["kiosk"], ["kezek-node"])
    assert merged["WorkingDirectory"] == ["/var/lib/kezek-node"]


def test_the_drop_ins_sink_is_what_the_node_reads(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """KEZEK_NODE_VOICE__SINK overrides the file's `[voice] sink` and nothing else of the
    section (the node's settings merge the environment into the file's tables)."""
    center = inventory()
    node = center.node("board-hall")
    path = tmp_path / "node.toml"
    path.write_text(node_settings_toml(center, node, "secret", False))
    from_file = load_node_settings(DisplayNodeSettings, path)
    assert from_file.voice is not None and from_file.voice.sink == "alsa"
    monkeypatch.setenv("KEZEK_NODE_VOICE__SINK", "pipewire")
    desktop = load_node_settings(DisplayNodeSettings, path)
    assert desktop.voice is not None and desktop.voice.sink == "pipewire"
    assert desktop.voice.model_dump(exclude={"sink"}) == \
        from_file.voice.model_dump(exclude={"sink"})


@pytest.mark.parametrize(("desktop_user", "first_user"), [
    (None, "pi"),       # the image's first user is in sudo
    ("pi", "kiosk"),    # named, but in sudo all the same
    (None, "kezek"),    # the inventory's admin_user
    (None, "toor"),     # uid 0
])
def test_an_admin_never_runs_the_node(tmp_path: Path, desktop_user: str | None,
                                      first_user: str) -> None:
    bin_dir, log = fake_commands(tmp_path, {**desktop_fakes(first_user), "pipewire": ""})
    text, dropin = desktop_section(tmp_path, desktop_user)
    result = run_shell(text, bin_dir)
    assert result.returncode == 0
    assert "Kezek: Пользователь рабочего стола — администратор (sudo): узел не запускается " \
        "от его имени" in result.stderr
    assert "Kezek: Жұмыс үстелінің пайдаланушысы әкімші (sudo)" in result.stderr
    assert f"Kezek: {desktop_user or first_user}\n" in result.stderr
    assert not dropin.exists()
    assert not [line for line in log.read_text().splitlines()
                if line.startswith(("usermod", "loginctl"))]


def test_a_display_on_lite_keeps_the_system_user(tmp_path: Path) -> None:
    bin_dir, log = fake_commands(tmp_path, desktop_fakes())  # no pipewire
    text, dropin = desktop_section(tmp_path)
    result = run_shell(text, bin_dir)
    assert (result.returncode, result.stderr) == (0, "")
    assert log.read_text() == ""
    assert not dropin.parent.exists()


def test_a_desktop_without_its_user_says_so_and_goes_on(tmp_path: Path) -> None:
    bin_dir, log = fake_commands(tmp_path, {**desktop_fakes(), "pipewire": "",
                                            "getent": "exit 2"})
    text, dropin = desktop_section(tmp_path)
    result = run_shell(text, bin_dir)
    assert result.returncode == 0
    assert "Пользователь рабочего стола не найден" in result.stderr
    assert "Жұмыс үстелінің пайдаланушысы табылмады" in result.stderr
    assert not dropin.exists() and "loginctl" not in log.read_text()


@pytest.mark.parametrize("voice", [None, {"sink": "wav"}, {"sink": "null"},
                                   {"enabled": False}])
def test_a_display_without_sound_stays_the_system_user(voice: dict[str, Any] | None) -> None:
    data = example_data()
    board = next(node for node in data["nodes"] if node["id"] == "board-hall")
    if voice is None:
        del board["voice"]
    else:
        board["voice"] |= voice
    assert "# kezek-section: desktop-audio" not in script_of(inventory(data).node("board-hall"))


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
    for refused, said in (("kezek", "is the admin_user"), ("root", "is root")):
        data = example_data()
        next(node for node in data["nodes"] if node["id"] == "board-hall")[
            "desktop_user"] = refused
        with pytest.raises(InventoryError) as caught:
            inventory(data)
        assert f"node 'board-hall' desktop_user: {refused!r} {said}: name the kiosk's own " \
            "user (without sudo)" in caught.value.problems


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
        assert "udevadm control --reload && udevadm trigger" in script_of(node)
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
