"""What a check of the doctor finds: a level, the line in Kazakh and Russian, and a
technical detail for the installer's log; and the options every check shares."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from firmware.voices import MANIFEST

DISK_FAULT_BYTES = 100 * 1024 * 1024
DISK_WARNING_BYTES = 500 * 1024 * 1024
TIMEOUT_SECONDS = 5.0


class Level(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAULT = "fault"


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    level: Level
    kk: str
    ru: str
    detail: str = ""  # technical, for the installer's log


@dataclass(frozen=True, slots=True)
class Options:
    hub_url: str | None = None
    login: bool = False
    manifest_path: Path = MANIFEST
    disk_fault_bytes: int = DISK_FAULT_BYTES
    disk_warning_bytes: int = DISK_WARNING_BYTES
    timeout: float = TIMEOUT_SECONDS


def ok(check: str, kk: str, ru: str, detail: str = "") -> Finding:
    return Finding(check, Level.OK, kk, ru, detail)


def fault(check: str, kk: str, ru: str, detail: str = "") -> Finding:
    return Finding(check, Level.FAULT, kk, ru, detail)


def warning(check: str, kk: str, ru: str, detail: str = "") -> Finding:
    return Finding(check, Level.WARNING, kk, ru, detail)
