"""Structured logs: JSON lines with the node, extra fields, and never a request's contents."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from contract.mqtt import TicketRequest
from firmware.common.logs import configure_logging


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
