"""The invariants of a real queue, checked at the end of each simulated day.

`check_day` holds what the hub stored (read-only, straight from its database, on
SQLite or PostgreSQL), what its API and its staffing service say, what the load
driver saw (`DayRecords`: every press and its answers) and what travelled on the
node topics (`TopicSniffer`) against the rules a real center lives by. Each rule is
one row of `format_table`: what was measured, the limit and why (a comment at each
limit), and the worst cases. The run fails when any row is not ok.

The facts of the day are read once (`simulation.day.day_facts.DayFacts.load`);
every check is a plain function of them, so a test builds a small day by hand and
breaks one rule at a time.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

from hub.domain.estimate_quality import (
    ABSOLUTE_TOLERANCE_MINUTES,
    RELATIVE_TOLERANCE,
    estimate_errors,
    percentile,
)
from hub.domain.numbering import number_for
from hub.domain.tickets import TicketState
from hub.storage.db import Database, make_engine
from simulation.day.day_facts import DayFacts, DayTicket

# The runner measures the database before and after a day with it.
from simulation.day.day_facts import database_bytes as database_bytes
from simulation.day.invariant_table import InvariantResult as InvariantResult
from simulation.day.invariant_table import format_table as format_table
from simulation.day.invariant_table import wall_clock, worst
from simulation.day.records import NOT_SENT, DayRecords, DeskPress, TicketPress
from simulation.day.staffing_invariants import (
    check_panels_staffed,
    check_staffing_api,
    check_unattended_alert,
    staffing_views,
)
from simulation.day.staffing_watch import ApiReader, StaffingSample

Message = tuple[str, bytes]  # (topic, payload) as the sniffer kept it

# Limits ------------------------------------------------------------------------------

# A terminal leases a block per zone when its stock of leased numbers runs low
# (firmware lease_low_water), at the day's start and after a restart. With blocks of
# 20 numbers (HubSettings.lease_numbers) and a district center's busiest zone at ~40
# visitors an hour at the morning peak (300 a day, half of them in the two peak
# hours), even a terminal printing every ticket from its lease for a whole hour
# needs 2 blocks; 4 leaves room for a restart and a new day's first lease. The
# fault of issue 16 made 3-5 leases a second.
LEASES_PER_TERMINAL_ZONE_HOUR = 4

# What a ticket's life writes to the audit log: issue, call, start, finish (4); a
# recall or two before the visitor comes (2); one transfer, after which it is called,
# started and maybe recalled again (4); a reprint at the terminal (1); a stale close
# the next morning (1). 12 is that life with every extra; the fault the limit guards
# against (a row per resent request) gives hundreds.
AUDIT_ROWS_PER_TICKET = 12

# How close the printed wait must come to the wait that followed: the rule of
# hub.domain.estimate_quality (within 10 minutes or half the wait, whichever is more).
# The estimate cannot foresee out-of-turn visitors (10 % of a day) and booked applicants
# placed ahead later, an offline terminal's visitors joining at their printed time, the
# no-shows whose recalls take a desk's minutes, or an operator's break. Default days
# with every fault measured 71-78 % within; 60 % is a floor below what an honest
# estimate reaches on a bad day, and far above the ~0 % of issue 16's fault ("≈ 0 min"
# with 276 waiting).
ESTIMATE_WITHIN_SHARE = 0.60
# Fewer pairs than this say nothing about the estimate either way.
ESTIMATE_MIN_PAIRS = 10

# The database's growth in a day: a fixed part (SQLite's freelist pages, PostgreSQL's
# extension of a table by whole pages) plus a part per ticket (its row, its audit
# rows with the before/after JSON, the node requests and replies it took, its print
# record, the indexes). Measured by
# tests/simulation/test_invariants.py::test_database_growth_of_a_busy_day: 300 tickets
# through issue, call, start and finish (services only) grow SQLite by 0.52 MB, 1.75
# KB a ticket (the same day on PostgreSQL: 0.75 MB, 2.5 KB a ticket). Through MQTT
# every press is also kept, with its reply, for a week (resends are answered from it):
# the default simulated day made ~990 button presses for 167 tickets (half of them an
# idle desk's Next answered "nobody waiting") and grew 1.11 MB, 6.6 KB a ticket. 7 KB a
# ticket and 0.5 MB fixed give 2.6 MB for a day of 300 tickets. The fault of issue 16
# grew 32 MB for 567.
DATABASE_FIXED_BYTES = 500_000
DATABASE_BYTES_PER_TICKET = 7_000

# A refused press is judged against the numbers held a little before and after it:
# a ticket finished a second after the refusal freed its number too late.
REFUSAL_MARGIN = timedelta(minutes=1)

# A press made this long before the hub went down may have lost its answer with it.
ANSWER_LOST_BEFORE_DOWN = timedelta(minutes=2)

# Personal data on node topics: an IIN is 12 digits standing alone (not inside a
# message id's hex, nor a number's decimals: a 7-h clock skew of 25200.520000000001
# s is no IIN); a Kazakh phone number is +7/8 and 7xx xxx xx xx, or those 10 digits
# alone (an epoch second starts with 1).
IIN = re.compile(r"(?<![0-9A-Za-z.])\d{12}(?![0-9A-Za-z]|\.\d)")
PHONE = re.compile(r"(?<![0-9A-Za-z+.])(?:\+7|8)?[ (-]*7\d{2}[ )-]*\d{3}[ -]*\d{2}[ -]*\d{2}"
                   r"(?![0-9A-Za-z]|\.\d)")
NODE_TOPIC = re.compile(r"^kezek/[^/]+/node/")
# Names and other strings shorter than this match too much (a "Ли" in any word).
PERSONAL_MIN_CHARS = 4


# The entry point ---------------------------------------------------------------------


def check_day(database_url: str, service_day: date, records: DayRecords, *,
              topics: Sequence[Message], database_bytes_before: int,
              database_bytes_after: int, topics_dropped: int = 0,
              hub_down: Sequence[tuple[datetime, datetime]] = (),
              paper_out: Sequence[tuple[datetime, datetime]] = (),
              staffing: Sequence[StaffingSample] | None = None,
              api: ApiReader | None = None) -> list[InvariantResult]:
    """Every invariant of `service_day`, one result each.

    `records`: the load driver's presses (only those of the day are judged);
    `topics`: (topic, payload) of every message seen on the broker that day, and how
    many the sniffer had to drop; `database_bytes_*`: `database_bytes(url)` before
    the day's opening and after its closing; `hub_down`: when the hub was killed and
    back (a press then may stay unanswered); `staffing`: what a `StaffingWatch` saw
    during the day (without it the staffing is reconstructed from the database);
    `api`: the running hub's API, to check that the staffing it shows now agrees
    with the one read from the database."""
    database = Database(make_engine(database_url))
    try:
        facts = DayFacts.load(database, service_day)
        day = records.of_day(facts.day_start, facts.day_end)
        views, source = staffing_views(facts, day.desk_presses, staffing)
        results = [
            *check_answers(day, hub_down, facts.calendar.tz, paper_out),
            check_numbers_unique(facts),
            check_refusals(facts, day.tickets),
            check_leases_per_hour(facts),
            check_counter_advance(facts),
            check_service_times(facts),
            check_estimates(facts, day.tickets),
            check_panels_staffed(facts, day.desk_presses, views, source),
            check_unattended_alert(facts, day.desk_presses, views, source),
            check_audit_per_ticket(facts),
            check_lease_audit(facts),
            check_database_growth(facts, database_bytes_before, database_bytes_after),
            check_node_topics(topics, day.personal_data, dropped=topics_dropped),
        ]
        if api is not None:
            results.append(check_staffing_api(facts, api))
        return results
    finally:
        database.dispose()


# The checks --------------------------------------------------------------------------


def _in_windows(moment: datetime, windows: Sequence[tuple[datetime, datetime]]) -> bool:
    return any(start - ANSWER_LOST_BEFORE_DOWN <= moment <= end for start, end in windows)


def check_answers(day: DayRecords, hub_down: Sequence[tuple[datetime, datetime]] = (),
                  tz: tzinfo = UTC, paper_out: Sequence[tuple[datetime, datetime]] = (),
                  ) -> list[InvariantResult]:
    """Every press gets exactly one answer (a second one printed a second ticket or
    moved a second visitor); a press made while the hub was down, never answered,
    is counted apart: nothing could answer it, and the terminal printed from its
    lease (TicketPress.offline) or the operator pressed again. So is a terminal's
    press it sent nothing for while its printer was out of paper (`paper_out`): the
    terminal refuses it itself, its lamp says why, and nothing reaches the hub."""
    presses: list[tuple[str, TicketPress | DeskPress]] = (
        [(f"ticket {t.terminal}", t) for t in day.tickets]
        + [(f"desk {p.desk} {p.action}", p) for p in day.desk_presses])
    wrong: list[str] = []
    unanswered: list[str] = []
    for label, press in presses:
        if press.answers == 1:
            continue
        offline = isinstance(press, TicketPress) and press.offline
        if (press.answers == 0 and isinstance(press, TicketPress)
                and press.problem == NOT_SENT and _in_windows(press.pressed_at, paper_out)):
            unanswered.append(f"{label} at {wall_clock(press.pressed_at, tz)} "
                              "(refused by the terminal: no paper)")
            continue
        if press.answers == 0 and (offline or _in_windows(press.pressed_at, hub_down)):
            unanswered.append(f"{label} at {wall_clock(press.pressed_at, tz)}"
                              + (" (printed from its lease)" if offline else ""))
            continue
        wrong.append(f"{label} {press.request_id} at {wall_clock(press.pressed_at, tz)}: "
                     f"{press.answers} answers")
    counted = len(presses) - len(unanswered)
    return [
        InvariantResult("every press answered once",
                        f"{counted - len(wrong)}/{counted}", "all", not wrong,
                        worst(wrong)),
        # Informational: these cannot be answered; the row shows how many there were.
        InvariantResult("  unanswered, hub down or no paper", str(len(unanswered)),
                        "only then", True, worst(unanswered)),
    ]


def check_numbers_unique(facts: DayFacts) -> InvariantResult:
    """No number of a zone given to two tickets of the day, unless the zone's range
    really wrapped (its counter passed the range's size), and even then never to two
    tickets holding it at the same moment. Each number is also the one its sequence
    maps to (hub.domain.numbering.number_for)."""
    by_number: dict[tuple[str, int], list[DayTicket]] = defaultdict(list)
    problems: list[str] = []
    for ticket in facts.tickets:
        by_number[ticket.issued_zone, ticket.number].append(ticket)
        rng = facts.number_range(ticket.issued_zone)
        if rng is not None and number_for(rng, ticket.sequence) != ticket.number:
            problems.append(f"ticket {ticket.id}: sequence {ticket.sequence} is number "
                            f"{number_for(rng, ticket.sequence)}, not {ticket.number}")
    repeated = 0
    for (zone, number), tickets in sorted(by_number.items()):
        if len(tickets) < 2:
            continue
        repeated += 1
        rng = facts.number_range(zone)
        wrapped = rng is not None and facts.counters.get(zone, 0) > rng.size
        if not wrapped:
            problems.append(f"{zone} {number} given {len(tickets)} times without a wrap "
                            f"(tickets {', '.join(str(t.id) for t in tickets)})")
            continue
        for i, first in enumerate(tickets):
            for second in tickets[i + 1:]:
                later = max(first.issued_at, second.issued_at)
                if first.holds(later, later) and second.holds(later, later):
                    problems.append(f"{zone} {number} held by tickets {first.id} and "
                                    f"{second.id} at once ({wall_clock(later, facts.calendar.tz)})")
    return InvariantResult("no number given twice", f"{len(problems)} broken, "
                           f"{repeated} reused after a wrap", "0 broken", not problems,
                           worst(problems))


def check_refusals(facts: DayFacts, presses: Sequence[TicketPress]) -> InvariantResult:
    """No visitor refused `range_exhausted` while the zone had a free number. The hub
    holds a number while a ticket is active or an unreplaced lease keeps it unused
    (hub.storage.queue_queries.numbers_held); a refusal is wrong only if numbers were
    free both a minute before and after it."""
    refused = [p for p in presses if p.problem == "range_exhausted"]
    wrong: list[str] = []
    for press in refused:
        zones = ([press.zone] if press.zone is not None
                 else [z.code for z in facts.config.zones if z.number_range is not None])
        free = {zone: _free_numbers(facts, zone, press.pressed_at) for zone in zones}
        if all(count > 0 for count in free.values()):
            wrong.append(f"{press.terminal} at {wall_clock(press.pressed_at, facts.calendar.tz)}: "
                         + ", ".join(f"{zone} had {count} free" for zone, count in free.items()))
    return InvariantResult("no refusal with free numbers",
                           f"{len(wrong)} of {len(refused)} refusals", "0", not wrong,
                           worst(wrong))


def _free_numbers(facts: DayFacts, zone: str, moment: datetime) -> int:
    rng = facts.number_range(zone)
    if rng is None:
        return 0
    start, end = moment - REFUSAL_MARGIN, moment + REFUSAL_MARGIN
    held = {t.number for t in facts.tickets if t.issued_zone == zone and t.holds(start, end)}
    tickets = {t.id: t for t in facts.tickets}
    for lease in facts.leases:
        if lease.zone != zone or lease.created_at > end:
            continue
        for _, number, ticket_id in lease.numbers:
            if ticket_id is None:
                if lease.replaced_at is None or lease.replaced_at >= start:
                    held.add(number)
            elif ticket_id in tickets and tickets[ticket_id].holds(start, end):
                held.add(number)
    return rng.size - len(held)


def check_leases_per_hour(facts: DayFacts) -> InvariantResult:
    """A terminal leases a handful of blocks per zone an hour, not one a second."""
    counts: Counter[tuple[str, str, int]] = Counter(
        (lease.node_id, lease.zone, facts.calendar.local(lease.created_at).hour)
        for lease in facts.leases)
    busiest = counts.most_common(1)
    most = busiest[0][1] if busiest else 0
    over = [f"{node} {zone} {hour:02d}:00: {count}"
            for (node, zone, hour), count in counts.most_common() if
            count > LEASES_PER_TERMINAL_ZONE_HOUR]
    return InvariantResult("leases per terminal, zone and hour",
                           f"max {most} ({len(facts.leases)} in the day)",
                           f"<= {LEASES_PER_TERMINAL_ZONE_HOUR}", not over, worst(over))


def check_counter_advance(facts: DayFacts) -> InvariantResult:
    """A zone's day counter moves only for tickets and leased numbers: every sequence
    up to the counter belongs to a ticket or a lease, except numbers skipped because
    a visitor still held them, which happens only after the range wrapped. The ratio
    counter / tickets shows numbers leased and never used."""
    problems: list[str] = []
    ratios: list[str] = []
    zones = sorted(set(facts.counters) | {t.issued_zone for t in facts.tickets})
    for zone in zones:
        advance = facts.counters.get(zone, 0)
        tickets = [t for t in facts.tickets if t.issued_zone == zone]
        used = {t.sequence for t in tickets}
        leased = printed = 0
        for lease in facts.leases:
            if lease.zone == zone:
                used.update(sequence for sequence, _, _ in lease.numbers)
                leased += len(lease.numbers)
                printed += sum(1 for _, _, ticket in lease.numbers if ticket is not None)
        rng = facts.number_range(zone)
        skippable = max(0, advance - rng.size) if rng is not None else 0
        unexplained = advance - len({s for s in used if s <= advance})
        beyond = [s for s in used if s > advance]
        ratios.append(f"{zone} {advance}/{len(tickets)}"
                      + (f"={advance / len(tickets):.2f}" if tickets else "")
                      + (f" ({leased} leased, {printed} printed)" if leased else ""))
        if unexplained > skippable:
            problems.append(f"{zone}: counter {advance}, {len(tickets)} tickets, {leased} "
                            f"leased; {unexplained} sequences unexplained "
                            f"(at most {skippable} skipped after a wrap)")
        if beyond:
            problems.append(f"{zone}: sequences {sorted(beyond)[:5]} past the counter "
                            f"{advance}")
    return InvariantResult("counter = tickets + leased", "; ".join(ratios) or "no tickets",
                           "no unexplained advance", not problems, worst(problems))


def check_service_times(facts: DayFacts) -> InvariantResult:
    """Every visit that ended done was served for some time: its start came before
    its finish (a panel without a Start button must still start the service)."""
    done = [t for t in facts.tickets if t.state == TicketState.DONE.value]
    wrong = [f"ticket {t.id} ({t.issued_zone} {t.number}): started "
             f"{wall_clock(t.started_at, facts.calendar.tz)}, finished "
             f"{wall_clock(t.finished_at, facts.calendar.tz)}"
             for t in done if t.started_at is None or t.finished_at is None
             or t.finished_at <= t.started_at]
    minutes = sorted((t.finished_at - t.started_at).total_seconds() / 60 for t in done
                     if t.started_at is not None and t.finished_at is not None)
    median = f", median {minutes[len(minutes) // 2]:.1f} min" if minutes else ""
    return InvariantResult("service time > 0", f"{len(wrong)} of {len(done)} done{median}",
                           "0", not wrong, worst(wrong))


def check_estimates(facts: DayFacts, presses: Sequence[TicketPress]) -> InvariantResult:
    """The wait the hub printed on a slip against the wait that followed (issued to
    called). Left out: slips printed from a lease (the terminal's estimate, not the
    hub's) and transferred visitors (their row keeps only the last call)."""
    called = {t.id: t for t in facts.tickets if t.called_at is not None}
    predicted: list[float] = []
    actual: list[float] = []
    left_out = 0
    for press in presses:
        ticket = called.get(press.ticket_id) if press.ticket_id is not None else None
        if ticket is None or press.wait_minutes is None or ticket.called_at is None:
            continue
        if press.offline or ticket.transfers:
            left_out += 1
            continue
        predicted.append(press.wait_minutes)
        # A call may stamp its time just before the issue it waited on committed (each
        # takes the time before the database's write lock): a wait of -1 ms is 0.
        actual.append(max(0.0, (ticket.called_at - ticket.issued_at).total_seconds() / 60))
    quality = estimate_errors(predicted, actual)
    misses = [abs(p - a) for p, a in zip(predicted, actual, strict=True)]
    enough = quality.count >= ESTIMATE_MIN_PAIRS
    measured = f"{quality.count} pairs"
    if quality.count:
        bias = sum(p - a for p, a in zip(predicted, actual, strict=True)) / quality.count
        measured = (f"{quality.within:.0%} of {quality.count} within, |error| p50 "
                    f"{percentile(misses, 0.5):.1f} p90 {percentile(misses, 0.9):.1f} min, "
                    f"predicted/actual p50 {quality.ratio_p50:.2f} p90 "
                    f"{quality.ratio_p90:.2f}, bias {bias:+.1f} min")
    ok = not enough or quality.within >= ESTIMATE_WITHIN_SHARE
    detail = [f"only {quality.count} pairs: not judged"] if not enough else []
    detail += [f"{left_out} offline or transferred left out"] if left_out else []
    return InvariantResult("wait estimate", measured,
                           f">= {ESTIMATE_WITHIN_SHARE:.0%} within "
                           f"max({ABSOLUTE_TOLERANCE_MINUTES:g} min, "
                           f"{RELATIVE_TOLERANCE:.0%})", ok, "; ".join(detail))


def check_audit_per_ticket(facts: DayFacts) -> InvariantResult:
    counts = facts.audit_per_ticket
    over = [f"ticket {ticket}: {count} rows" for ticket, count in
            sorted(counts.items(), key=lambda item: -item[1]) if count > AUDIT_ROWS_PER_TICKET]
    most = max(counts.values(), default=0)
    mean = sum(counts.values()) / len(counts) if counts else 0.0
    return InvariantResult("audit rows per ticket", f"max {most}, mean {mean:.1f}",
                           f"<= {AUDIT_ROWS_PER_TICKET}", not over, worst(over))


def check_lease_audit(facts: DayFacts) -> InvariantResult:
    """A lease is audited once, as the block it made, not once per request."""
    wrong = [f"lease {lease}: {count} rows" for lease, count in
             sorted(facts.lease_audit_rows.items()) if count != 1]
    rows = sum(facts.lease_audit_rows.values())
    return InvariantResult("lease audit rows = blocks",
                           f"{rows} rows / {len(facts.leases)} blocks", "1 per block",
                           not wrong, worst(wrong))


def check_database_growth(facts: DayFacts, before: int, after: int) -> InvariantResult:
    tickets = len(facts.tickets)
    allowed = DATABASE_FIXED_BYTES + DATABASE_BYTES_PER_TICKET * tickets
    grown = after - before
    per = f", {grown / tickets / 1000:.1f} KB/ticket" if tickets else ""
    return InvariantResult("database growth", f"{grown / 1e6:.2f} MB{per}",
                           f"< {allowed / 1e6:.2f} MB ({tickets} tickets)", grown < allowed)


def check_node_topics(messages: Sequence[Message], personal_data: Sequence[str], *,
                      dropped: int = 0) -> InvariantResult:
    """Nothing personal on a node topic: none of the day's names, IINs and phones of
    bookings, and nothing shaped like an IIN or a phone number. Messages the sniffer
    dropped were not looked at, which breaks the row too."""
    needles = [(i, p.strip().casefold()) for i, p in enumerate(personal_data)
               if len(p.strip()) >= PERSONAL_MIN_CHARS]
    found: list[str] = []
    seen = 0
    for topic, payload in messages:
        if not NODE_TOPIC.match(topic):
            continue
        seen += 1
        body = _readable(payload)
        folded = body.casefold()
        # The table goes to logs: it names what was found without repeating it.
        hits = [f"records.personal_data[{i}]" for i, needle in needles if needle in folded]
        hits += [f"IIN-like {_masked(m.group())}" for m in IIN.finditer(body)]
        hits += [f"phone-like {_masked(m.group())}" for m in PHONE.finditer(body)]
        if hits:
            found.append(f"{topic}: {', '.join(hits[:3])}")
    problems = found + ([f"{dropped} messages dropped unread"] if dropped else [])
    return InvariantResult("nothing personal on node topics",
                           f"{len(found)} of {seen} messages", "0", not problems,
                           worst(problems))


def _readable(payload: bytes) -> str:
    """The payload as text, JSON escapes (\\u0410...) undone so Cyrillic names match."""
    raw = payload.decode("utf-8", errors="replace")
    try:
        decoded = json.loads(raw)
    except ValueError:
        return raw
    return raw + "\n" + json.dumps(decoded, ensure_ascii=False)


# Small helpers -----------------------------------------------------------------------


def _masked(found: str) -> str:
    """Enough of a number to find it in the payload, not enough to be personal."""
    digits = re.sub(r"\D", "", found)
    return f"{digits[:2]}{'*' * (len(digits) - 4)}{digits[-2:]}"

