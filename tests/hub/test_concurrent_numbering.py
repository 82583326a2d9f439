"""Two hub processes issuing at once never hand out the same number (SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path

from sqlalchemy import select

from hub.storage.models import TicketRow
from hub.wiring import Hub

PER_PROCESS = 120


def test_two_processes_issue_unique_numbers(hub: Hub, tmp_path: Path) -> None:
    url = hub.settings.resolved_database_url
    start = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-m", "tests.hub.issue_worker", url,
                                 str(PER_PROCESS), str(start)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=Path(__file__).parents[2])
               for _ in range(2)]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready", worker.stderr
    start.touch()
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        outputs.append([tuple(line.split()) for line in out.splitlines()])
    issued = outputs[0] + outputs[1]
    assert len(issued) == 2 * PER_PROCESS
    assert all(len(o) == PER_PROCESS for o in outputs)
    # The processes really ran at once: neither got one unbroken block of numbers.
    first_numbers = sorted(int(n) for z, n in outputs[0] if z == "consultation")
    gaps = sum(1 for a, b in pairwise(first_numbers) if b != a + 1)
    assert gaps >= 5, f"the two processes hardly overlapped ({gaps} gaps)"
    duplicates = [k for k, n in Counter(issued).items() if n > 1]
    assert duplicates == []
    with hub.db.read() as session:
        rows = session.execute(select(TicketRow.issued_zone, TicketRow.sequence,
                                      TicketRow.number)).all()
    by_zone: dict[str, list[int]] = {}
    for zone, sequence, _number in rows:
        by_zone.setdefault(zone, []).append(sequence)
    # Sequences are gapless 1..n per zone: no lost or doubled draw.
    for sequences in by_zone.values():
        assert sorted(sequences) == list(range(1, len(sequences) + 1))
    assert by_zone.keys() == {"consultation", "self_service"}
    # Consultation's range holds 300 numbers and 160 were drawn: all distinct, from 100 up.
    consultation = sorted(n for z, _s, n in rows if z == "consultation")
    assert consultation == list(range(100, 100 + len(consultation)))
