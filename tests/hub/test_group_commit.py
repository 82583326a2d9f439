"""Tickets that arrive together are issued in one transaction (group commit):
each request still gets exactly the answer it would have got alone, and one
bad request in a batch neither fails nor loses the others."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.domain.errors import Conflict, NotFound, RangeExhausted, ValidationFailed
from hub.domain.issuing import people_ahead
from hub.services import queue as queue_module
from hub.services.group_commit import GroupCommit
from hub.services.queue import QueueService
from hub.services.views import IssuedTicket
from hub.storage.models import AuditRow, TicketRow
from hub.wiring import Hub


class Held:
    """A queue service whose single issuing thread is held up until `release`, so
    that everything submitted meanwhile is issued as one batch."""

    def __init__(self, hub: Hub) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-issue")
        self.queue = QueueService(hub.db, hub.centers, hub.clock, hub.bus,
                                  issuing=self.executor, issuers=1)
        self._gate = threading.Event()
        self._started = threading.Event()
        self.executor.submit(self._block)
        assert self._started.wait(5)

    def _block(self) -> None:
        self._started.set()
        self._gate.wait(10)

    def submit(self, **kwargs: Any) -> Future[IssuedTicket]:
        kwargs.setdefault("language", "kk")
        kwargs.setdefault("actor", "kiosk")
        return self.queue.submit_issue(**kwargs)

    def release(self) -> None:
        self._gate.set()
        self.executor.shutdown(wait=True)


@pytest.fixture
def held(hub: Hub) -> Iterator[Held]:
    held = Held(hub)
    yield held
    held.release()


def outcome(future: Future[IssuedTicket]) -> IssuedTicket | BaseException:
    error = future.exception(timeout=30)
    return error if error is not None else future.result()


def tickets_and_audit(hub: Hub) -> tuple[int, int]:
    with hub.db.read() as session:
        tickets = session.scalar(select(func.count()).select_from(TicketRow))
        audits = session.scalar(select(func.count()).select_from(AuditRow)
                                .where(AuditRow.entity == "ticket", AuditRow.action == "issue"))
    return int(tickets or 0), int(audits or 0)


def test_a_batch_answers_each_request_as_if_issued_one_after_another(
        hub: Hub, held: Held) -> None:
    before = [hub.queue.issue(language="kk", purpose="complaint", actor="t").ticket,
              hub.queue.issue(language="ru", purpose="complaint", out_of_turn="pregnant",
                              actor="t").ticket]
    calls: list[Future[IssuedTicket]] = []
    for i in range(24):
        purpose = ("complaint", "appeal_help", "booked_reception")[i % 3]
        calls.append(held.submit(purpose=purpose, idempotency_key=f"k{i}",
                                 out_of_turn="disability" if i % 4 == 3 else None,
                                 needs_escort=i % 5 == 0))
    held.release()
    issued = [call.result(timeout=30) for call in calls]
    # Numbers continue each zone's day without gaps or repeats.
    consultation = [t.ticket.number for t in issued if t.ticket.zone == "consultation"]
    assert consultation == list(range(102, 102 + len(consultation)))
    pairs = [(t.ticket.issued_zone, t.ticket.number) for t in issued]
    assert len(set(pairs)) == len(pairs)
    assert not any(t.replayed for t in issued)
    # Each saw the queue as it stood when its turn came: everyone issued before it.
    seen = list(before)
    for answer in issued:
        assert answer.estimate.people_ahead == people_ahead(
            seen, answer.ticket, hub.clock.now()), answer.ticket.number
        seen.append(answer.ticket)
    # Every ticket has its audit row, and the board shows them all.
    assert tickets_and_audit(hub) == (26, 26)
    board = {z.code: len(z.waiting) for z in hub.queue.state().zones}
    assert sum(board.values()) == 26


def test_one_bad_request_in_a_batch_fails_alone(hub: Hub, held: Held) -> None:
    hub.queue.issue(language="kk", purpose="complaint", idempotency_key="used", actor="kiosk")
    calls = {
        "good-1": held.submit(purpose="complaint"),
        "language": held.submit(language="en", purpose="complaint"),
        "purpose": held.submit(purpose="tea"),
        "conflict": held.submit(purpose="appeal_help", idempotency_key="used"),
        "retry": held.submit(purpose="complaint", idempotency_key="used"),
        "good-2": held.submit(purpose="appeal_help", out_of_turn="pregnant"),
        "category": held.submit(purpose="complaint", out_of_turn="mayor"),
        "good-3": held.submit(purpose="booked_reception"),
    }
    held.release()
    got = {name: outcome(call) for name, call in calls.items()}
    assert isinstance(got["language"], ValidationFailed)
    assert isinstance(got["purpose"], NotFound)
    assert isinstance(got["conflict"], Conflict)
    assert isinstance(got["category"], NotFound)
    retry = got["retry"]
    assert isinstance(retry, IssuedTicket) and retry.replayed
    for name in ("good-1", "good-2", "good-3"):
        answer = got[name]
        assert isinstance(answer, IssuedTicket) and not answer.replayed, name
    assert tickets_and_audit(hub) == (4, 4)


def test_a_failure_midway_rolls_back_and_retries_each_alone(
        hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """Self-service holds ten numbers: of twelve requests in one batch, the two
    that find no number left are refused, and the other ten are issued."""

    def narrow(doc: dict[str, Any]) -> None:
        next(z for z in doc["zones"] if z["code"] == "self_service")["range"] = [800, 809]

    hub.centers.edit(narrow, actor="test", action="put_zone")
    batches: list[int] = []
    real = queue_module.advance_sequences

    def counting(session: Any, day: Any, counts: dict[str, int]) -> dict[str, int]:
        batches.append(sum(counts.values()))
        return real(session, day, counts)

    monkeypatch.setattr(queue_module, "advance_sequences", counting)
    held = Held(hub)
    calls = [held.submit(purpose="appeal_help" if i % 2 else "complaint", idempotency_key=f"{i}")
             for i in range(22)]
    held.release()
    got = [outcome(call) for call in calls]
    refused = [g for g in got if isinstance(g, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], RangeExhausted)
    assert got.index(refused[0]) == 21   # the 11th self-service request
    issued = [g for g in got if isinstance(g, IssuedTicket)]
    assert sorted(t.ticket.number for t in issued if t.ticket.zone == "self_service") == list(
        range(800, 810))
    # The batch, then one by one; the last one, past a full round of the range,
    # looks at the numbers held at once (no first try for the index to refuse) and
    # finds every one held.
    assert batches == [22] + [1] * 22
    assert tickets_and_audit(hub) == (21, 21)


def test_a_database_error_in_a_batch_loses_no_ticket(
        hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    real = queue_module.insert_tickets
    failures = []

    def flaky(session: Any, rows: list[dict[str, Any]]) -> list[int]:
        if len(rows) > 1:
            failures.append(len(rows))
            raise RuntimeError("the disk hiccupped")
        return real(session, rows)

    monkeypatch.setattr(queue_module, "insert_tickets", flaky)
    held = Held(hub)
    calls = [held.submit(purpose="complaint", idempotency_key=f"{i}") for i in range(6)]
    held.release()
    numbers = sorted(call.result(timeout=30).ticket.number for call in calls)
    assert failures == [6]
    assert numbers == list(range(100, 106))
    assert tickets_and_audit(hub) == (6, 6)


def test_retries_within_one_batch_get_the_same_ticket(hub: Hub, held: Held) -> None:
    first = held.submit(purpose="complaint", idempotency_key="k")
    between = held.submit(purpose="complaint", out_of_turn="pregnant", idempotency_key="x")
    again = held.submit(purpose="complaint", idempotency_key="k")
    other_body = held.submit(purpose="appeal_help", idempotency_key="k")
    other_client = held.submit(purpose="complaint", idempotency_key="k", actor="kiosk-2")
    held.release()
    made, repeated = first.result(timeout=30), again.result(timeout=30)
    assert not made.replayed and repeated.replayed
    assert repeated.ticket == made.ticket
    assert made.estimate.people_ahead == 0
    # The retry sees the queue as it stood at its turn: the out-of-turn ticket is ahead.
    assert repeated.estimate.people_ahead == 1
    assert between.result(timeout=30).estimate.people_ahead == 0
    with pytest.raises(Conflict):
        other_body.result(timeout=30)
    assert other_client.result(timeout=30).ticket.id != made.ticket.id
    assert tickets_and_audit(hub) == (3, 3)


def test_issue_on_an_issuing_thread_does_not_wait_for_itself(hub: Hub) -> None:
    """A listener of `issued` events that issues a ticket itself (as a bridge might)
    runs on the issuing thread: it must not wait for that thread."""
    follow_ups: list[int] = []

    def listener(event: Any) -> None:
        if event.kind == "issued" and event.zone == "consultation" and not follow_ups:
            follow_ups.append(hub.queue.issue(language="kk", purpose="appeal_help",
                                              actor="bridge").ticket.number)

    unsubscribe = hub.bus.subscribe(listener)
    try:
        hub.queue.issue(language="kk", purpose="complaint", actor="t")
    finally:
        unsubscribe()
    assert follow_ups == [800]


@dataclass
class Request:
    name: str
    done: Future[Any] = field(default_factory=Future)


def test_the_group_commit_answers_every_request_even_when_handling_fails() -> None:
    executor = ThreadPoolExecutor(max_workers=1)
    gate = threading.Event()
    executor.submit(gate.wait, 10)
    handled: list[list[str]] = []

    def handle(batch: list[Request]) -> None:
        handled.append([r.name for r in batch])
        if any(r.name == "boom" for r in batch):
            raise RuntimeError("boom")
        for request in batch:
            request.done.set_result(request.name.upper())

    group: GroupCommit[Request] = GroupCommit(executor, handle, most=3)
    requests = [Request(n) for n in ("a", "b", "c", "boom", "d", "e")]
    for request in requests:
        group.submit(request)
    gate.set()
    answers = [r.done.exception(timeout=10) or r.done.result() for r in requests]
    assert handled == [["a", "b", "c"], ["boom", "d", "e"]]
    assert answers[:3] == ["A", "B", "C"]
    assert all(isinstance(a, RuntimeError) for a in answers[3:])
    executor.shutdown(wait=True)
    late = Request("late")
    group.submit(late)   # nobody can drain any more: refused, not left waiting
    assert isinstance(late.done.exception(timeout=1), RuntimeError)


def test_a_retry_of_an_earlier_ticket_in_a_batch_leaves_no_trace(hub: Hub) -> None:
    """The first try of a batch does not look keys up; the unique key refuses the
    insert, and the careful retry answers the retry with its ticket. No number is
    lost on the way (the counter moved back with the rollback)."""
    earlier = hub.queue.issue(language="kk", purpose="complaint", idempotency_key="k",
                              actor="kiosk")
    held = Held(hub)
    calls = [held.submit(purpose="complaint", idempotency_key="a"),
             held.submit(purpose="complaint", idempotency_key="k"),
             held.submit(purpose="appeal_help", idempotency_key="k"),
             held.submit(purpose="complaint", idempotency_key="b")]
    held.release()
    got = [outcome(call) for call in calls]
    assert isinstance(got[1], IssuedTicket) and got[1].replayed
    assert got[1].ticket == earlier.ticket
    assert isinstance(got[2], Conflict)
    assert [g.ticket.number for g in got if isinstance(g, IssuedTicket)] == [101, 100, 102]
    with hub.db.read() as session:
        sequences = sorted(session.scalars(select(TicketRow.sequence)))
    assert sequences == [1, 2, 3]
    assert tickets_and_audit(hub) == (3, 3)
