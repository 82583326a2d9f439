"""Change events inside the hub process: the live board and, later, the MQTT
bridge follow the queue through them. Thread-safe: services run in worker threads."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class QueueEvent:
    """Something happened to the queue: `kind` is issued, called, recalled, started,
    finished, no_show, transferred, cancelled, or config for a configuration change."""

    kind: str
    at: datetime
    zone: str | None = None
    number: int | None = None
    desk: str | None = None
    ticket_id: int | None = None
    language: str | None = None
    needs_escort: bool = False
    extra: dict[str, str] = field(default_factory=dict)


Listener = Callable[[QueueEvent], None]
log = logging.getLogger("kezek.events")


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[int, Listener] = {}
        self._ids = itertools.count(1)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Register a listener; returns the function that unsubscribes it."""
        with self._lock:
            key = next(self._ids)
            self._listeners[key] = listener

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(key, None)

        return unsubscribe

    def publish(self, event: QueueEvent) -> None:
        with self._lock:
            listeners = list(self._listeners.values())
        for listener in listeners:
            # The change is already committed: a failing listener must neither turn
            # the request into an error nor keep the others from hearing of it.
            try:
                listener(event)
            except Exception:
                log.exception("listener of %s events failed", event.kind)
