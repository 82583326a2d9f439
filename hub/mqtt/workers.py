"""Worker threads that keep each key's jobs in order: one node's messages are handled
one after another (its status before its request), different nodes in parallel."""

from __future__ import annotations

import logging
import queue
import threading
import zlib
from collections.abc import Callable

log = logging.getLogger("kezek.mqtt.workers")

Job = Callable[[], None]


class KeyedWorkers:
    def __init__(self, count: int, name: str) -> None:
        self._queues: list[queue.Queue[Job | None]] = [queue.Queue() for _ in range(count)]
        self._threads = [threading.Thread(target=self._run, args=(q,), name=f"{name}-{i}",
                                          daemon=True)
                         for i, q in enumerate(self._queues)]
        for thread in self._threads:
            thread.start()

    def submit(self, key: str, job: Job) -> None:
        # A stable hash (not hash(), which is salted per process) keeps a key on one thread.
        self._queues[zlib.crc32(key.encode()) % len(self._queues)].put(job)

    def stop(self, timeout: float = 10.0) -> None:
        for q in self._queues:
            q.put(None)
        for thread in self._threads:
            thread.join(timeout)

    @staticmethod
    def _run(jobs: queue.Queue[Job | None]) -> None:
        while True:
            job = jobs.get()
            if job is None:
                return
            try:
                job()
            except Exception:  # one bad job must not end the worker
                log.exception("MQTT job failed")
