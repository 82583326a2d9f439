"""Whether this system can run a display node's voice: piper-tts and onnxruntime have no
32-bit ARM builds at all (`os_32bit`). Judged by Debian's architecture, what pip
installs for (a Pi 4 with a 32-bit OS runs a 64-bit kernel: `uname -m` says aarch64
there), else by the Python interpreter's own word size."""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Callable

from contract.node_faults import NODE_FAULTS
from provisioning.doctor.findings import Finding, fault, ok
from provisioning.firstboot import SIXTY_FOUR_BIT


def system_architecture() -> str:
    """`dpkg --print-architecture` (arm64, armhf, …); without dpkg, `64bit`/`32bit`
    of this Python."""
    try:
        shown = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                               text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        shown = None
    if shown is not None and shown.returncode == 0 and shown.stdout.strip():
        return shown.stdout.strip()
    return platform.architecture()[0]


def check_architecture(architecture: Callable[[], str] = system_architecture) -> Finding:
    found = architecture()
    if found in SIXTY_FOUR_BIT or found == "64bit":
        return ok("system", "64 биттік жүйе", "64-битная система", found)
    text = NODE_FAULTS["os_32bit"]
    return fault("system", text.kk, text.ru,
                 f"{found}: install Raspberry Pi OS (64-bit)")
