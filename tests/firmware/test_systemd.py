"""sd_notify datagrams, the watchdog period, and silence outside systemd."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

from firmware.common.systemd import SystemdNotifier
from firmware.common.thermal import cpu_temperature


def test_nothing_happens_without_notify_socket() -> None:
    notifier = SystemdNotifier({"WATCHDOG_USEC": "1000000"})
    assert not notifier.enabled
    assert notifier.watchdog_seconds is None
    assert not notifier.notify("READY=1")


def test_datagram_to_a_socket_path(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind(str(path))
        notifier = SystemdNotifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "3000000"})

        assert notifier.notify("READY=1", "STATUS=started")
        assert receiver.recv(4096) == b"READY=1\nSTATUS=started"
    assert notifier.watchdog_seconds == 3.0


def test_datagram_to_an_abstract_socket() -> None:
    name = f"kezek-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind("\0" + name)
        assert SystemdNotifier({"NOTIFY_SOCKET": "@" + name}).notify("WATCHDOG=1")
        assert receiver.recv(4096) == b"WATCHDOG=1"


def test_watchdog_meant_for_another_process_is_ignored() -> None:
    env = {"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "1000000"}
    assert SystemdNotifier(env | {"WATCHDOG_PID": str(os.getpid())}).watchdog_seconds == 1.0
    assert SystemdNotifier(env | {"WATCHDOG_PID": "1"}).watchdog_seconds is None
    assert SystemdNotifier(env | {"WATCHDOG_USEC": "soon"}).watchdog_seconds is None


def test_a_missing_notify_socket_is_not_fatal(tmp_path: Path) -> None:
    assert not SystemdNotifier({"NOTIFY_SOCKET": str(tmp_path / "gone")}).notify("READY=1")


def test_cpu_temperature(tmp_path: Path) -> None:
    sensor = tmp_path / "temp"
    sensor.write_text("48312\n")
    assert cpu_temperature(sensor) == 48.3
    assert cpu_temperature(tmp_path / "absent") is None
    sensor.write_text("garbage")
    assert cpu_temperature(sensor) is None
