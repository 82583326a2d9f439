"""The day runner: `kezek-virtual-center --day 2026-12-08 [--days N] [--speed S]
[--no-faults] [--database-url URL] [--data-dir D] [--seed N]`.

It starts a private Mosquitto set up as in production (a password per node, the
contract's ACL), the hub as its own process and the virtual center in this one, all on
one simulated time (simulation/timeline.py: the hub gets it as KEZEK_HUB_TIMELINE, the
nodes as their clocks), and plays whole working days of the center's calendar, each
from half an hour before opening to half an hour after closing, with a district
center's visitors and operators (simulation/day/visitors.py) and faults on a schedule
(simulation/day/faults.py). After each day's closing (and a settle time) it checks the
day's invariants from the database, the API and what the visitors and the node topics
saw, prints them as a table, and exits non-zero when one broke. The day's records are
kept as JSON in the data directory, with the hub's and the broker's logs."""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import psutil

from contract.mqtt import NodeRole
from firmware.common.logs import JsonLinesFormatter
from firmware.virtual.center import VirtualCenter, VirtualCenterSettings
from firmware.virtual.real_terminal import RealTerminal
from hub.settings import DEFAULT_CENTER_FILE
from hub.storage.db import sqlite_url
from simulation.day import plugins
from simulation.day.cable import Cable
from simulation.day.checks import RunChecks
from simulation.day.day_facts import database_bytes
from simulation.day.faults import (
    ALL_FAULTS,
    CLOCK_OFF,
    CLOCK_OFF_HOURS,
    FaultSchedule,
    day_events,
)
from simulation.day.hub_api import HubApi
from simulation.day.measure import tickets_of_day
from simulation.day.processes import SNIFFER_USER, Broker, HubProcess
from simulation.day.records import DayRecords
from simulation.day.schedule import DayPlan, booking_windows, center_calendar, plan_days, windows
from simulation.day.staffing_watch import StaffingWatch
from simulation.day.table import print_day
from simulation.timeline import Timeline

log = logging.getLogger("kezek.day")

CENTER = "center"
ADMIN = "admin"
RECORDS_FILE = "day-records.json"
# The virtual center of a day run. The terminals that faults hit run the real ticket
# terminal application (leases, printer, offline printing live there).
SIMULATED_TERMINALS = 1
PAPER_TERMINAL = "terminal-real-1"
CLOCK_OFF_TERMINAL = "terminal-real-2"
OFFLINE_TERMINAL = "terminal-real-3"
REAL_TERMINALS = 3
SIMULATED_DISPLAYS: dict[str, list[str]] = {"display-hall": []}
DISPLAY_APP = "display-board"
REST_SECONDS_AT_LEAST = 3.0
# Real seconds from the timeline's creation to its first window: the hub starting, the
# API client signing in, thirteen nodes connecting (15-30 s on a loaded 2-core box),
# then the hub at rest measured.
START_SECONDS = 40.0


@dataclass(frozen=True)
class DayRunOptions:
    first_day: date
    days: int = 1
    speed: float = 60.0
    faults: frozenset[str] = ALL_FAULTS
    database_url: str | None = None  # None: SQLite in the data directory
    data_dir: Path | None = None  # None: a new temporary directory, kept
    seed: int | None = 1
    # Simulated time after closing before a day is checked: the last visitors served.
    settle: timedelta = timedelta(minutes=15)
    # Real seconds given to starting the broker, the hub and the nodes before the first
    # window starts playing (the timeline stands still until then).
    start_seconds: float = START_SECONDS
    center_file: Path = DEFAULT_CENTER_FILE


PAPER_SEEN_WITHIN = timedelta(minutes=1)


@dataclass
class DayResult:
    day: date
    rows: list[plugins.InvariantRow]
    tickets: Counter[str]
    wall_seconds: float  # real seconds the day's window took
    hub_cpu_seconds: float
    hub_rss_bytes: int
    database_bytes: int

    @property
    def broken(self) -> list[plugins.InvariantRow]:
        return [row for row in self.rows if not row.ok]


@dataclass
class HubUsage:
    """The hub's CPU across its restarts: a killed process's time is added up."""

    earlier: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def of(pid: int | None) -> tuple[float, int]:
        if pid is None:
            return 0.0, 0
        try:
            process = psutil.Process(pid)
            times = process.cpu_times()
            return times.user + times.system, int(process.memory_info().rss)
        except psutil.Error:
            return 0.0, 0


class DayRun:
    def __init__(self, options: DayRunOptions) -> None:
        self.options = options
        self.data_dir = (options.data_dir if options.data_dir is not None
                         else Path(tempfile.mkdtemp(prefix="kezek-day-")))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.calendar = center_calendar(options.center_file)
        self.plans = plan_days(self.calendar, options.first_day, options.days)
        self.database_url = options.database_url or sqlite_url(
            self.data_dir / "hub" / "kezek.sqlite3")
        self.records = DayRecords()
        self.usage = HubUsage()
        self.timeline: Timeline | None = None
        self.broker: Broker | None = None
        self.hub: HubProcess | None = None
        self.center: VirtualCenter | None = None
        self.cable: Cable | None = None
        self.api: HubApi | None = None
        self.sniffer: plugins.Sniffer | None = None
        self.staffing: StaffingWatch | None = None
        self.visitors: plugins.Visitors | None = None
        # When the hub was killed and when it answered again (simulated): a press then
        # may go unanswered.
        self.hub_down: list[tuple[datetime, datetime]] = []
        # When the paper-out terminal had no paper (simulated): its presses send nothing.
        self.paper_out: list[tuple[datetime, datetime]] = []
        self.faults: FaultSchedule | None = None
        self.checks: RunChecks | None = None
        # The hub's CPU seconds per real second at rest (None: start-up left no time to
        # measure it).
        self.rest_cpu_share: float | None = None

    # The whole run ------------------------------------------------------------------

    def run(self, on_day: Callable[[DayResult], None] | None = None) -> list[DayResult]:
        results: list[DayResult] = []
        try:
            self._start()
            assert self.timeline is not None
            for plan in self.plans:
                result = self._play_day(plan)
                results.append(result)
                self.records.save(self.data_dir / RECORDS_FILE)
                if on_day is not None:
                    on_day(result)
        finally:
            self._stop()
            self.records.save(self.data_dir / RECORDS_FILE)
        return results

    def _start(self) -> None:
        options = self.options
        documents = read_desks(options.center_file)
        terminals = ([f"terminal-{i + 1}" for i in range(SIMULATED_TERMINALS)]
                     + [f"terminal-real-{i + 1}" for i in range(REAL_TERMINALS)])
        nodes = (dict.fromkeys(terminals, NodeRole.TICKET_TERMINAL)
                 | dict.fromkeys([f"buttons-{desk}" for desk in documents],
                                 NodeRole.CALL_BUTTON)
                 | dict.fromkeys([*SIMULATED_DISPLAYS, DISPLAY_APP], NodeRole.DISPLAY))
        self.broker = Broker(self.data_dir / "broker", CENTER, nodes)
        self.broker.start()
        # The database is made (migrations, the center, the administrator) before the
        # timeline starts, on the time standing at the first window's start: the slow
        # part of starting does not eat into the day.
        windows_played = [*booking_windows(self.calendar, self.plans), *windows(self.plans)]
        standing = Timeline(origin=time.time() + 365 * 86400, speed=options.speed,
                            windows=tuple(windows_played))
        self.hub = HubProcess(data_dir=self.data_dir / "hub", broker=self.broker,
                              center=CENTER, timeline=standing.to_env(),
                              database_url=options.database_url,
                              log_file=self.data_dir / "hub.log")
        (self.data_dir / "hub").mkdir(exist_ok=True)
        password = secrets.token_urlsafe(12)
        (self.data_dir / "admin-password").write_text(password + "\n")
        self.hub.cli("create-admin", "--username", ADMIN, "--if-none",
                     env={"KEZEK_ADMIN_PASSWORD": password})
        timeline = Timeline.starting_now(options.speed, windows_played,
                                         delay=options.start_seconds)
        self.timeline = timeline
        self.hub.env["KEZEK_HUB_TIMELINE"] = timeline.to_env()
        self.hub.start()
        log.info("hub on %s (pid %s), broker on %s, data in %s", self.hub.base_url,
                 self.hub.pid, self.broker.url, self.data_dir)
        self.api = plugins.hub_api(self.hub.base_url, ADMIN, password)
        self.sniffer = plugins.sniffer(self.broker.url, SNIFFER_USER,
                                       self.broker.passwords[SNIFFER_USER], CENTER)
        self.sniffer.start()
        self.staffing = plugins.staffing_watch(self.api, timeline)
        clock_off = {CLOCK_OFF_TERMINAL: CLOCK_OFF_HOURS} if CLOCK_OFF in options.faults else {}
        if clock_off:
            self.records.note(f"{timeline.now().isoformat(timespec='seconds')} clock_off: "
                              f"{CLOCK_OFF_TERMINAL}'s own clock is {CLOCK_OFF_HOURS:+.0f} h "
                              "wrong all run")
        self.cable = Cable(self.broker.port)
        self.cable.start()
        settings = VirtualCenterSettings(
            broker_url=self.broker.url, center=CENTER, data_dir=self.data_dir / "nodes",
            terminals=SIMULATED_TERMINALS, real_terminals=REAL_TERMINALS, desks=documents,
            displays=SIMULATED_DISPLAYS, display_apps={DISPLAY_APP: []}, load=False,
            speed=options.speed, seed=options.seed)
        self.center = VirtualCenter(settings, timeline=timeline, clock_off_hours=clock_off,
                                    passwords=self.broker.passwords,
                                    broker_urls={OFFLINE_TERMINAL: self.cable.url})
        self.center.start()
        self.visitors = plugins.visitors(timeline, self.center.terminals, self.center.buttons,
                                         self.api, self.records, options.seed or 0)
        events = [event for plan in self.plans
                  for event in day_events(plan, self, options.faults)]
        self.faults = FaultSchedule(timeline, events, self.records)
        self.checks = RunChecks(self.hub, self.center, self.faults, self.database_url,
                                self.visitors)
        self._measure_rest(timeline)
        late = time.time() - timeline.origin
        if late > 1.0:
            log.warning("start-up took %.1f s more than the %.0f s given: the first %.0f "
                        "simulated minutes before opening ran without visitors", late,
                        options.start_seconds, late * options.speed / 60)
        self.visitors.start()
        self.staffing.start()
        self.faults.start()

    def _measure_rest(self, timeline: Timeline) -> None:
        """The hub's CPU while every node is connected and the timeline still stands
        before its first window (no visitors yet): the baseline of the run."""
        assert self.hub is not None and self.center is not None
        nodes = [node.runtime.connected for node in self.center.nodes]
        nodes += [app.runtime.connected for app in self.center.display_apps]
        deadline = timeline.origin - REST_SECONDS_AT_LEAST
        while time.time() < deadline and not all(event.is_set() for event in nodes):
            time.sleep(0.1)
        started, cpu = time.time(), self._hub_cpu()
        wall = timeline.origin - started
        if wall < REST_SECONDS_AT_LEAST:
            return
        time.sleep(wall)
        self.rest_cpu_share = (self._hub_cpu() - cpu) / wall

    def _play_day(self, plan: DayPlan) -> DayResult:
        assert self.timeline is not None and self.hub is not None
        assert self.checks is not None
        timeline = self.timeline
        window_start, _ = plan.window
        started = max(time.time(), timeline.real_at(window_start))
        cpu_before = self._hub_cpu()
        never = threading.Event()
        timeline.wait_until(plan.opens, never)
        bytes_at_opening = database_bytes(self.database_url)
        timeline.wait_until(plan.closes + self.options.settle, never)
        wall = time.time() - started
        cpu_after = self._hub_cpu()
        _, rss = HubUsage.of(self.hub.pid)
        bytes_after = database_bytes(self.database_url)
        rows = self.checks.day_rows(plan)
        assert self.sniffer is not None and self.api is not None
        assert self.staffing is not None
        topics, dropped = self.sniffer.take()
        invariants = plugins.check_day(
            day=plan.day, window=plan.window, api=self.api, database_url=self.database_url,
            records=self.records, topics=topics, topics_dropped=dropped,
            staffing=self.staffing, database_bytes_before=bytes_at_opening,
            database_bytes_after=bytes_after, hub_down=list(self.hub_down),
            paper_out=list(self.paper_out))
        rows = [*invariants, *rows]
        return DayResult(day=plan.day, rows=rows,
                         tickets=tickets_of_day(self.database_url, plan.day),
                         wall_seconds=wall, hub_cpu_seconds=cpu_after - cpu_before,
                         hub_rss_bytes=rss, database_bytes=bytes_after)

    def _hub_cpu(self) -> float:
        assert self.hub is not None
        with self.usage.lock:
            return self.usage.earlier + HubUsage.of(self.hub.pid)[0]

    def _stop(self) -> None:
        for part in (self.faults, self.visitors, self.staffing):
            if part is not None:
                try:
                    part.stop()
                except Exception:
                    log.exception("stopping %s failed", type(part).__name__)
        if self.center is not None:
            self.center.stop()
        if self.sniffer is not None:
            self.sniffer.stop()
        if self.cable is not None:
            self.cable.close()
        if self.hub is not None:
            self.hub.stop()
        if self.broker is not None:
            self.broker.stop()

    # Fault actions (simulation/day/faults.py FaultActions) --------------------------

    def kill_hub(self) -> str:
        assert self.hub is not None
        assert self.timeline is not None
        with self.usage.lock:
            self.usage.earlier += HubUsage.of(self.hub.pid)[0]
            self.hub.kill()
        down, killed_at = time.monotonic(), self.timeline.now()
        try:
            self.hub.start()
        finally:
            self.hub_down.append((killed_at, self.timeline.now()))
        return f"pid {self.hub.pid} answering after {time.monotonic() - down:.1f} real s"

    def restart_broker(self) -> str:
        assert self.broker is not None
        down = time.monotonic()
        self.broker.restart()
        return f"listening again after {time.monotonic() - down:.1f} real s"

    def paper(self, present: bool) -> str:
        terminal = self._real_terminal(PAPER_TERMINAL)
        printer = terminal.app.printer.simulated
        if printer is None:
            raise RuntimeError(f"{PAPER_TERMINAL} has no simulated printer")
        assert self.timeline is not None
        now = self.timeline.now()
        if present and self.paper_out:
            # The terminal sees the paper at its next reading: every 5 simulated seconds
            # (firmware/virtual/clocks.py), 0.05 real s at least (15 simulated s at 300).
            self.paper_out[-1] = (self.paper_out[-1][0], now + PAPER_SEEN_WITHIN)
        elif not present:
            self.paper_out.append((now, now + timedelta(days=1)))  # until put back
        printer.paper = 2 if present else 0
        return PAPER_TERMINAL

    def network(self, plugged: bool) -> str:
        assert self.cable is not None
        if plugged:
            self.cable.plug()
        else:
            self.cable.unplug()
        return OFFLINE_TERMINAL

    def reboot_display(self) -> str:
        assert self.center is not None
        self.center.reboot_display_app(DISPLAY_APP)
        return DISPLAY_APP

    def _real_terminal(self, node_id: str) -> RealTerminal:
        assert self.center is not None
        terminal = next(t for t in self.center.terminals if t.node_id == node_id)
        if not isinstance(terminal, RealTerminal):
            raise RuntimeError(f"{node_id} is not the real terminal application")
        return terminal


# Loggers whose every line goes to run.log only: the nodes' and the load's chatter
# (each refused press, each reconnect) would bury the runner's own lines.
NODE_LOGGERS = ("firmware", "kezek.node", "kezek.call_button", "kezek.virtual", "escpos",
                "httpx", "kezek.simulation")


class _NotNodes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not any(record.name == name or record.name.startswith(name + ".")
                       for name in NODE_LOGGERS)


def configure_logging(log_file: Path) -> None:
    """Everything to `log_file` as JSON lines with the records' fields (a refusal's
    code), the runner's own lines and others' errors to stderr."""
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    to_file = logging.FileHandler(log_file)
    to_file.setFormatter(JsonLinesFormatter("day-run"))
    to_console = logging.StreamHandler()
    to_console.setFormatter(formatter)
    to_console.addFilter(_NotNodes())
    to_console.setLevel(logging.INFO)
    # force: python-escpos configures the root logger when imported.
    logging.basicConfig(level=logging.INFO, handlers=[to_file, to_console], force=True)


def read_desks(center_file: Path) -> list[str]:
    from hub.center_schema import read_center_file

    return [desk.code for desk in read_center_file(center_file).desks]


# The command line -------------------------------------------------------------------

def parse(argv: list[str]) -> DayRunOptions:
    parser = argparse.ArgumentParser(prog="kezek-virtual-center --day", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--day", required=True, type=date.fromisoformat,
                        help="the first day (YYYY-MM-DD); days off are skipped")
    parser.add_argument("--days", type=int, default=1, help="working days to run")
    parser.add_argument("--speed", type=float, default=60.0,
                        help="simulated seconds per real second")
    parser.add_argument("--no-faults", action="store_true", help="a day without faults")
    parser.add_argument("--faults", help="only these faults, comma-separated: "
                                         + ", ".join(sorted(ALL_FAULTS)))
    parser.add_argument("--database-url", help="PostgreSQL URL; default SQLite in the "
                                               "data directory")
    parser.add_argument("--data-dir", type=Path, help="default: a new temporary directory")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start-seconds", type=float, default=START_SECONDS,
                        help="real seconds given to starting before the first day plays")
    args = parser.parse_args(argv)
    if args.days < 1 or args.speed <= 0:
        parser.error("--days must be at least 1 and --speed positive")
    faults = ALL_FAULTS
    if args.faults:
        faults = frozenset(name.strip() for name in args.faults.split(",") if name.strip())
        unknown = faults - ALL_FAULTS
        if unknown:
            parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    if args.no_faults:
        faults = frozenset()
    return DayRunOptions(first_day=args.day, days=args.days, speed=args.speed, faults=faults,
                         database_url=args.database_url, data_dir=args.data_dir,
                         seed=args.seed, start_seconds=args.start_seconds)


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    run = DayRun(options)
    configure_logging(run.data_dir / "run.log")
    print(f"day run: {len(run.plans)} day(s) from {run.plans[0].day} at speed "
          f"{options.speed:g}; data in {run.data_dir}", flush=True)
    results = run.run(on_day=print_day)
    broken = sum(len(result.broken) for result in results)
    print(f"day run done: {len(results)} day(s), {broken} broken check(s); records in "
          f"{run.data_dir / RECORDS_FILE}", flush=True)
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
