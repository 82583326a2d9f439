"""The day runner's parts that need no hub: the windows played from the center's
calendar, the fault schedule played on the timeline into the records, and the network
cable a fault pulls out."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from firmware.virtual.center import main as virtual_center_main
from hub.settings import DEFAULT_CENTER_FILE
from simulation.day.cable import Cable
from simulation.day.faults import (
    ALL_FAULTS,
    BROKER_RESTART,
    HUB_KILL,
    PAPER_OUT,
    FaultSchedule,
    day_events,
)
from simulation.day.records import DayRecords
from simulation.day.schedule import DayPlan, center_calendar, plan_days, windows
from simulation.timeline import Timeline


def test_days_are_the_working_days_from_half_an_hour_before_opening() -> None:
    calendar = center_calendar(DEFAULT_CENTER_FILE)
    # Saturday 12 December 2026: the weekend and Independence Day (16th) are skipped.
    plans = plan_days(calendar, date(2026, 12, 12), 3)
    assert [plan.day for plan in plans] == [date(2026, 12, 14), date(2026, 12, 15),
                                            date(2026, 12, 17)]
    first = plans[0]
    assert first.window == (datetime(2026, 12, 14, 3, 30, tzinfo=UTC),
                            datetime(2026, 12, 14, 14, 0, tzinfo=UTC))
    assert first.lunch == (datetime(2026, 12, 14, 8, 0, tzinfo=UTC),
                           datetime(2026, 12, 14, 9, 30, tzinfo=UTC))
    Timeline.starting_now(60, windows(plans))  # the windows make a valid timeline


class Recorder:
    def __init__(self) -> None:
        self.done: list[str] = []

    def kill_hub(self) -> str:
        self.done.append("kill")
        return "restarted"

    def restart_broker(self) -> str:
        raise RuntimeError("mosquitto would not start")

    def paper(self, present: bool) -> str:
        self.done.append(f"paper {present}")
        return "terminal-real-1"

    def network(self, plugged: bool) -> str:
        self.done.append(f"network {plugged}")
        return ""

    def reboot_display(self) -> str:
        self.done.append("reboot")
        return ""


def test_faults_are_played_in_order_and_noted_with_their_simulated_time() -> None:
    opens = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
    plan = DayPlan(day=date(2026, 12, 8), opens=opens, closes=opens + timedelta(hours=9),
                   lunch=None)
    actions = Recorder()
    events = day_events(plan, actions, ALL_FAULTS)
    assert [event.at for event in events] == sorted(event.at for event in events)
    assert day_events(plan, actions, frozenset()) == []
    # A whole day in a fraction of a second, the faults on it.
    timeline = Timeline.starting_now(400_000.0, windows([plan]))
    records = DayRecords()
    schedule = FaultSchedule(timeline, day_events(plan, actions,
                                                  {PAPER_OUT, HUB_KILL, BROKER_RESTART}),
                             records)
    schedule.start()
    finished = threading.Event()
    timeline.wait_until(plan.closes, finished)
    schedule.stop()
    assert actions.done == ["paper False", "paper True", "kill"]
    assert [note.split(" ", 1)[1] for note in records.notes] == [
        "paper_out: printer out of paper (terminal-real-1)",
        "paper_out: paper put back (terminal-real-1)",
        "hub_kill: hub killed (SIGKILL) and started again (restarted)",
        "broker_restart: broker restarted (FAILED: mosquitto would not start)"]
    noted_at = datetime.fromisoformat(records.notes[0].split(" ", 1)[0])
    assert noted_at >= opens + timedelta(hours=1)
    assert len(schedule.failures) == 1 and "broker_restart" in schedule.failures[0]


def echo_server() -> tuple[socket.socket, int]:
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=lambda c=connection: echo(c), daemon=True).start()

    def echo(connection: socket.socket) -> None:
        with connection:
            while data := connection.recv(1024):
                connection.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    return server, int(server.getsockname()[1])


def test_an_unplugged_cable_drops_the_connection_and_refuses_new_ones() -> None:
    server, port = echo_server()
    cable = Cable(port)
    cable.start()
    try:
        node = socket.create_connection(("127.0.0.1", cable.port), timeout=5)
        node.sendall(b"hello")
        assert node.recv(16) == b"hello"
        cable.unplug()
        assert node.recv(16) == b""  # the broker is gone for the node
        refused = socket.create_connection(("127.0.0.1", cable.port), timeout=5)
        assert refused.recv(16) == b""
        cable.plug()
        again = socket.create_connection(("127.0.0.1", cable.port), timeout=5)
        again.sendall(b"back")
        assert again.recv(16) == b"back"
        for sock in (node, refused, again):
            sock.close()
    finally:
        cable.close()
        server.close()


def test_the_virtual_center_hands_a_day_to_the_runner(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        virtual_center_main(["--day", "2026-12-08", "--days", "0"])
    assert exit_.value.code == 2
    assert "--days must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        virtual_center_main(["--day=2026-12-08", "--faults", "hub_kill,meteor"])
    assert "unknown faults: meteor" in capsys.readouterr().err
