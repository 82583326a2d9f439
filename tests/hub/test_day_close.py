"""A day that starts with yesterday's visitors still in the queue (issue 16, bad
input): they are closed as not served at the end of their own day, audited,
counted in the reports, and the board tells staff the next morning; the rows
stay and no number is held twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from hub.console.web import LANG_COOKIE
from hub.domain.day_close import DAY_ENDED, ClosedDay
from hub.domain.reports.periods import PeriodKind, ReportPeriod
from hub.domain.roles import Role
from hub.domain.tickets import ACTIVE_STATES
from hub.services.clock import ManualClock
from hub.services.reports import ReportService
from hub.storage.models import AuditRow, TicketRow
from hub.wiring import Hub
from tests.hub.test_console_check_in import signed_in

MONDAY = date(2026, 11, 23)
TUESDAY_10 = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # 10:00 in Almaty
MONDAY_CLOSING = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # 18:30 in Almaty


def _leave_monday_unfinished(hub: Hub) -> dict[str, int]:
    """Monday ends with two waiting, one called at window-1, one being served."""
    ids = {}
    for name in ("called", "waiting-1", "waiting-2"):
        ids[name] = hub.queue.issue(language="kk", purpose="complaint", actor="test").ticket.id
    ids["serving"] = hub.queue.issue(language="ru", purpose="booked_reception",
                                     actor="test").ticket.id
    assert hub.queue.call_next("window-1", actor="test").id == ids["called"]
    serving = hub.queue.call_next("office-105", actor="test")
    hub.queue.start(serving.id, actor="test")
    return ids


def _rows(hub: Hub) -> dict[int, TicketRow]:
    with hub.db.read() as session:
        return {r.id: r for r in session.scalars(select(TicketRow)).all()}


def test_yesterdays_queue_is_closed_at_the_first_action_of_the_day(
        hub: Hub, clock: ManualClock) -> None:
    ids = _leave_monday_unfinished(hub)
    clock.set(TUESDAY_10)
    first = hub.queue.issue(language="kk", purpose="complaint", actor="test")
    assert first.ticket.number == 100  # today's numbers start again
    assert first.estimate.people_ahead == 0  # yesterday's waiting are not ahead
    rows = _rows(hub)
    assert len(rows) == 5  # nothing lost
    states = {name: rows[i].state for name, i in ids.items()}
    assert states == {"called": "no_show", "waiting-1": "cancelled", "waiting-2": "cancelled",
                      "serving": "done"}
    for i in ids.values():
        assert rows[i].finished_at == MONDAY_CLOSING  # closed at the end of their day
    # No number is held by two tickets still in a queue, whatever their day.
    active = Counter((r.issued_zone, r.number) for r in rows.values()
                     if r.state in {s.value for s in ACTIVE_STATES})
    assert all(n == 1 for n in active.values())
    with hub.db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "close_day")).all()
    per_ticket = {int(a.entity_id): a for a in audit if a.entity == "ticket"}
    assert set(per_ticket) == set(ids.values())
    assert (per_ticket[ids["waiting-1"]].after or {}).get("note") == DAY_ENDED
    assert (per_ticket[ids["called"]].after or {}).get("note") == DAY_ENDED
    assert "note" not in (per_ticket[ids["serving"]].after or {})
    [day] = [a for a in audit if a.entity == "service_day"]
    assert day.entity_id == "2026-11-23"
    assert day.after == {"not_served": 3, "finished": 1}


def test_the_closing_is_done_once_and_the_desks_work_today(hub: Hub,
                                                          clock: ManualClock) -> None:
    _leave_monday_unfinished(hub)
    clock.set(TUESDAY_10)
    [closed] = hub.day_close.catch_up()
    assert (closed.day, closed.not_served, closed.finished) == (MONDAY, 3, 1)
    assert hub.day_close.catch_up() == []
    today = hub.queue.issue(language="kk", purpose="complaint", actor="test").ticket
    # window-1 still "had" Monday's visitor; it is free and calls today's.
    assert hub.queue.call_next("window-1", actor="test").id == today.id
    with hub.db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "close_day")).all()
    assert len(audit) == 5  # four tickets and the day, once
    assert hub.day_close.closed_today() == [closed]
    # The next morning Monday's note is gone; Tuesday's called visitor is the new one.
    clock.advance(days=1)
    assert hub.day_close.closed_today() == [ClosedDay(date(2026, 11, 24), 1, 0)]


def test_the_reports_count_them_as_not_served(hub: Hub, clock: ManualClock) -> None:
    _leave_monday_unfinished(hub)
    clock.set(TUESDAY_10)
    hub.day_close.catch_up()
    report = ReportService(hub.db, hub.centers, hub.clock).report(
        ReportPeriod(PeriodKind.DAY, MONDAY, MONDAY))
    outcomes = report.queue.outcomes
    assert (outcomes.served, outcomes.no_show, outcomes.cancelled, outcomes.unfinished) == (
        1, 1, 2, 0)


def test_a_clean_day_closes_nothing(hub: Hub, clock: ManualClock) -> None:
    ticket = hub.queue.issue(language="kk", purpose="complaint", actor="test").ticket
    called = hub.queue.call_next("window-1", actor="test")
    hub.queue.start(called.id, actor="test")
    clock.advance(minutes=10)
    hub.queue.finish(ticket.id, actor="test")
    clock.set(TUESDAY_10)
    assert hub.day_close.catch_up() == []
    assert hub.day_close.closed_today() == []


def test_the_board_tells_staff_in_both_languages(hub: Hub, clock: ManualClock) -> None:
    _leave_monday_unfinished(hub)
    clock.set(TUESDAY_10 + timedelta(hours=-3))  # 07:00 on Tuesday: before any action
    browser = signed_in(hub, "reception1", Role.RECEPTION)
    page = browser.get("/console/board/fragment")
    assert page.status_code == 200
    assert 'data-day-closed="2026-11-23"' in page.text
    assert "23.11.2026 күні қызмет көрсетілмеген келушілер: 3." in page.text
    browser.cookies.set(LANG_COOKIE, "ru")
    ru = browser.get("/console/board/fragment")
    assert "Не обслужено посетителей за 23.11.2026: 3." in ru.text
    with hub.db.read() as session:
        left = session.scalars(select(TicketRow).where(
            TicketRow.state.in_([s.value for s in ACTIVE_STATES]))).all()
    assert left == []
