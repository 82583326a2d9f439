"""People ahead and the estimated wait in a zone, from the zone's own service
times and the desks that serve it.

The rule: wait = people ahead (as the queue orders them: booked and out-of-turn
visitors go ahead, see hub.domain.ordering) × the typical service time of the
zone ÷ the desks serving the zone. Each part is chosen to be what a visitor
actually experiences:

- the typical time is the mean of the zone's recent *plausible* visits (a
  press of Done 5 seconds after the call, or a visit left open over lunch, is a
  mis-press, not a service time), or the zone's configured default until enough
  such visits were seen today;
- a staffed desk serving several zones serves this one only part of its time,
  in proportion to who waits there (see `desk_share`);
- the desks call nobody over lunch: a wait that runs into the lunch break is
  longer by the break (`through_breaks`; a day run measured waits across the
  90-minute lunch at twice the estimate before).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from statistics import mean

from hub.domain.calendar import WorkCalendar

# Enough completed visits for today's figure to replace the configured default:
# one or two visits say little (the first visitor of the day is often a quick
# question).
MIN_SAMPLES = 3
# Only the most recent visits count: the pace changes over a day.
RECENT_VISITS = 20
# A visit shorter than this is a mis-press (Done pressed right after the call, a
# visitor who only asked the way), not a service: even a certificate handed over
# takes longer. 30 seconds.
SHORTEST_VISIT_MINUTES = 0.5
# A visit longer than this is a visit nobody closed (the operator went to lunch
# or home with the visitor still "at the desk"): 3 hours, longer than the longest
# personal reception the regulations plan for.
LONGEST_VISIT_MINUTES = 180.0
# How many finished visits a caller should read so that RECENT_VISITS plausible
# ones remain even when a third of them were mis-presses.
SAMPLE_ROWS = RECENT_VISITS * 3


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    people_ahead: int
    minutes: int
    # Staffed desks serving the zone, counted whole (what the board shows).
    staffed_desks: int
    service_minutes: float
    # The desks' time the zone gets: a desk shared with other zones counts partly.
    desks: float = 0.0


def plausible_visit(minutes: float) -> bool:
    """Whether a finished visit's duration is a service time at all (see the limits)."""
    return SHORTEST_VISIT_MINUTES <= minutes <= LONGEST_VISIT_MINUTES


def typical_service_minutes(recent_durations: Sequence[float], default_minutes: float) -> float:
    """Mean of the most recent plausible service times in minutes (most recent
    last), or the zone's default while fewer than MIN_SAMPLES are known.

    The mean, not the median: a visitor waits for the sum of the visits ahead,
    whose expectation is their number times the mean. Visit times are skewed (many
    short questions, some long complaints), so their median is well below their
    mean: a simulated day measured 6.3 against 9.2 minutes, and estimates from the
    median were half the waits that followed. A two-hour complaint does hold up
    the queue, so it counts; a visit nobody closed is no service time and is
    dropped (`plausible_visit`), before the window is taken, so a run of
    mis-presses neither drags the figure to zero nor pushes real visits out of the
    window.
    """
    recent = [d for d in recent_durations if plausible_visit(d)][-RECENT_VISITS:]
    if len(recent) < MIN_SAMPLES:
        return default_minutes
    return float(mean(recent))


def desk_share(zone: str, desk_zones: Sequence[str], waiting: Mapping[str, int]) -> float:
    """The part of one staffed desk's time that goes to `zone`.

    A desk serving several zones calls the earliest arrival among all of them
    (hub.domain.ordering), so over the next while its calls split between its
    zones in proportion to how many wait in each. Each zone's count is taken
    plus one: the visitor being estimated for is one more in this zone, and an
    empty zone still gets its turn (with nobody waiting anywhere, every zone
    gets an equal part). A desk not serving the zone gives it nothing.
    """
    if zone not in desk_zones:
        return 0.0
    zones = set(desk_zones)
    load = {z: max(waiting.get(z, 0), 0) + 1 for z in zones}
    return load[zone] / sum(load.values())


def desks_for_zone(zone: str, staffed: Iterable[Sequence[str]],
                   waiting: Mapping[str, int]) -> float:
    """The number of desks the zone effectively has: the sum of `desk_share` over
    the staffed desks, each given by the zones it serves."""
    return sum(desk_share(zone, zones, waiting) for zones in staffed)


def through_breaks(estimate: WaitEstimate, calendar: WorkCalendar,
                   now: datetime) -> WaitEstimate:
    """The estimate as minutes on the clock: its working minutes laid from `now`
    over the center's open hours, the lunch break passing uncounted. A wait past
    closing keeps its working minutes (the visitor is told by the closing note)."""
    called = calendar.after_working_seconds(now, estimate.minutes * 60)
    if called is None:
        return estimate
    return replace(estimate, minutes=math.ceil(round((called - now).total_seconds() / 60, 6)))


def estimate_wait(people_ahead: int, service_minutes: float, staffed_desks: int,
                  desks: float | None = None) -> WaitEstimate:
    """Minutes until the visitor is called, rounded up to whole minutes.

    `desks` is the desks' time the zone gets (`desks_for_zone`); without it, the
    staffed desks count whole. With no desk staffed we still estimate as if one
    were, because the queue is shown to visitors who are already waiting and
    someone will be sent.
    """
    if people_ahead < 0:
        raise ValueError("people_ahead cannot be negative")
    capacity = float(staffed_desks) if desks is None else desks
    divisor = capacity if staffed_desks > 0 and capacity > 0 else 1.0
    # Round away float noise first (132 s / 60 * 25 / 5 is 11.000000000000002),
    # so a whole number of minutes is not shown one minute longer.
    whole = math.ceil(round(people_ahead * service_minutes / divisor, 6))
    return WaitEstimate(people_ahead=people_ahead, minutes=whole,
                        staffed_desks=staffed_desks, service_minutes=service_minutes,
                        desks=capacity)
