"""Settings of a display node: the common node settings plus `[[boards]]`, `[tv]` and
`[voice]` sections, any combination of which may be present. Example:

    node_id = "display-hall"
    center = "borodulikha"
    role = "display"
    broker_url = "mqtts://hub.local"
    zones = ["consultation", "personal"]

    [[boards]]
    name = "hall"
    url = "/dev/ttyUSB0"
    protocol = "am03127"
    rows = 4

    [[boards]]
    name = "window-3"
    url = "/dev/ttyAMA0"
    protocol = "line"
    rs485 = true
    desk = "window-3"

    [tv]
    port = 8080

    [voice]
    kk_model = "/var/lib/kezek-node/voices/kk_KZ-iseke-x_low.onnx"
    ru_model = "/var/lib/kezek-node/voices/ru_RU-denis-medium.onnx"
    sink = "alsa"
    alsa_device = "default"
    volume = 0.8
    quiet_from = "19:00"
    quiet_until = "08:30"
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contract.mqtt import Code, NodeRole
from firmware.common.settings import NodeSettings
from firmware.display_node.led import PROTOCOLS
from firmware.voices.manifest import manifest_entries

# Piper's voice naming: <language>_<REGION>-<name>-<quality>.onnx
PIPER_VOICE_NAME = re.compile(r"^[a-z]{2,3}_[A-Z]{2}-[A-Za-z0-9_]+-[a-z_]+\.onnx$")


def manifest_voices() -> set[str]:
    """The voices of firmware/voices/manifest.json: those provisioning can download."""
    return set(manifest_entries())


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BoardSettings(Section):
    name: Code = Field(description="what logs and telemetry call this board")
    url: str = Field(description="serial device (/dev/ttyUSB0) or a pyserial URL "
                                 "(loop://, socket://host:port)")
    protocol: str = Field("am03127", description=f"one of {', '.join(sorted(PROTOCOLS))}")
    board_id: int = Field(1, ge=0, le=255, description="the board's address in its protocol")
    baudrate: int = Field(9600, gt=0)
    rs485: bool = Field(False, description="drive RTS for an RS-485 transceiver")
    encoding: str = Field("cp1251", description="the board's code page")
    rows: int = Field(1, ge=1, le=8, description="hall board: calls shown, one per row")
    desk: Code | None = Field(None, description="a desk's numeric board: the desk whose "
                                                "current ticket it shows; none: hall board")
    retry_seconds: float = Field(2.0, gt=0, description="reopen a lost port this often")
    refresh_seconds: float = Field(30.0, gt=0, description="write the rows again this often")

    @model_validator(mode="after")
    def _known_protocol(self) -> BoardSettings:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"unknown LED protocol {self.protocol!r}; known: "
                             f"{', '.join(sorted(PROTOCOLS))}")
        "".encode(self.encoding)  # LookupError for an unknown code page
        return self


class TvSettings(Section):
    enabled: bool = True
    host: str = Field("127.0.0.1", description="where the page is served; the kiosk "
                                               "browser runs on the same Pi")
    port: int = Field(8080, ge=0, le=65535, description="0: any free port (tests)")
    calls: int = Field(8, ge=1, le=20, description="calls listed on the page")


class VoiceSettings(Section):
    enabled: bool = True
    kk_model: Path | None = Field(None, description="Kazakh Piper model (.onnx)")
    kk_config: Path | None = Field(None, description="its .onnx.json; default beside it")
    ru_model: Path | None = Field(None, description="Russian Piper model (.onnx)")
    ru_config: Path | None = Field(None, description="its .onnx.json; default beside it")
    # The speaker's output stream: one player process kept running.
    sink: Literal["alsa", "pipewire", "wav", "null"] = Field(
        "alsa", description="alsa: aplay on an ALSA device (Raspberry Pi OS Lite); "
                            "pipewire: pw-cat into the desktop user's PipeWire session "
                            "(desktop images, where PipeWire owns the sound card)")
    alsa_device: str = Field("default", pattern=r"^\S+$",
                             description="aplay -D device, any name aplay -L or -l shows: "
                                         "default, default:CARD=vc4hdmi0 (Pi HDMI), "
                                         "plughw:CARD=Device,DEV=0 (USB speaker), hw:1,0")
    pipewire_target: str | None = Field(None, description="pipewire sink: pw-cat --target "
                                                          "(node name); none: the default")
    output_rate: int = Field(22050, ge=8000, le=48000,
                             description="the stream's one sample rate (Hz): voices of "
                                         "another rate are resampled by the synthesis "
                                         "worker when their pieces are made")
    buffer_ms: int = Field(200, ge=50, le=2000, description="the player's buffer: longer "
                                                            "survives a busy CPU, shorter "
                                                            "starts a call sooner")
    idle_close_seconds: float = Field(0.0, ge=0, description="stop the stream after this "
                                                             "long without a call (0: "
                                                             "never; the first call after "
                                                             "may clip)")
    wav_dir: Path | None = Field(None, description="wav sink: where clips are written "
                                                   "(default <data_dir>/speaker)")
    volume: float = Field(1.0, ge=0.0, le=1.0)
    chime: bool = True
    quiet_from: time | None = Field(None, description="no sound from this local time ...")
    quiet_until: time | None = Field(None, description="... until this one")
    length_scale: float | None = Field(None, gt=0, description="speech speed: >1 slower")
    threads: int = Field(1, ge=1, le=8, description="onnxruntime threads of the synthesis "
                                                    "worker (a Pi core each)")
    warm_nice: int = Field(10, ge=0, le=19, description="niceness of the synthesis worker "
                                                        "while it warms the cache")
    worker_idle_seconds: float = Field(10.0, gt=0, le=3600,
                                       description="the synthesis worker exits after this "
                                                   "long with nothing to do")
    allow_slow_voice: bool = Field(False, description="use a high-quality voice on a "
                                                      "Raspberry Pi (~5x slower than real "
                                                      "time there): refused unless true")
    prewarm_up_to: int = Field(0, ge=0, le=9999, description="ticket numbers 1..N warmed "
                                                            "while the hub's config names no "
                                                            "number ranges (0: none)")

    @model_validator(mode="after")
    def _quiet_hours_both_or_none(self) -> VoiceSettings:
        if (self.quiet_from is None) != (self.quiet_until is None):
            raise ValueError("quiet_from and quiet_until go together")
        return self

    @model_validator(mode="after")
    def _piper_voices_are_known(self) -> VoiceSettings:
        """A model named like a Piper voice (kk_KZ-iseke-x_low.onnx) must be one of the
        manifest's, speaking its language: provisioning downloads exactly those and checks
        their sha256. Models named otherwise are the installer's own (tests, a new voice)."""
        for language in ("kk", "ru"):
            name = self.voice_name(language)
            model = getattr(self, f"{language}_model")
            if model is None or not PIPER_VOICE_NAME.match(Path(model).name):
                continue
            known = manifest_voices()
            if name not in known:
                raise ValueError(f"{language}_model: voice {name!r} is not in the manifest "
                                 f"({', '.join(sorted(known))})")
            if not name.startswith(f"{language}_"):
                raise ValueError(f"{language}_model: voice {name!r} does not speak "
                                 f"{language}")
        return self

    def voice_name(self, language: Literal["kk", "ru"]) -> str | None:
        """The Piper voice name of the language's model: its file name without .onnx."""
        model: Path | None = getattr(self, f"{language}_model")
        return model.name.removesuffix(".onnx") if model is not None else None


class DisplayNodeSettings(NodeSettings):
    role: NodeRole = NodeRole.DISPLAY
    boards: list[BoardSettings] = Field(default_factory=list, max_length=16)
    tv: TvSettings | None = Field(None, description="serve the TV page")
    voice: VoiceSettings | None = Field(None, description="announce calls aloud")
    blink_seconds: float = Field(5.0, gt=0, description="the newest call blinks this long")
    link_grace_seconds: float = Field(5.0, ge=0, description="how long a lost link may "
                                                             "last before 'no connection'")

    @model_validator(mode="after")
    def _is_a_display(self) -> DisplayNodeSettings:
        if self.role is not NodeRole.DISPLAY:
            raise ValueError("a display node has role 'display'")
        names = [board.name for board in self.boards]
        if len(names) != len(set(names)):
            raise ValueError("board names must differ")
        return self
