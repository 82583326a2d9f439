"""Settings of a call-button node: the common node settings plus its hardware sections.

    [buttons]          BCM pin numbers of Next (required), Recall, Done, No-show, Transfer
    [lamps]            "serving", "waiting" and "fault" lamps
    [buzzer]           the error buzzer
    [serial_display]   optional small display on a serial port
    [gpio]             which gpiozero pin factory drives all of them

A desk with fewer buttons leaves pins out: without a No-show button, holding Next for
`hold_seconds` is a no-show."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contract.mqtt import Code, NodeRole
from firmware.common.pins import doubled_pins
from firmware.common.settings import NodeSettings

# BCM numbers of the 40-pin header's GPIOs.
Pin = Annotated[int, Field(ge=0, le=27)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ButtonsSettings(Section):
    next: Pin = Field(description="Next: call the next visitor")
    recall: Pin | None = Field(None, description="Recall: call the same visitor again")
    done: Pin | None = Field(None, description="Done: the visit is over")
    no_show: Pin | None = Field(None, description="No-show: the visitor did not come")
    transfer: Pin | None = Field(None, description="Transfer the visitor to transfer_zone or "
                                                   "transfer_desk")
    transfer_zone: Code | None = Field(None, description="where Transfer sends the visitor")
    transfer_desk: Code | None = Field(None, description="...or the one desk it sends to")
    pull_up: bool = Field(True, description="buttons connect the pin to ground when pressed")
    bounce_ms: int = Field(30, ge=0, le=1000,
                           description="contact bounce shorter than this is one press")
    hold_seconds: float = Field(1.5, gt=0, le=10,
                                description="holding Next this long is a no-show (only "
                                            "when there is no No-show button)")

    @model_validator(mode="after")
    def _consistent(self) -> ButtonsSettings:
        doubled = doubled_pins(self.pins())
        if doubled:
            raise ValueError(f"two buttons share a pin: {doubled}")
        if self.transfer is not None and self.transfer_zone is None and \
                self.transfer_desk is None:
            raise ValueError("a Transfer button needs transfer_zone or transfer_desk")
        return self

    def pins(self) -> dict[str, Pin]:
        """Action name -> pin of every button present."""
        named = {"next": self.next, "recall": self.recall, "done": self.done,
                 "no_show": self.no_show, "transfer": self.transfer}
        return {name: pin for name, pin in named.items() if pin is not None}


class LampsSettings(Section):
    serving: Pin | None = Field(None, description="lit: a visitor is at the desk (blinks "
                                                  "while called)")
    waiting: Pin | None = Field(None, description="lit: visitors wait for this desk (blinks "
                                                  "on a break)")
    fault: Pin | None = Field(None, description="lit: no hub; blinks: escort needed")
    active_high: bool = True
    blink_seconds: float = Field(0.4, gt=0, le=5)

    def pins(self) -> dict[str, Pin]:
        named = {"serving": self.serving, "waiting": self.waiting, "fault": self.fault}
        return {name: pin for name, pin in named.items() if pin is not None}


class BuzzerSettings(Section):
    pin: Pin | None = Field(None, description="beeps once when a press is refused")
    active_high: bool = True
    beep_seconds: float = Field(0.3, gt=0, le=5)


class SerialDisplaySettings(Section):
    type: Literal["none", "line"] = Field(
        "none", description="line: the current ticket and the number waiting as one ASCII "
                            "line ended by CR LF (most serial text modules show it)")
    url: str = Field("/dev/ttyUSB0", description="a device or a pyserial URL (loop://, "
                                                 "socket://host:port)")
    baudrate: int = Field(9600, gt=0)
    width: int = Field(16, ge=8, le=80, description="characters per line")


class GpioSettings(Section):
    pin_factory: Literal["default", "mock"] = Field(
        "default", description="default: gpiozero's own choice (lgpio on a Pi 5); mock: "
                               "simulated pins for a laptop or the virtual center")


class CallButtonSettings(NodeSettings):
    role: NodeRole = NodeRole.CALL_BUTTON
    buttons: ButtonsSettings
    lamps: LampsSettings = Field(default_factory=LampsSettings)
    buzzer: BuzzerSettings = Field(default_factory=BuzzerSettings)
    serial_display: SerialDisplaySettings = Field(default_factory=SerialDisplaySettings)
    gpio: GpioSettings = Field(default_factory=GpioSettings)

    @model_validator(mode="after")
    def _a_call_button_at_a_desk(self) -> CallButtonSettings:
        if self.role is not NodeRole.CALL_BUTTON:
            raise ValueError("a call-button node has role call_button")
        if self.desk is None:
            raise ValueError("a call-button node is bound to one desk: set desk")
        doubled = doubled_pins(
            {f"buttons.{name}": pin for name, pin in self.buttons.pins().items()}
            | {f"lamps.{name}": pin for name, pin in self.lamps.pins().items()}
            | {"buzzer.pin": self.buzzer.pin})
        if doubled:
            raise ValueError(f"a pin is used twice among buttons, lamps and buzzer: {doubled}")
        return self

    @property
    def bound_desk(self) -> str:
        assert self.desk is not None  # checked above
        return self.desk
