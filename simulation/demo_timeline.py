"""`python -m simulation.demo_timeline`: the time of a demonstration (scripts/center), as
the KEZEK_TIMELINE string both the hub and the virtual center take, so the nodes run on
the hub's time (a hub on a shifted clock beside nodes on the machine's showed every node
with a clock fault of hours).

When the center is open now, the time is the real one; when it is closed (night,
weekend, holiday), it starts at the next opening and runs on at real speed, as the
hub's demo clock did."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.domain.calendar import OpeningState
from hub.settings import DEFAULT_CENTER_FILE
from simulation.day.schedule import center_calendar
from simulation.timeline import Timeline


def demo_timeline(center_file: Path, now: datetime) -> Timeline:
    calendar = center_calendar(center_file)
    start = now
    if calendar.status_at(now).state is not OpeningState.OPEN:
        start = calendar.next_opening(now)
    # One window; after it the time runs on at the same speed, so its length is moot.
    return Timeline(origin=now.timestamp(), speed=1.0,
                    windows=((start, start + timedelta(hours=1)),))


def main() -> int:
    center_file = Path(os.environ.get("KEZEK_HUB_CENTER_FILE") or DEFAULT_CENTER_FILE)
    print(demo_timeline(center_file, datetime.fromtimestamp(time.time(), UTC)).to_env())
    return 0


if __name__ == "__main__":
    sys.exit(main())
