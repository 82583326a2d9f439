"""Generating a center: what each file holds, its mode, that the node loads its file,
that cloud-init accepts the user-data, that a second run keeps what was issued, and
that a failure leaves the previous folder as it was."""

from __future__ import annotations

import configparser
import json
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from firmware.common.settings import load_node_settings
from firmware.display_node.settings import DisplayNodeSettings
from provisioning import center as center_module
from provisioning.center import generate_center
from provisioning.inventory import parse_inventory
from provisioning.passwords import read_password_file, verify
from provisioning.roles import ROLE_SETTINGS
from tests.conftest import unavailable
from tests.provisioning.conftest import EXAMPLE, example_data

SECRETS = ("ca/ca.key", "broker/passwd", "broker/server.key", "hub/hub.env")


def generate(tmp_path: Path, data: dict[str, Any] | None = None) -> Path:
    inventory = parse_inventory(data or example_data(), EXAMPLE)
    wheel = tmp_path / "kezek-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK fake wheel")
    return generate_center(inventory, tmp_path / "center", wheel).root


def cloud_config(path: Path) -> dict[str, Any]:
    header, body = path.read_text().split("\n", 1)
    assert header == "#cloud-config"
    return dict(json.loads(body))


def test_secrets_are_private_and_nodes_load_their_files(tmp_path: Path) -> None:
    root = generate(tmp_path)
    for secret in SECRETS:
        assert stat.S_IMODE((root / secret).stat().st_mode) == 0o600, secret
    passwords = read_password_file(root / "broker" / "passwd")
    assert set(passwords) == {"kezek-hub", "terminal-1", "board-hall", "desk-window-1",
                              "desk-office-105"}
    for node_dir in (root / "nodes").iterdir():
        node_file = node_dir / "node.toml"
        assert stat.S_IMODE(node_file.stat().st_mode) == 0o600
        role = tomllib.loads(node_file.read_text())["role"]
        settings = load_node_settings(ROLE_SETTINGS[role], node_file)
        assert settings.node_id == node_dir.name
        assert settings.broker.tls
        assert settings.password is not None
        assert verify(settings.password.get_secret_value(), passwords[node_dir.name])
    board = load_node_settings(DisplayNodeSettings,
                               root / "nodes" / "board-hall" / "node.toml")
    assert board.voice is not None
    assert (board.voice.voice_name("kk"), board.voice.voice_name("ru")) == (
        "kk_KZ-iseke-x_low", "ru_RU-irina-medium")
    assert board.voice.quiet_from is not None and board.voice.quiet_from.hour == 19
    assert [b.desk for b in board.boards] == [None, "window-1"]
    hub_env = dict(line.split("=", 1) for line in (root / "hub" / "hub.env").read_text()
                   .splitlines())
    assert verify(hub_env["KEZEK_HUB_MQTT_PASSWORD"], passwords["kezek-hub"])
    assert hub_env["KEZEK_HUB_MQTT_URL"] == "mqtts://hub.kezek.lan:8883"


def test_the_boot_bundle(tmp_path: Path) -> None:
    root = generate(tmp_path)
    boot = root / "nodes" / "desk-window-1" / "boot"
    config = cloud_config(boot / "user-data")
    assert config["hostname"] == "desk-window-1"
    assert config["timezone"] == "Asia/Almaty"
    assert config["ntp"]["servers"] == ["hub.kezek.lan", "pool.ntp.org"]
    files = {entry["path"]: entry for entry in config["write_files"]}
    node_file = files["/etc/kezek/node.toml"]
    assert node_file["content"] == (root / "nodes" / "desk-window-1" / "node.toml").read_text()
    assert (node_file["permissions"], node_file["owner"]) == ("0640", "root:kezek-node")
    # Environment= repeats: the last one read is the pin factory.
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.read_string(files["/etc/systemd/system/kezek-node.service"]["content"])
    service = unit["Service"]
    assert service["Type"] == "notify"
    assert int(service["WatchdogSec"]) > 0
    assert service["Restart"] == "always"
    assert service["ExecStart"] == "/opt/kezek/bin/kezek-call-button"
    assert service["Environment"] == "GPIOZERO_PIN_FACTORY=lgpio"
    assert config["runcmd"] == [["/usr/local/sbin/kezek-install"]]
    script = files["/usr/local/sbin/kezek-install"]["content"]
    assert "kezek/kezek-0.1.0-py3-none-any.whl[button,doctor]" in script
    assert "systemctl enable --now kezek-node.service" in script
    assert (boot / "kezek" / "kezek-0.1.0-py3-none-any.whl").read_bytes() == b"PK fake wheel"
    assert "instance-id: kezek-desk-window-1-" in (boot / "meta-data").read_text()
    # The display downloads its voices at install time.
    board = cloud_config(root / "nodes" / "board-hall" / "boot" / "user-data")
    board_script = next(f["content"] for f in board["write_files"]
                        if f["path"] == "/usr/local/sbin/kezek-install")
    assert "kezek-provision voices --dest /var/lib/kezek-node/voices kk_KZ-iseke-x_low " \
           "ru_RU-irina-medium" in board_script


def test_cloud_init_accepts_every_user_data(tmp_path: Path) -> None:
    if shutil.which("cloud-init") is None:
        unavailable("cloud-init is not installed (Debian package cloud-init)")
    data = example_data()
    data["network"]["wifi"] = {"ssid": "Kezek Hall", "password": "correct horse"}
    data["network"]["ssh_keys"] = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx installer"]
    root = generate(tmp_path, data)
    for node_dir in sorted((root / "nodes").iterdir()):
        result = subprocess.run(["cloud-init", "schema", "--config-file",
                                 str(node_dir / "boot" / "user-data")],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        network = json.loads((node_dir / "boot" / "network-config").read_text())
        assert network["wifis"]["wlan0"]["access-points"] == {
            "Kezek Hall": {"password": "correct horse"}}


def test_cloud_init_schema_catches_a_broken_config(tmp_path: Path) -> None:
    """The schema check above can fail: a user-data with a wrong type is refused."""
    if shutil.which("cloud-init") is None:
        unavailable("cloud-init is not installed (Debian package cloud-init)")
    root = generate(tmp_path)
    user_data = root / "nodes" / "terminal-1" / "boot" / "user-data"
    config = cloud_config(user_data)
    config["write_files"][0]["permissions"] = 0o640
    user_data.write_text("#cloud-config\n" + json.dumps(config))
    result = subprocess.run(["cloud-init", "schema", "--config-file", str(user_data)],
                            capture_output=True, text=True)
    assert result.returncode != 0


def test_firstrun_script_is_valid_bash_and_carries_the_same_files(tmp_path: Path) -> None:
    root = generate(tmp_path)
    script = root / "nodes" / "terminal-1" / "boot" / "firstrun.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    node_file = (root / "nodes" / "terminal-1" / "node.toml").read_text()
    assert f"cat > /etc/kezek/node.toml <<'KEZEK_FILE_END'\n{node_file}KEZEK_FILE_END\n" \
           "chown root:kezek-node /etc/kezek/node.toml\nchmod 0640 /etc/kezek/node.toml" in text
    assert "echo terminal-1 > /etc/hostname" in text
    assert "systemctl enable kezek-install.service" in text


def test_generating_again_keeps_the_ca_and_issued_passwords(tmp_path: Path) -> None:
    root = generate(tmp_path)
    ca = (root / "ca" / "ca.crt").read_bytes()
    node_file = (root / "nodes" / "terminal-1" / "node.toml").read_text()
    hub_env = (root / "hub" / "hub.env").read_text()
    data = example_data()
    data["nodes"].pop(3)  # desk-office-105 leaves
    data["nodes"].append({"id": "desk-window-2", "role": "call_button", "desk": "window-2",
                          "buttons": {"next": 5}})
    generate(tmp_path, data)
    assert (root / "ca" / "ca.crt").read_bytes() == ca
    assert (root / "nodes" / "terminal-1" / "node.toml").read_text() == node_file
    assert (root / "hub" / "hub.env").read_text() == hub_env
    users = set(read_password_file(root / "broker" / "passwd"))
    assert "desk-window-2" in users
    assert "desk-office-105" not in users
    assert not (root / "nodes" / "desk-office-105").exists()


def test_a_failure_leaves_the_previous_center_untouched(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = generate(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    real_node = center_module._node

    def failing(*args: Any) -> None:
        if args[2].node_id == "desk-window-1":
            raise OSError("disk full")
        real_node(*args)

    monkeypatch.setattr(center_module, "_node", failing)
    with pytest.raises(OSError, match="disk full"):
        generate(tmp_path)
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "center", "kezek-0.1.0-py3-none-any.whl"]


def test_a_missing_wheel_writes_nothing(tmp_path: Path) -> None:
    from provisioning.errors import ProvisioningError

    inventory = parse_inventory(example_data(), EXAMPLE)
    with pytest.raises(ProvisioningError, match="does not exist"):
        generate_center(inventory, tmp_path / "center", tmp_path / "missing.whl")
    assert list(tmp_path.iterdir()) == []
