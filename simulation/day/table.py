"""The table a day run prints after each day."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulation.day.runner import DayResult

MIB = 1024 * 1024


def day_table(result: DayResult) -> str:
    width = max([len(row.name) for row in result.rows] + [10])
    lines = [f"== {result.day} ({result.wall_seconds:.0f} real s, "
             f"{sum(result.tickets.values())} tickets, hub CPU {result.hub_cpu_seconds:.1f} s, "
             f"RSS {result.hub_rss_bytes / MIB:.0f} MiB, database "
             f"{result.database_bytes / MIB:.1f} MiB)"]
    for row in result.rows:
        lines.append(f"  {'ok ' if row.ok else 'BROKEN'.ljust(3)} {row.name.ljust(width)}  "
                     f"{row.detail}")
    return "\n".join(lines)


def print_day(result: DayResult) -> None:
    print(day_table(result), flush=True)
