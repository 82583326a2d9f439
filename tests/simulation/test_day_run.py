"""One simulated working day of the whole center at speed 300 (about two minutes): the
private broker, the hub as its own process (killed and started again), the virtual
center's real node applications, every scheduled fault. The day's checks (the queue's
invariants and the run's own) must hold; a broken one fails the test with the day's
table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from simulation.day.faults import ALL_FAULTS
from simulation.day.processes import mosquitto_binary
from simulation.day.records import DayRecords
from simulation.day.runner import RECORDS_FILE, DayRun, DayRunOptions
from simulation.day.table import day_table
from tests.conftest import unavailable

SPEED = 300.0


@pytest.mark.timeout(600)
def test_a_day_with_every_fault_keeps_its_invariants(tmp_path: Path) -> None:
    if mosquitto_binary() is None:
        unavailable("the mosquitto binary is missing")
    run = DayRun(DayRunOptions(first_day=date(2026, 12, 8), speed=SPEED, faults=ALL_FAULTS,
                               data_dir=tmp_path, seed=16))
    results = run.run()
    assert len(results) == 1
    day = results[0]
    table = day_table(day)
    assert not day.broken, table
    assert sum(day.tickets.values()) > 0, table
    checked = {row.name.strip() for row in day.rows}
    assert {"every press answered once", "no number given twice", "service time > 0",
            "wait estimate", "desks worked are staffed", "nothing personal on node topics",
            } <= checked, table
    records = DayRecords.load(tmp_path / RECORDS_FILE)
    noted = {note.split(" ", 2)[1].rstrip(":") for note in records.notes}
    assert noted >= ALL_FAULTS, records.notes  # each fault, the clock off one included
