"""Group commit: requests that arrive while a transaction is running wait, and the
next transaction takes all of them at once.

Issuing a ticket is a handful of short statements; the transaction around them
(BEGIN, COMMIT, on PostgreSQL a flush to disk) and the hop to a worker thread
cost as much again. Under load, requests queue here and a drain on the
executor hands every waiting request to one call of `handle`, which answers
each request's future itself. With nothing else waiting, a request is handled
alone, as soon as it arrives.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger("kezek.group_commit")


class Waiting(Protocol):
    @property
    def done(self) -> Future[Any]: ...


R = TypeVar("R", bound=Waiting)


class GroupCommit(Generic[R]):
    """Runs `handle(batch)` on `executor` with at most `drains` batches at once.

    `handle` must answer the future of every request of its batch; a request it
    leaves unanswered (because `handle` raised) gets the exception.
    """

    def __init__(self, executor: Executor, handle: Callable[[list[R]], None], *,
                 drains: int = 1, most: int = 100) -> None:
        self._executor = executor
        self._handle = handle
        self._drains = drains
        self._most = most
        self._lock = threading.Lock()
        self._waiting: list[R] = []
        self._running = 0
        self._local = threading.local()

    def inside(self) -> bool:
        """Whether the calling thread is running a batch (waiting there would deadlock)."""
        return bool(getattr(self._local, "inside", False))

    def submit(self, request: R) -> None:
        with self._lock:
            self._waiting.append(request)
            start = self._running < self._drains
            if start:
                self._running += 1
        if start:
            try:
                self._executor.submit(self._drain)
            except BaseException as exc:  # shut down: nobody will drain
                with self._lock:
                    self._running -= 1
                    stranded, self._waiting = self._waiting, []
                for waiting in stranded:
                    _fail(waiting, exc)

    def _drain(self) -> None:
        self._local.inside = True
        try:
            while True:
                with self._lock:
                    if not self._waiting:
                        self._running -= 1
                        return
                    batch = self._waiting[:self._most]
                    del self._waiting[:self._most]
                try:
                    self._handle(batch)
                except BaseException as exc:
                    log.exception("a batch of %d requests failed", len(batch))
                    for request in batch:
                        _fail(request, exc)
        finally:
            self._local.inside = False


def _fail(request: Waiting, exc: BaseException) -> None:
    if not request.done.done():
        request.done.set_exception(exc)
