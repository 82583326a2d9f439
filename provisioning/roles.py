"""Node settings per role, as provisioning validates and writes them: the common
`NodeSettings` plus each role's sections (printer and buttons, voices and audio, desk
buttons and lamps).

`ROLE_SETTINGS` is the single registry provisioning and `doctor` consult: the node
applications' own settings classes replace these entries when they land, so the file
written for a node is exactly what its application loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contract.mqtt import ButtonAction, Code, NodeRole
from firmware.common.settings import NodeSettings
from firmware.voices import MANIFEST

# BCM numbers of the 40-pin header's GPIOs.
Pin = Annotated[int, Field(ge=2, le=27, description="BCM GPIO number")]
PinFactory = Literal["default", "lgpio", "rpigpio", "pigpio", "native", "mock"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UsbPrinter(Section):
    type: Literal["usb"]
    vendor_id: int = Field(ge=0, le=0xFFFF, description="USB vendor id, e.g. 0x0416")
    product_id: int = Field(ge=0, le=0xFFFF, description="USB product id")
    profile: str = Field("default", description="python-escpos capability profile")


class SerialPrinter(Section):
    type: Literal["serial"]
    device: str = Field(description="e.g. /dev/ttyUSB0 or /dev/serial0")
    baudrate: int = Field(9600, ge=1200, le=921600)
    profile: str = "default"


class NetworkPrinter(Section):
    type: Literal["network"]
    host: str = Field(min_length=1)
    port: int = Field(9100, ge=1, le=65535)
    profile: str = "default"


class DummyPrinter(Section):
    """Keeps what would be printed in memory: laptops, tests, the demo."""

    type: Literal["dummy"]
    profile: str = "default"


Printer = Annotated[UsbPrinter | SerialPrinter | NetworkPrinter | DummyPrinter,
                    Field(discriminator="type")]


class Gpio(Section):
    pin_factory: PinFactory = Field(
        "default", description="gpiozero pin factory; default lets gpiozero choose "
                               "(lgpio on a Pi 5), mock for laptops and tests")


class PinsOnce(NodeSettings):
    """A GPIO drives one thing: two buttons or lamps on one pin is an installer's slip."""

    def pins(self) -> dict[str, int]:
        return {}

    @model_validator(mode="after")
    def _pins_unique(self) -> PinsOnce:
        seen: dict[int, str] = {}
        for name, pin in self.pins().items():
            if pin in seen:
                raise ValueError(f"GPIO {pin} is used twice: {seen[pin]} and {name}")
            seen[pin] = name
        return self


class TicketTerminalSettings(PinsOnce):
    printer: Printer
    buttons: dict[Code, Pin] = Field(
        default_factory=dict, description="button name (a language or a purpose) -> GPIO")
    gpio: Gpio = Field(default_factory=Gpio)

    def pins(self) -> dict[str, int]:
        return {f"buttons.{name}": pin for name, pin in self.buttons.items()}


def known_voices() -> set[str]:
    return {entry["voice"] for entry in json.loads(Path(MANIFEST).read_text())}


class Voices(Section):
    kk: str = Field(description="Piper voice for Kazakh, e.g. kk_KZ-iseke-x_low")
    ru: str = Field(description="Piper voice for Russian, e.g. ru_RU-irina-medium")
    directory: Path = Field(Path("/var/lib/kezek-node/voices"),
                            description="where the .onnx and .onnx.json files are")

    @model_validator(mode="after")
    def _known(self) -> Voices:
        known = known_voices()
        for language in ("kk", "ru"):
            name = getattr(self, language)
            if name not in known:
                raise ValueError(f"voice {name!r} is not in the manifest "
                                 f"({', '.join(sorted(known))})")
            if not name.startswith(f"{language}_"):
                raise ValueError(f"voice {name!r} does not speak {language}")
        return self


class Audio(Section):
    type: Literal["alsa", "wav", "null"] = Field(
        "alsa", description="alsa plays on a sound card; wav writes files; null is silent")
    device: str = Field("default", description="ALSA device (alsa) or directory (wav)")


class DisplaySettings(NodeSettings):
    voices: Voices
    audio: Audio = Field(default_factory=Audio)


class CallButtonSettings(PinsOnce):
    buttons: dict[ButtonAction, Pin] = Field(description="action -> GPIO")
    lamps: dict[Code, Pin] = Field(default_factory=dict, description="lamp name -> GPIO")
    gpio: Gpio = Field(default_factory=Gpio)

    def pins(self) -> dict[str, int]:
        return ({f"buttons.{action.value}": pin for action, pin in self.buttons.items()}
                | {f"lamps.{name}": pin for name, pin in self.lamps.items()})

    @model_validator(mode="after")
    def _has_desk(self) -> CallButtonSettings:
        if self.desk is None:
            raise ValueError("a call button needs the desk it serves")
        return self


ROLE_SETTINGS: dict[NodeRole, type[NodeSettings]] = {
    NodeRole.TICKET_TERMINAL: TicketTerminalSettings,
    NodeRole.DISPLAY: DisplaySettings,
    NodeRole.CALL_BUTTON: CallButtonSettings,
}

# The program each role runs: the entry points declared in pyproject.toml.
ROLE_PROGRAM: dict[NodeRole, str] = {
    NodeRole.TICKET_TERMINAL: "kezek-ticket-terminal",
    NodeRole.DISPLAY: "kezek-display-node",
    NodeRole.CALL_BUTTON: "kezek-call-button",
}
