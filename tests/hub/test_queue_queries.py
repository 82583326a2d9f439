"""The SQL counts of people ahead agree with the domain rule on random queues."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from hub.domain.issuing import people_ahead
from hub.domain.ordering import ServiceClass, class_time, service_class
from hub.storage.models import TicketRow
from hub.storage.queue_queries import (
    people_ahead_count,
    people_ahead_counts,
    people_ahead_of_arrivals,
)
from hub.wiring import Hub
from tests.conftest import WORKING_MOMENT

DAY = date(2026, 11, 23)

tickets = st.lists(st.fixed_dictionaries({
    "out_of_turn": st.sampled_from([None, None, "pregnant"]),
    # Booked times around now, so some are due and some are not yet.
    "booked": st.sampled_from([None, None, -30, -5, -4, 0, 4, 5, 6, 60]),
    "queued": st.integers(0, 5),   # minutes before now; small, so ties happen
    "issued": st.integers(0, 5),
    "target_desk": st.sampled_from([None, None, "window-1", "window-2"]),
    "state": st.sampled_from(["waiting", "waiting", "transferred", "called", "done"]),
    "zone": st.sampled_from(["consultation", "consultation", "personal"]),
}), min_size=1, max_size=14)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=tickets)
def test_people_ahead_in_sql_matches_the_domain(hub: Hub, specs: list[dict]) -> None:
    now = WORKING_MOMENT
    with hub.db.write() as session:
        session.execute(delete(TicketRow))
        for i, spec in enumerate(specs):
            booked = (now + timedelta(minutes=spec["booked"])
                      if spec["booked"] is not None else None)
            session.add(TicketRow(
                service_day=DAY, issued_zone=spec["zone"], sequence=i + 1, number=100 + i,
                zone=spec["zone"], language="kk", out_of_turn=spec["out_of_turn"],
                needs_escort=False, state=spec["state"],
                desk="window-3" if spec["state"] == "called" and i == 0 else None,
                target_desk=spec["target_desk"], booked_for=booked,
                issued_at=now - timedelta(minutes=spec["issued"]),
                queued_at=now - timedelta(minutes=spec["queued"]),
                updated_at=now, recalls=0, transfers=0))
    with hub.db.read() as session:
        rows = list(session.query(TicketRow).all())
        for row in rows:
            if row.state not in ("waiting", "transferred"):
                continue
            klass = service_class(row, now)
            counted = people_ahead_count(
                session, day=DAY, zone=row.zone, ticket_id=row.id, klass=klass,
                first=class_time(row, klass), issued_at=row.issued_at,
                target_desk=row.target_desk, now=now)
            assert counted == people_ahead(rows, row, now), (row.number, specs)
        # The same for all of them in one statement, leaving every third ticket out
        # (as the tickets of a batch being issued are counted by the caller).
        waiting = [r for r in rows if r.state in ("waiting", "transferred")]
        left_out = {r.id for r in rows[::3]}
        counts = people_ahead_counts(session, [r.id for r in waiting], now=now,
                                     leaving_out=left_out)
        kept = [r for r in rows if r.id not in left_out]
        assert counts == {r.id: people_ahead(kept, r, now) for r in waiting}, specs
        # Counted from the back for the tickets any desk may call that are not booked
        # and due, whether left out themselves (a new ticket of the batch) or not.
        by_arrival = [r for r in waiting if r.target_desk is None
                      and service_class(r, now) is not ServiceClass.BOOKED_DUE]
        from_back = people_ahead_of_arrivals(session, DAY, [r.id for r in by_arrival],
                                             now=now, leaving_out=left_out)
        assert from_back == {r.id: people_ahead(kept, r, now) for r in by_arrival}, specs


def test_a_day_of_the_bench_size_is_counted_not_loaded(hub: Hub) -> None:
    """Issuing stays correct with a long queue: the 30th regular ticket has 29 ahead,
    an out-of-turn one issued after them has only the out-of-turn ones ahead."""
    for _ in range(29):
        hub.queue.issue(language="kk", purpose="complaint", actor="test")
    hub.queue.issue(language="kk", purpose="complaint", out_of_turn="pregnant", actor="test")
    regular = hub.queue.issue(language="kk", purpose="complaint", actor="test")
    veteran = hub.queue.issue(language="ru", purpose="complaint", out_of_turn="wwii_veteran",
                              actor="test")
    assert regular.estimate.people_ahead == 30
    assert veteran.estimate.people_ahead == 1
    assert isinstance(regular.ticket.issued_at, datetime)


def test_a_booked_ticket_that_is_due_is_not_counted_from_the_back(hub: Hub) -> None:
    """Booked tickets are ordered by their time, not their arrival: the shortcut
    refuses them instead of answering wrong."""
    now = WORKING_MOMENT
    with hub.db.write() as session:
        session.execute(delete(TicketRow))
        row = TicketRow(service_day=DAY, issued_zone="personal", sequence=1, number=1,
                        zone="personal", language="kk", needs_escort=False, state="waiting",
                        booked_for=now, issued_at=now, queued_at=now, updated_at=now,
                        recalls=0, transfers=0)
        session.add(row)
    with hub.db.read() as session, pytest.raises(ValueError, match="booked and due"):
        people_ahead_of_arrivals(session, DAY, [row.id], now=now)
