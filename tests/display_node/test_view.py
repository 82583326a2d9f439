"""What the node shows from the hub's snapshots: its own zones only (an unknown zone is
ignored and logged), the newest call blinking for a while, and 'no connection' instead of
stale calls once the link has been lost for the grace period."""

from __future__ import annotations

import logging

import pytest

from firmware.display_node.view import DisplayState, desk_rows, hall_rows
from tests.display_node.conftest import call, snapshot


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_calls_of_other_zones_and_unknown_zones_are_ignored_and_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    state = DisplayState(["consultation"])
    state.link(True)
    with caplog.at_level(logging.WARNING):
        state.apply(snapshot(call(105), call(901, zone="mystery", minutes=1),
                             zones=("consultation", "mystery")))
    page = state.page()
    assert [c["number"] for c in page["calls"]] == [105]
    assert [z["zone"] for z in page["zones"]] == ["consultation"]
    assert any(record.__dict__.get("zones") == ["mystery"] for record in caplog.records)


def test_a_hall_display_without_zones_shows_everything_it_is_sent() -> None:
    state = DisplayState([])
    state.link(True)
    state.apply(snapshot(call(512, "office-105", zone="personal", minutes=1), call(105)))
    assert [c.number for c in state.calls()] == [512, 105]


def test_the_newest_call_blinks_for_blink_seconds_only() -> None:
    clock = FakeClock()
    state = DisplayState([], blink_seconds=5, clock=clock)
    state.link(True)
    fresh = state.apply(snapshot(call(105)))
    assert [c.number for c in fresh] == [105]
    assert state.page()["calls"][0]["new"] is True
    clock.now += 5.1
    assert state.page()["calls"][0]["new"] is False
    # The same snapshot again (a hub restart republishes it): nothing new, no blinking.
    assert state.apply(snapshot(call(105))) == []
    assert state.page()["calls"][0]["new"] is False
    state.apply(snapshot(call(106, minutes=1), call(105)))
    page = state.page()
    assert [c["new"] for c in page["calls"]] == [True, False]


def test_a_lost_link_shows_no_connection_after_the_grace_period() -> None:
    clock = FakeClock()
    state = DisplayState([], link_grace_seconds=3, clock=clock)
    assert not state.online()  # never connected yet
    state.link(True)
    state.apply(snapshot(call(105)))
    assert state.online()
    state.link(False)
    clock.now += 2
    assert state.online() and state.calls()  # a blip: keep showing
    clock.now += 1.5
    assert not state.online()
    page = state.page()
    assert page["online"] is False and page["calls"] == [] and page["zones"] == []
    assert page["no_connection"] == {"kk": "Байланыс жоқ", "ru": "Нет связи"}
    assert hall_rows(state.calls(), 2, online=False) == ["----", "----"]
    state.link(True)
    assert [c["number"] for c in state.page()["calls"]] == [105]


def test_board_rows_for_the_hall_and_for_a_desk() -> None:
    calls = [call(107, "window-1", minutes=2), call(106, "window-3", minutes=1),
             call(105, "office-105")]
    assert hall_rows(calls, 2) == ["107 > 1", "106 > 3"]
    assert hall_rows(calls[:1], 3) == ["107 > 1", "", ""]
    assert desk_rows(calls, "window-3") == ["106"]
    assert desk_rows(calls, "office-105") == ["105"]
    assert desk_rows(calls, "window-2") == [""]
    assert desk_rows(calls, "window-3", online=False) == ["----"]


def test_a_visitor_sent_on_to_a_desk_shows_on_boards_and_page_as_going_there() -> None:
    clock = FakeClock()
    state = DisplayState([], blink_seconds=5, clock=clock)
    state.link(True)
    state.apply(snapshot(call(104, "window-1")))
    sent = call(104, "office-105", zone="personal", minutes=2).model_copy(
        update={"state": "transferred"})
    fresh = state.apply(snapshot(sent, call(103, "window-3", minutes=1),
                                 zones=("consultation", "personal")))
    assert fresh == [sent, call(103, "window-3", minutes=1)]  # a new entry: it blinks
    page = state.page()
    newest = page["calls"][0]
    assert (newest["number"], newest["desk"], newest["desk_ru"]) == (104, "105", "Кабинет 105")
    assert newest["transferred"] is True and newest["new"] is True
    assert page["calls"][1]["transferred"] is False
    assert hall_rows(state.calls(), 2) == ["104 > 105", "103 > 3"]
    assert desk_rows(state.calls(), "office-105") == ["104"]  # office 105's own board
    assert desk_rows(state.calls(), "window-1") == [""]  # no longer window 1's visitor
