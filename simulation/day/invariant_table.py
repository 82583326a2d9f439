"""One row of a day's invariant table, and the table as printed after each day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo


@dataclass(frozen=True, slots=True)
class InvariantResult:
    name: str
    measured: str
    limit: str
    ok: bool
    detail: str = ""  # the worst cases, shown under a broken row


def failed(results: Iterable[InvariantResult]) -> list[InvariantResult]:
    return [r for r in results if not r.ok]


def format_table(results: Sequence[InvariantResult]) -> str:
    """A plain-text table: one invariant a row, the detail of a broken one below it."""
    header = ("invariant", "measured", "limit", "")
    rows = [(r.name, r.measured, r.limit, "ok" if r.ok else "BROKEN") for r in results]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]

    def line(row: tuple[str, str, str, str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))

    out = [line(header).rstrip(), "  ".join("-" * w for w in widths)]
    for result, row in zip(results, rows, strict=True):
        out.append(line(row).rstrip())
        if result.detail and not result.ok:
            out.append(f"    {result.detail}")
    return "\n".join(out)


def worst(problems: Sequence[str], shown: int = 3) -> str:
    """The first few problems of a row, and how many more there were."""
    if not problems:
        return ""
    more = f" (+{len(problems) - shown} more)" if len(problems) > shown else ""
    return "; ".join(problems[:shown]) + more


def wall_clock(moment: datetime | None, tz: tzinfo) -> str:
    """A moment as the center's wall clock shows it."""
    return "never" if moment is None else f"{moment.astimezone(tz):%H:%M:%S}"
