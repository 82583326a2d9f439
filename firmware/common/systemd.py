"""sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET per message.

Outside systemd (no NOTIFY_SOCKET) every call does nothing."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class SystemdNotifier:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        # '@' names a socket in the abstract namespace, which starts with a NUL byte.
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self._watchdog_seconds = _watchdog_seconds(env)

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    @property
    def watchdog_seconds(self) -> float | None:
        """The watchdog period systemd expects pings within, or None when it watches not."""
        return self._watchdog_seconds if self.enabled else None

    def notify(self, *states: str) -> bool:
        """Send `READY=1`, `WATCHDOG=1`, `STATUS=…` lines; False when not sent."""
        if not self._address:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto("\n".join(states).encode(), self._address)
        except OSError as error:
            log.warning("systemd notify failed", extra={"error": str(error)})
            return False
        return True


def _watchdog_seconds(env: Mapping[str, str]) -> float | None:
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    # WATCHDOG_PID names the process meant; a child that inherited the variable is not it.
    pid = env.get("WATCHDOG_PID")
    if usec <= 0 or (pid and pid != str(os.getpid())):
        return None
    return usec / 1_000_000
