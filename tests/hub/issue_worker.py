"""A separate hub process that issues tickets as fast as it can (used by
test_concurrent_numbering): python -m tests.hub.issue_worker URL COUNT START_FILE"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hub.services.clock import ManualClock
from hub.settings import HubSettings
from hub.wiring import build_hub
from tests.conftest import WORKING_MOMENT


def main() -> None:
    url, count, start_file = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    hub = build_hub(HubSettings(data_dir=start_file.parent, database_url=url),
                    clock=ManualClock(WORKING_MOMENT), migrate=False, load_default_center=False)
    hub.centers.snapshot()
    print("ready", flush=True)
    while not start_file.exists():  # both processes start issuing at the same moment
        time.sleep(0.001)
    for i in range(count):
        purpose = "complaint" if i % 3 else "appeal_help"
        issued = hub.queue.issue(language="kk", purpose=purpose, actor="worker")
        print(issued.ticket.issued_zone, issued.ticket.number, flush=True)
        # SQLite's busy handler lets one waiting writer starve; a breath between
        # requests (as real terminals have) lets the two processes interleave.
        time.sleep(0.002)
    hub.close()


if __name__ == "__main__":
    main()
