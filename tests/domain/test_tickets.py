"""The queue ticket and its state machine: hub.domain.tickets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.errors import Conflict, IllegalTransition, ValidationFailed
from hub.domain.text import Language
from hub.domain.tickets import (
    ACTIVE_STATES,
    AT_DESK_STATES,
    CALLED_STATES,
    FINAL_STATES,
    STATE_NAMES,
    WAITING_STATES,
    Ticket,
    TicketState,
    Transition,
    can_transition,
)

ALMATY = ZoneInfo("Asia/Almaty")
T0 = datetime(2026, 3, 10, 9, 5, tzinfo=ALMATY)
S = TicketState

# The machine as the module's docstring describes it, written out independently.
EXPECTED: dict[TicketState, set[TicketState]] = {
    S.WAITING: {S.CALLED, S.CANCELLED},
    S.TRANSFERRED: {S.CALLED, S.CANCELLED},
    S.CALLED: {S.RECALLED, S.SERVING, S.NO_SHOW},
    S.RECALLED: {S.RECALLED, S.SERVING, S.NO_SHOW},
    S.SERVING: {S.DONE, S.TRANSFERRED},
    S.DONE: set(),
    S.NO_SHOW: set(),
    S.CANCELLED: set(),
}


def make_ticket(**overrides: Any) -> Ticket:
    values: dict[str, Any] = {
        "number": 101, "zone": "consultation", "issued_zone": "consultation",
        "service_day": date(2026, 3, 10), "language": Language.RU, "issued_at": T0,
    }
    values.update(overrides)
    return Ticket(**values)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


# Applying the operation that leads to each target state.
APPLY: dict[TicketState, Callable[[Ticket, datetime], Transition]] = {
    S.CALLED: lambda t, at: t.call(t.target_desk or "window-2", at, actor="op-2"),
    S.RECALLED: lambda t, at: t.recall(at, actor="op"),
    S.SERVING: lambda t, at: t.start(at, actor="op"),
    S.DONE: lambda t, at: t.finish(at, actor="op"),
    S.NO_SHOW: lambda t, at: t.no_show(at, actor="op"),
    S.CANCELLED: lambda t, at: t.cancel(at, actor="reception", note="left"),
    S.TRANSFERRED: lambda t, at: t.transfer(at, zone="personal", desk="office-105",
                                            actor="op", note="to the akim"),
}

# A legal way to bring a fresh ticket into each state.
PATHS: dict[TicketState, list[TicketState]] = {
    S.WAITING: [],
    S.CALLED: [S.CALLED],
    S.RECALLED: [S.CALLED, S.RECALLED],
    S.SERVING: [S.CALLED, S.SERVING],
    S.TRANSFERRED: [S.CALLED, S.SERVING, S.TRANSFERRED],
    S.DONE: [S.CALLED, S.SERVING, S.DONE],
    S.NO_SHOW: [S.CALLED, S.NO_SHOW],
    S.CANCELLED: [S.CANCELLED],
}


def ticket_in(state: TicketState) -> Ticket:
    ticket = make_ticket()
    for i, target in enumerate(PATHS[state], start=1):
        APPLY[target](ticket, minutes(i))
    assert ticket.state is state
    return ticket


def snapshot(ticket: Ticket) -> tuple[Any, ...]:
    return (ticket.state, len(ticket.history), list(ticket.history), ticket.desk, ticket.recalls,
            ticket.zone, ticket.target_desk, ticket.queued_at, ticket.transfers)


# --------------------------------------------------------------------------- construction


def test_new_ticket_waits_and_has_one_history_step() -> None:
    ticket = make_ticket()
    assert ticket.state is S.WAITING
    assert ticket.queued_at == T0
    assert ticket.arrival == T0
    assert ticket.desk is None
    assert ticket.target_desk is None
    assert ticket.recalls == 0
    assert ticket.transfers == 0
    assert ticket.is_active is True
    assert ticket.history == [Transition(None, S.WAITING, T0, zone="consultation")]
    assert ticket.time_in(S.WAITING) == T0
    assert ticket.time_in(S.CALLED) is None


def test_explicit_queued_at_is_kept() -> None:
    earlier = T0 - timedelta(minutes=30)
    ticket = make_ticket(queued_at=earlier)
    assert ticket.arrival == earlier
    assert ticket.issued_at == T0


def test_naive_issued_at_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_ticket(issued_at=datetime(2026, 3, 10, 9, 5))
    assert caught.value.field == "issued_at"
    assert caught.value.code == "invalid_value"
    assert caught.value.text.kk.strip()
    assert caught.value.text.ru.strip()


def test_history_is_per_ticket() -> None:
    first, second = make_ticket(), make_ticket(number=102)
    first.call("window-1", minutes(1))
    assert len(first.history) == 2
    assert len(second.history) == 1


# --------------------------------------------------------------------------- the table


def test_state_groups() -> None:
    assert frozenset({S.WAITING, S.TRANSFERRED}) == WAITING_STATES
    assert frozenset({S.CALLED, S.RECALLED}) == CALLED_STATES
    assert frozenset({S.CALLED, S.RECALLED, S.SERVING}) == AT_DESK_STATES
    assert frozenset({S.DONE, S.NO_SHOW, S.CANCELLED}) == FINAL_STATES
    assert frozenset(S) == ACTIVE_STATES | FINAL_STATES
    assert not ACTIVE_STATES & FINAL_STATES


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_can_transition_table(source: TicketState, target: TicketState) -> None:
    assert can_transition(source, target) is (target in EXPECTED[source])


def test_nothing_leads_back_to_waiting() -> None:
    assert not any(can_transition(source, S.WAITING) for source in S)


def test_every_state_has_names_in_both_languages() -> None:
    assert set(STATE_NAMES) == set(S)
    assert STATE_NAMES[S.NO_SHOW].ru == "не явился"
    assert STATE_NAMES[S.WAITING].kk == "күтуде"


TARGETS = [target for target in S if target is not S.WAITING]


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", TARGETS)
def test_every_transition_through_the_methods(source: TicketState, target: TicketState) -> None:
    ticket = ticket_in(source)
    at = minutes(10)
    before = snapshot(ticket)
    if target in EXPECTED[source]:
        step = APPLY[target](ticket, at)
        assert ticket.state is target
        assert len(ticket.history) == before[1] + 1
        assert ticket.history[-1] is step
        assert step.source is source
        assert step.target is target
        assert step.at == at
        assert ticket.history[-2].target is source
        assert [s.at for s in ticket.history] == sorted(s.at for s in ticket.history)
        assert ticket.time_in(target) == at
    else:
        with pytest.raises(IllegalTransition) as caught:
            APPLY[target](ticket, at)
        error = caught.value
        assert isinstance(error, Conflict)
        assert error.code == "illegal_transition"
        assert error.status == 409
        assert error.field == "state"
        assert error.extra == {"state": source.value, "requested": target.value}
        assert "101" in error.text.kk
        assert "101" in error.text.ru
        assert STATE_NAMES[source].ru in error.text.ru
        assert STATE_NAMES[target].ru in error.text.ru
        assert STATE_NAMES[source].kk in error.text.kk
        assert snapshot(ticket) == before


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_final_states_are_absorbing(state: TicketState) -> None:
    ticket = ticket_in(state)
    assert ticket.is_active is False
    for target in TARGETS:
        with pytest.raises(IllegalTransition):
            APPLY[target](ticket, minutes(20))
    assert ticket.state is state


# --------------------------------------------------------------------------- each operation


def test_call_records_the_desk_and_actor() -> None:
    ticket = make_ticket()
    step = ticket.call("window-1", minutes(1), actor="aigerim")
    assert ticket.desk == "window-1"
    assert step == Transition(S.WAITING, S.CALLED, minutes(1), desk="window-1",
                              zone="consultation", actor="aigerim")


def test_recall_counts_and_keeps_the_desk() -> None:
    ticket = make_ticket()
    ticket.call("window-1", minutes(1))
    for i in range(1, 4):
        step = ticket.recall(minutes(1 + i))
        assert ticket.recalls == i
        assert step.desk == "window-1"
        assert ticket.state is S.RECALLED
    ticket.start(minutes(6))
    assert ticket.recalls == 3
    assert ticket.desk == "window-1"


def test_serve_then_finish() -> None:
    ticket = make_ticket()
    ticket.call("window-3", minutes(1))
    ticket.start(minutes(2))
    ticket.finish(minutes(17))
    assert [s.target for s in ticket.history] == [S.WAITING, S.CALLED, S.SERVING, S.DONE]
    assert [s.source for s in ticket.history] == [None, S.WAITING, S.CALLED, S.SERVING]
    assert ticket.time_in(S.SERVING) == minutes(2)
    assert ticket.time_in(S.DONE) == minutes(17)
    assert ticket.desk == "window-3"
    assert ticket.history[-1].desk == "window-3"


def test_cancel_keeps_the_note() -> None:
    ticket = make_ticket()
    step = ticket.cancel(minutes(3), actor="reception", note="changed their mind")
    assert step.note == "changed their mind"
    assert step.actor == "reception"
    assert step.desk is None
    assert ticket.state is S.CANCELLED


def test_transfer_to_a_desk_keeps_the_arrival() -> None:
    ticket = make_ticket()
    ticket.call("window-2", minutes(1))
    ticket.recall(minutes(2))
    ticket.start(minutes(3))
    step = ticket.transfer(minutes(9), zone="personal", desk="office-105", note="to the akim")
    assert ticket.state is S.TRANSFERRED
    assert ticket.zone == "personal"
    assert ticket.issued_zone == "consultation"
    assert ticket.target_desk == "office-105"
    assert ticket.desk is None
    assert ticket.recalls == 0
    assert ticket.transfers == 1
    assert ticket.queued_at == T0
    assert step == Transition(S.SERVING, S.TRANSFERRED, minutes(9), desk="window-2",
                              zone="personal", note="to the akim")


def test_transfer_without_keeping_the_arrival_queues_at_the_transfer() -> None:
    ticket = ticket_in(S.SERVING)
    ticket.transfer(minutes(9), zone="self_service", keep_arrival=False)
    assert ticket.queued_at == minutes(9)
    assert ticket.arrival == minutes(9)
    assert ticket.issued_at == T0
    assert ticket.target_desk is None


def test_transfer_to_a_zone_clears_an_earlier_target_desk() -> None:
    ticket = make_ticket(target_desk="office-106")
    ticket.call("office-106", minutes(1))
    ticket.start(minutes(2))
    ticket.transfer(minutes(3), zone="consultation")
    assert ticket.target_desk is None


def test_a_ticket_aimed_at_a_desk_refuses_any_other_desk() -> None:
    ticket = ticket_in(S.TRANSFERRED)
    assert ticket.target_desk == "office-105"
    before = snapshot(ticket)
    with pytest.raises(Conflict) as caught:
        ticket.call("office-106", minutes(30))
    assert caught.value.field == "desk"
    assert "другое рабочее место" in caught.value.text.ru
    assert snapshot(ticket) == before


def test_transferred_ticket_can_be_called_again_and_cancelled() -> None:
    ticket = ticket_in(S.TRANSFERRED)
    ticket.call("office-105", minutes(30))
    assert ticket.desk == "office-105"
    assert ticket.recalls == 0
    ticket.start(minutes(31))
    ticket.transfer(minutes(40), zone="consultation")
    ticket.cancel(minutes(41))
    assert ticket.transfers == 2
    assert ticket.state is S.CANCELLED


def test_time_in_returns_the_last_entry() -> None:
    ticket = make_ticket()
    ticket.call("window-1", minutes(1))
    ticket.recall(minutes(2))
    ticket.recall(minutes(4))
    assert ticket.time_in(S.RECALLED) == minutes(4)
    assert ticket.time_in(S.CALLED) == minutes(1)


# --------------------------------------------------------------------------- random call orders

DESKS = ["window-1", "window-2", "office-105"]
ZONES = ["consultation", "personal", "self_service"]

OPERATION: dict[TicketState, st.SearchStrategy[tuple[Any, ...]]] = {
    S.CALLED: st.tuples(st.just("call"), st.sampled_from(DESKS)),
    S.RECALLED: st.tuples(st.just("recall")),
    S.SERVING: st.tuples(st.just("start")),
    S.DONE: st.tuples(st.just("finish")),
    S.NO_SHOW: st.tuples(st.just("no_show")),
    S.CANCELLED: st.tuples(st.just("cancel")),
    S.TRANSFERRED: st.tuples(st.just("transfer"), st.sampled_from(ZONES),
                             st.sampled_from([None, *DESKS]), st.booleans()),
}
operations = st.one_of(*OPERATION.values())


def next_operation(state: TicketState) -> st.SearchStrategy[tuple[Any, ...]]:
    """Mostly an operation the state allows, so sequences get deep; sometimes any."""
    legal = [OPERATION[target] for target in sorted(EXPECTED[state])]
    return st.one_of(*legal, *legal, *legal, operations) if legal else operations


TARGET_OF = {"call": S.CALLED, "recall": S.RECALLED, "start": S.SERVING, "finish": S.DONE,
             "no_show": S.NO_SHOW, "cancel": S.CANCELLED, "transfer": S.TRANSFERRED}


def run(ticket: Ticket, op: tuple[Any, ...], at: datetime) -> Transition:
    name = op[0]
    if name == "call":
        return ticket.call(op[1], at)
    if name == "transfer":
        return ticket.transfer(at, zone=op[1], desk=op[2], keep_arrival=op[3])
    method: Callable[[datetime], Transition] = getattr(ticket, name)
    return method(at)


def check_invariants(ticket: Ticket, model: dict[str, Any]) -> None:
    history = ticket.history
    assert history[0].source is None
    assert history[0].target is S.WAITING
    assert history[0].at == ticket.issued_at
    for previous, step in pairwise(history):
        assert step.source is previous.target
        assert step.target in EXPECTED[previous.target]
        assert step.at >= previous.at
    assert history[-1].target is ticket.state
    # Recalls since the ticket was last called (a transfer starts a new visit).
    since = 0
    for step in history:
        if step.target in (S.CALLED, S.TRANSFERRED):
            since = 0
        elif step.target is S.RECALLED:
            since += 1
    assert ticket.recalls == since
    assert ticket.transfers == sum(1 for s in history if s.target is S.TRANSFERRED)
    assert ticket.zone == model["zone"]
    assert ticket.target_desk == model["target_desk"]
    assert ticket.queued_at == model["queued_at"]
    assert ticket.desk == model["desk"]
    assert ticket.is_active is (ticket.state not in FINAL_STATES)
    if ticket.state in AT_DESK_STATES:
        assert ticket.desk is not None
    if ticket.state in WAITING_STATES:
        assert ticket.desk is None


@given(length=st.integers(0, 30), data=st.data())
@settings(max_examples=250, deadline=None)
def test_random_operation_sequences_keep_the_invariants(length: int,
                                                        data: st.DataObject) -> None:
    ticket = make_ticket()
    model: dict[str, Any] = {"zone": "consultation", "target_desk": None, "queued_at": T0,
                             "desk": None}
    now = T0
    for _ in range(length):
        op = data.draw(next_operation(ticket.state))
        now += timedelta(seconds=data.draw(st.integers(0, 900)))
        source = ticket.state
        target = TARGET_OF[op[0]]
        before = snapshot(ticket)
        aimed_elsewhere = (op[0] == "call" and ticket.target_desk is not None
                           and op[1] != ticket.target_desk)
        if target in EXPECTED[source] and aimed_elsewhere:
            with pytest.raises(Conflict):
                run(ticket, op, now)
            assert snapshot(ticket) == before
        elif target in EXPECTED[source]:
            step = run(ticket, op, now)
            assert (step.source, step.target, step.at) == (source, target, now)
            assert ticket.history[-1] is step
            if op[0] == "call":
                model["desk"] = op[1]
                assert step.desk == op[1]
            elif op[0] == "transfer":
                assert step.desk == model["desk"]
                assert step.zone == op[1]
                model.update(zone=op[1], target_desk=op[2], desk=None)
                if not op[3]:
                    model["queued_at"] = now
            else:
                assert step.desk == model["desk"]
                assert step.zone == model["zone"]
        else:
            with pytest.raises(IllegalTransition):
                run(ticket, op, now)
            assert snapshot(ticket) == before
        check_invariants(ticket, model)
        if source in FINAL_STATES:
            assert ticket.state is source
