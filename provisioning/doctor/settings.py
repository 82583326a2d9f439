"""The node's settings file, read as its application reads it: with the `KEZEK_NODE_*`
variables its unit sets (on a desktop image the install's drop-in sets the voice's sink
to pipewire), so the doctor checks the device the node really uses; and the doctor's
own defaults that first boot writes (`/etc/default/kezek-doctor`)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from contract.mqtt import NodeRole
from firmware.common.settings import (
    CONFIG_ENV,
    ENV_PREFIX,
    NodeSettings,
    NodeSettingsError,
    load_node_settings,
)
from provisioning.doctor.findings import Finding, fault, ok
from provisioning.doctor.service_user import unit_environment
from provisioning.firstboot import DOCTOR_DEFAULTS
from provisioning.roles import ROLE_SETTINGS


def read_default(key: str, path: Path = Path(DOCTOR_DEFAULTS)) -> str | None:
    """`key` from the environment, else from first boot's defaults file (KEY=value
    lines); None when neither has a value."""
    if os.environ.get(key):
        return os.environ[key]
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(f"{key}="):
            return line.split("=", 1)[1].strip() or None
    return None


def service_settings_environment(unit: dict[str, str] | None = None) -> dict[str, str]:
    """The node's settings variables its unit sets (`unit_environment()` by default),
    without the settings file's name (the doctor is given the file)."""
    environment = unit_environment() if unit is None else unit
    return {key: value for key, value in environment.items()
            if key.startswith(ENV_PREFIX) and key != CONFIG_ENV}


def load_settings(path: Path, environment: dict[str, str] | None = None
                  ) -> tuple[NodeSettings | None, Finding]:
    """The settings as the node reads them: the file, under `environment` (the unit's
    settings variables by default), which wins over the file as it does in the node."""
    overlay = service_settings_environment() if environment is None else environment
    try:
        role = tomllib.loads(path.read_text()).get("role")
        settings_class = ROLE_SETTINGS[NodeRole(str(role))]
        with _environment(overlay):
            settings = load_node_settings(settings_class, path)
    except OSError as error:
        return None, fault("config", f"Баптаулар файлы оқылмады: {path}",
                           f"Не удалось прочитать файл настроек: {path}", str(error))
    except (tomllib.TOMLDecodeError, NodeSettingsError) as error:
        return None, fault("config", "Баптаулар қате", "Ошибка в настройках", str(error))
    except (KeyError, ValueError):
        return None, fault("config", "Баптауларда құрылғы рөлі белгісіз",
                           "В настройках неизвестна роль устройства", f"role = {role!r}")
    from_unit = f"; from the unit: {', '.join(sorted(overlay))}" if overlay else ""
    return settings, ok("config", "Баптаулар дұрыс", "Настройки в порядке",
                        f"{settings.node_id} ({settings.role.value}), center "
                        f"{settings.center}{from_unit}")


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """`variables` set in this process's environment for the block, then restored."""
    previous = {key: os.environ.get(key) for key in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
