"""Cutting a node off at the broker: remove its line from the password file the hub
machine's Mosquitto reads, then signal Mosquitto (SIGHUP) to reload it. On reload
Mosquitto re-checks connected clients, so the node is dropped and cannot come back."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from provisioning.errors import ProvisioningError
from provisioning.passwords import remove_user


def reload_broker(pid_file: Path) -> int:
    """SIGHUP the Mosquitto whose pid is in `pid_file`; returns the pid."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError) as error:
        raise ProvisioningError(f"cannot read the broker's pid from {pid_file}: {error}"
                                ) from None
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise ProvisioningError(f"no broker runs with pid {pid} (from {pid_file})") from None
    except PermissionError:
        # The usual split: the hub and Mosquitto run as different users.
        raise ProvisioningError(f"not allowed to signal the broker (pid {pid}); reload it "
                                "as its own user or run kezek-provision revoke") from None
    return pid


def cut_off(password_file: Path, user: str, pid_file: Path | None) -> bool:
    """Remove `user`'s credentials and reload the broker; False when it had none."""
    try:
        removed = remove_user(password_file, user)
    except (OSError, ValueError) as error:
        raise ProvisioningError(f"cannot edit the broker's password file: {error}") from None
    if pid_file is not None:
        reload_broker(pid_file)
    return removed
