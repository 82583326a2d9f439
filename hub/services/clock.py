"""Time as a collaborator, so tests can stand at lunch time or on a holiday."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until moved."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


class ShiftedClock:
    """Real time moved to start at another moment: a demonstration or a test run at
    night still sees the center open, and time passes as usual from there."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._shift = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._shift

    def jump_to(self, moment: datetime) -> None:
        self._shift = moment - datetime.now(UTC)


def real_seconds(clock: Clock, seconds: float) -> float:
    """How long to sleep for `seconds` of the clock's time: a day run's timeline
    (simulation/timeline.py) runs `speed` times faster than the machine's clock, and a
    job "every minute" must run every simulated minute there."""
    speed = getattr(clock, "speed", 1.0)
    return seconds / speed if isinstance(speed, int | float) and speed > 0 else seconds
