"""The hub's hold on the broker's door: removing a node's credentials from the
Mosquitto password file named in the settings and reloading the broker, so a rejected
or revoked node is dropped and cannot connect again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from provisioning.broker_control import cut_off
from provisioning.errors import ProvisioningError

log = logging.getLogger("kezek.broker_access")


@dataclass(frozen=True, slots=True)
class CutOff:
    done: bool  # the credentials are gone (or were never there) and the broker reloaded
    detail: str


class BrokerAccess:
    def __init__(self, password_file: Path | None, pid_file: Path | None) -> None:
        self.password_file = password_file
        self.pid_file = pid_file

    @property
    def managed(self) -> bool:
        return self.password_file is not None

    def cut_off(self, node_id: str) -> CutOff:
        if self.password_file is None:
            return CutOff(False, "the hub does not manage the broker's password file")
        try:
            removed = cut_off(self.password_file, node_id, self.pid_file)
        except ProvisioningError as error:
            log.error("could not cut node %s off at the broker: %s", node_id, error)
            return CutOff(False, str(error))
        log.info("node %s cut off at the broker (%s)", node_id,
                 "credentials removed" if removed else "had no credentials")
        return CutOff(True, "credentials removed" if removed else "had no credentials")
