"""Free space where the node keeps its state."""

from __future__ import annotations

import shutil
from pathlib import Path

from provisioning.doctor.findings import Finding, Options, fault, ok, warning


def check_disk(path: Path, options: Options) -> Finding:
    while not path.exists() and path != path.parent:
        path = path.parent
    free = shutil.disk_usage(path).free
    shown = f"{free / 1024 / 1024:.0f}"
    if free < options.disk_fault_bytes:
        return fault("disk", f"Дискіде орын жоқ: {shown} МБ қалды",
                     f"На диске нет места: осталось {shown} МБ", str(path))
    if free < options.disk_warning_bytes:
        return warning("disk", f"Дискіде орын аз: {shown} МБ",
                       f"На диске мало места: {shown} МБ", str(path))
    return ok("disk", f"Дискіде {shown} МБ бос", f"На диске свободно {shown} МБ", str(path))
