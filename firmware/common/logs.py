"""Structured logs: one JSON object per line, as journald and log shippers read them.

Rule: a log line names a request by its id and kind, never by its contents. The formatter
enforces it for models passed in `extra=`: a pydantic model is logged as its type and id."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from pydantic import BaseModel

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName"}


class JsonLinesFormatter(logging.Formatter):
    def __init__(self, node_id: str) -> None:
        super().__init__()
        self.node_id = node_id

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "node": self.node_id,
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = _loggable(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _loggable(value: object) -> object:
    if isinstance(value, BaseModel):
        return {"model": type(value).__name__, "id": getattr(value, "id", None)}
    return value


class _KezekHandler(logging.StreamHandler[IO[str]]):
    """Marks the handler this module installed, so configuring twice replaces it."""


def _installed_by_basic_config(handler: logging.Handler) -> bool:
    """The handler `logging.basicConfig()` puts on the root logger: python-escpos calls it
    when imported, and left in place it writes every record a second time, as
    `INFO:name:message` beside the JSON line."""
    return type(handler) is logging.StreamHandler and \
        getattr(handler.formatter, "_fmt", None) == logging.BASIC_FORMAT


def configure_logging(node_id: str, level: int | str = logging.INFO,
                      stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record of the process as JSON lines to `stream` (stderr by default),
    once: a handler a library installed with `logging.basicConfig()` is removed."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _KezekHandler) or _installed_by_basic_config(handler):
            root.removeHandler(handler)
    handler = _KezekHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonLinesFormatter(node_id))
    root.addHandler(handler)
    root.setLevel(level)
    return handler
