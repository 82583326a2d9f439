"""ALSA device names against real `aplay -l`/`aplay -L` outputs of a Pi 4, a Pi 5, a Pi
with a DAC, a PulseAudio and a PipeWire system (tests/display_node/alsa/SOURCES.md): every
form those lists show is found, names that are not there are not, and a Pi's HDMI named
by `hw:`/`plughw:` comes with the form to use."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.display_node.alsa_names import (
    Card,
    Pcm,
    look_up,
    parse_cards,
    parse_name,
    parse_pcms,
)

LISTINGS = Path(__file__).parent / "alsa"
System = tuple[list[Card], list[Pcm]]


def listing(name: str) -> str:
    return (LISTINGS / name).read_text()


def test_cards_of_a_pi_4_and_a_pi_5() -> None:
    pi4 = parse_cards(listing("pi4-lite-devices.txt"))
    assert [(c.index, c.id, c.name, c.devices) for c in pi4] == [
        (0, "Headphones", "bcm2835 Headphones", (0,)),
        (1, "vc4hdmi0", "vc4-hdmi-0", (0,)),
        (2, "vc4hdmi1", "vc4-hdmi-1", (0,))]
    pi5 = parse_cards(listing("pi5-lite-devices.txt"))
    assert [(c.index, c.id) for c in pi5] == [(0, "vc4hdmi0"), (1, "vc4hdmi1")]
    usb = parse_cards(listing("pi4-usb-devices.txt"))
    assert [(c.index, c.id, c.name) for c in usb][-1] == (3, "Audio", "KT USB Audio")
    assert parse_cards(listing("debian12-no-cards-devices.txt")) == []


def test_pcm_names_and_descriptions() -> None:
    pcms = parse_pcms(listing("hifiberry-pcms.txt"))
    names = [pcm.name for pcm in pcms]
    assert names[:4] == ["null", "jack", "pulse", "default"]
    assert "plughw:CARD=sndrpihifiberry,DEV=0" in names
    assert pcms[4].description == ("snd_rpi_hifiberry_dacplushd, HiFiBerry DAC+ HD HiFi "
                                   "pcm179x-hifi-0 / Default Audio Device")
    pipewire = parse_pcms(listing("debian12-pipewire-pcms.txt"))
    assert [pcm.name for pcm in pipewire] == ["null", "pipewire", "default"]


@pytest.mark.parametrize(("text", "plugin", "card", "device"), [
    ("default", "default", None, None),
    ("default:CARD=vc4hdmi0", "default", "vc4hdmi0", None),
    ("sysdefault:CARD=Headphones", "sysdefault", "Headphones", None),
    ("plughw:CARD=Device,DEV=0", "plughw", "Device", 0),
    ("hw:CARD=x,DEV=0", "hw", "x", 0),
    ("hw:1,0", "hw", "1", 0),
    ("plughw:1,0", "plughw", "1", 0),
    ("hw:Headphones", "hw", "Headphones", None),
    ("hw:1", "hw", "1", None),
    ("front:CARD=Device,DEV=0", "front", "Device", 0),
    ("dmix:CARD=vc4hdmi0,DEV=0", "dmix", "vc4hdmi0", 0),
    ("pipewire", "pipewire", None, None),
])
def test_every_name_form_is_taken_apart(text: str, plugin: str, card: str | None,
                                        device: int | None) -> None:
    name = parse_name(text)
    assert (name.plugin, name.card, name.device) == (plugin, card, device)


def machine(devices: str | None, pcms: str | None) -> System:
    return (parse_cards(listing(devices)) if devices else [],
            parse_pcms(listing(pcms)) if pcms else [])


PI4 = machine("pi4-lite-devices.txt", "pi-vc4hdmi-pcms.txt")
PI5 = machine("pi5-lite-devices.txt", "pi-vc4hdmi-pcms.txt")
DAC = machine("hifiberry-devices.txt", "hifiberry-pcms.txt")
USB = machine("pi4-usb-devices.txt", None)
DESKTOP = machine(None, "debian12-pipewire-pcms.txt")
PULSE = machine(None, "pi3-pulse-pcms.txt")


@pytest.mark.parametrize(("name", "system"), [
    ("default", DAC), ("null", DAC), ("pulse", DAC), ("jack", DAC),
    ("default", PI4), ("default:CARD=vc4hdmi0", PI5), ("sysdefault:CARD=vc4hdmi1", PI5),
    ("sysdefault:CARD=Headphones", PI4), ("default:CARD=Headphones", PI4),
    ("plughw:CARD=Headphones,DEV=0", PI4), ("hw:CARD=Headphones,DEV=0", PI4),
    ("hw:0,0", PI4), ("plughw:0,0", PI4), ("hw:Headphones", PI4), ("hw:0", PI4),
    ("plughw:CARD=Audio,DEV=0", USB), ("plughw:3,0", USB), ("default:CARD=Audio", USB),
    ("dmix:CARD=vc4hdmi0,DEV=0", PI5), ("hdmi:CARD=vc4hdmi0,DEV=0", PI4),
    ("dmix:CARD=sndrpihifiberry,DEV=0", DAC), ("pipewire", DESKTOP), ("default", DESKTOP),
    ("default", PULSE), ("dsnoop:CARD=ALSA,DEV=1", PULSE),
])
def test_names_that_exist_are_found(name: str, system: System) -> None:
    assert look_up(name, *system).exists, look_up(name, *system).reason


@pytest.mark.parametrize(("name", "system", "why"), [
    ("hw:CARD=Nowhere,DEV=0", PI4, "no sound card 'Nowhere' (cards: 0 Headphones, "
                                   "1 vc4hdmi0, 2 vc4hdmi1)"),
    ("plughw:3,0", PI4, "no sound card '3'"),
    ("hw:Headphones", PI5, "no sound card 'Headphones' (cards: 0 vc4hdmi0, 1 vc4hdmi1)"),
    ("hw:0,1", PI4, "card Headphones has no device 1 (devices: 0)"),
    ("pipewire", PI4, "'pipewire' is not a PCM aplay -L lists"),
    ("default", ([], []), "'default' is not a PCM"),
    ("front:CARD=vc4hdmi0,DEV=0", PI5, "aplay -L lists no front: device for card vc4hdmi0"),
    ("bogus:CARD=vc4hdmi0", PI5, "unknown ALSA plugin 'bogus'"),
])
def test_names_that_do_not_exist_say_why(name: str, system: System,
                                         why: str) -> None:
    found = look_up(name, *system)
    assert not found.exists and why in found.reason


@pytest.mark.parametrize(("name", "system", "advice"), [
    ("hw:CARD=vc4hdmi0,DEV=0", PI5, "default:CARD=vc4hdmi0"),
    ("plughw:CARD=vc4hdmi0,DEV=0", PI5, "default:CARD=vc4hdmi0"),
    ("hw:0,0", PI5, "default:CARD=vc4hdmi0"),
    ("plughw:1,0", PI5, "default:CARD=vc4hdmi1"),
    ("plughw:1,0", PI4, "default:CARD=vc4hdmi0"),
    ("hdmi:CARD=vc4hdmi0,DEV=0", PI4, "default:CARD=vc4hdmi0"),
])
def test_a_pis_hdmi_by_hw_names_the_form_to_use(name: str, system: System,
                                               advice: str) -> None:
    found = look_up(name, *system)
    assert found.exists and found.advice == advice
    assert "IEC958" in found.reason


def test_other_cards_by_hw_need_no_advice() -> None:
    assert look_up("plughw:CARD=Headphones,DEV=0", *PI4).advice is None
    assert look_up("default:CARD=vc4hdmi0", *PI5).advice is None
    assert look_up("sysdefault:CARD=vc4hdmi0", *PI5).advice is None
