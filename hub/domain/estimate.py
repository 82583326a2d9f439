"""People ahead and the estimated wait in a zone, from today's service times
and the number of desks that are staffed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

# Enough completed visits for today's figure to replace the configured default.
MIN_SAMPLES = 3
# Only the most recent visits count: the pace changes over a day.
RECENT_VISITS = 20


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    people_ahead: int
    minutes: int
    staffed_desks: int
    service_minutes: float


def typical_service_minutes(recent_durations: Sequence[float], default_minutes: float) -> float:
    """Median of the recent service times in minutes (most recent last), or the default.

    The median, not the mean, so one two-hour complaint does not triple the estimate.
    """
    recent = [d for d in recent_durations[-RECENT_VISITS:] if d >= 0]
    if len(recent) < MIN_SAMPLES:
        return default_minutes
    return float(median(recent))


def estimate_wait(people_ahead: int, service_minutes: float, staffed_desks: int) -> WaitEstimate:
    """Minutes until the visitor is called, rounded up to whole minutes.

    With no desk staffed we still estimate as if one were, because the queue
    is shown to visitors who are already waiting and someone will be sent.
    """
    if people_ahead < 0:
        raise ValueError("people_ahead cannot be negative")
    desks = max(staffed_desks, 1)
    # Round away float noise first (132 s / 60 * 25 / 5 is 11.000000000000002),
    # so a whole number of minutes is not shown one minute longer.
    whole = math.ceil(round(people_ahead * service_minutes / desks, 6))
    return WaitEstimate(people_ahead=people_ahead, minutes=whole,
                        staffed_desks=staffed_desks, service_minutes=service_minutes)
