"""The invariants of a day, on small days built by hand with the hub's own services
(a ManualClock walking through a morning): a healthy day passes every row, and each
fault of issue 16 breaks its own row."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from hub.api.app import create_app
from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.settings import HubSettings
from hub.wiring import Hub, build_hub
from simulation.day.day_facts import database_bytes
from simulation.day.invariants import (
    DATABASE_BYTES_PER_TICKET,
    DATABASE_FIXED_BYTES,
    InvariantResult,
    check_day,
    check_node_topics,
    format_table,
)
from simulation.day.records import NOT_SENT, DayRecords, DeskPress, TicketPress
from simulation.day.staffing_watch import StaffingSample, StaffingWatch
from tests.brokers import wait_until

# Monday 23 November 2026 in Almaty (UTC+5): opens 09:00 (04:00 UTC).
DAY = date(2026, 11, 23)
TEN = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
CENTER_TOPIC = "kezek/test-center/node"
PERSONAL = ["Айгүл Сапарова", "870412300123", "+7 701 234 56 78"]


@dataclass
class Day:
    hub: Hub
    clock: ManualClock
    url: str
    records: DayRecords
    bytes_before: int
    topics: list[tuple[str, bytes]] = field(default_factory=list)
    ticket_ids: list[int] = field(default_factory=list)

    def sql(self, statement: str, **params: object) -> None:
        with self.hub.db.engine.begin() as connection:
            connection.execute(text(statement), params)

    def check(self, **overrides: object) -> dict[str, InvariantResult]:
        arguments: dict[str, object] = {
            "topics": self.topics, "database_bytes_before": self.bytes_before,
            "database_bytes_after": database_bytes(self.url)}
        arguments.update(overrides)
        results = check_day(self.url, DAY, self.records, **arguments)  # type: ignore[arg-type]
        return {r.name.strip(): r for r in results}


def broken(results: dict[str, InvariantResult]) -> set[str]:
    return {name for name, result in results.items() if not result.ok}


def press(day: Day, desk: str, action: str, at: datetime, answers: int = 1) -> None:
    day.records.add_desk_press(DeskPress(request_id=f"{desk}-{action}-{at:%H%M%S}", desk=desk,
                                         action=action, pressed_at=at, answers=answers))


def serve_morning(day: Day, visitors: int = 12) -> None:
    """A terminal that leased a block at 10:00, a visitor every 5 minutes, window-1
    signed in and serving each one for 15 minutes (called, 1 minute to come, served)."""
    hub, clock = day.hub, day.clock
    clock.set(TEN)
    hub.staffing.sign_in("window-1", "operator-1")
    press(day, "window-1", "sign_in", TEN)
    hub.leases.lease("terminal-1", ["consultation"], actor="node:terminal-1",
                     request_id="lease-1")
    arrivals = [TEN + timedelta(minutes=5 * i) for i in range(visitors)]
    events: list[tuple[datetime, int, int]] = [(a, 1, i) for i, a in enumerate(arrivals)]
    free = TEN
    for arrival in arrivals:
        called = max(arrival, free)
        free = called + timedelta(minutes=15)
        # At one moment: finish the last visitor (0), issue (1), call the next (2).
        events += [(called, 2, -1), (called + timedelta(minutes=1), 3, -1), (free, 0, -1)]
    current: int | None = None
    for moment, kind, index in sorted(events):
        clock.set(moment)
        if kind == 1:
            issued = hub.queue.issue(language="kk", zone="consultation", actor="node:terminal-1",
                                     idempotency_key=f"visit-{index}")
            day.ticket_ids.append(issued.ticket.id)
            day.records.add_ticket(TicketPress(
                request_id=f"visit-{index}", terminal="terminal-1", pressed_at=moment,
                zone="consultation", answers=1, ok=True, ticket_id=issued.ticket.id,
                number=issued.ticket.number, people_ahead=issued.estimate.people_ahead,
                wait_minutes=issued.estimate.minutes))
        elif kind == 2:
            current = hub.queue.call_next("window-1", actor="operator-1").id
            press(day, "window-1", "next", moment)
        elif kind == 3 and current is not None:
            hub.queue.start(current, actor="operator-1")
            press(day, "window-1", "start", moment)
        elif kind == 0 and current is not None:
            hub.queue.finish(current, actor="operator-1")
            press(day, "window-1", "done", moment)
            current = None
    day.records.personal_data.extend(PERSONAL)
    day.topics += [
        (f"{CENTER_TOPIC}/display-1/down/display", json.dumps(
            {"v": 1, "id": "123456789012abcdef012345", "at": "2026-11-23T10:05:00+05:00",
             "calls": [{"number": 101, "desk": "Окно 1"}]}).encode()),
        (f"{CENTER_TOPIC}/terminal-1/up/ticket", json.dumps(
            {"v": 1, "id": "a1b2", "node": "terminal-1", "kind": "ticket",
             "zone": "consultation", "at": "2026-11-23T10:00:00+05:00"}).encode()),
    ]


def make_day(tmp_path: Path, database_url: str | None = None) -> Iterator[Day]:
    clock = ManualClock(TEN)
    settings = HubSettings(data_dir=tmp_path / "data", database_url=database_url,
                           mqtt_enabled=False)
    hub = build_hub(settings, clock=clock)
    url = settings.resolved_database_url
    try:
        yield Day(hub=hub, clock=clock, url=url, records=DayRecords(),
                  bytes_before=database_bytes(url))
    finally:
        hub.close()


@pytest.fixture
def day(tmp_path: Path) -> Iterator[Day]:
    yield from make_day(tmp_path)


@pytest.fixture
def served(day: Day) -> Day:
    serve_morning(day)
    return day


# A healthy day -------------------------------------------------------------------------


def test_a_healthy_day_keeps_every_invariant(served: Day) -> None:
    results = served.check()
    table = format_table(list(results.values()))
    assert not broken(results), table
    assert "BROKEN" not in table
    # 12 slips, a sign-in, and next/start/done for each of the 12 visitors.
    assert results["every press answered once"].measured.startswith("49/49")
    assert results["lease audit rows = blocks"].measured == "1 rows / 1 blocks"
    # The counter went through the 20 leased numbers and the 12 tickets.
    assert results["counter = tickets + leased"].measured == (
        "consultation 32/12=2.67 (20 leased, 0 printed)")


def test_the_same_day_holds_on_postgresql(tmp_path: Path,
                                          postgres_database: str) -> None:
    from tests.conftest import empty_postgres

    empty_postgres(postgres_database)
    for day in make_day(tmp_path, postgres_database):
        serve_morning(day)
        results = day.check()
        assert not broken(results), format_table(list(results.values()))


def test_the_api_shows_the_staffing_read_from_the_database(served: Day) -> None:
    token = served.hub.users.create_token(name="invariants", role=Role.ADMINISTRATOR,
                                          actor="test")
    app = create_app(served.hub.settings, served.hub)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        results = served.check(api=JsonApi(client))
    assert results["staffing API = database"].ok, results["staffing API = database"]


@dataclass
class JsonApi:
    """The API as the day runner's client reads it: a path -> its JSON."""

    client: TestClient

    def get(self, path: str) -> Any:
        response = self.client.get(path)
        response.raise_for_status()
        return response.json()


# Each fault breaks its row -------------------------------------------------------------


def test_a_press_answered_twice_breaks_the_answers(served: Day) -> None:
    served.records.tickets[3].answers = 2
    results = served.check()
    assert broken(results) == {"every press answered once"}
    assert "2 answers" in results["every press answered once"].detail


def test_a_press_lost_while_the_hub_was_down_is_counted_apart(served: Day) -> None:
    lost = served.records.desk_presses[5]
    lost.answers = 0
    down = (lost.pressed_at + timedelta(seconds=30), lost.pressed_at + timedelta(minutes=3))
    results = served.check(hub_down=[down])
    assert not broken(results)
    assert results["unanswered, hub down or no paper"].measured == "1"
    # The same press outside a fault is broken.
    assert "every press answered once" in broken(served.check())


def test_a_press_the_terminal_refused_for_want_of_paper_is_counted_apart(
        served: Day) -> None:
    press = served.records.tickets[2]
    press.answers, press.problem = 0, NOT_SENT
    out = (press.pressed_at - timedelta(minutes=5), press.pressed_at + timedelta(minutes=5))
    results = served.check(paper_out=[out])
    assert not broken(results)
    assert "no paper" in results["unanswered, hub down or no paper"].detail
    # Nothing sent while the paper was there is a lost press.
    assert "every press answered once" in broken(served.check())


def test_a_number_given_twice_without_a_wrap_is_caught(served: Day) -> None:
    first, second = served.ticket_ids[0], served.ticket_ids[1]
    served.sql("UPDATE tickets SET number = (SELECT number FROM tickets WHERE id = :a) "
               "WHERE id = :b", a=first, b=second)
    results = served.check()
    assert "no number given twice" in broken(results)
    assert "without a wrap" in results["no number given twice"].detail


def test_a_number_reused_after_a_wrap_is_fine_unless_both_hold_it(served: Day) -> None:
    first, second = served.ticket_ids[0], served.ticket_ids[5]
    # The range 100-399 wrapped: the sixth visitor's sequence came round to the first's
    # number, after the first had gone.
    served.sql("UPDATE ticket_counters SET last_sequence = last_sequence + 300")
    served.sql("UPDATE tickets SET sequence = (SELECT sequence + 300 FROM tickets WHERE id = :a), "
               "number = (SELECT number FROM tickets WHERE id = :a) WHERE id = :b",
               a=first, b=second)
    results = served.check()
    assert results["no number given twice"].ok, results["no number given twice"]
    assert "1 reused after a wrap" in results["no number given twice"].measured
    # Now the first visitor still held it when the sixth got it.
    served.sql("UPDATE tickets SET finished_at = (SELECT finished_at FROM tickets "
               "WHERE id = :b) WHERE id = :a", a=first, b=second)
    results = served.check()
    assert not results["no number given twice"].ok
    assert "held by tickets" in results["no number given twice"].detail


def test_a_refusal_while_numbers_were_free_is_caught(served: Day) -> None:
    served.records.add_ticket(TicketPress(
        request_id="refused", terminal="terminal-1", pressed_at=TEN + timedelta(minutes=7),
        zone="consultation", answers=1, ok=False, problem="range_exhausted"))
    results = served.check()
    assert broken(results) == {"no refusal with free numbers"}
    assert "consultation had 278 free" in results["no refusal with free numbers"].detail


def test_a_terminal_leasing_again_and_again_is_caught(served: Day) -> None:
    # The hub hands a terminal asking again the block it holds (rule L2), so a hub
    # handing out block after block is written here as its rows would be.
    for attempt in range(5):
        served.sql("INSERT INTO number_leases (node_id, request_id, zone, service_day, "
                   "created_at, valid_until) SELECT node_id, :request, zone, service_day, "
                   "created_at, valid_until FROM number_leases WHERE request_id = 'lease-1'",
                   request=f"again-{attempt}")
    results = served.check()
    assert "leases per terminal, zone and hour" in broken(results)
    assert "terminal-1 consultation 10:00: 6" in (
        results["leases per terminal, zone and hour"].detail)
    # Blocks never audited are caught too.
    assert not results["lease audit rows = blocks"].ok


def test_a_counter_moved_past_its_tickets_and_leases_is_caught(served: Day) -> None:
    served.sql("UPDATE ticket_counters SET last_sequence = last_sequence + 50")
    results = served.check()
    assert broken(results) == {"counter = tickets + leased"}
    assert "50 sequences unexplained" in results["counter = tickets + leased"].detail


def test_a_visit_with_no_service_time_is_caught(served: Day) -> None:
    served.sql("UPDATE tickets SET started_at = finished_at WHERE id = :a",
               a=served.ticket_ids[2])
    results = served.check()
    assert "service time > 0" in broken(results)
    assert results["service time > 0"].measured.startswith("1 of ")


def test_a_wrong_wait_estimate_is_caught(served: Day) -> None:
    for ticket in served.records.tickets:
        ticket.wait_minutes = 0
    results = served.check()
    assert "wait estimate" in broken(results)


def test_a_desk_worked_from_its_buttons_but_not_staffed_is_caught(served: Day) -> None:
    # Window 3's panel calls all morning; nobody ever signed in there.
    for minutes in range(0, 240, 20):
        press(served, "window-3", "next", TEN + timedelta(minutes=minutes))
    results = served.check()
    assert "desks worked are staffed" in broken(results)
    assert "window-3 10:00" in results["desks worked are staffed"].detail
    assert "reconstructed from the database" in results["desks worked are staffed"].detail
    # Unstaffed since 09:00 and worked at 12:00: the alert it raises then is false.
    assert "3-hour alert only when unattended" in broken(results)
    assert "window-3 at 12:03" in results["3-hour alert only when unattended"].detail


def test_a_desk_signed_out_after_its_last_press_is_rightly_empty(served: Day) -> None:
    served.clock.set(TEN + timedelta(hours=3, minutes=5))
    served.hub.staffing.sign_out("operator-1")
    press(served, "window-1", "sign_out", served.clock.now())
    assert not broken(served.check())
    # Taken for a press of work, the sign-out would leave a worked desk empty.
    served.records.desk_presses[-1].action = "next"
    assert "desks worked are staffed" in broken(served.check())


def test_the_staffing_sampled_through_the_api_during_the_day(served: Day) -> None:
    token = served.hub.users.create_token(name="watch", role=Role.ADMINISTRATOR, actor="t")
    app = create_app(served.hub.settings, served.hub)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        watch = StaffingWatch(JsonApi(client), timeline=NoSleep())
        for minutes in range(0, 9 * 60, 20):
            served.clock.set(TEN - timedelta(hours=1) + timedelta(minutes=minutes))
            watch.sample()
    samples = watch.samples
    assert len(samples) == 27 and watch.failures == 0
    # 12:20: window-1 signed in, window-2 never touched since 09:00.
    noon = next(s for s in samples if s.at == TEN + timedelta(hours=2, minutes=20))
    assert "window-1" not in noon.unstaffed and noon.unstaffed["window-2"] is True
    results = served.check(staffing=samples)
    assert not broken(results), format_table(list(results.values()))
    # Views in the open hours: 09:00-12:40 and 14:40-17:40.
    assert results["3-hour alert only when unattended"].measured.endswith("in 22 views")

    # The hub showing window-1 empty while its buttons worked, and alerting on it.
    lied = [StaffingSample(at=s.at, unstaffed={**s.unstaffed, "window-1": True})
            for s in samples]
    results = served.check(staffing=lied)
    assert {"desks worked are staffed", "3-hour alert only when unattended"} <= broken(results)
    assert results["desks worked are staffed"].detail.startswith("sampled through the API")
    assert "window-1 at 09:00: alert after 0.0 h unattended" in (
        results["3-hour alert only when unattended"].detail)


@dataclass
class NoSleep:
    """A timeline for a watch sampled by hand: its thread never waits."""

    def sleep(self, simulated_seconds: float, stop: threading.Event) -> bool:
        return not stop.is_set()


def test_the_watch_samples_until_stopped_and_counts_what_failed() -> None:
    answers = iter([{"at": "2026-11-23T10:00:00+05:00"}, [{"desk": "window-2", "alert": False}],
                    ConnectionError("hub down")] + [{"at": "2026-11-23T10:05:00+05:00"}, []] * 999)

    class Api:
        def get(self, path: str) -> Any:
            answer = next(answers)
            if isinstance(answer, Exception):
                raise answer
            return answer

    class Tick:
        def sleep(self, simulated_seconds: float, stop: threading.Event) -> bool:
            return not stop.wait(0.001)

    watch = StaffingWatch(Api(), timeline=Tick())
    watch.start()
    wait_until(lambda: len(watch.samples) >= 3, what="three samples")
    watch.stop()
    assert watch.failures == 1
    assert watch.samples[0].unstaffed == {"window-2": False}
    assert watch.samples[1].unstaffed == {}


def test_too_many_audit_rows_for_a_ticket_or_a_lease_are_caught(served: Day) -> None:
    for _ in range(13):
        served.sql("INSERT INTO audit_log (at, actor, action, entity, entity_id) "
                   "VALUES (:at, 'node:terminal-1', 'reprint', 'ticket', :id)",
                   at=TEN.replace(tzinfo=None), id=str(served.ticket_ids[0]))
    served.sql("INSERT INTO audit_log (at, actor, action, entity, entity_id) "
               "SELECT :at, 'node:terminal-1', 'lease', 'number_lease', CAST(id AS TEXT) "
               "FROM number_leases", at=TEN.replace(tzinfo=None))
    results = served.check()
    assert broken(results) == {"audit rows per ticket", "lease audit rows = blocks"}
    assert results["audit rows per ticket"].detail.endswith("rows")


def test_a_database_grown_too_much_is_caught(served: Day) -> None:
    results = served.check(database_bytes_after=served.bytes_before + 10_000_000)
    assert broken(results) == {"database growth"}


CLEAN = [(f"{CENTER_TOPIC}/display-1/down/display", json.dumps(
    {"v": 1, "id": "123456789012abcdef012345", "at": "2026-11-23T10:05:00+05:00",
     "calls": [{"number": 101, "desk": "Окно 1"}], "sent": 1795496700,
     # A number's decimals are no IIN nor phone (a terminal 7 h wrong reports such).
     "clock_skew_s": 7.520000000001, "uptime_s": 0.7012345678}).encode())]


@pytest.mark.parametrize("payload", [
    {"text": "Айгүл Сапарова, welcome"},
    {"text": "АЙГҮЛ САПАРОВА"},
    {"iin": "870412300123"},
    {"note": "call +7 701 234 56 78"},
    {"note": "unknown IIN 990101350017 in a request"},
    {"note": "8 (777) 123-45-67"},
])
def test_personal_data_on_a_node_topic_is_caught(payload: dict[str, str]) -> None:
    # json.dumps escapes Cyrillic (\u0410...): the name must still be found.
    message = (f"{CENTER_TOPIC}/display-1/down/display", json.dumps(payload).encode())
    assert check_node_topics(CLEAN, PERSONAL).ok
    result = check_node_topics([*CLEAN, message], PERSONAL)
    assert not result.ok
    assert result.measured == "1 of 2 messages"
    # The table names what it found without repeating it into a log.
    assert not any(secret in result.detail for secret in [*PERSONAL, "870412300123",
                                                            "990101350017", "1234567"])


def test_personal_data_off_the_node_topics_and_dropped_messages() -> None:
    elsewhere = ("kezek/test-center/hub/internal", b'{"iin": "870412300123"}')
    assert check_node_topics([*CLEAN, elsewhere], PERSONAL).ok
    result = check_node_topics(CLEAN, PERSONAL, dropped=3)
    assert not result.ok
    assert "3 messages dropped" in result.detail


def test_the_table_shows_each_row_and_what_broke(served: Day) -> None:
    served.records.tickets[0].answers = 2
    table = format_table(list(served.check().values()))
    lines = table.splitlines()
    assert lines[0].split() == ["invariant", "measured", "limit"]
    assert sum("BROKEN" in line for line in lines) == 1
    assert any("2 answers" in line for line in lines)


def test_database_growth_of_a_busy_day(tmp_path: Path) -> None:
    """The measurement behind DATABASE_BYTES_PER_TICKET: 300 visits through issue,
    call, start and finish on SQLite."""
    for day in make_day(tmp_path):
        hub, clock = day.hub, day.clock
        clock.set(TEN - timedelta(minutes=50))
        for desk in ("window-1", "window-2", "window-3"):
            hub.staffing.sign_in(desk, f"operator-{desk}")
        for i in range(300):
            clock.advance(seconds=20)
            hub.queue.issue(language="ru", zone="consultation", actor="node:terminal-1",
                            idempotency_key=f"busy-{i}")
            if i % 3 == 2:
                for desk in ("window-1", "window-2", "window-3"):
                    ticket = hub.queue.call_next(desk, actor=f"operator-{desk}")
                    hub.queue.start(ticket.id, actor=f"operator-{desk}")
                    clock.advance(seconds=5)
                    hub.queue.finish(ticket.id, actor=f"operator-{desk}")
        grown = database_bytes(day.url) - day.bytes_before
        print(f"300 tickets: {grown} bytes, {grown / 300:.0f} per ticket")
        assert grown < DATABASE_FIXED_BYTES + 300 * DATABASE_BYTES_PER_TICKET
