"""The inventory of a center: one TOML file naming the broker, the hub, the network, the
USB printers the terminals may open, and every node, each written in its application's
own sections (a terminal's [buttons], [lamps] and [printer], a display's [[boards]],
[tv] and [voice], a call button's [buttons], [lamps], [buzzer] and [gpio]). Each node
is validated by the settings class its application loads (`ROLE_SETTINGS`), and against
the center's own configuration (every desk and zone it names exists, its voices can be
downloaded). Every problem is reported, each naming the node and the field."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contract.mqtt import ID_PATTERN, Identifier, NodeRole
from firmware.call_button.settings import CallButtonSettings
from firmware.common.settings import NodeSettings
from firmware.display_node.settings import DisplayNodeSettings
from firmware.ticket_terminal.settings import TerminalSettings
from provisioning.errors import InventoryError
from provisioning.roles import ROLE_SETTINGS, unknown_voices

SHIPPED_CENTER_FILE = Path(__file__).resolve().parent.parent / "hub" / "centers" / \
    "borodulikha.toml"
# Where things live on a node: the package's defaults, written into every node file.
NODE_CONFIG_DIR = PurePosixPath("/etc/kezek")
NODE_CONFIG_FILE = NODE_CONFIG_DIR / "node.toml"
NODE_CA_FILE = NODE_CONFIG_DIR / "ca.crt"
NODE_DATA_DIR = PurePosixPath("/var/lib/kezek-node")
# Keys provisioning sets itself: an inventory that sets them would be overwritten.
PROVISIONED_KEYS = ("node_id", "center", "broker_url", "username", "password", "ca_file")
# Keys of a node entry that are not its application's settings.
ENTRY_KEYS = ("id", "hostname", "desktop_user")
UNIX_USER = r"^[a-z_][a-z0-9_-]{0,31}$"
Hostname = Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]"
                                        r"([a-z0-9-]{0,61}[a-z0-9])?)*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CenterSection(Strict):
    id: Identifier = Field(description="the center id: the root of every topic")
    center_file: Path | None = Field(
        None, description="the hub's center configuration (desks, zones), relative to the "
                          "inventory; empty means the shipped Borodulikha center")


class BrokerSection(Strict):
    host: Hostname = Field(description="name the nodes use to reach the broker; in its "
                                       "TLS certificate")
    addresses: list[IPv4Address | IPv6Address] = Field(
        default_factory=list, description="IP addresses also put in the certificate")
    port: int = Field(8883, ge=1, le=65535, description="the TLS listener")
    client_certificates: bool = Field(
        False, description="nodes also present a certificate issued by the center's CA")
    config_dir: PurePosixPath = Field(PurePosixPath("/etc/mosquitto/kezek"),
                                      description="where the broker files go on the hub")
    persistence_dir: PurePosixPath = PurePosixPath("/var/lib/mosquitto")
    pid_file: PurePosixPath = PurePosixPath("/run/mosquitto/mosquitto.pid")
    run_as: str = Field("mosquitto", description="system user Mosquitto drops to")


class HubSection(Strict):
    user: Identifier = Field("kezek-hub", description="the hub's broker user")
    url: str = Field(pattern=r"^https?://", description="the hub's web address; doctor "
                                                        "compares the node's clock with it")


class Wifi(Strict):
    ssid: str = Field(min_length=1, max_length=32)
    password: str = Field(min_length=8, max_length=63)
    country: str = Field("KZ", pattern=r"^[A-Z]{2}$")


class NetworkSection(Strict):
    timezone: str = "Asia/Almaty"
    ntp_servers: list[Hostname] = Field(default_factory=lambda: ["pool.ntp.org"],
                                        min_length=1)
    wifi: Wifi | None = None
    admin_user: str = Field("kezek", pattern=UNIX_USER,
                            description="login account created on each Pi")
    ssh_keys: list[str] = Field(default_factory=list,
                                description="public keys allowed to log in as admin_user")


class PrintersSection(Strict):
    usb_ids: list[Annotated[str, Field(pattern=r"^[0-9a-fA-F]{4}(:[0-9a-fA-F]{4})?$")]] = \
        Field(default_factory=list,
              description="USB receipt printers the terminals' service may open besides "
                          "the known ones (provisioning/udev.py): vendor or vendor:product "
                          "in hexadecimal as lsusb shows them, e.g. 0dd4 or 0483:5743")


@dataclass(frozen=True, slots=True)
class NodeEntry:
    hostname: str
    settings: NodeSettings  # validated with the role's class; password not yet set
    config: dict[str, Any]  # the node's settings as written in the inventory
    # A display on a desktop image plays through PipeWire as this user (the kiosk's);
    # None: the install script takes the user with uid 1000.
    desktop_user: str | None = None

    @property
    def node_id(self) -> str:
        return self.settings.node_id

    @property
    def role(self) -> NodeRole:
        return self.settings.role


@dataclass(frozen=True, slots=True)
class Inventory:
    source: Path
    center: CenterSection
    broker: BrokerSection
    hub: HubSection
    network: NetworkSection
    nodes: tuple[NodeEntry, ...]
    printers: PrintersSection = field(default_factory=PrintersSection)

    @property
    def broker_url(self) -> str:
        return f"mqtts://{self.broker.host}:{self.broker.port}"

    def node(self, node_id: str) -> NodeEntry:
        for entry in self.nodes:
            if entry.node_id == node_id:
                return entry
        raise KeyError(node_id)


def _messages(error: ValidationError, prefix: str) -> list[str]:
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"]) or "section"
        problems.append(f"{prefix}{where}: {item['msg']}")
    return problems


def load_inventory(path: Path) -> Inventory:
    """Read and check the inventory; InventoryError lists every problem found."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InventoryError(str(path), [f"cannot be read: {error.strerror or error}"]
                             ) from None
    except UnicodeDecodeError:
        raise InventoryError(str(path), ["is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as error:
        raise InventoryError(str(path), [f"is not valid TOML: {error}"]) from None
    return parse_inventory(data, path)


def parse_inventory(data: dict[str, Any], source: Path) -> Inventory:
    problems: list[str] = []
    unknown = set(data) - {"center", "broker", "hub", "network", "printers", "nodes"}
    problems += [f"{key}: unknown section" for key in sorted(unknown)]
    sections: dict[str, Any] = {}
    for name, model in (("center", CenterSection), ("broker", BrokerSection),
                        ("hub", HubSection), ("network", NetworkSection),
                        ("printers", PrintersSection)):
        try:
            sections[name] = model.model_validate(data.get(name, {}))
        except ValidationError as error:
            problems += _messages(error, f"[{name}] ")
    raw_nodes = data.get("nodes", [])
    if not isinstance(raw_nodes, list) or not raw_nodes:
        problems.append("nodes: at least one [[nodes]] entry is needed")
        raw_nodes = []
    if problems:
        raise InventoryError(str(source), problems)
    center: CenterSection = sections["center"]
    broker: BrokerSection = sections["broker"]
    hub: HubSection = sections["hub"]
    desks, zones = _center_places(center, source)
    nodes = _nodes(raw_nodes, center, broker, hub, desks, zones, problems)
    network: NetworkSection = sections["network"]
    # The node answers the network: it must not run with the rights and keys of the
    # admin (sudo, SSH) or of root. The install script refuses a member of sudo too.
    problems += [f"node {node.node_id!r} desktop_user: {node.desktop_user!r} is "
                 f"{'root' if node.desktop_user == 'root' else 'the admin_user'}: name the "
                 "kiosk's own user (without sudo)"
                 for node in nodes if node.desktop_user in (network.admin_user, "root")]
    if problems:
        raise InventoryError(str(source), problems)
    return Inventory(source=source, center=center, broker=broker, hub=hub,
                     network=network, nodes=tuple(nodes),
                     printers=sections["printers"])


def _center_places(center: CenterSection, source: Path) -> tuple[set[str], set[str]]:
    # Imported here: the hub's center schema needs the hub's extras (holidays), which a
    # node running `kezek-provision voices` or the doctor does not have.
    from hub.center_schema import read_center_file

    file = center.center_file
    if file is None:
        file = SHIPPED_CENTER_FILE
    elif not file.is_absolute():
        file = source.parent / file
    try:
        document = read_center_file(file)
    except (OSError, ValueError) as error:
        raise InventoryError(str(source), [f"[center] center_file {file}: {error}"]) from None
    return {desk.code for desk in document.desks}, {zone.code for zone in document.zones}


def _nodes(raw_nodes: list[Any], center: CenterSection, broker: BrokerSection,
           hub: HubSection, desks: set[str], zones: set[str],
           problems: list[str]) -> list[NodeEntry]:
    entries: list[NodeEntry] = []
    first_index: dict[str, int] = {}
    hostnames: dict[str, str] = {}
    for index, raw in enumerate(raw_nodes):
        if not isinstance(raw, dict):
            problems.append(f"nodes[{index}]: must be a table")
            continue
        node_id = raw.get("id")
        label = f"node {node_id!r} (nodes[{index}])" if isinstance(node_id, str) \
            else f"nodes[{index}]"
        if not isinstance(node_id, str):
            problems.append(f"{label} id: is required")
            continue
        if node_id in first_index:
            problems.append(f"{label} id: duplicate of nodes[{first_index[node_id]}]")
            continue
        first_index[node_id] = index
        if node_id == hub.user:
            problems.append(f"{label} id: is the hub's broker user")
            continue
        config = {key: value for key, value in raw.items() if key not in ENTRY_KEYS}
        given = [key for key in PROVISIONED_KEYS if key in config]
        if given:
            problems.append(f"{label} {', '.join(given)}: set by provisioning, remove it")
            continue
        role = config.get("role")
        try:
            settings_class = ROLE_SETTINGS[NodeRole(str(role))]
        except (ValueError, KeyError):
            problems.append(f"{label} role: must be one of "
                            f"{', '.join(r.value for r in NodeRole)}")
            continue
        try:
            settings = settings_class.model_validate({
                **config, "node_id": node_id, "center": center.id,
                "broker_url": f"mqtts://{broker.host}:{broker.port}",
                "ca_file": str(NODE_CA_FILE), "data_dir": str(NODE_DATA_DIR)})
        except ValidationError as error:
            problems += _messages(error, f"{label} ")
            continue
        problems += [f"{label} {problem}"
                     for problem in _missing_places(settings, desks, zones)]
        problems += [f"{label} voice: {model} is not a voice provisioning can download "
                     "(firmware/voices/manifest.json)" for model in unknown_voices(settings)]
        hostname = raw.get("hostname", node_id)
        if not isinstance(hostname, str) or not _valid_hostname(hostname):
            problems.append(f"{label} hostname: {hostname!r} is not a host name")
            continue
        if hostname in hostnames:
            problems.append(f"{label} hostname: {hostname!r} is also node "
                            f"{hostnames[hostname]!r}")
        hostnames[hostname] = node_id
        desktop_user = raw.get("desktop_user")
        if desktop_user is not None:
            if not isinstance(desktop_user, str) or re.fullmatch(UNIX_USER, desktop_user) \
                    is None:
                problems.append(f"{label} desktop_user: {desktop_user!r} is not a user name")
                continue
            if settings.role is not NodeRole.DISPLAY:
                problems.append(f"{label} desktop_user: only a display node plays sound "
                                "as the desktop's user")
                continue
        entries.append(NodeEntry(hostname=hostname, settings=settings, config=config,
                                 desktop_user=desktop_user))
    return entries


def _places_named(settings: NodeSettings) -> tuple[list[tuple[str, str]],
                                                   list[tuple[str, str]]]:
    """Every desk and every zone the node's settings name, each after its field."""
    desks = [("desk", settings.desk)] if settings.desk is not None else []
    zones = [("zones", zone) for zone in settings.zones]
    if isinstance(settings, TerminalSettings):
        # A purpose joins the zone 000 §8 gives it: the center must have that zone.
        zones += [(f"buttons.purposes.{index}.code", button.purpose.zone)
                  for index, button in enumerate(settings.buttons.purposes)]
    elif isinstance(settings, DisplayNodeSettings):
        desks += [(f"boards.{index}.desk", board.desk)
                  for index, board in enumerate(settings.boards) if board.desk is not None]
    elif isinstance(settings, CallButtonSettings):
        buttons = settings.buttons
        if buttons.transfer_desk is not None:
            desks.append(("buttons.transfer_desk", buttons.transfer_desk))
        if buttons.transfer_zone is not None:
            zones.append(("buttons.transfer_zone", buttons.transfer_zone))
    return desks, zones


def _missing_places(settings: NodeSettings, desks: set[str], zones: set[str]) -> list[str]:
    named_desks, named_zones = _places_named(settings)
    missing = [f"{field}: desk {desk!r} does not exist in the center (desks: "
               f"{', '.join(sorted(desks))})"
               for field, desk in named_desks if desk not in desks]
    missing += [f"{field}: zone {zone!r} does not exist in the center"
                for field, zone in named_zones if zone not in zones]
    return missing


def _valid_hostname(name: str) -> bool:
    return re.fullmatch(ID_PATTERN, name) is not None and not name.endswith("-")
