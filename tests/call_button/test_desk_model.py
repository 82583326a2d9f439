"""What the lamps and the small display show, from what the hub said: no hardware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract.mqtt import (
    ButtonAction,
    DeskState,
    DeskTicket,
    DeskView,
    Problem,
    Reply,
    Text,
)
from firmware.call_button.desk_model import DeskModel, LampMode, Lamps

AT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
EMPTY = Problem(code="queue_empty", detail="nobody", text=Text(kk="Кезекте ешкім жоқ",
                                                              ru="В очереди никого нет"))


def ticket(state: str = "called", *, escort: bool = False) -> DeskTicket:
    return DeskTicket(number=118, zone="consultation", state=state, language="kk",
                      out_of_turn=None, needs_escort=escort)


def state(at: datetime = AT, *, current: DeskTicket | None = None, waiting: int = 0,
          paused: bool = False) -> DeskState:
    return DeskState(desk="window-1", current=current, waiting=waiting, staffed=True,
                     paused=paused, at=at)


def test_nothing_is_lit_before_the_hub_has_said_anything_but_the_fault_without_a_link() -> None:
    model = DeskModel("window-1")
    assert model.lamps(connected=True) == Lamps(LampMode.OFF, LampMode.OFF, LampMode.OFF)
    assert model.lamps(connected=False).fault is LampMode.ON
    assert model.display_line(16, connected=False) == "---- X"


def test_lamps_follow_the_desk() -> None:
    model = DeskModel("window-1")
    assert model.update(state(waiting=3))
    assert model.lamps(True) == Lamps(LampMode.OFF, LampMode.ON, LampMode.OFF)
    model.update(state(AT + timedelta(seconds=1), current=ticket("called"), waiting=2))
    assert model.lamps(True) == Lamps(LampMode.BLINK, LampMode.ON, LampMode.OFF)
    model.update(state(AT + timedelta(seconds=2), current=ticket("serving"), waiting=0))
    assert model.lamps(True) == Lamps(LampMode.ON, LampMode.OFF, LampMode.OFF)
    assert model.display_line(16, True) == "118 Q0"


def test_a_break_blinks_the_waiting_lamp_and_escort_blinks_the_fault_lamp() -> None:
    model = DeskModel("window-1")
    model.update(state(waiting=4, paused=True))
    assert model.lamps(True).waiting is LampMode.BLINK
    model.update(state(AT + timedelta(seconds=1), current=ticket(escort=True), waiting=4))
    assert model.lamps(True).fault is LampMode.BLINK
    assert model.lamps(False).fault is LampMode.ON  # no hub matters more
    assert model.display_line(16, True) == "118 Q4 E"


def test_an_older_state_never_replaces_a_newer_one() -> None:
    model = DeskModel("window-1")
    model.update(state(AT + timedelta(seconds=5), current=ticket("serving")))
    assert not model.update(state(AT, waiting=9))
    assert model.state is not None and model.state.waiting == 0
    assert not model.update(DeskState(desk="window-2", current=None, waiting=1, staffed=True,
                                      at=AT + timedelta(seconds=9)))


def test_a_press_counts_once_until_it_is_answered() -> None:
    model = DeskModel("window-1")
    assert model.press(ButtonAction.NEXT, "a")
    assert not model.press(ButtonAction.NEXT, "b")  # bounce or impatience
    assert model.press(ButtonAction.DONE, "c")  # another button is another intent
    model.answered("a", Reply(request_id="a", ok=False, problem=EMPTY), None)
    assert model.problem == EMPTY
    assert model.in_flight() == [ButtonAction.DONE]
    assert model.press(ButtonAction.NEXT, "d")
    assert model.display_line(24, True) == "---- !queue_empty"


def test_a_reply_shows_the_desk_it_carries_keeping_breaks_as_pushed() -> None:
    model = DeskModel("window-1")
    model.update(state(waiting=2, paused=False))
    model.press(ButtonAction.NEXT, "a")
    reply = Reply(request_id="a", ok=True, at=AT + timedelta(seconds=1),
                  desk=DeskView(desk="window-1", current=ticket(), waiting=1))
    model.answered("a", reply, None)
    assert model.state is not None
    assert (model.state.current, model.state.waiting, model.state.staffed) == (ticket(), 1, True)
    assert model.problem is None


def test_a_refusal_is_forgotten_when_the_desk_changes() -> None:
    model = DeskModel("window-1")
    model.update(state())
    model.press(ButtonAction.NEXT, "a")
    model.answered("a", Reply(request_id="a", ok=False, problem=EMPTY), None)
    model.update(state(AT + timedelta(seconds=1)))  # same content: still refused
    assert model.problem == EMPTY
    model.update(state(AT + timedelta(seconds=2), waiting=1))
    assert model.problem is None
