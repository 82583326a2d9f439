"""The wait estimate the queue gives, from the zone's plausible service times and
the desks that serve it (hub.domain.estimate through QueueService)."""

from __future__ import annotations

from typing import Any

from hub.services.clock import ManualClock
from hub.wiring import Hub


def _serve(hub: Hub, clock: ManualClock, desk: str, purpose: str, minutes: float) -> None:
    """Issue, call, start and finish one visit lasting `minutes`."""
    hub.queue.issue(language="kk", purpose=purpose, actor="test")
    called = hub.queue.call_next(desk, actor="test")
    hub.queue.start(called.id, actor="test")
    clock.advance(minutes=minutes)
    hub.queue.finish(called.id, actor="test")


def test_mis_presses_leave_the_default_and_real_visits_replace_it(hub: Hub,
                                                                   clock: ManualClock) -> None:
    for _ in range(6):  # Done pressed right after the call: no service time
        _serve(hub, clock, "window-1", "complaint", 0.1)
    _serve(hub, clock, "window-1", "complaint", 200)  # left open for hours
    clock.advance(minutes=75)  # 14:35, after lunch: no wait below runs into it
    issued = [hub.queue.issue(language="ru", purpose="complaint", actor="test")
              for _ in range(4)]
    hub.staffing.sign_in("window-1", "op1")
    last = hub.queue.estimate(issued[-1].ticket.id)
    # Not "≈ 0 min": the configured 15 minutes, three ahead, one desk.
    assert (last.people_ahead, last.service_minutes, last.minutes) == (3, 15, 45)
    for minutes in (8, 10, 12):
        _serve(hub, clock, "window-1", "complaint", minutes)
    hub.staffing.sign_in("window-2", "op2")
    estimate = hub.queue.estimate(issued[-1].ticket.id)
    # The three real visits: a median of 10 minutes, the ones served since gone from ahead.
    assert estimate.service_minutes == 10
    assert estimate.people_ahead == 0
    # Each _serve left one more waiting behind it: the next one has 3 + 1 ahead.
    next_one = hub.queue.issue(language="kk", purpose="complaint", actor="test")
    assert hub.queue.estimate(next_one.ticket.id).minutes == 20  # 4 ahead × 10 ÷ 2


def test_each_zone_has_its_own_pace(hub: Hub, clock: ManualClock) -> None:
    for minutes in (40, 45, 50):
        _serve(hub, clock, "office-105", "booked_reception", minutes)
    hub.queue.issue(language="kk", purpose="complaint", actor="test")
    second = hub.queue.issue(language="kk", purpose="complaint", actor="test")
    hub.staffing.sign_in("window-1", "op1")
    # The personal reception's 45 minutes do not reach the consultation.
    assert hub.queue.estimate(second.ticket.id).service_minutes == 15
    assert hub.queue.estimate(second.ticket.id).minutes == 15
    state = {z.code: z for z in hub.queue.state().zones}
    assert state["personal"].estimate_for_next.service_minutes == 45


def test_out_of_turn_visitors_are_ahead(hub: Hub) -> None:
    for _ in range(3):
        hub.queue.issue(language="kk", purpose="complaint", actor="test")
    veteran = hub.queue.issue(language="kk", purpose="complaint", out_of_turn="disability",
                              actor="test")
    assert veteran.estimate.people_ahead == 0
    after = hub.queue.issue(language="kk", purpose="complaint", actor="test")
    assert after.estimate.people_ahead == 4
    assert hub.queue.estimate(after.ticket.id).people_ahead == 4


def test_a_desk_shared_by_two_zones_counts_by_who_waits(hub: Hub) -> None:
    def share_window_2(doc: dict[str, Any]) -> None:
        next(d for d in doc["desks"] if d["code"] == "window-2")["zones"] = [
            "consultation", "personal"]

    hub.centers.edit(share_window_2, actor="test", action="put_desk")
    consultation = [hub.queue.issue(language="kk", purpose="complaint", actor="test")
                    for _ in range(3)]
    for _ in range(5):
        hub.queue.issue(language="kk", purpose="booked_reception", actor="test")
    hub.staffing.sign_in("window-1", "op1")
    hub.staffing.sign_in("window-2", "op2")
    estimate = hub.queue.estimate(consultation[-1].ticket.id)
    # window-1 whole, window-2 by 3+1 waiting here against 5+1 in the personal zone.
    assert estimate.staffed_desks == 2
    assert abs(estimate.desks - 1.4) < 1e-9
    assert estimate.minutes == 22  # 2 ahead × 15 ÷ 1.4 = 21.4
    personal = {z.code: z for z in hub.queue.state().zones}["personal"].estimate_for_next
    assert personal.staffed_desks == 1
    assert abs(personal.desks - 0.6) < 1e-9
