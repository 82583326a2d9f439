"""Per-node request limits: token buckets by the hub's clock, refusals that cost
nothing, one alert per flood."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.domain.rate_limits import (
    LEASED,
    POLICIES,
    PRESSES,
    TICKETS,
    RateLimiter,
    RatePolicy,
)

START = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_a_terminal_gets_its_burst_then_six_a_minute() -> None:
    clock = Clock()
    limits = RateLimiter(clock)
    burst = POLICIES[TICKETS].burst
    decisions = [limits.take("terminal-1", TICKETS) for _ in range(400)]
    assert sum(d.allowed for d in decisions) == burst == 20
    refused = [d for d in decisions if not d.allowed]
    assert [d.alert for d in refused[:2]] == [True, False]  # one alert per flood
    assert not any(d.alert for d in refused[1:])
    assert refused[0].retry_after_s == 10.0
    clock.advance(10)  # one token back every 10 s
    assert limits.take("terminal-1", TICKETS).allowed
    assert not limits.take("terminal-1", TICKETS).allowed
    clock.advance(60)
    assert sum(limits.take("terminal-1", TICKETS).allowed for _ in range(10)) == 6


def test_400_requests_in_25_seconds_give_at_most_the_burst_and_the_refill() -> None:
    clock = Clock()
    limits = RateLimiter(clock)
    allowed = 0
    for _ in range(400):
        allowed += limits.take("terminal-1", TICKETS).allowed
        clock.advance(25 / 400)
    assert allowed == 20 + 2  # the burst, and one token per 10 s of the 25


def test_each_node_and_each_kind_has_its_own_bucket() -> None:
    limits = RateLimiter(Clock())
    for _ in range(30):
        limits.take("terminal-1", TICKETS)
    assert limits.take("terminal-2", TICKETS).allowed
    assert limits.take("terminal-1", PRESSES).allowed


def test_a_panel_presses_a_few_times_a_second() -> None:
    clock = Clock()
    limits = RateLimiter(clock)
    assert sum(limits.take("buttons-1", PRESSES).allowed for _ in range(50)) == 10
    clock.advance(1)
    assert sum(limits.take("buttons-1", PRESSES).allowed for _ in range(50)) == 3


def test_a_new_flood_after_a_quiet_minute_alerts_again() -> None:
    clock = Clock()
    limits = RateLimiter(clock, {TICKETS: RatePolicy(burst=1, per_minute=1)},
                         quiet=timedelta(minutes=1))
    assert limits.take("t", TICKETS).allowed
    assert limits.take("t", TICKETS).alert
    clock.advance(30)
    assert not limits.take("t", TICKETS).alert  # the same flood, still going
    clock.advance(61)  # a token back, and a quiet minute
    assert limits.take("t", TICKETS).allowed
    assert limits.take("t", TICKETS).alert  # a new flood


def test_a_clock_set_back_refills_nothing() -> None:
    clock = Clock()
    limits = RateLimiter(clock, {TICKETS: RatePolicy(burst=1, per_minute=6)})
    assert limits.take("t", TICKETS).allowed
    clock.advance(-3600)
    assert not limits.take("t", TICKETS).allowed
    clock.advance(3600 + 10)
    assert limits.take("t", TICKETS).allowed


def test_kinds_without_a_limit_are_free() -> None:
    limits = RateLimiter(Clock())
    assert limits.bucket_of("ticket") == TICKETS
    assert limits.bucket_of("booking_code") == TICKETS
    assert limits.bucket_of("button") == PRESSES
    assert limits.bucket_of("print_report") is None
    assert limits.bucket_of("offline_ticket") is None


def test_a_refusal_is_a_bilingual_rate_limited_error() -> None:
    limits = RateLimiter(Clock(), {TICKETS: RatePolicy(burst=0, per_minute=6)})
    decision = limits.take("terminal-1", TICKETS)
    error = decision.error("terminal-1", TICKETS)
    assert (error.code, error.status) == ("rate_limited", 429)
    assert error.text.kk and error.text.ru
    assert error.extra["retry_after_s"] == 10.0


def test_offline_tickets_are_charged_never_refused_and_the_debt_is_bounded() -> None:
    clock = Clock()
    limits = RateLimiter(clock)
    burst = POLICIES[LEASED].burst
    assert limits.bucket_of("lease") == LEASED  # a lease draws from the leased bucket
    assert limits.bucket_of("offline_ticket") is None  # never refused before handling
    assert limits.charged_bucket_of("offline_ticket") == LEASED
    assert limits.charged_bucket_of("print_report") is None
    # A terminal back from an hour away reports 100 printed tickets: all charged.
    left = [limits.charge("terminal-1", LEASED) for _ in range(100)]
    assert left[burst - 1] == 0 and left[-1] == -burst  # into debt, no deeper than -burst
    # The visitors in front of it get their tickets at once: another bucket.
    assert limits.take("terminal-1", TICKETS).allowed
    refused = limits.take("terminal-1", LEASED)  # its next lease waits
    assert not refused.allowed and refused.alert
    assert refused.retry_after_s == (burst + 1) * 10
    clock.advance((burst + 1) * 10 - 1)
    assert not limits.take("terminal-1", LEASED).allowed
    clock.advance(1)  # held back (burst + 1) / 6 minutes, not the hour its tickets cost
    assert limits.take("terminal-1", LEASED).allowed


def test_the_lease_and_report_loop_runs_at_the_ticket_pace() -> None:
    """Lease a block of 20, report all 20 as printed, lease again as soon as allowed:
    over an hour it gets no more numbers than ticket requests at 6 a minute would."""
    clock = Clock()
    limits = RateLimiter(clock)
    reported = 0
    for _ in range(3600):
        if limits.take("terminal-1", LEASED).allowed:  # the lease
            for _ in range(20):
                limits.charge("terminal-1", LEASED)
            reported += 20
        clock.advance(1)
    assert reported <= POLICIES[LEASED].burst + 60 * POLICIES[LEASED].per_minute
