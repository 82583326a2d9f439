"""Durations summarised as a person reads them: how many, the mean, the median
and the 90th percentile.

Percentiles interpolate linearly between the closest ranks (the "inclusive"
method of ``statistics.quantiles``, numpy's default), so the median of two
values is their mean and the 90th percentile of one value is that value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(ordered: Sequence[float], share: float) -> float:
    """The `share` (0..1) percentile of `ordered`, which must be sorted and not empty."""
    if not ordered:
        raise ValueError("the percentile of no values is undefined")
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share {share} is outside 0..1")
    position = share * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    fraction = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * fraction


@dataclass(frozen=True, slots=True)
class Durations:
    """Seconds: the count of measured intervals and their mean, median and 90th percentile
    (None when nothing was measured)."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, seconds: Iterable[float]) -> Durations:
        ordered = sorted(seconds)
        if not ordered:
            return cls(0, None, None, None)
        if ordered[0] < 0:
            raise ValueError(f"a negative duration ({ordered[0]} s) cannot be summarised")
        return cls(len(ordered), math.fsum(ordered) / len(ordered),
                   percentile(ordered, 0.5), percentile(ordered, 0.9))

    def as_dict(self) -> dict[str, float | int | None]:
        return {"count": self.count, "mean": self.mean, "median": self.median, "p90": self.p90}
