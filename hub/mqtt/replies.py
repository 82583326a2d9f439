"""The answers given to node requests: the recent ones in memory, so a resent request
is answered at once with the very same bytes, and all of them in the database,
written in batches by one thread so the hot path pays no second transaction.

Losing the last batch in a crash costs nothing that matters: a resent ticket
request is replayed by the queue's own idempotency key (the same ticket), and a
resent button press finds its id claimed in the action's transaction."""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from typing import Any

from hub.services.nodes import NodeRegistry

log = logging.getLogger("kezek.mqtt.replies")

RECENT = 20_000  # far more than the requests in flight across a center's nodes
FLUSH_SECONDS = 0.2
BATCH = 500

Stored = tuple[str, str, str, dict[str, Any]]  # node, request id, kind, reply


class RecentReplies:
    def __init__(self, capacity: int = RECENT) -> None:
        self._capacity = capacity
        self._replies: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, node: str, request_id: str) -> bytes | None:
        with self._lock:
            return self._replies.get((node, request_id))

    def put(self, node: str, request_id: str, encoded: bytes) -> None:
        with self._lock:
            self._replies[(node, request_id)] = encoded
            self._replies.move_to_end((node, request_id))
            while len(self._replies) > self._capacity:
                self._replies.popitem(last=False)


class ReplyLog:
    """Stores replies in the node-request register, many per transaction."""

    def __init__(self, registry: NodeRegistry) -> None:
        self._registry = registry
        self._queue: queue.Queue[Stored | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="kezek-mqtt-replies",
                                        daemon=True)
        self._thread.start()

    def add(self, node: str, request_id: str, kind: str, reply: dict[str, Any]) -> None:
        self._queue.put((node, request_id, kind, reply))

    def close(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        closing = False
        while not closing:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            try:
                while len(batch) < BATCH:
                    item = self._queue.get(timeout=FLUSH_SECONDS if len(batch) == 1 else 0)
                    if item is None:
                        closing = True
                        break
                    batch.append(item)
            except queue.Empty:
                pass
            try:
                self._registry.remember_replies(batch)
            except Exception:  # the register is a convenience; the bridge goes on
                log.exception("could not store %d replies", len(batch))
