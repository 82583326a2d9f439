"""The node's settings file, read as its application reads it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from contract.mqtt import NodeRole
from firmware.common.settings import NodeSettings, NodeSettingsError, load_node_settings
from provisioning.doctor.findings import Finding, fault, ok
from provisioning.roles import ROLE_SETTINGS


def load_settings(path: Path) -> tuple[NodeSettings | None, Finding]:
    try:
        role = tomllib.loads(path.read_text()).get("role")
        settings_class = ROLE_SETTINGS[NodeRole(str(role))]
        settings = load_node_settings(settings_class, path)
    except OSError as error:
        return None, fault("config", f"Баптаулар файлы оқылмады: {path}",
                           f"Не удалось прочитать файл настроек: {path}", str(error))
    except (tomllib.TOMLDecodeError, NodeSettingsError) as error:
        return None, fault("config", "Баптаулар қате", "Ошибка в настройках", str(error))
    except (KeyError, ValueError):
        return None, fault("config", "Баптауларда құрылғы рөлі белгісіз",
                           "В настройках неизвестна роль устройства", f"role = {role!r}")
    return settings, ok("config", "Баптаулар дұрыс", "Настройки в порядке",
                        f"{settings.node_id} ({settings.role.value}), center "
                        f"{settings.center}")
