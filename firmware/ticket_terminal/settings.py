"""The ticket terminal's settings: the node's own (`NodeSettings`) plus one section per
piece of hardware. An unknown purpose, a pin used twice or a text mode the printer
profile cannot print fails at start-up, naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from annotated_types import MaxLen
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contract.mqtt import Code, Language, NodeRole, NodeStatus, Text
from firmware.common.pins import doubled_pins
from firmware.common.settings import NodeSettings

# The zones a node's status may name (NodeStatus.zones); a terminal declares them all.
MAX_DECLARED_ZONES = next(rule.max_length for rule in NodeStatus.model_fields["zones"].metadata
                          if isinstance(rule, MaxLen))
Pin = int | str  # BCM number, or a gpiozero name such as "GPIO17" or "BOARD11"


class Purpose(BaseModel):
    """A visit purpose of 000 §8 and the zone whose queue it joins."""
    model_config = ConfigDict(frozen=True)
    zone: Code
    name: Text


# 000 §8, in the order reception asks: the same codes and zones as the hub's center file.
PURPOSES_000_8: dict[str, Purpose] = {
    "appeal_help": Purpose(zone="self_service", name=Text(
        kk="Өтініш беру (мәтіні дайын емес)", ru="Подать обращение (текст не составлен)")),
    "appeal_paper": Purpose(zone="consultation", name=Text(
        kk="Қағаз түріндегі өтінішті тапсыру", ru="Подать обращение на бумаге")),
    "book_reception": Purpose(zone="consultation", name=Text(
        kk="Басшылықтың қабылдауына жазылу", ru="Записаться на прием к руководству")),
    "complaint": Purpose(zone="consultation", name=Text(
        kk="Шағым беру", ru="Подать жалобу")),
    "booked_reception": Purpose(zone="personal", name=Text(
        kk="Жазылу бойынша жеке қабылдауға келдім", ru="Пришел на личный прием по записи")),
}


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PurposeButton(Section):
    code: Code = Field(description="a purpose of 000 §8: " + ", ".join(PURPOSES_000_8))
    pin: Pin

    @field_validator("code")
    @classmethod
    def _known(cls, code: str) -> str:
        if code not in PURPOSES_000_8:
            raise ValueError(f"unknown purpose {code!r}; known: {', '.join(PURPOSES_000_8)}")
        return code

    @property
    def purpose(self) -> Purpose:
        return PURPOSES_000_8[self.code]


class ButtonsSection(Section):
    kazakh: Pin = Field(description="the 'Қазақша' button")
    russian: Pin = Field(description="the 'Русский' button")
    purposes: list[PurposeButton] = Field(min_length=1, max_length=12)
    pull_up: bool = True
    bounce_seconds: float = Field(0.05, ge=0, le=1, description="gpiozero debounce")
    choice_seconds: float = Field(20.0, gt=0, description="a chosen language is forgotten "
                                                           "after this long without a purpose")


class LampsSection(Section):
    """Lamps beside the buttons; every one optional. `language` lit: choose a language;
    `purpose` lit: choose a purpose; `busy` lit: printing; `fault` lit: out of service
    (printer fault), blinking fast: no numbers left while the hub is away, blinking
    slowly: closed."""
    language: Pin | None = None
    purpose: Pin | None = None
    busy: Pin | None = None
    fault: Pin | None = None
    active_high: bool = True


PrinterKind = Literal["usb", "serial", "network", "file", "dummy"]


class PrinterSection(Section):
    kind: PrinterKind = Field("dummy", description="usb, serial, network, file; dummy for "
                                                   "tests and the demonstration")
    profile: str = Field("TM-T88V", description="python-escpos printer profile")
    width_dots: int | None = Field(None, ge=200, le=1000,
                                   description="printable width; default: the profile's")
    text_mode: Literal["auto", "kz1048", "image"] = Field(
        "auto", description="kz1048: text in code page KZ-1048 (the profile must have it); "
                            "image: text drawn as a picture (every printer); auto: kz1048 "
                            "where the profile has it")
    usb_vendor: int | None = Field(None, description="USB idVendor, e.g. 0x04b8")
    usb_product: int | None = None
    serial_device: str | None = Field(None, description="e.g. /dev/ttyUSB0")
    serial_baudrate: int = 9600
    host: str | None = Field(None, description="network printer address")
    port: int = Field(9100, ge=1, le=65535)
    file: Path | None = Field(None, description="device file, e.g. /dev/usb/lp0")
    poll_seconds: float = Field(3.0, gt=0, description="how often paper and cover are read")
    closed_note: bool = Field(False, description="print a short 'closed, opens at' slip")

    @model_validator(mode="after")
    def _connection_given(self) -> PrinterSection:
        needed = {"usb": ("usb_vendor", "usb_product"), "serial": ("serial_device",),
                  "network": ("host",), "file": ("file",)}.get(self.kind, ())
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.kind} printer needs {', '.join(missing)}")
        return self


class ScannerSection(Section):
    url: str = Field(description="pyserial URL: /dev/ttyACM0, socket://host:port, loop://")
    baudrate: int = 9600


class LimitsSection(Section):
    """A child hammering the button must not empty the roll."""
    min_seconds_between: float = Field(3.0, ge=0, description="between two tickets")
    per_minute: int = Field(8, ge=1, description="tickets in any minute at most")


class OfflineSection(Section):
    hub_answer_seconds: float = Field(6.0, gt=0, description="print from the lease when the "
                                                             "hub has not answered by then")
    lease_low_water: int = Field(10, ge=1, description="ask for a new block below this")


class TerminalSettings(NodeSettings):
    role: NodeRole = NodeRole.TICKET_TERMINAL
    center_name: Text = Field(Text(kk="Азаматтарды қабылдау орталығы",
                                   ru="Центр приема граждан"),
                              description="printed until the hub's config says otherwise")
    default_language: Language = "kk"
    buttons: ButtonsSection
    lamps: LampsSection = LampsSection()
    printer: PrinterSection = PrinterSection()
    scanner: ScannerSection | None = None
    limits: LimitsSection = LimitsSection()
    offline: OfflineSection = OfflineSection()

    @model_validator(mode="after")
    def _terminal_checks(self) -> TerminalSettings:
        if self.role is not NodeRole.TICKET_TERMINAL:
            raise ValueError("a ticket terminal's role is ticket_terminal")
        pins: dict[str, Pin | None] = {
            "buttons.kazakh": self.buttons.kazakh, "buttons.russian": self.buttons.russian,
            **{f"buttons.purposes.{index}.pin": button.pin
               for index, button in enumerate(self.buttons.purposes)},
            "lamps.language": self.lamps.language, "lamps.purpose": self.lamps.purpose,
            "lamps.busy": self.lamps.busy, "lamps.fault": self.lamps.fault}
        doubled = doubled_pins(pins)
        if doubled:
            raise ValueError(f"pins used twice: {doubled}")
        codes = [button.code for button in self.buttons.purposes]
        if len(set(codes)) != len(codes):
            raise ValueError("a purpose has two buttons")
        if len(self.lease_zones()) > MAX_DECLARED_ZONES:
            raise ValueError(f"a terminal issues for at most {MAX_DECLARED_ZONES} zones "
                             "(its purposes' and its zones together): its status names "
                             "no more")
        return self

    def lease_zones(self) -> list[str]:
        """Zones this terminal issues for: those of its purposes, and its `zones`."""
        zones = [button.purpose.zone for button in self.buttons.purposes] + list(self.zones)
        return list(dict.fromkeys(zones))

    def served_zones(self) -> list[str]:
        """The zones it issues for (`lease_zones`): declared in its status and recorded by
        provisioning, so the hub's record lets it issue, lease and report offline
        tickets in these zones and no others (issue 17)."""
        return self.lease_zones()
