"""What the display boards are sent about a transferred visitor (SQLite and PostgreSQL):
sent on to one desk, the ticket shows among the calls as going to that desk (state
"transferred", in the new zone) until that desk calls it; sent on to a zone, it leaves
the calls and shows again when a desk of that zone calls it. The arrival time is kept."""

from __future__ import annotations

from contract.mqtt import CallShown, Text
from hub.mqtt.outgoing import display_snapshot
from hub.services.clock import ManualClock
from hub.wiring import Hub

HALL = {"consultation", "personal", "self_service"}
PERSONAL = {"personal"}


def calls_of(hub: Hub, number: int, zones: set[str]) -> list[CallShown]:
    return [c for c in display_snapshot(hub.queue.state(), zones).calls if c.number == number]


def served_at_window_1(hub: Hub, clock: ManualClock) -> int:
    ticket = hub.queue.issue(language="kk", zone="consultation", actor="test").ticket
    clock.advance(minutes=3)
    hub.queue.call_next("window-1", actor="operator-1")
    hub.queue.start(ticket.id, actor="operator-1", at_desk="window-1")
    clock.advance(minutes=5)
    return ticket.id


def test_a_ticket_sent_to_one_desk_shows_as_going_there_until_that_desk_calls_it(
        hub: Hub, clock: ManualClock) -> None:
    ticket_id = served_at_window_1(hub, clock)
    number = hub.queue.get(ticket_id).number
    arrival = hub.queue.get(ticket_id).queued_at
    (called,) = calls_of(hub, number, HALL)
    assert (called.desk, called.state) == ("window-1", "serving")

    moved = hub.queue.transfer(ticket_id, zone=None, desk="office-105", actor="operator-1",
                               at_desk="window-1")
    assert moved.queued_at == arrival
    for zones in (HALL, PERSONAL):  # the hall board and the personal zone's board
        (shown,) = calls_of(hub, number, zones)
        assert shown.state == "transferred"
        assert (shown.desk, shown.zone) == ("office-105", "personal")
        assert shown.desk_label == Text(kk="105 кабинет", ru="Кабинет 105")
        assert shown.at == clock.now()
    # Newest first: the transfer is the latest thing that happened.
    assert display_snapshot(hub.queue.state(), HALL).calls[0].number == number
    assert not calls_of(hub, number, {"consultation"})  # no longer that zone's visitor

    clock.advance(minutes=1)
    hub.queue.call_next("office-105", actor="operator-5")
    (shown,) = calls_of(hub, number, HALL)
    assert (shown.desk, shown.state, shown.at) == ("office-105", "called", clock.now())


def test_a_ticket_sent_to_a_zone_shows_when_a_desk_of_the_zone_calls_it(
        hub: Hub, clock: ManualClock) -> None:
    ticket_id = served_at_window_1(hub, clock)
    number = hub.queue.get(ticket_id).number
    hub.queue.transfer(ticket_id, zone="personal", desk=None, actor="operator-1",
                       at_desk="window-1")
    assert not calls_of(hub, number, HALL)  # nobody knows the desk yet

    clock.advance(minutes=1)
    hub.queue.call_next("office-106", actor="operator-6")
    (shown,) = calls_of(hub, number, PERSONAL)
    assert (shown.desk, shown.zone, shown.state) == ("office-106", "personal", "called")
