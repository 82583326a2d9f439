"""Benchmark of a working week of the whole center: the day runner
(simulation/day/runner.py) through five working days, printing after each day its
table of checks and, at the end, per day: tickets, the hub's CPU seconds and memory,
the database's size and growth, the estimate's error (from the invariants), each
beside the run's own baseline, the hub at rest (every node connected and beating, no
visitors) measured before the first day.

Usage (from the repository root, with the hub's virtualenv):

    .venv/bin/python bench/day.py [--day 2026-12-07] [--days 5] [--speed 300]
        [--no-faults] [--database-url URL] [--data-dir D] [--json PATH]

At speed 300 a day (08:30-18:45 played) takes about two minutes of real time, the
week about ten. The exit status is 1 when a check of any day broke.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is sys.path[0], not the root
    sys.path.insert(0, str(ROOT))

from simulation.day.faults import ALL_FAULTS  # noqa: E402
from simulation.day.runner import (  # noqa: E402
    DayResult,
    DayRun,
    DayRunOptions,
    configure_logging,
)
from simulation.day.table import print_day  # noqa: E402

MIB = 1024 * 1024
ESTIMATE_WORD = "estimate"  # the invariant rows about the wait estimate


def estimate_rows(result: DayResult) -> str:
    rows = [row for row in result.rows if ESTIMATE_WORD in row.name.lower()]
    return ("; ".join(row.detail.split(" (limit", 1)[0] for row in rows) if rows
            else "(no invariant)")


def summary(results: list[DayResult], rest_cpu_share: float | None, speed: float) -> str:
    lines = ["", f"== week at speed {speed:g}: hub at rest "
             + (f"{rest_cpu_share * 100:.1f} % of a core" if rest_cpu_share is not None
                else "not measured (start-up took the time)")]
    header = ("| day | tickets | real s | hub CPU s | CPU share | × rest | RSS MiB | "
              "DB MiB | DB growth MiB | broken | estimate |")
    lines += [header, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
                      "| --- |"]
    previous = 0
    for result in results:
        share = result.hub_cpu_seconds / result.wall_seconds if result.wall_seconds else 0.0
        ratio = (f"{share / rest_cpu_share:.1f}" if rest_cpu_share else "-")
        lines.append(
            f"| {result.day} | {sum(result.tickets.values())} | {result.wall_seconds:.0f} | "
            f"{result.hub_cpu_seconds:.1f} | {share * 100:.1f} % | {ratio} | "
            f"{result.hub_rss_bytes / MIB:.0f} | {result.database_bytes / MIB:.1f} | "
            f"{(result.database_bytes - previous) / MIB:.1f} | {len(result.broken)} | "
            f"{estimate_rows(result)} |")
        previous = result.database_bytes
    return "\n".join(lines)


def day_json(result: DayResult) -> dict[str, object]:
    # Not dataclasses.asdict: it rebuilds the Counter from (key, value) pairs as keys.
    return {"day": result.day.isoformat(), "tickets": dict(result.tickets),
            "wall_seconds": result.wall_seconds, "hub_cpu_seconds": result.hub_cpu_seconds,
            "hub_rss_bytes": result.hub_rss_bytes, "database_bytes": result.database_bytes,
            "rows": [asdict(row) for row in result.rows]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 12, 7),
                        help="the first day (default: Monday 7 December 2026)")
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--speed", type=float, default=300.0)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--database-url", help="PostgreSQL URL; default SQLite")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write every day's figures as JSON")
    args = parser.parse_args(argv)
    run = DayRun(DayRunOptions(first_day=args.day, days=args.days, speed=args.speed,
                               faults=frozenset() if args.no_faults else ALL_FAULTS,
                               database_url=args.database_url, data_dir=args.data_dir,
                               seed=args.seed))
    configure_logging(run.data_dir / "run.log")
    print(f"bench/day.py: {len(run.plans)} day(s) from {run.plans[0].day} at speed "
          f"{args.speed:g}; data in {run.data_dir}", flush=True)
    results = run.run(on_day=print_day)
    print(summary(results, run.rest_cpu_share, args.speed), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps({
            "speed": args.speed, "rest_cpu_share": run.rest_cpu_share,
            "days": [day_json(result) for result in results]}, default=str, indent=1))
    return 1 if any(result.broken for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
