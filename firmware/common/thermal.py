"""The CPU temperature a Raspberry Pi reports, for telemetry (a hot case in a kiosk fails)."""

from __future__ import annotations

from pathlib import Path

CPU_THERMAL_ZONE = Path("/sys/class/thermal/thermal_zone0/temp")


def cpu_temperature(path: Path = CPU_THERMAL_ZONE) -> float | None:
    """Degrees Celsius, or None where the machine has no such sensor or it cannot be read."""
    try:
        millidegrees = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return round(millidegrees / 1000, 1)
