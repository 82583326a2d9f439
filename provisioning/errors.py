"""The one exception root of provisioning. Messages name the node and the field at fault
and are meant for the installer at the terminal."""

from __future__ import annotations


class ProvisioningError(ValueError):
    """Something the installer must fix; nothing was written."""


class InventoryError(ProvisioningError):
    """The inventory file cannot be read or breaks a rule; `problems` lists every one."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"inventory {source}:\n" + "\n".join(f"  {p}" for p in problems))
        self.problems = problems


class VoiceError(ProvisioningError):
    """A voice that is unknown, cannot be downloaded or does not match its checksum."""
