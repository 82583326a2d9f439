"""How good the wait estimates were: each visitor's estimate at issue set against
the wait that really followed (issue to first call), summarised for a day run.

What counts as right: an estimate is right when it misses the real wait by at
most 10 minutes or by at most half of the real wait, whichever is more
(|predicted − actual| ≤ max(10 min, 50 % of actual)). A visitor uses the
estimate to decide whether to step out (to a pharmacy, a car, a meal): below
10 minutes nobody leaves anyway, so a miss of a few minutes changes no
decision; for long waits what matters is the scale ("about an hour" against
"about two hours"), which a miss within half keeps. Stricter bounds would
judge the estimate on the randomness of single visits, which no estimate from
a median can follow.

The ratio figures compare predicted with actual after raising both to
RATIO_FLOOR_MINUTES, so "1 minute against 0" is not an infinite error: waits
that short are all "now" to the visitor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# A miss of at most this many minutes is right whatever the wait.
ABSOLUTE_TOLERANCE_MINUTES = 10.0
# A miss of at most this share of the real wait is right.
RELATIVE_TOLERANCE = 0.5
# Waits shorter than this are compared as this long (see the module docstring).
RATIO_FLOOR_MINUTES = 5.0


@dataclass(frozen=True, slots=True)
class EstimateErrors:
    """The error distribution of `count` estimates (all None/0.0 when count is 0).

    `ratio_*` are percentiles of predicted ÷ actual (above 1: the estimate was too
    long; below 1: too short); `factor_*` of the error factor, the larger of the
    two over the smaller (1 is exact, 2 is "off by ×2" either way); `within` is
    the share of estimates that were right (see the module docstring).
    """

    count: int
    ratio_p50: float | None
    ratio_p90: float | None
    factor_p50: float | None
    factor_p90: float | None
    within: float
    too_short: float  # share of estimates that were wrong and shorter than the wait

    def as_dict(self) -> dict[str, float | int | None]:
        return {"count": self.count, "ratio_p50": self.ratio_p50, "ratio_p90": self.ratio_p90,
                "factor_p50": self.factor_p50, "factor_p90": self.factor_p90,
                "within": self.within, "too_short": self.too_short}


def estimate_was_right(predicted_minutes: float, actual_minutes: float) -> bool:
    """The rule of the module docstring for one visitor."""
    allowed = max(ABSOLUTE_TOLERANCE_MINUTES, RELATIVE_TOLERANCE * actual_minutes)
    return abs(predicted_minutes - actual_minutes) <= allowed


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the
    values at or below it (a value that occurred, never an interpolation)."""
    if not values:
        raise ValueError("no values")
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    ordered = sorted(values)
    rank = max(math.ceil(round(share * len(ordered), 9)), 1)
    return ordered[rank - 1]


def estimate_errors(predicted_minutes: Sequence[float],
                    actual_minutes: Sequence[float]) -> EstimateErrors:
    """The summary of pairs (the estimate a visitor was given, the wait they had)."""
    if len(predicted_minutes) != len(actual_minutes):
        raise ValueError("predicted and actual must pair up")
    pairs = list(zip(predicted_minutes, actual_minutes, strict=True))
    if any(p < 0 or a < 0 for p, a in pairs):
        raise ValueError("minutes cannot be negative")
    if not pairs:
        return EstimateErrors(count=0, ratio_p50=None, ratio_p90=None, factor_p50=None,
                              factor_p90=None, within=0.0, too_short=0.0)
    ratios = [max(p, RATIO_FLOOR_MINUTES) / max(a, RATIO_FLOOR_MINUTES) for p, a in pairs]
    factors = [max(r, 1 / r) for r in ratios]
    right = [estimate_was_right(p, a) for p, a in pairs]
    short = sum(1 for (p, a), ok in zip(pairs, right, strict=True) if not ok and p < a)
    return EstimateErrors(count=len(pairs), ratio_p50=percentile(ratios, 0.5),
                          ratio_p90=percentile(ratios, 0.9),
                          factor_p50=percentile(factors, 0.5),
                          factor_p90=percentile(factors, 0.9),
                          within=sum(right) / len(pairs), too_short=short / len(pairs))
