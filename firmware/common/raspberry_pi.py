"""Whether this machine is a Raspberry Pi, and which one: from the device tree's model
string ("Raspberry Pi 4 Model B Rev 1.5", NUL-terminated), the one place that names the
board on every Pi kernel (qemu-user, for one, shows the host's /proc/cpuinfo). Standard
library only: the pin factory check, the display node's voice policy and the node doctor
all ask here, on any role and any machine."""

from __future__ import annotations

from pathlib import Path

DEVICE_TREE_MODEL = Path("/proc/device-tree/model")
PREFIX = "Raspberry Pi"  # every Pi's model string starts so: Pi 5, 400, Zero 2 W, CM4


def raspberry_pi_model(path: Path | None = None) -> str | None:
    """The board's model text, NUL stripped, when it names a Raspberry Pi; None on any
    other machine or without a device tree. `path` replaces DEVICE_TREE_MODEL (tests);
    the module's DEVICE_TREE_MODEL is read at each call, so a test may patch it."""
    try:
        raw = (DEVICE_TREE_MODEL if path is None else path).read_bytes()
    except OSError:
        return None
    text = raw.rstrip(b"\0").decode(errors="replace").strip()
    return text if text.startswith(PREFIX) else None


def on_raspberry_pi(path: Path | None = None) -> bool:
    """Whether this board is a Raspberry Pi (see `raspberry_pi_model`)."""
    return raspberry_pi_model(path) is not None
