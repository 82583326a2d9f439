"""The durable outbox: first in, first out; one copy per request id; what was put is there
after a reopen; safe under concurrent puts."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from contract.mqtt import ButtonAction, ButtonPress, TicketRequest
from firmware.common.outbox import Outbox, OutboxRequest


def ticket(language: str = "kk", **fields: object) -> TicketRequest:
    return TicketRequest.model_validate({"node": "terminal-1", "language": language} | fields)


def test_first_in_first_out(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    first, second = ticket(), ButtonPress(node="terminal-1", desk="d1", action=ButtonAction.NEXT)
    assert outbox.head() is None

    outbox.put(first)
    outbox.put(second)

    assert len(outbox) == 2
    assert outbox.head() == first
    assert outbox.remove(first.id)
    assert outbox.head() == second
    assert outbox.remove(second.id)
    assert outbox.head() is None
    assert not outbox.remove(second.id)
    outbox.close()


def test_a_request_put_twice_is_stored_once(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    request, later = ticket(), ticket("ru")

    assert outbox.put(request)
    assert outbox.put(later)
    assert not outbox.put(request)

    assert len(outbox) == 2
    assert outbox.ids() == [request.id, later.id]  # the repeat did not move it back
    outbox.close()


def test_requests_survive_a_reopen_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "node" / "outbox.sqlite3"
    requests: list[OutboxRequest] = [
        ticket(purpose="pension", zone="a", out_of_turn="veteran", needs_escort=True),
        ButtonPress(node="terminal-1", desk="d1", action=ButtonAction.TRANSFER, to_zone="b")]
    outbox = Outbox(path)
    for request in requests:
        outbox.put(request)
    outbox.close()

    reopened = Outbox(path)
    assert len(reopened) == 2
    assert reopened.head() == requests[0]
    reopened.remove(requests[0].id)
    assert reopened.head() == requests[1]
    reopened.close()


def test_concurrent_puts_keep_every_request_and_each_threads_order(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    per_thread = {n: [ticket() for _ in range(25)] for n in range(8)}
    start = threading.Barrier(len(per_thread))

    def put_all(requests: list[TicketRequest]) -> None:
        start.wait()
        for request in requests:
            outbox.put(request)
            len(outbox)  # readers interleave with writers

    threads = [threading.Thread(target=put_all, args=(requests,))
               for requests in per_thread.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = outbox.ids()
    assert len(stored) == len(outbox) == 200
    for requests in per_thread.values():
        mine = [request_id for request_id in stored if request_id in {r.id for r in requests}]
        assert mine == [request.id for request in requests]
    outbox.close()


def test_an_unreadable_row_is_set_aside_not_blocking(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    outbox = Outbox(path)
    good = ticket()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO outbox (id, kind, json, created) VALUES ('old', 'ticket', "
                   "'{\"v\": 0}', '2026-01-01T00:00:00+00:00')")
    outbox.put(good)

    assert outbox.head() == good
    assert len(outbox) == 1
    outbox.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT id FROM unreadable").fetchall() == [("old",)]
