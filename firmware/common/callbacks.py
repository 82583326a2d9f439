"""One thread that runs the node application's callbacks, in the order they were queued.

The application prints tickets, speaks and redraws boards in its callbacks; none of that
may stall paho's network thread (keepalives) or the outbox sender."""

from __future__ import annotations

import functools
import logging
import queue
import threading
from collections.abc import Callable
from typing import ParamSpec

log = logging.getLogger(__name__)

P = ParamSpec("P")


class CallbackThread:
    def __init__(self, name: str = "kezek-callbacks") -> None:
        self._queue: queue.SimpleQueue[Callable[[], object] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def call(self, function: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
        """Run `function(*args, **kwargs)` on the callback thread, after those queued before."""
        self._queue.put(functools.partial(function, *args, **kwargs))

    def alive(self) -> bool:
        return self._thread.is_alive()

    def close(self, timeout: float) -> None:
        """Run what is queued, then end; waits at most `timeout` seconds for that."""
        self._queue.put(None)
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while (function := self._queue.get()) is not None:
            try:
                function()
            except Exception:
                # An application bug in one callback must not silence the ones after it.
                log.exception("node callback failed",
                              extra={"callback": getattr(function, "func", function)})
