"""Signalling the hub machine's Mosquitto: every failure is a ProvisioningError the
console can show, never an exception that turns a revoke into a server error."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioning import broker_control
from provisioning.broker_control import reload_broker
from provisioning.errors import ProvisioningError


def test_a_broker_the_hub_may_not_signal_is_a_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid_file = tmp_path / "mosquitto.pid"
    pid_file.write_text("4242\n")

    def refuse(pid: int, signal: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(broker_control.os, "kill", refuse)
    with pytest.raises(ProvisioningError, match="not allowed to signal the broker"):
        reload_broker(pid_file)


def test_an_unreadable_pid_file_is_a_clear_error(tmp_path: Path) -> None:
    pid_file = tmp_path / "mosquitto.pid"
    pid_file.write_text("not a pid")
    with pytest.raises(ProvisioningError, match="cannot read the broker's pid"):
        reload_broker(pid_file)
