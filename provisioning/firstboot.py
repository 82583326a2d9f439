"""What a blank Raspberry Pi needs on its boot partition to become a node.

Newer Raspberry Pi OS images run cloud-init from `user-data`, `network-config` and
`meta-data` on the boot partition; older ones run `firstrun.sh` from the kernel command
line (Raspberry Pi Imager's way). Both lay down the same files: the node's settings and
secrets (mode 0640, readable by the service's group only), the CA certificate, the
systemd unit, a terminal's printer udev rule, and one install script that:
- stops a display node on a 32-bit OS with a clear line, before apt and pip;
- runs `apt-get update` until it succeeds, up to `APT_ATTEMPTS` times with a pause
  (a Pi has no real-time clock: until NTP answers, its date is the last shutdown's and
  Debian's Release files are "not valid yet"); the install unit also waits for the
  clock's first synchronisation (systemd-time-wait-sync, bounded by a drop-in);
- installs Debian's python3-lgpio (GPIO roles) and builds a virtualenv that sees it
  (`--system-site-packages`: PyPI has no lgpio wheel for trixie's Python 3.13);
- installs the Kezek wheel with only the node's role extra (`kezek[button,doctor]`, …);
- fetches a display's voices; on a desktop image (PipeWire) runs a speaking display's
  unit as the desktop (kiosk) user, whose PipeWire session has the sound, and plays
  through PipeWire (never as the admin user or another member of sudo);
- enables the unit and scrubs the secrets off the boot partition (FAT: anyone holding
  the card can read it).

The cloud-config is written as JSON, which is YAML too: no YAML library needed, and
`cloud-init schema` validates it like any other."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath

from contract.mqtt import NodeRole
from contract.node_faults import NODE_FAULTS
from firmware.common.settings import ENV_PREFIX
from firmware.display_node.settings import DisplayNodeSettings
from firmware.ticket_terminal.launch import ESCPOS_CACHE_ENV, escpos_cache_dir
from firmware.ticket_terminal.settings import TerminalSettings
from provisioning import udev
from provisioning.inventory import NODE_CONFIG_DIR, NODE_CONFIG_FILE, Inventory, NodeEntry
from provisioning.roles import ROLE_PROGRAM, voice_downloads

SERVICE_USER = "kezek-node"
SERVICE_NAME = "kezek-node.service"
# The unit's StateDirectory=, created by systemd (owned by the unit's user) before the
# process starts, and its working directory: Debian's lgpio makes its notification pipe
# (.lgd-nfy*) in the current directory, and the service user cannot write to `/`.
STATE_DIRECTORY = "kezek-node"
STATE_DIR = PurePosixPath("/var/lib") / STATE_DIRECTORY
UNIT_DIR = PurePosixPath("/etc/systemd/system")
UNIT_PATH = UNIT_DIR / SERVICE_NAME
INSTALL_SCRIPT = PurePosixPath("/usr/local/sbin/kezek-install")
INSTALL_UNIT = "kezek-install.service"
# The install waits for the clock's first synchronisation, but not for ever: without NTP
# (a closed LAN) systemd-time-wait-sync would wait endlessly, and the install would
# never say why. The drop-in matters only while something wants the service: the
# install unit, disabled once the install is done.
TIME_WAIT_SYNC = "systemd-time-wait-sync.service"
TIME_WAIT_SYNC_DROPIN = UNIT_DIR / f"{TIME_WAIT_SYNC}.d" / "kezek-install.conf"
TIME_WAIT_SECONDS = 300
# apt-get update until it works: NTP may answer minutes after the network is up.
APT_ATTEMPTS = 10
APT_PAUSE_SECONDS = 30
# KEY=value lines the doctor reads (provisioning/doctor/settings.py `read_default`).
DOCTOR_DEFAULTS = PurePosixPath("/etc/default/kezek-doctor")
HUB_URL_KEY = "KEZEK_DOCTOR_HUB_URL"
PIN_FACTORY_KEY = "GPIOZERO_PIN_FACTORY"
VENV = PurePosixPath("/opt/kezek")
BUNDLE_DIR = "kezek"  # on the boot partition: the wheel
# Groups that own the devices a node drives: GPIO, serial ports, USB printers, sound.
DEVICE_GROUPS = ("gpio", "dialout", "lp", "plugdev", "audio")
WATCHDOG_SECONDS = 30
PACKAGES = ("python3-venv", "python3-pip")
# Debian's lgpio, seen by the venv: the pin factory that works on kernel 6.6+ and a Pi 5.
ROLE_PACKAGES: dict[NodeRole, tuple[str, ...]] = {
    NodeRole.CALL_BUTTON: ("python3-lgpio",),
    NodeRole.TICKET_TERMINAL: ("python3-lgpio",),
    NodeRole.DISPLAY: ("alsa-utils",),
}
# The pyproject extra each role installs: a call-button box gets no numpy or piper-tts.
ROLE_EXTRA: dict[NodeRole, str] = {
    NodeRole.CALL_BUTTON: "button",
    NodeRole.TICKET_TERMINAL: "terminal",
    NodeRole.DISPLAY: "display",
}
GPIO_ROLES = (NodeRole.CALL_BUTTON, NodeRole.TICKET_TERMINAL)
PIN_FACTORY = "lgpio"
# Debian architectures (and `uname -m` names) a display node installs on.
SIXTY_FOUR_BIT = ("arm64", "aarch64", "amd64", "x86_64")
DESKTOP_AUDIO_DROPIN = UNIT_DIR / f"{SERVICE_NAME}.d" / "desktop-audio.conf"
# The node's settings from the environment (firmware/common/settings.py: KEZEK_NODE_
# and `__` between nested keys): the voice's sink, set to pipewire on desktop images.
VOICE_SINK_ENV = f"{ENV_PREFIX}VOICE__SINK"


@dataclass(frozen=True, slots=True)
class NodeFile:
    path: PurePosixPath
    content: str
    mode: str  # octal, as cloud-init wants it
    owner: str = "root:root"


def packages(node: NodeEntry) -> tuple[str, ...]:
    return (*PACKAGES, *ROLE_PACKAGES[node.role])


def unit_environment(node: NodeEntry) -> list[str]:
    environment = [f"KEZEK_NODE_CONFIG={NODE_CONFIG_FILE}"]
    if node.role in GPIO_ROLES:
        environment.append(f"{PIN_FACTORY_KEY}={PIN_FACTORY}")
    if isinstance(node.settings, TerminalSettings):
        # escpos's parsed capabilities survive restarts (firmware/ticket_terminal/launch.py).
        environment.append(f"{ESCPOS_CACHE_ENV}={escpos_cache_dir(node.settings.data_dir)}")
    return environment


def systemd_unit(node: NodeEntry) -> str:
    program = ROLE_PROGRAM[node.role]
    return "\n".join([
        "[Unit]",
        f"Description=Kezek {node.role.value.replace('_', ' ')} node {node.node_id}",
        "Wants=network-online.target time-sync.target",
        "After=network-online.target time-sync.target",
        # Keep trying for ever: a node that gave up is a dark screen in the hall.
        "StartLimitIntervalSec=0",
        "",
        "[Service]",
        "Type=notify",
        "NotifyAccess=main",
        *(f"Environment={assignment}" for assignment in unit_environment(node)),
        f"ExecStart={VENV}/bin/{program}",
        f"User={SERVICE_USER}",
        f"Group={SERVICE_USER}",
        f"SupplementaryGroups={' '.join(DEVICE_GROUPS)}",
        f"StateDirectory={STATE_DIRECTORY}",
        "StateDirectoryMode=0700",
        f"WorkingDirectory={STATE_DIR}",
        # A display's synthesis worker lowers its priority while it warms the voice
        # cache and returns to normal for a call's piece: RLIMIT_NICE lets it go back.
        *(["LimitNICE=+0"] if node.role is NodeRole.DISPLAY else []),
        f"WatchdogSec={WATCHDOG_SECONDS}",
        "Restart=always",
        "RestartSec=5",
        "TimeoutStartSec=120",
        "NoNewPrivileges=true",
        "ProtectSystem=full",
        "ProtectHome=true",
        "PrivateTmp=true",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ])


def install_unit() -> str:
    """Runs the install script once the network is up (firstrun.sh runs before it is)
    and the clock was synchronised (time-sync.target alone does not wait for NTP)."""
    return "\n".join([
        "[Unit]",
        "Description=Install Kezek on first boot",
        f"Wants=network-online.target {TIME_WAIT_SYNC}",
        f"After=network-online.target time-sync.target {TIME_WAIT_SYNC}",
        f"ConditionPathExists=!{VENV}/bin/python",
        "",
        "[Service]",
        "Type=oneshot",
        f"ExecStart={INSTALL_SCRIPT}",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ])


def time_wait_sync_dropin() -> str:
    return "\n".join([
        "# Kezek: the first-boot install waits for NTP this long at most, then starts and",
        "# retries apt-get update itself (provisioning/firstboot.py).",
        "[Service]",
        f"TimeoutStartSec={TIME_WAIT_SECONDS}",
        "",
    ])


def _section(name: str, lines: list[str]) -> list[str]:
    """A part of the install script between markers, so a test can run it alone."""
    return [f"# kezek-section: {name}", *lines, f"# kezek-section-end: {name}"]


def _say(word_or_lines: str | tuple[str, str]) -> str:
    """A shell line printing a message in Kazakh and Russian to stderr (the journal)."""
    if isinstance(word_or_lines, str):
        text = NODE_FAULTS[word_or_lines]
        kk, ru = text.kk, text.ru
    else:
        kk, ru = word_or_lines
    return f"printf 'Kezek: %s\\n' {shlex.quote(kk)} {shlex.quote(ru)} >&2"


def sixty_four_bit_check() -> list[str]:
    """piper-tts and onnxruntime have no 32-bit ARM builds at all: a display node on a
    32-bit OS stops here, saying so, not in a pip traceback. Debian's architecture is
    what pip installs for (a Pi 4 with a 32-bit OS runs a 64-bit kernel: `uname -m`
    says aarch64 there); `uname -m` where dpkg is missing."""
    return _section("64-bit", [
        "kezek_arch=$(dpkg --print-architecture 2>/dev/null || uname -m)",
        'case "$kezek_arch" in',
        f"  {'|'.join(SIXTY_FOUR_BIT)}) ;;",
        "  *)",
        "    " + _say("os_32bit"),
        "    " + _say(("Raspberry Pi OS (64-bit) орнатыңыз",
                       "Установите Raspberry Pi OS (64-bit)")),
        '    echo "Kezek: $kezek_arch" >&2',
        "    exit 1 ;;",
        "esac",
    ])


def apt_update() -> list[str]:
    """`apt-get update`, again after a pause while it fails: a Pi without a real-time
    clock boots with the date of its last shutdown, and Debian's Release files are "not
    valid yet" until NTP sets the clock. After `APT_ATTEMPTS` the install stops, saying
    what to check."""
    return _section("apt-update", [
        "kezek_try=1",
        "until apt-get update; do",
        f'  if [ "$kezek_try" -ge {APT_ATTEMPTS} ]; then',
        "    " + _say(("Бумалар тізімі жүктелмеді (apt-get update): желіні және сағатты "
                       "(NTP) тексеріңіз",
                       "Не удалось загрузить списки пакетов (apt-get update): проверьте "
                       "сеть и часы (NTP)")),
        '    echo "Kezek: $(date -u "+%Y-%m-%d %H:%M:%S UTC")" >&2',
        "    exit 1",
        "  fi",
        '  kezek_try=$((kezek_try + 1))',
        f"  sleep {APT_PAUSE_SECONDS}",
        "done",
    ])


def speaks_through_desktop(node: NodeEntry) -> bool:
    """A display whose voice plays on a sound device (not into files, not silent): on a
    desktop image it must play in the desktop user's PipeWire session."""
    settings = node.settings
    return isinstance(settings, DisplayNodeSettings) and settings.voice is not None and \
        settings.voice.enabled and settings.voice.sink in ("alsa", "pipewire")


def desktop_audio(node: NodeEntry, admin_user: str) -> list[str]:
    """On a desktop image PipeWire owns the sound, in its user's session; a system user
    has none, so a speaking display's unit runs as the desktop (kiosk) user, with that
    user's runtime directory and lingering (its session, and PipeWire, run from boot
    without a login), and plays through PipeWire (`KEZEK_NODE_VOICE__SINK=pipewire`
    overrides the settings file's sink). The unit's Group=kezek-node stays: the process,
    not the desktop user's whole session (its browser), may read /etc/kezek.

    The user is the inventory's `desktop_user`, else the one with uid 1000, and never
    root, the admin user or a member of sudo: the node, reachable from the network,
    would run with their rights and keys (with ProtectHome=no). Such a user is refused
    with a line saying so, and, as on Lite images (no PipeWire), the system user
    kezek-node plays on ALSA."""
    user = shlex.quote(node.desktop_user or "")
    dropin = DESKTOP_AUDIO_DROPIN
    return _section("desktop-audio", [
        "if command -v pipewire >/dev/null 2>&1; then",
        f"  kezek_user={user}",
        '  [ -n "$kezek_user" ] || kezek_user=$(getent passwd 1000 | cut -d: -f1)',
        "  kezek_uid=",
        '  if [ -n "$kezek_user" ]; then kezek_uid=$(id -u "$kezek_user" 2>/dev/null) || '
        "kezek_uid=; fi",
        '  if [ -z "$kezek_uid" ]; then',
        "    " + _say(("Жұмыс үстелінің пайдаланушысы табылмады: дыбыс kezek-node атынан "
                       "ALSA арқылы ойнатылады",
                       "Пользователь рабочего стола не найден: звук играет от имени "
                       "kezek-node через ALSA")),
        f'  elif [ "$kezek_uid" = 0 ] || [ "$kezek_user" = {shlex.quote(admin_user)} ] || '
        'case " $(id -nG "$kezek_user" 2>/dev/null) " in *" sudo "*) true ;; *) false ;; '
        "esac; then",
        "    " + _say(("Жұмыс үстелінің пайдаланушысы әкімші (sudo): түйін оның атынан "
                       "іске қосылмайды, дыбыс kezek-node атынан ALSA арқылы ойнатылады "
                       "(инвентарьда sudo құқығы жоқ desktop_user көрсетіңіз)",
                       "Пользователь рабочего стола — администратор (sudo): узел не "
                       "запускается от его имени, звук играет от имени kezek-node через "
                       "ALSA (укажите в инвентаре desktop_user без прав sudo)")),
        '    echo "Kezek: $kezek_user" >&2',
        "  else",
        f"    install -d -m 0755 {dropin.parent}",
        f"    cat > {dropin} <<KEZEK_DROPIN_END",
        "# Generated by kezek-install: the sound is in the desktop user's PipeWire session.",
        "# Group= (kezek-node) and WorkingDirectory= stay the unit's.",
        "[Unit]",
        "Wants=user@${kezek_uid}.service",
        "After=user@${kezek_uid}.service",
        "",
        "[Service]",
        "User=${kezek_user}",
        "Environment=XDG_RUNTIME_DIR=/run/user/${kezek_uid}",
        f"Environment={VOICE_SINK_ENV}=pipewire",
        "# PipeWire's socket is in /run/user/<uid>, which ProtectHome=true hides.",
        "ProtectHome=no",
        "KEZEK_DROPIN_END",
        '    loginctl enable-linger "$kezek_user"',
        "  fi",
        "fi",
    ])


def install_script(node: NodeEntry, wheel: str, *, admin_user: str) -> str:
    extras = f"{ROLE_EXTRA[node.role]},doctor"
    lines = [
        "#!/bin/sh",
        f"# Install Kezek on node {node.node_id}: generated by kezek-provision.",
        "set -eu",
        f'BOOT=/boot/firmware; [ -d "$BOOT/{BUNDLE_DIR}" ] || BOOT=/boot',
    ]
    if node.role is NodeRole.DISPLAY:
        lines += sixty_four_bit_check()
    lines += [
        "export DEBIAN_FRONTEND=noninteractive",
        *apt_update(),
        f"apt-get install -y --no-install-recommends {' '.join(packages(node))}",
        "# System site packages: Debian's python3-lgpio (PyPI has no lgpio for Python 3.13).",
        f"python3 -m venv --system-site-packages {VENV}",
        f'{VENV}/bin/pip install "$BOOT/{BUNDLE_DIR}/{shlex.quote(wheel)}[{extras}]"',
    ]
    for directory, names in voice_downloads(node.settings).items():
        folder = shlex.quote(str(directory))
        lines += [
            f"install -d -m 0750 -o {SERVICE_USER} -g {SERVICE_USER} {folder}",
            f"{VENV}/bin/kezek-provision voices --dest {folder} "
            f"{' '.join(shlex.quote(name) for name in names)}",
            f"chown -R {SERVICE_USER}:{SERVICE_USER} {folder}",
        ]
    if node.role is NodeRole.TICKET_TERMINAL:
        lines += ["# The printer rule: a printer plugged in already gets its group now.",
                  f"{udev.RELOAD_COMMAND} || true"]
    if speaks_through_desktop(node):
        lines += desktop_audio(node, admin_user)
    lines += [
        "systemctl daemon-reload",
        f"systemctl enable --now {SERVICE_NAME}",
        f"systemctl disable {INSTALL_UNIT} 2>/dev/null || true",
        "# The boot partition is FAT, readable by anyone holding the card: the secrets",
        "# live in /etc/kezek now. cloud-init has consumed this instance's user-data.",
        f'rm -rf "$BOOT/{BUNDLE_DIR}" "$BOOT/firstrun.sh"',
        'if [ -f "$BOOT/user-data" ]; then printf "#cloud-config\\n{}\\n" > "$BOOT/user-data"; fi',
        "",
    ]
    return "\n".join(lines)


def doctor_defaults(inventory: Inventory, node: NodeEntry) -> str:
    lines = [f"{HUB_URL_KEY}={inventory.hub.url}"]
    if node.role in GPIO_ROLES:
        lines.append(f"{PIN_FACTORY_KEY}={PIN_FACTORY}")  # as the unit: see doctor/gpio.py
    return "\n".join(lines) + "\n"


def node_files(inventory: Inventory, node: NodeEntry, settings_toml: str, ca_pem: str,
               client_cert: tuple[str, str] | None, wheel: str) -> list[NodeFile]:
    group = f"root:{SERVICE_USER}"
    files = [
        NodeFile(NODE_CONFIG_FILE, settings_toml, "0640", group),
        NodeFile(NODE_CONFIG_DIR / "ca.crt", ca_pem, "0644"),
        NodeFile(UNIT_PATH, systemd_unit(node), "0644"),
        NodeFile(UNIT_DIR / INSTALL_UNIT, install_unit(), "0644"),
        NodeFile(INSTALL_SCRIPT,
                 install_script(node, wheel, admin_user=inventory.network.admin_user), "0755"),
        NodeFile(TIME_WAIT_SYNC_DROPIN, time_wait_sync_dropin(), "0644"),
        NodeFile(DOCTOR_DEFAULTS, doctor_defaults(inventory, node), "0644"),
    ]
    if isinstance(node.settings, TerminalSettings):
        files.append(NodeFile(udev.RULES_PATH, udev.printer_rules(printer_ids(inventory, node)),
                              "0644"))
    if client_cert is not None:
        files += [NodeFile(NODE_CONFIG_DIR / "node.crt", client_cert[0], "0644"),
                  NodeFile(NODE_CONFIG_DIR / "node.key", client_cert[1], "0640", group)]
    return files


def printer_ids(inventory: Inventory, node: NodeEntry) -> list[udev.UsbPrinterId]:
    """The USB printers a terminal's rule names besides the known ones: its own and the
    inventory's [printers] usb_ids."""
    ids = [udev.UsbPrinterId.parse(text, "inventory [printers] usb_ids")
           for text in inventory.printers.usb_ids]
    if isinstance(node.settings, TerminalSettings):
        printer = node.settings.printer
        if printer.kind == "usb" and printer.usb_vendor is not None:
            ids.insert(0, udev.UsbPrinterId(printer.usb_vendor, printer.usb_product,
                                            f"node {node.node_id} [printer]"))
    return ids


def _admin_user(inventory: Inventory) -> dict[str, object]:
    network = inventory.network
    user: dict[str, object] = {
        "name": network.admin_user, "groups": ["sudo", "adm", *DEVICE_GROUPS],
        "shell": "/bin/bash", "lock_passwd": True, "sudo": "ALL=(ALL) NOPASSWD:ALL"}
    if network.ssh_keys:
        user["ssh_authorized_keys"] = list(network.ssh_keys)
    return user


def user_data(inventory: Inventory, node: NodeEntry, files: list[NodeFile]) -> str:
    network = inventory.network
    config: dict[str, object] = {
        "hostname": node.hostname,
        "manage_etc_hosts": True,
        "preserve_hostname": False,
        "timezone": network.timezone,
        # The Pi has no real-time clock: synchronise before the node trusts its time.
        "ntp": {"enabled": True, "ntp_client": "systemd-timesyncd",
                "servers": list(network.ntp_servers)},
        "users": [_admin_user(inventory),
                  {"name": SERVICE_USER, "system": True, "homedir": str(STATE_DIR),
                   "no_create_home": True, "shell": "/usr/sbin/nologin",
                   "lock_passwd": True, "groups": list(DEVICE_GROUPS)}],
        "ssh_pwauth": False,
        "package_update": True,
        "packages": list(packages(node)),
        # Deferred to the final stage: the owners (kezek-node) exist by then.
        "write_files": [{"path": str(f.path), "content": f.content, "permissions": f.mode,
                         "owner": f.owner, "defer": True} for f in files],
        "runcmd": [[str(INSTALL_SCRIPT)]],
    }
    return "#cloud-config\n" + json.dumps(config, indent=2, ensure_ascii=False) + "\n"


def network_config(inventory: Inventory) -> str:
    config: dict[str, object] = {
        "version": 2,
        "ethernets": {"eth0": {"dhcp4": True, "optional": True}}}
    wifi = inventory.network.wifi
    if wifi is not None:
        config["wifis"] = {"wlan0": {
            "dhcp4": True, "optional": True, "regulatory-domain": wifi.country,
            "access-points": {wifi.ssid: {"password": wifi.password}}}}
    return json.dumps(config, indent=2, ensure_ascii=False) + "\n"


def meta_data(node: NodeEntry, generation: str) -> str:
    # A new instance id makes cloud-init run again when a card is re-provisioned.
    return f"instance-id: kezek-{node.node_id}-{generation}\nlocal-hostname: {node.hostname}\n"


def _heredoc(path: PurePosixPath, content: str, mode: str, owner: str) -> list[str]:
    marker = "KEZEK_FILE_END"
    if marker in content:
        raise ValueError(f"{path} contains the here-document marker")
    return [f"install -d -m 0755 {shlex.quote(str(path.parent))}",
            f"cat > {shlex.quote(str(path))} <<'{marker}'", content.rstrip("\n"), marker,
            f"chown {owner} {shlex.quote(str(path))}",
            f"chmod {mode} {shlex.quote(str(path))}"]


def firstrun_script(inventory: Inventory, node: NodeEntry, files: list[NodeFile]) -> str:
    """For images without cloud-init: append `systemd.run=/boot/firstrun.sh
    systemd.run_success_action=reboot systemd.unit=kernel-command-line.target` to
    cmdline.txt, as Raspberry Pi Imager does."""
    network = inventory.network
    q = shlex.quote
    lines = [
        "#!/bin/bash",
        f"# Kezek first boot of node {node.node_id}: generated by kezek-provision.",
        "set -euo pipefail",
        "umask 077",
        'BOOT=/boot/firmware; [ -f "$BOOT/cmdline.txt" ] || BOOT=/boot',
        f"echo {q(node.hostname)} > /etc/hostname",
        f"sed -i 's/^127\\.0\\.1\\.1.*/127.0.1.1\\t{node.hostname}/' /etc/hosts",
        f"ln -sf {q('/usr/share/zoneinfo/' + network.timezone)} /etc/localtime",
        f"echo {q(network.timezone)} > /etc/timezone",
        "install -d -m 0755 /etc/systemd/timesyncd.conf.d",
        "printf '[Time]\\nNTP=%s\\n' "
        f"{q(' '.join(network.ntp_servers))} > /etc/systemd/timesyncd.conf.d/kezek.conf",
        "systemctl enable systemd-timesyncd.service || true",
        f"id {SERVICE_USER} >/dev/null 2>&1 || useradd --system --home-dir "
        f"{STATE_DIR} --no-create-home --shell /usr/sbin/nologin {SERVICE_USER}",
        f"for group in {' '.join(DEVICE_GROUPS)}; do",
        f'  if getent group "$group" >/dev/null; then usermod -aG "$group" {SERVICE_USER}; fi',
        "done",
        f"id {q(network.admin_user)} >/dev/null 2>&1 || useradd --create-home "
        f"--shell /bin/bash --groups sudo,adm {q(network.admin_user)}",
    ]
    if network.ssh_keys:
        home = f"/home/{network.admin_user}"
        lines += [f"install -d -m 0700 -o {q(network.admin_user)} {q(home + '/.ssh')}",
                  f"printf '%s\\n' {' '.join(q(k) for k in network.ssh_keys)} > "
                  f"{q(home + '/.ssh/authorized_keys')}",
                  f"chown {q(network.admin_user)} {q(home + '/.ssh/authorized_keys')}",
                  "systemctl enable ssh || true"]
    if network.wifi is not None:
        wifi = network.wifi
        lines += _heredoc(PurePosixPath("/etc/wpa_supplicant/wpa_supplicant.conf"), "\n".join([
            "ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev",
            f"country={wifi.country}", "update_config=1", "network={",
            f"  ssid={json.dumps(wifi.ssid, ensure_ascii=False)}",
            f"  psk={json.dumps(wifi.password, ensure_ascii=False)}", "}"]), "0600", "root:root")
        lines.append("rfkill unblock wifi || true")
    lines.append(f"install -d -m 0750 -o root -g {SERVICE_USER} {NODE_CONFIG_DIR}")
    for file in files:
        lines += _heredoc(file.path, file.content, file.mode, file.owner)
    lines += [
        f"systemctl enable {INSTALL_UNIT}",
        "sed -i 's| systemd.run[^ ]*||g' \"$BOOT/cmdline.txt\"",
        'rm -f "$BOOT/firstrun.sh"',
        "exit 0",
        "",
    ]
    return "\n".join(lines)
