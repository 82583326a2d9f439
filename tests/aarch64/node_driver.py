"""Runs inside the emulated Pi: starts a node program by its console-script name, as
the installed kezek wheel declares it, and lets the test reach the pins.

    python3.11 node_driver.py kezek-call-button

With KEZEK_TEST_MOCK_PINS set, gpiozero's default pin factory is a MockFactory made
here before the program starts, so the program's buttons and lamps are pins this driver
can press and read. Commands come one a line on stdin, answers go one JSON object a
line to stdout:

    press 5    ->  {"event": "pressed", "pin": 5}      (pressed and released, as a hand)
    pin 26     ->  {"event": "pin", "pin": 26, "state": 1}

The first line says what runs and where: {"event": "started", "machine": "aarch64",
"cwd": ..., ...}.

Emulation cannot start an arm64 program directly (this machine has no binfmt_misc
entry for it): a program that starts a child Python through `sys.executable` is given
KEZEK_TEST_CHILD_PYTHON instead, a script that runs the emulator again.

Only the standard library and what the role installs are available here."""

from __future__ import annotations

import json
import os
import platform
import sys
import threading
from importlib.metadata import entry_points, version
from typing import Any

_out = threading.Lock()


def say(**event: Any) -> None:
    with _out:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()


def serve_pins(factory: Any) -> None:
    for line in sys.stdin:
        words = line.split()
        if len(words) != 2 or not words[1].isdigit():
            say(event="error", line=line.strip())
            continue
        command, pin = words[0], int(words[1])
        mock = factory.pin(pin)
        if command == "press":
            mock.drive_low()  # buttons connect the pin to ground
            mock.drive_high()
            say(event="pressed", pin=pin)
        elif command == "pin":
            say(event="pin", pin=pin, state=mock.state)
        else:
            say(event="error", line=line.strip())


def main() -> int:
    program = sys.argv[1]
    child_python = os.environ.get("KEZEK_TEST_CHILD_PYTHON")
    if child_python:
        sys.executable = child_python
    if os.environ.get("KEZEK_TEST_MOCK_PINS"):
        from gpiozero import Device
        from gpiozero.pins.mock import MockFactory

        Device.pin_factory = MockFactory()
        threading.Thread(target=serve_pins, args=(Device.pin_factory,), daemon=True).start()
    (script,) = entry_points(group="console_scripts", name=program)
    say(event="started", program=program, target=script.value, machine=platform.machine(),
        python=platform.python_version(), executable=sys.executable,
        kezek=version("kezek"), cwd=os.getcwd())
    sys.argv = [program]
    code = script.load()()
    say(event="exited", code=code)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
