"""Benchmark of ticket issuing through the hub's HTTP API (POST /api/v1/tickets).

Usage (from the repository root, with the hub's virtualenv):

    .venv/bin/python bench/tickets_api.py [--db sqlite|postgres|both] [--tickets N]
                                          [--concurrency 1,16,64]

For every database and concurrency level the real hub runs as a subprocess
(uvicorn, one worker, a fresh database, the center of bench/center.toml, a
clock set to Monday 23 November 2026, 10:00 Almaty and running on from
there, as a hub's clock does). Against it the script measures, with the
lean keep-alive client of bench/lean_http.py and `concurrency` requests in
flight:

* the baseline: GET /api/v1/health, the cost of the web stack alone;
* the load: N tickets, each POST with its own Idempotency-Key;

and afterwards checks that GET /api/v1/queue shows every ticket issued and
that no two responses carry the same (zone, number). A violated check makes
the exit status non-zero.

The module also holds `make_app`, the factory uvicorn imports in the server
process (`uvicorn bench.tickets_api:make_app --factory`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx
    from fastapi import FastAPI

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CENTER_FILE = BENCH_DIR / "center.toml"
if str(ROOT) not in sys.path:  # run as a script: bench/ is sys.path[0], not the root
    sys.path.insert(0, str(ROOT))

from bench.lean_http import LeanClient  # noqa: E402

# Monday 23 November 2026, 10:00 in Almaty (UTC+5): the center is open, not at lunch.
WORKING_TIME = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)

ENV_DATA_DIR = "KEZEK_BENCH_DATA_DIR"
ENV_DATABASE_URL = "KEZEK_BENCH_DATABASE_URL"
TOKEN_FILE = "bench_token"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/{name}"

# The issue's goal for SQLite at concurrency 16.
GOAL_CONCURRENCY = 16
GOAL_TICKETS_PER_S = 500.0
GOAL_P99_MS = 50.0

WARMUP = 100
# More CPU than this used by other programs during a phase makes the figures suspect.
NOISE_CORES = 0.25
SERVER_START_TIMEOUT_S = 90.0
REQUEST_TIMEOUT_S = 120.0

# Tickets are spread evenly over the nine serving zones of bench/center.toml
# (1000 numbers each) by their visit purposes, one purpose leading to each zone;
# every 10th ticket is out of turn, every 25th needs an escort.
PURPOSES = ("appeal_paper", "booked_reception", "appeal_help",
            "book_reception", "booked_reception_2", "appeal_help_2",
            "complaint", "booked_reception_3", "appeal_help_3")
NUMBERS_PER_ZONE = 1000
OUT_OF_TURN = "disability"


# --------------------------------------------------------------------------- server side


def make_app() -> FastAPI:
    """The hub's app on a clock started at 10:00 on a working Monday, with an
    administrator token written for the client.

    Runs inside the uvicorn process; reads KEZEK_BENCH_DATA_DIR and, for
    PostgreSQL, KEZEK_BENCH_DATABASE_URL.
    """
    from hub.api.app import create_app
    from hub.domain.roles import Role
    from hub.services.clock import ShiftedClock
    from hub.settings import HubSettings

    data_dir = Path(os.environ[ENV_DATA_DIR])
    settings = HubSettings(data_dir=data_dir,
                           database_url=os.environ.get(ENV_DATABASE_URL) or None,
                           center_file=CENTER_FILE)
    app = create_app(settings, clock=ShiftedClock(WORKING_TIME))
    token = app.state.hub.users.create_token(name="bench", role=Role.ADMINISTRATOR,
                                             actor="bench")
    partial = data_dir / (TOKEN_FILE + ".partial")
    partial.write_text(token)
    partial.replace(data_dir / TOKEN_FILE)
    return app


# --------------------------------------------------------------------------- measuring


@dataclass
class Phase:
    """One measured series of requests at one concurrency."""

    requests: int
    wall_s: float
    latencies_ms: list[float]
    errors: Counter[str]
    server_cpu_s: float | None
    client_cpu_s: float
    machine_cpu_s: float | None

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_s(self) -> float:
        return self.ok / self.wall_s if self.wall_s > 0 else 0.0

    def pct(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def summary(self) -> dict[str, Any]:
        # Latencies are in order of completion: the first and last tenth show the
        # effect of the queue growing during the run.
        tenth = max(1, self.ok // 10)
        return {"requests": self.requests, "ok": self.ok, "wall_s": round(self.wall_s, 3),
                "per_s": round(self.per_s, 1), "p50_ms": round(self.pct(50), 2),
                "p90_ms": round(self.pct(90), 2), "p99_ms": round(self.pct(99), 2),
                "max_ms": round(max(self.latencies_ms, default=0.0), 2),
                "p50_first_tenth_ms": round(percentile(self.latencies_ms[:tenth], 50), 2),
                "p50_last_tenth_ms": round(percentile(self.latencies_ms[-tenth:], 50), 2),
                "errors": dict(self.errors),
                "server_cpu_ms_per_req": (round(1000 * self.server_cpu_s / self.ok, 3)
                                          if self.server_cpu_s is not None and self.ok else None),
                "client_cpu_ms_per_req": (round(1000 * self.client_cpu_s / self.ok, 3)
                                          if self.ok else None),
                "other_cpu_cores": (round(self.other_cpu_s / self.wall_s, 2)
                                    if self.other_cpu_s is not None and self.wall_s else None)}

    @property
    def other_cpu_s(self) -> float | None:
        """CPU the machine spent outside the hub and the client (PostgreSQL, other programs)."""
        if self.machine_cpu_s is None or self.server_cpu_s is None:
            return None
        return max(0.0, self.machine_cpu_s - self.server_cpu_s - self.client_cpu_s)


@dataclass
class RunResult:
    db: str
    concurrency: int
    tickets: int
    baseline: dict[str, Any]
    load: dict[str, Any]
    checks: dict[str, Any]
    violations: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile with linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def machine_cpu_s() -> float | None:
    """CPU seconds all processes of the machine have used since boot (Linux /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields)
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float | None:
    """User plus system CPU seconds of a process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is fields[0], so utime (14th) is fields[11].
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(count: int, concurrency: int, server_pid: int,
                  send: Callable[[int], Awaitable[str | None]]) -> Phase:
    """Send `count` requests with `concurrency` in flight; `send` returns an error or None."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < count:
            index = next_index
            next_index += 1
            started = time.perf_counter()
            try:
                error = await send(index)
            except Exception as exc:  # a timeout or a dropped connection counts as a failure
                error = type(exc).__name__
            if error is None:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors[error] += 1

    cpu_machine = machine_cpu_s()
    cpu_server = process_cpu_s(server_pid)
    cpu_client = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    cpu_client = time.process_time() - cpu_client
    server_after, machine_after = process_cpu_s(server_pid), machine_cpu_s()
    server_cpu = (server_after - cpu_server
                  if server_after is not None and cpu_server is not None else None)
    machine_cpu = (machine_after - cpu_machine
                   if machine_after is not None and cpu_machine is not None else None)
    return Phase(requests=count, wall_s=wall, latencies_ms=latencies, errors=errors,
                 server_cpu_s=server_cpu, client_cpu_s=cpu_client, machine_cpu_s=machine_cpu)


class TicketLoad:
    """Issues tickets and keeps what the hub answered, for the checks."""

    def __init__(self, client: LeanClient, run_id: str) -> None:
        self._client = client
        self._run_id = run_id
        self._serial = 0
        self.issued: list[dict[str, Any]] = []

    def request(self, serial: int) -> bytes:
        body: dict[str, Any] = {"language": "kk" if serial % 2 else "ru",
                                "purpose": PURPOSES[serial % len(PURPOSES)]}
        if serial % 10 == 9:
            body["out_of_turn"] = OUT_OF_TURN
        if serial % 25 == 24:
            body["needs_escort"] = True
        return self._client.encode(
            "POST", "/api/v1/tickets", json.dumps(body).encode(),
            {"Content-Type": "application/json",
             "Idempotency-Key": f"bench-{self._run_id}-{serial}"})

    async def issue(self, _: int) -> str | None:
        serial = self._serial
        self._serial += 1
        answer = await self._client.send(self.request(serial))
        if answer.status != 201:
            return f"HTTP {answer.status}: {answer.body[:200]!r}"
        self.issued.append(json.loads(answer.body)["ticket"])
        return None


def health_check(client: LeanClient) -> Callable[[int], Awaitable[str | None]]:
    request = client.encode("GET", "/api/v1/health")

    async def send(_: int) -> str | None:
        answer = await client.send(request)
        return None if answer.status == 200 else f"HTTP {answer.status}"
    return send


async def check_queue(client: httpx.AsyncClient, issued: list[dict[str, Any]],
                      expected: int) -> tuple[dict[str, Any], list[str]]:
    """Compare the board with what was issued; return the figures and any violations."""
    violations: list[str] = []
    response = await client.get("/api/v1/queue")
    response.raise_for_status()
    state = response.json()
    board = {zone["code"]: len(zone["waiting"]) for zone in state["zones"]}
    by_zone = Counter(t["zone"] for t in issued)
    pairs = Counter((t["issued_zone"], t["number"]) for t in issued)
    duplicates = {f"{zone}:{number}": n for (zone, number), n in pairs.items() if n > 1}
    ids = {t["id"] for t in issued}
    if len(issued) != expected:
        violations.append(f"{expected} tickets requested, {len(issued)} issued")
    if sum(board.values()) != len(issued):
        violations.append(f"the queue shows {sum(board.values())} waiting, "
                          f"{len(issued)} were issued")
    for zone in sorted(set(board) | set(by_zone)):
        if board.get(zone, 0) != by_zone.get(zone, 0):
            violations.append(f"zone {zone}: the queue shows {board.get(zone, 0)}, "
                              f"{by_zone.get(zone, 0)} were issued")
    if duplicates:
        violations.append(f"duplicate (zone, number): {dict(list(duplicates.items())[:10])}")
    if len(ids) != len(issued):
        violations.append(f"{len(issued) - len(ids)} responses repeat a ticket id")
    checks = {"expected": expected, "issued": len(issued), "queue_waiting": sum(board.values()),
              "queue_by_zone": board, "duplicate_numbers": len(duplicates),
              "distinct_ids": len(ids)}
    return checks, violations


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


class HubServer:
    """The hub under uvicorn in a subprocess, on a fresh database."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "bench.tickets_api:make_app", "--factory",
                "--app-dir", str(ROOT), "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", "1", "--no-access-log", "--log-level", "warning",
                "--loop", "uvloop" if has_module("uvloop") else "asyncio",
                "--http", "httptools" if has_module("httptools") else "h11"]

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEZEK_HUB_")}
        env[ENV_DATA_DIR] = str(self.data_dir)
        env.pop(ENV_DATABASE_URL, None)
        if self.database_url:
            env[ENV_DATABASE_URL] = self.database_url
        env["KEZEK_HUB_MQTT_ENABLED"] = "false"  # HTTP only: bench/mqtt_tickets.py does MQTT
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)

    def wait_ready(self) -> str:
        """Wait for the health check and the token file; return the token."""
        import httpx

        assert self.process is not None
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        token_path = self.data_dir / TOKEN_FILE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited with {self.process.returncode}:\n"
                                   + self.log_tail())
            if token_path.exists():
                try:
                    if httpx.get(self.base_url + "/api/v1/health", timeout=2).status_code == 200:
                        return token_path.read_text().strip()
                except httpx.TransportError:
                    pass
            time.sleep(0.1)
        raise RuntimeError("the hub did not start in time:\n" + self.log_tail())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


class PostgresDatabase:
    """A throw-away database on the local PostgreSQL server."""

    def __init__(self) -> None:
        self.name = f"kezek_bench_{secrets.token_hex(4)}"
        self.url = PG_SERVER_URL.format(name=self.name)

    def _admin(self, statement: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(self.name)))

    def create(self) -> None:
        self._admin("CREATE DATABASE {}")

    def drop(self) -> None:
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


# --------------------------------------------------------------------------- one run


async def run_once(db: str, concurrency: int, tickets: int, workdir: Path) -> RunResult:
    """Start a hub on a fresh database, measure the baseline and the load, check the queue."""
    import httpx

    data_dir = Path(tempfile.mkdtemp(prefix=f"{db}-c{concurrency}-", dir=workdir))
    postgres = PostgresDatabase() if db == "postgres" else None
    if postgres is not None:
        postgres.create()
    server = HubServer(data_dir, postgres.url if postgres else None)
    try:
        server.start()
        token = await asyncio.to_thread(server.wait_ready)
        assert server.process is not None
        pid = server.process.pid
        client = LeanClient("127.0.0.1", server.port, timeout_s=REQUEST_TIMEOUT_S,
                            headers={"Authorization": f"Bearer {token}"})
        try:
            load = TicketLoad(client, secrets.token_hex(6))
            baseline_send = health_check(client)
            # Warm up connections, the thread pool, the ORM and the database caches.
            await measure(WARMUP, concurrency, pid, baseline_send)
            warm = await measure(WARMUP, concurrency, pid, load.issue)
            baseline = await measure(tickets, concurrency, pid, baseline_send)
            measured = await measure(tickets, concurrency, pid, load.issue)
        finally:
            client.close()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S,
                                     headers={"Authorization": f"Bearer {token}"}) as checker:
            checks, violations = await check_queue(checker, load.issued, WARMUP + tickets)
        for phase, what in ((warm, "warm-up"), (baseline, "baseline"), (measured, "load")):
            if phase.errors:
                violations.append(f"{what}: {sum(phase.errors.values())} failed requests: "
                                  f"{dict(phase.errors.most_common(3))}")
        return RunResult(db=db, concurrency=concurrency, tickets=tickets,
                         baseline=baseline.summary(), load=measured.summary(), checks=checks,
                         violations=violations)
    except Exception:
        print(f"\nserver log ({db}, concurrency {concurrency}):\n{server.log_tail()}",
              file=sys.stderr)
        raise
    finally:
        server.stop()
        if postgres is not None:
            postgres.drop()


# --------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def source_version() -> str:
    """The hub's commit, and whether the working tree differs from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", "hub"], cwd=ROOT,
                                 check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" with local changes under hub/" if changed else "")


def print_header(args: argparse.Namespace, databases: list[str]) -> None:
    cores = os.cpu_count()
    print("Kezek hub benchmark: POST /api/v1/tickets, baseline GET /api/v1/health")
    print(f"  databases {', '.join(databases)}; concurrency {args.concurrency}; "
          f"{args.tickets} tickets per run after {WARMUP} warm-up tickets")
    print(f"  server: uvicorn, 1 worker, loop {'uvloop' if has_module('uvloop') else 'asyncio'}, "
          f"http {'httptools' if has_module('httptools') else 'h11'}, a fresh database per run")
    print(f"  client: bench/lean_http.py (keep-alive, httptools parser), "
          f"{'uvloop' if has_module('uvloop') else 'asyncio'}, one process; client and server")
    print(f"  share this machine's {cores} CPU cores,")
    print("  so the client's own CPU time is part of every latency (the baseline pays it too).")
    if hasattr(os, "getloadavg"):
        print(f"  load average before the run: {os.getloadavg()[0]:.2f} "
              "(other programs' CPU use is reported per run below)")
    print(f"  hub source {source_version()}; python {sys.version.split()[0]}; "
          f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")


def print_row(result: RunResult) -> None:
    load, base = result.load, result.baseline
    p50_ratio = load["p50_ms"] / base["p50_ms"] if base["p50_ms"] else float("nan")
    rate_ratio = load["per_s"] / base["per_s"] if base["per_s"] else float("nan")
    ok = "ok" if not result.violations else "FAILED"
    print(f"{result.db:<9}{result.concurrency:>5} | {load['p50_ms']:>8.2f}{load['p90_ms']:>8.2f}"
          f"{load['p99_ms']:>8.2f}{load['per_s']:>9.1f} | {base['p50_ms']:>7.2f}"
          f"{base['p99_ms']:>7.2f}{base['per_s']:>8.1f} | {p50_ratio:>7.1f}{rate_ratio:>7.3f}"
          f" | {load['server_cpu_ms_per_req'] or float('nan'):>7.2f}"
          f"{base['server_cpu_ms_per_req'] or float('nan'):>7.2f} | {ok}", flush=True)


def print_table_header() -> None:
    print(f"{'':<9}{'':>5} | {'tickets: latency ms':^24}{'':>9} | {'baseline /health':^22} | "
          f"{'ratios':^14} | {'srv CPU ms':^14} |")
    print(f"{'db':<9}{'conc':>5} | {'p50':>8}{'p90':>8}{'p99':>8}{'tick/s':>9} | {'p50':>7}"
          f"{'p99':>7}{'req/s':>8} | {'p50 x':>7}{'rate x':>7} | {'ticket':>7}{'health':>7} | "
          "check")
    print("-" * 120, flush=True)


def print_checks(results: list[RunResult]) -> None:
    print("\nCorrectness (GET /api/v1/queue against the responses):")
    for r in results:
        c = r.checks
        status = "ok" if not r.violations else "VIOLATED"
        per_zone = c["queue_by_zone"].values()
        print(f"  {r.db:<9} c={r.concurrency:<3} issued {c['issued']}/{c['expected']}, "
              f"queue shows {c['queue_waiting']} ({len(per_zone)} zones, "
              f"{min(per_zone, default=0)}-{max(per_zone, default=0)} each), duplicate numbers "
              f"{c['duplicate_numbers']}, distinct ids {c['distinct_ids']}: {status}")
        for violation in r.violations:
            print(f"      - {violation}")


def print_growth(results: list[RunResult]) -> None:
    print("\nQueue growth: every ticket stays waiting, so each zone's queue grows during a run;")
    print("ticket latency p50 over the first and the last tenth of the measured tickets:")
    for r in results:
        first, last = r.load["p50_first_tenth_ms"], r.load["p50_last_tenth_ms"]
        top = max(r.checks["queue_by_zone"].values(), default=0)
        print(f"  {r.db:<9} c={r.concurrency:<3} {first:8.2f} ms -> {last:8.2f} ms "
              f"(x{last / first if first else float('nan'):.1f}) "
              f"while a zone's queue grows to {top}")


def print_cpu(results: list[RunResult]) -> None:
    print("\nCPU (ms per request; 'other' = cores busy outside the hub and the client, i.e.")
    print("PostgreSQL's backends and any other program on the machine):")
    noisy = False
    for r in results:
        load, base = r.load, r.baseline
        other = load["other_cpu_cores"]
        print(f"  {r.db:<9} c={r.concurrency:<3} tickets: hub {load['server_cpu_ms_per_req']} "
              f"client {load['client_cpu_ms_per_req']} other {other} cores | health: hub "
              f"{base['server_cpu_ms_per_req']} client {base['client_cpu_ms_per_req']} "
              f"other {base['other_cpu_cores']} cores")
        noisy = noisy or (base["other_cpu_cores"] or 0) > NOISE_CORES or (
            r.db == "sqlite" and (other or 0) > NOISE_CORES)
    if noisy:
        print(f"  WARNING: other programs used more than {NOISE_CORES} of a core during a run; "
              "the figures are pessimistic.")


def print_goals(results: list[RunResult]) -> None:
    print(f"\nGoals of the issue (SQLite, concurrency {GOAL_CONCURRENCY}):")
    found = False
    for r in results:
        if r.concurrency != GOAL_CONCURRENCY:
            continue
        found = True
        rate, p99 = r.load["per_s"], r.load["p99_ms"]
        note = "" if r.db == "sqlite" else "   (PostgreSQL: for reference, the goal names SQLite)"
        print(f"  {r.db:<9} throughput {rate:7.1f} tickets/s >= {GOAL_TICKETS_PER_S:.0f}: "
              f"{verdict(rate >= GOAL_TICKETS_PER_S)};  p99 {p99:6.1f} ms < {GOAL_P99_MS:.0f}: "
              f"{verdict(p99 < GOAL_P99_MS)}{note}")
    if not found:
        print(f"  not measured (run with concurrency {GOAL_CONCURRENCY})")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--tickets", type=int, default=2000,
                        help="tickets measured per database and concurrency (default 2000)")
    parser.add_argument("--concurrency", default="1,16,64",
                        help="comma-separated numbers of requests in flight (default 1,16,64)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    try:
        args.levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    except ValueError:
        parser.error("--concurrency takes numbers separated by commas, e.g. 1,16,64")
    if not args.levels or min(args.levels) < 1:
        parser.error("--concurrency needs numbers of 1 or more")
    if args.tickets < 1:
        parser.error("--tickets must be at least 1")
    # Every ticket stays waiting, so each zone must have a number free for it.
    if (args.tickets + WARMUP) / len(PURPOSES) > NUMBERS_PER_ZONE:
        parser.error(f"--tickets above {NUMBERS_PER_ZONE * len(PURPOSES) - WARMUP} would "
                     "exhaust the zones' number ranges of bench/center.toml")
    return args


async def main_async(args: argparse.Namespace) -> int:
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print_header(args, databases)
    print_table_header()
    results: list[RunResult] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kezek-bench-") as tmp:
        for db in databases:
            for concurrency in args.levels:
                result = await run_once(db, concurrency, args.tickets, Path(tmp))
                results.append(result)
                print_row(result)
    print("\nratios: p50 x = tickets p50 / baseline p50; rate x = tickets/s / baseline req/s.")
    print("srv CPU ms: the hub process's CPU time per request (from /proc).")
    print_checks(results)
    print_growth(results)
    print_cpu(results)
    print_goals(results)
    print(f"\ntotal time {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 1 if any(r.violations for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if has_module("uvloop"):
        import uvloop

        return uvloop.run(main_async(args))
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
