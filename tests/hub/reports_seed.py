"""A known day of the queue, played through the real queue service with a
manual clock, for the report tests (API, console and browser)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.services.clock import ManualClock
from hub.wiring import Hub

SEEDED_DAY = date(2026, 11, 23)  # a Monday
EARLIER_DAY = date(2026, 11, 20)  # the Friday before


def local(day: date, hhmm: str) -> datetime:
    """`hhmm` in Almaty (UTC+5) on `day`."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours - 5, minutes, tzinfo=UTC)


def serve(hub: Hub, clock: ManualClock, ticket_id: int, desk: str, day: date, called: str,
          started: str | None, finished: str | None, *, no_show: bool = False) -> None:
    clock.set(local(day, called))
    hub.queue.call(ticket_id, desk, actor="test")
    if no_show:
        assert finished is not None
        clock.set(local(day, finished))
        hub.queue.no_show(ticket_id, actor="test")
        return
    if started is not None:
        clock.set(local(day, started))
        hub.queue.start(ticket_id, actor="test")
    if finished is not None:
        clock.set(local(day, finished))
        hub.queue.finish(ticket_id, actor="test")


def issue(hub: Hub, clock: ManualClock, day: date, hhmm: str, **ticket: object) -> int:
    clock.set(local(day, hhmm))
    return hub.queue.issue(actor="test", **ticket).ticket.id  # type: ignore[arg-type]


def seed_queue(hub: Hub, clock: ManualClock, day: date = SEEDED_DAY,
               earlier: date = EARLIER_DAY) -> None:
    """`earlier`: one visitor served. `day` (by default Monday, SEEDED_DAY):

    | ticket | zone, purpose, language | call (desk) | waited | served | outcome |
    | A 10:00 | consultation, complaint, kk | 10:10 window-1 | 10 min | 15 min | done |
    | B 10:02 | consultation, complaint, ru, disability, escort | 10:06 window-2 | 4 | 20 | done |
    | C 10:04 | consultation, paper appeal, ru | 10:30 window-1 | 26 | — | no-show |
    | D 10:40 | personal, booked reception, kk | 10:45 office-105 | 5 | 20 | done |
    | E 11:00 | consultation, complaint, kk | — | — | — | still waiting |
    """
    before = issue(hub, clock, earlier, "10:00", language="kk", purpose="complaint")
    serve(hub, clock, before, "window-3", earlier, "10:01", "10:02", "10:40")
    a = issue(hub, clock, day, "10:00", language="kk", purpose="complaint")
    b = issue(hub, clock, day, "10:02", language="ru", purpose="complaint",
              out_of_turn="disability", needs_escort=True)
    c = issue(hub, clock, day, "10:04", language="ru", purpose="appeal_paper")
    serve(hub, clock, b, "window-2", day, "10:06", "10:07", "10:27")
    serve(hub, clock, a, "window-1", day, "10:10", "10:11", "10:26")
    serve(hub, clock, c, "window-1", day, "10:30", None, "10:33", no_show=True)
    d = issue(hub, clock, day, "10:40", language="kk", purpose="booked_reception")
    serve(hub, clock, d, "office-105", day, "10:45", "10:46", "11:06")
    issue(hub, clock, day, "11:00", language="kk", purpose="complaint")
