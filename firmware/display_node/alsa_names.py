"""ALSA device names, as `aplay -l` (cards and their devices) and `aplay -L` (PCM names)
show them, and whether a configured name is one of them. Pure: the caller runs aplay.

Every form a person copies from those lists is understood: `default`, `null`,
`pipewire`, `pulse`; `default:CARD=vc4hdmi0`, `sysdefault:CARD=Headphones`,
`plughw:CARD=Device,DEV=0`, `hw:CARD=x,DEV=0`, `front:…`, `dmix:…`, `hdmi:…`; and the
short forms `hw:1,0`, `plughw:1,0`, `hw:Headphones`, `hw:1`.

The HDMI outputs of a Pi 4 and Pi 5 under KMS (cards `vc4hdmi0`, `vc4hdmi1`; `vc4hdmi` on
older boards) take IEC958 subframes only: `hw:`/`plughw:` (and `hdmi:`, which converts
the format but not rate or channels) fail for a mono 22050 Hz stream; the card's
`default:`/`sysdefault:` PCM adds the conversions. `look_up` says so, naming the form to
use."""

from __future__ import annotations

import re
from dataclasses import dataclass

CARD_LINE = re.compile(r"^card (?P<index>\d+): (?P<id>\S+) \[(?P<name>[^\]]*)\], "
                       r"device (?P<device>\d+):")
# PCM plugins that name a card (and for some a device) in their arguments.
CARD_PLUGINS = frozenset({
    "hw", "plughw", "default", "sysdefault", "front", "rear", "center_lfe", "side",
    "surround21", "surround40", "surround41", "surround50", "surround51", "surround71",
    "iec958", "spdif", "hdmi", "dmix", "dsnoop", "usbstream"})
# Valid whenever the card (and device) exist, listed by `aplay -L` or not.
ALWAYS_DEFINED = frozenset({"hw", "plughw", "default", "sysdefault"})
POSITIONAL = ("CARD", "DEV", "SUBDEV")
VC4_HDMI = "vc4hdmi"
# Forms that give the vc4-hdmi card raw samples it refuses.
NO_CONVERSION = frozenset({"hw", "plughw", "hdmi", "iec958"})


@dataclass(frozen=True, slots=True)
class Card:
    index: int
    id: str  # what CARD= takes: vc4hdmi0, Headphones, Device
    name: str  # vc4-hdmi-0, bcm2835 Headphones, USB2.0 Device
    devices: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Pcm:
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class DeviceName:
    """A PCM name taken apart: `plughw:CARD=Device,DEV=0` is plugin `plughw`, card
    `Device`, device 0; `hw:1,0` card `1`, device 0; `default` has neither."""

    text: str
    plugin: str
    card: str | None
    device: int | None


@dataclass(frozen=True, slots=True)
class Lookup:
    """What `look_up` found for a configured name. `advice` is the form to use instead
    when the name exists but cannot play the stream (a Pi's HDMI by `hw:`)."""

    name: str
    exists: bool
    card: Card | None
    reason: str
    advice: str | None = None


def parse_cards(aplay_l: str) -> list[Card]:
    """The playback cards of `aplay -l`, in index order."""
    found: dict[int, tuple[str, str, list[int]]] = {}
    for line in aplay_l.splitlines():
        match = CARD_LINE.match(line.strip())
        if match is None:
            continue
        index = int(match["index"])
        _, _, devices = found.setdefault(index, (match["id"], match["name"], []))
        devices.append(int(match["device"]))
    return [Card(index, card_id, name, tuple(devices))
            for index, (card_id, name, devices) in sorted(found.items())]


def parse_pcms(aplay_big_l: str) -> list[Pcm]:
    """The PCM names of `aplay -L`: a name at the start of a line, its description on
    the indented lines under it."""
    pcms: list[tuple[str, list[str]]] = []
    for line in aplay_big_l.splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            if pcms:
                pcms[-1][1].append(line.strip())
        elif not line.startswith(("ALSA lib", "aplay:")):
            pcms.append((line.strip(), []))
    return [Pcm(name, " / ".join(description)) for name, description in pcms]


def parse_name(name: str) -> DeviceName:
    plugin, _, arguments = name.strip().partition(":")
    if not arguments:
        return DeviceName(name, plugin, None, None)
    values: dict[str, str] = {}
    for position, part in enumerate(arguments.strip("{}").split(",")):
        key, equals, value = part.partition("=")
        if equals:
            values[key.strip().upper()] = value.strip().strip("'\"")
        elif position < len(POSITIONAL):
            values[POSITIONAL[position]] = part.strip().strip("'\"")
    device = values.get("DEV")
    return DeviceName(name, plugin, values.get("CARD"),
                      int(device) if device is not None and device.isdigit() else None)


def find_card(card: str, cards: list[Card]) -> Card | None:
    """A card by index (`1`) or id (`vc4hdmi0`), as ALSA resolves CARD=."""
    for candidate in cards:
        if (card.isdigit() and candidate.index == int(card)) or candidate.id == card:
            return candidate
    return None


def look_up(name: str, cards: list[Card], pcms: list[Pcm]) -> Lookup:
    """Whether `name` is a playback device here, from the two listings."""
    listed = {pcm.name for pcm in pcms}
    parsed = parse_name(name)
    card = find_card(parsed.card, cards) if parsed.card is not None else None
    if name in listed:
        return _advised(Lookup(name, True, card, "listed by aplay -L"), parsed)
    if parsed.card is None:
        if parsed.plugin == "default" and cards:
            return Lookup(name, True, None, "the default device of the first card")
        return Lookup(name, False, None, f"{name!r} is not a PCM aplay -L lists "
                                         f"({', '.join(sorted(listed)) or 'none'})")
    if parsed.plugin not in CARD_PLUGINS:
        return Lookup(name, False, card, f"unknown ALSA plugin {parsed.plugin!r}")
    if card is None:
        known = ", ".join(f"{c.index} {c.id}" for c in cards) or "none"
        return Lookup(name, False, None, f"no sound card {parsed.card!r} (cards: {known})")
    device = parsed.device if parsed.device is not None else 0
    if parsed.plugin not in ("default", "sysdefault") and device not in card.devices:
        return Lookup(name, False, card, f"card {card.id} has no device {device} "
                                         f"(devices: {', '.join(map(str, card.devices))})")
    if parsed.plugin not in ALWAYS_DEFINED and not any(
            parse_name(pcm).plugin == parsed.plugin
            and find_card(parse_name(pcm).card or "", cards) == card for pcm in listed):
        return Lookup(name, False, card, f"aplay -L lists no {parsed.plugin}: device "
                                         f"for card {card.id}")
    return _advised(Lookup(name, True, card, f"card {card.index} {card.id}"), parsed)


def _advised(found: Lookup, parsed: DeviceName) -> Lookup:
    card = found.card
    if card is not None and card.id.startswith(VC4_HDMI) and parsed.plugin in NO_CONVERSION:
        return Lookup(found.name, found.exists, card,
                      f"{card.id} (a Pi's HDMI) takes IEC958 subframes only: {parsed.plugin}: "
                      f"cannot play the stream", f"default:CARD={card.id}")
    return found
