"""Structured logs: JSON lines with the node, extra fields, and never a request's contents."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract.mqtt import TicketRequest
from firmware.common.logs import configure_logging
from firmware.ticket_terminal.launch import ESCPOS_CACHE_ENV
from tests.brokers import wait_until


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_root_logger")
def test_json_lines_with_node_and_extra_fields() -> None:
    stream = io.StringIO()
    configure_logging("terminal-1", "DEBUG", stream=stream)
    configure_logging("terminal-1", "DEBUG", stream=stream)  # again: still one handler
    request = TicketRequest(node="terminal-1", language="kk", purpose="pension")

    logging.getLogger("kezek.test").info("request %s", "queued",
                                         extra={"request_id": request.id, "request": request})
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("kezek.test").exception("failed")

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    first = lines[0]
    assert first["level"] == "info"
    assert first["logger"] == "kezek.test"
    assert first["message"] == "request queued"
    assert first["node"] == "terminal-1"
    assert first["request_id"] == request.id
    assert first["request"] == {"model": "TicketRequest", "id": request.id}
    assert "pension" not in stream.getvalue()
    assert first["time"].endswith("+00:00")
    assert "RuntimeError: boom" in lines[1]["exception"]


@pytest.mark.usefixtures("restore_root_logger")
def test_a_library_calling_basic_config_does_not_double_every_line() -> None:
    """python-escpos calls logging.basicConfig() when imported: one line, as JSON."""
    root = logging.getLogger()
    root.handlers[:] = []
    logging.basicConfig()
    assert len(root.handlers) == 1
    stream = io.StringIO()
    configure_logging("terminal-1", stream=stream)
    logging.getLogger("kezek.test").warning("printer offline")
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == [
        "printer offline"]
    assert len(root.handlers) == 1


def test_the_terminal_logs_what_happens_while_it_is_built_once_as_json(tmp_path: Path) -> None:
    """python-escpos installs logging.basicConfig's handler when imported; the terminal
    configures its JSON lines before it builds itself, so an error of that moment (a pin
    factory that does not load) is one JSON line, not a bare `ERROR:name:message`."""
    data = tmp_path / "node"
    config = tmp_path / "terminal.toml"
    config.write_text(textwrap.dedent(f"""\
        node_id = "terminal-1"
        center = "test-center"
        broker_url = "mqtt://127.0.0.1:1"
        data_dir = "{data}"
        [buttons]
        kazakh = 5
        russian = 6
        purposes = [{{code = "appeal_paper", pin = 13}}]
        [lamps]
        language = 20
        purpose = 21
        busy = 26
        fault = 16
        """))
    environ = {**os.environ, "PYTHONPATH": os.getcwd(),
               "GPIOZERO_PIN_FACTORY": "kezek-no-such-factory"}
    environ.pop(ESCPOS_CACHE_ENV, None)  # escpos's cache in the node's data folder
    launch = ("import sys; from firmware.ticket_terminal.launch import main; "
              "sys.exit(main(sys.argv[1:]))")  # as the kezek-ticket-terminal script does
    process = subprocess.Popen([sys.executable, "-c", launch, "--config", str(config)],
                               stderr=subprocess.PIPE, text=True, env=environ)
    assert process.stderr is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")),
                              daemon=True)
    reader.start()
    try:
        wait_until(lambda: any("no GPIO pin factory loads" in line for line in lines)
                   or process.poll() is not None, timeout=60, what="the pin factory error")
        # Anything logged after it (the runtime starts) shows the logging is in place.
        wait_until(lambda: len(lines) > 1 + lines.index(next(
            line for line in lines if "no GPIO pin factory loads" in line)), timeout=60,
            what="a line after it")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        reader.join(10)
    mentions = [line for line in lines if "no GPIO pin factory loads" in line]
    assert len(mentions) == 1, lines
    entry = json.loads(mentions[0])
    assert (entry["level"], entry["node"], entry["logger"]) == (
        "error", "terminal-1", "firmware.common.gpio_factory")
    assert "kezek-no-such-factory" in entry["error"]
    assert not [line for line in lines if line.startswith(("ERROR:", "INFO:", "WARNING:"))]
