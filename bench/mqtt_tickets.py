"""Benchmark of ticket issuing through MQTT, beside the raw MQTT QoS 1 round trip.

Usage (from the repository root, with the hub's virtualenv):

    .venv/bin/python bench/mqtt_tickets.py [--db sqlite|postgres|both]
                                           [--broker mosquitto|embedded|both]
                                           [--tickets N] [--concurrency 1,16,64]

For every database, broker and concurrency level, on a fresh broker and a fresh
database, the script starts:

* the broker: a private Mosquitto (anonymous, no persistence) on a free port, or
  with `--broker embedded` the hub's own amqtt broker (the hub without mqtt_url);
* an echo process: one paho client subscribed at QoS 1 to every node's `up/#`
  of a center of its own, republishing each request at QoS 1, unchanged, to the
  sender's `down/reply`: what MQTT alone costs, without the hub;
* the real hub (uvicorn, one worker, bench/center.toml, a clock started on
  Monday 23 November 2026, 10:00 Almaty) with its MQTT bridge on that broker.

Against them, `concurrency` simulated terminals (paho clients driven by one
asyncio loop, each waiting for its reply before it sends the next request)
measure:

* the baseline: N TicketRequest payloads echoed (raw QoS 1 round trips);
* the load: N TicketRequests answered by the hub with a ticket;
* the resend check: ~1 % of the request ids sent again must bring the same
  ticket back and issue none;

and afterwards GET /api/v1/queue must show exactly the tickets issued, with no
(zone, number) twice. A violated check makes the exit status non-zero.

Every topic and payload comes from contract/mqtt.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
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
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is sys.path[0], not the root
    sys.path.insert(0, str(ROOT))

from bench.tickets_api import (  # noqa: E402
    ENV_DATA_DIR,
    ENV_DATABASE_URL,
    NUMBERS_PER_ZONE,
    OUT_OF_TURN,
    PURPOSES,
    HubServer,
    PostgresDatabase,
    free_port,
    has_module,
    machine_cpu_s,
    percentile,
    process_cpu_s,
    source_version,
)
from contract.broker import broker_address  # noqa: E402
from contract.mqtt import (  # noqa: E402
    QOS,
    ContractError,
    DownChannel,
    ErrorMessage,
    NodeConfig,
    NodeRole,
    NodeStatus,
    Presence,
    Reply,
    TicketRequest,
    Topics,
    UpChannel,
    decode,
    encode,
)

HUB_CENTER = "bench"
ECHO_CENTER = "bench-echo"
MOSQUITTO = "/usr/sbin/mosquitto"

# The issue's goal: p50 under 10x the raw round trip and 200 tickets/s, with SQLite.
GOAL_P50_RATIO = 10.0
GOAL_TICKETS_PER_S = 200.0
GOAL_CONCURRENCY = 16

WARMUP = 100
RESEND_SHARE = 0.01
NOISE_CORES = 0.25
REPLY_TIMEOUT_S = 60.0
START_TIMEOUT_S = 30.0


# --------------------------------------------------------------------------- echo process


def nodelay(sock: Any) -> None:
    """Disable Nagle's algorithm (paho leaves it on)."""
    if isinstance(sock, socket.socket) and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def serve_echo(url: str, no_delay: bool) -> int:
    """The raw round trip's other end: republish every request to its sender's reply topic.

    Runs as its own process (`--serve-echo URL`), like the hub, with one paho client
    and its own network loop; persistent session and QoS 1 as the hub's bridge."""
    address = broker_address(url)
    topics = Topics(ECHO_CENTER)
    reply_qos = QOS[DownChannel.REPLY]
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{ECHO_CENTER}-hub",
                         clean_session=False, protocol=mqtt.MQTTv311)

    def on_connect(client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            print(f"echo: broker refused: {reason}", file=sys.stderr, flush=True)
            return
        client.subscribe(topics.hub_subscription(), qos=QOS[UpChannel.TICKET])

    def on_subscribe(*_: Any) -> None:
        print("ready", flush=True)

    def on_message(client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        route = topics.parse(message.topic)
        if route is None or route.channel != UpChannel.TICKET:
            return
        client.publish(topics.down(route.node, DownChannel.REPLY), message.payload,
                       qos=reply_qos)

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    if no_delay:
        client.on_socket_open = lambda _c, _u, sock: nodelay(sock)
    client.on_message = on_message
    signal.signal(signal.SIGTERM, lambda *_: client.disconnect())
    signal.signal(signal.SIGINT, lambda *_: client.disconnect())
    client.connect(address.host, address.port, keepalive=30)
    client.loop_forever()
    return 0


# --------------------------------------------------------------------------- terminals


@dataclass
class Answer:
    reply: Reply | None  # None in the raw phase
    error: str | None = None


class Terminal:
    """One simulated node: a paho client whose socket is driven by the asyncio loop
    (no network thread), with at most one request outstanding at a time."""

    def __init__(self, port: int, topics: Topics, node_id: str, *, echo: bool,
                 no_delay: bool) -> None:
        self.loop = asyncio.get_running_loop()
        self.topics = topics
        self.node_id = node_id
        self.port = port
        self.echo = echo
        self.no_delay = no_delay
        self.pending: dict[str, asyncio.Future[Answer]] = {}
        self.unexpected = 0  # replies to nobody waiting (QoS 1 duplicates, late answers)
        self.configured = asyncio.Event()
        self._connected: asyncio.Future[None] = self.loop.create_future()
        self._subscribed: asyncio.Future[None] = self.loop.create_future()
        self._misc: asyncio.Task[None] | None = None
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=node_id,
                             clean_session=True, protocol=mqtt.MQTTv311)
        client.on_socket_open = self._on_socket_open
        client.on_socket_close = self._on_socket_close
        client.on_socket_register_write = self._on_register_write
        client.on_socket_unregister_write = self._on_unregister_write
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self.client = client
        self.request_topic = topics.up(node_id, UpChannel.TICKET)
        self.request_qos = QOS[UpChannel.TICKET]

    # The socket in the event loop (paho's documented external-loop callbacks).
    def _on_socket_open(self, client: mqtt.Client, _u: Any, sock: Any) -> None:
        if self.no_delay:
            nodelay(sock)
        self.loop.add_reader(sock, client.loop_read)
        self._misc = self.loop.create_task(self._misc_loop())

    def _on_socket_close(self, _c: mqtt.Client, _u: Any, sock: Any) -> None:
        self.loop.remove_reader(sock)
        if self._misc is not None:
            self._misc.cancel()

    def _on_register_write(self, client: mqtt.Client, _u: Any, sock: Any) -> None:
        self.loop.add_writer(sock, client.loop_write)

    def _on_unregister_write(self, _c: mqtt.Client, _u: Any, sock: Any) -> None:
        self.loop.remove_writer(sock)

    async def _misc_loop(self) -> None:
        while self.client.loop_misc() == MQTTErrorCode.MQTT_ERR_SUCCESS:
            await asyncio.sleep(1)

    def _on_connect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if not self._connected.done():
            if reason.is_failure:
                self._connected.set_exception(RuntimeError(f"{self.node_id}: {reason}"))
            else:
                self._connected.set_result(None)

    def _on_subscribe(self, *_: Any) -> None:
        if not self._subscribed.done():
            self._subscribed.set_result(None)

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        route = self.topics.parse(message.topic)
        channel = route.channel if route else ""
        payload = bytes(message.payload)
        if channel == DownChannel.CONFIG:
            with contextlib.suppress(ContractError):
                if decode(NodeConfig, payload).role is NodeRole.TICKET_TERMINAL:
                    self.configured.set()
            return
        try:
            if channel == DownChannel.REPLY and self.echo:
                request_id, answer = decode(TicketRequest, payload).id, Answer(None)
            elif channel == DownChannel.REPLY:
                reply = decode(Reply, payload)
                request_id, answer = reply.request_id, Answer(reply)
            elif channel == DownChannel.ERROR:
                problem = decode(ErrorMessage, payload)
                if problem.request_id is None:
                    self.unexpected += 1
                    return
                request_id = problem.request_id
                answer = Answer(None, f"error {problem.problem.code}: {problem.problem.detail}")
            else:
                return
        except ContractError:
            self.unexpected += 1
            return
        waiting = self.pending.pop(request_id, None)
        if waiting is None or waiting.done():
            self.unexpected += 1
        else:
            waiting.set_result(answer)

    async def connect(self) -> Terminal:
        self.client.connect("127.0.0.1", self.port, keepalive=60)
        await asyncio.wait_for(self._connected, START_TIMEOUT_S)
        self.client.subscribe(self.topics.node_subscription(self.node_id), qos=1)
        await asyncio.wait_for(self._subscribed, START_TIMEOUT_S)
        return self

    async def go_online(self) -> None:
        """Publish the retained status as a ticket terminal; the hub answers with the
        node's configuration once it has recorded it."""
        status = NodeStatus(node=self.node_id, state=Presence.ONLINE,
                            role=NodeRole.TICKET_TERMINAL, software="bench")
        self.client.publish(self.topics.up(self.node_id, UpChannel.STATUS), encode(status),
                            qos=QOS[UpChannel.STATUS], retain=True)
        await asyncio.wait_for(self.configured.wait(), START_TIMEOUT_S)

    async def ask(self, request_id: str, payload: bytes) -> Answer:
        future: asyncio.Future[Answer] = self.loop.create_future()
        self.pending[request_id] = future
        self.client.publish(self.request_topic, payload, qos=self.request_qos)
        try:
            return await asyncio.wait_for(future, REPLY_TIMEOUT_S)
        finally:
            self.pending.pop(request_id, None)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.disconnect()
        if self._misc is not None:
            self._misc.cancel()


class Terminals:
    """`concurrency` terminals; each request borrows a free one, so every terminal has
    at most one request outstanding and exactly `concurrency` are in flight."""

    def __init__(self, terminals: list[Terminal]) -> None:
        self.all = terminals
        self._free: asyncio.Queue[Terminal] = asyncio.Queue()
        for terminal in terminals:
            self._free.put_nowait(terminal)

    async def borrow(self) -> Terminal:
        return await self._free.get()

    def give_back(self, terminal: Terminal) -> None:
        self._free.put_nowait(terminal)

    @property
    def unexpected(self) -> int:
        return sum(t.unexpected for t in self.all)

    def close(self) -> None:
        for terminal in self.all:
            terminal.close()


async def open_terminals(port: int, topics: Topics, prefix: str, count: int, *,
                         echo: bool, no_delay: bool) -> Terminals:
    terminals = [Terminal(port, topics, f"{prefix}-{i:03d}", echo=echo, no_delay=no_delay)
                 for i in range(count)]
    await asyncio.gather(*(t.connect() for t in terminals))
    if not echo:
        await asyncio.gather(*(t.go_online() for t in terminals))
    return Terminals(terminals)


def ticket_request(node: str, serial: int) -> TicketRequest:
    """The same mix as bench/tickets_api.py: purposes rotating over the nine zones,
    every 10th out of turn, every 25th with an escort."""
    return TicketRequest(node=node, language="kk" if serial % 2 else "ru",
                         purpose=PURPOSES[serial % len(PURPOSES)],
                         out_of_turn=OUT_OF_TURN if serial % 10 == 9 else None,
                         needs_escort=serial % 25 == 24)


# --------------------------------------------------------------------------- measuring


@dataclass
class Phase:
    requests: int
    wall_s: float
    latencies_ms: list[float]
    errors: Counter[str]
    cpu_s: dict[str, float | None]  # hub, broker, echo, client, machine

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_s(self) -> float:
        return self.ok / self.wall_s if self.wall_s > 0 else 0.0

    def ms_per_request(self, who: str) -> float | None:
        cpu = self.cpu_s.get(who)
        return round(1000 * cpu / self.ok, 3) if cpu is not None and self.ok else None

    def other_cores(self) -> float | None:
        machine = self.cpu_s.get("machine")
        if machine is None or not self.wall_s:
            return None
        known = sum(v for k, v in self.cpu_s.items() if k != "machine" and v is not None)
        return round(max(0.0, machine - known) / self.wall_s, 2)

    def summary(self) -> dict[str, Any]:
        tenth = max(1, self.ok // 10)
        return {"requests": self.requests, "ok": self.ok, "wall_s": round(self.wall_s, 3),
                "per_s": round(self.per_s, 1),
                "p50_ms": round(percentile(self.latencies_ms, 50), 3),
                "p90_ms": round(percentile(self.latencies_ms, 90), 3),
                "p99_ms": round(percentile(self.latencies_ms, 99), 3),
                "max_ms": round(max(self.latencies_ms, default=0.0), 3),
                "p50_first_tenth_ms": round(percentile(self.latencies_ms[:tenth], 50), 3),
                "p50_last_tenth_ms": round(percentile(self.latencies_ms[-tenth:], 50), 3),
                "errors": dict(self.errors),
                "cpu_ms_per_request": {who: self.ms_per_request(who)
                                       for who in self.cpu_s if who != "machine"},
                "other_cpu_cores": self.other_cores()}


def cpu_snapshot(pids: dict[str, int | None]) -> dict[str, float | None]:
    snapshot: dict[str, float | None] = {
        who: process_cpu_s(pid) if pid is not None else None for who, pid in pids.items()}
    snapshot["client"] = time.process_time()
    snapshot["machine"] = machine_cpu_s()
    return snapshot


async def measure(count: int, concurrency: int, pids: dict[str, int | None],
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
            except Exception as exc:  # a timeout counts as a failure
                error = type(exc).__name__
            if error is None:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors[error[:120]] += 1

    before = cpu_snapshot(pids)
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    after = cpu_snapshot(pids)
    cpu: dict[str, float | None] = {}
    for who, b in before.items():
        a = after[who]
        cpu[who] = a - b if a is not None and b is not None else None
    return Phase(requests=count, wall_s=wall, latencies_ms=latencies, errors=errors, cpu_s=cpu)


@dataclass
class Issued:
    terminal: Terminal
    request: TicketRequest
    reply: Reply


class TicketLoad:
    """Sends ticket requests and keeps every answer for the checks."""

    def __init__(self, terminals: Terminals) -> None:
        self.terminals = terminals
        self.serial = 0
        self.issued: list[Issued] = []
        self.refused: list[str] = []
        self.request_ids: set[str] = set()

    async def issue(self, _: int) -> str | None:
        serial = self.serial
        self.serial += 1
        terminal = await self.terminals.borrow()
        try:
            request = ticket_request(terminal.node_id, serial)
            if request.id in self.request_ids:
                return "request id repeated by the client"
            self.request_ids.add(request.id)
            answer = await terminal.ask(request.id, encode(request))
        finally:
            self.terminals.give_back(terminal)
        if answer.error is not None:
            return answer.error
        assert answer.reply is not None
        if not answer.reply.ok or answer.reply.ticket is None:
            problem = answer.reply.problem
            self.refused.append(f"{problem.code}: {problem.detail}" if problem else "?")
            return f"refused: {problem.code if problem else '?'}"
        self.issued.append(Issued(terminal, request, answer.reply))
        return None


class EchoLoad:
    def __init__(self, terminals: Terminals) -> None:
        self.terminals = terminals
        self.serial = 0

    async def echo(self, _: int) -> str | None:
        serial = self.serial
        self.serial += 1
        terminal = await self.terminals.borrow()
        try:
            request = ticket_request(terminal.node_id, serial)
            answer = await terminal.ask(request.id, encode(request))
        finally:
            self.terminals.give_back(terminal)
        return answer.error


async def resend_check(load: TicketLoad, first: int, concurrency: int,
                       pids: dict[str, int | None]) -> tuple[dict[str, Any], list[str]]:
    """Send ~1 % of the measured requests again, from the same terminal with the same
    bytes: the same ticket must come back."""
    measured = load.issued[first:]
    count = max(1, round(len(measured) * RESEND_SHARE))
    step = max(1, len(measured) // count)
    chosen = measured[::step][:count]
    violations: list[str] = []
    same = 0
    busy: set[str] = set()

    async def resend(index: int) -> str | None:
        nonlocal same
        original = chosen[index]
        while original.terminal.node_id in busy:  # one outstanding request per terminal
            await asyncio.sleep(0.001)
        busy.add(original.terminal.node_id)
        try:
            answer = await original.terminal.ask(original.request.id, encode(original.request))
        finally:
            busy.discard(original.terminal.node_id)
        if answer.error is not None or answer.reply is None:
            return answer.error or "no reply"
        reply = answer.reply
        if reply.request_id != original.request.id or not reply.ok:
            return f"resend answered with ok={reply.ok}, request_id={reply.request_id}"
        if reply.ticket != original.reply.ticket:
            a, b = original.reply.ticket, reply.ticket
            return (f"resend of {original.request.id} brought another ticket: "
                    f"{a.zone if a else None}-{a.number if a else None} then "
                    f"{b.zone if b else None}-{b.number if b else None}")
        same += 1
        return None

    phase = await measure(len(chosen), min(concurrency, len(chosen)), pids, resend)
    for error, n in phase.errors.items():
        violations.append(f"resend: {n} x {error}")
    return {"resent": len(chosen), "same_ticket": same,
            "p50_ms": round(percentile(phase.latencies_ms, 50), 3)}, violations


async def check_queue(base_url: str, token: str, issued: list[Issued],
                      expected: int) -> tuple[dict[str, Any], list[str]]:
    """Compare GET /api/v1/queue with the tickets the replies carried."""
    import httpx

    violations: list[str] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        response = await client.get("/api/v1/queue")
    response.raise_for_status()
    board = {zone["code"]: len(zone["waiting"]) for zone in response.json()["zones"]}
    tickets = [i.reply.ticket for i in issued if i.reply.ticket is not None]
    by_zone = Counter(t.zone for t in tickets)
    pairs = Counter((t.zone, t.number) for t in tickets)
    duplicates = {f"{zone}:{number}": n for (zone, number), n in pairs.items() if n > 1}
    ids = {t.ticket_id for t in tickets}
    replayed = sum(1 for t in tickets if t.replayed)
    if len(tickets) != expected:
        violations.append(f"{expected} tickets requested, {len(tickets)} issued")
    if sum(board.values()) != expected:
        violations.append(f"the queue shows {sum(board.values())} waiting, {expected} expected")
    for zone in sorted(set(board) | set(by_zone)):
        if board.get(zone, 0) != by_zone.get(zone, 0):
            violations.append(f"zone {zone}: the queue shows {board.get(zone, 0)}, "
                              f"{by_zone.get(zone, 0)} were issued")
    if duplicates:
        violations.append(f"duplicate (zone, number): {dict(list(duplicates.items())[:10])}")
    if len(ids) != len(tickets):
        violations.append(f"{len(tickets) - len(ids)} replies repeat a ticket id")
    if replayed:
        violations.append(f"{replayed} first replies are marked replayed")
    checks = {"expected": expected, "issued": len(tickets), "queue_waiting": sum(board.values()),
              "queue_by_zone": board, "duplicate_numbers": len(duplicates),
              "distinct_ids": len(ids)}
    return checks, violations


# --------------------------------------------------------------------------- processes


class Mosquitto:
    """A private, anonymous Mosquitto without persistence on a free port."""

    def __init__(self, directory: Path, no_delay: bool) -> None:
        self.port = free_port()
        self.log = directory / "mosquitto.log"
        self.config = directory / "mosquitto.conf"
        # We run as root: without `user root` Mosquitto drops to user mosquitto.
        self.config.write_text("\n".join([
            f"listener {self.port} 127.0.0.1", "allow_anonymous true", "persistence false",
            "user root", f"log_dest file {self.log}", "log_type error", "log_type warning",
            *(["set_tcp_nodelay true"] if no_delay else []), ""]))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited: {stderr}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not listen in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class EchoProcess:
    def __init__(self, url: str, directory: Path, no_delay: bool) -> None:
        self.url = url
        self.no_delay = no_delay
        self.log = directory / "echo.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--serve-echo", self.url,
                 *(["--nodelay"] if self.no_delay else [])],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=log)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "ready" once subscribed
        if line.strip() != b"ready":
            raise RuntimeError(f"the echo client did not start: {line!r} "
                               f"{self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class MqttHubServer(HubServer):
    """The hub of bench/tickets_api.py (same factory, same clock, admin token) with
    its MQTT bridge on the benchmark's broker, as center `bench`."""

    def __init__(self, data_dir: Path, database_url: str | None, *, mqtt_url: str | None,
                 embedded_port: int | None) -> None:
        super().__init__(data_dir, database_url)
        self.mqtt_env = {"KEZEK_HUB_MQTT_ENABLED": "true", "KEZEK_HUB_CENTER_ID": HUB_CENTER,
                         # One terminal here asks hundreds of times a second: the limit
                         # that holds a hijacked terminal (hub/domain/rate_limits.py)
                         # is lifted, the path measured is otherwise the same.
                         "KEZEK_HUB_TERMINAL_TICKET_BURST": "1000000000",
                         "KEZEK_HUB_TERMINAL_TICKETS_PER_MINUTE": "1e12"}
        if mqtt_url is not None:
            self.mqtt_env["KEZEK_HUB_MQTT_URL"] = mqtt_url
        if embedded_port is not None:
            self.mqtt_env["KEZEK_HUB_EMBEDDED_MQTT_HOST"] = "127.0.0.1"
            self.mqtt_env["KEZEK_HUB_EMBEDDED_MQTT_PORT"] = str(embedded_port)

    def start(self) -> None:
        # As HubServer.start, plus the MQTT settings.
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEZEK_HUB_")}
        env.pop(ENV_DATABASE_URL, None)
        env[ENV_DATA_DIR] = str(self.data_dir)
        if self.database_url:
            env[ENV_DATABASE_URL] = self.database_url
        env.update(self.mqtt_env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)


# --------------------------------------------------------------------------- one run


@dataclass
class RunResult:
    db: str
    broker: str
    concurrency: int
    tickets: int
    raw: dict[str, Any]
    load: dict[str, Any]
    resend: dict[str, Any]
    checks: dict[str, Any]
    violations: list[str] = field(default_factory=list)


async def run_once(db: str, broker_kind: str, concurrency: int, tickets: int,
                   workdir: Path, no_delay: bool) -> RunResult:
    data_dir = Path(tempfile.mkdtemp(prefix=f"{db}-{broker_kind}-c{concurrency}-", dir=workdir))
    postgres = PostgresDatabase() if db == "postgres" else None
    mosquitto = Mosquitto(data_dir, no_delay) if broker_kind == "mosquitto" else None
    embedded_port = free_port() if mosquitto is None else None
    echo: EchoProcess | None = None
    server: MqttHubServer | None = None
    raw_terminals: Terminals | None = None
    hub_terminals: Terminals | None = None
    try:
        if postgres is not None:
            postgres.create()
        if mosquitto is not None:
            mosquitto.start()
        server = MqttHubServer(data_dir, postgres.url if postgres else None,
                               mqtt_url=mosquitto.url if mosquitto else None,
                               embedded_port=embedded_port)
        server.start()
        token = await asyncio.to_thread(server.wait_ready)
        assert server.process is not None
        port = mosquitto.port if mosquitto is not None else embedded_port
        assert port is not None
        url = f"mqtt://127.0.0.1:{port}"
        echo = EchoProcess(url, data_dir, no_delay)
        await asyncio.to_thread(echo.start)
        assert echo.process is not None
        pids: dict[str, int | None] = {
            "hub": server.process.pid, "echo": echo.process.pid,
            "broker": mosquitto.process.pid if mosquitto and mosquitto.process else None}

        raw_terminals = await open_terminals(port, Topics(ECHO_CENTER), "raw", concurrency,
                                             echo=True, no_delay=no_delay)
        hub_terminals = await open_terminals(port, Topics(HUB_CENTER), "term", concurrency,
                                             echo=False, no_delay=no_delay)
        raw = EchoLoad(raw_terminals)
        load = TicketLoad(hub_terminals)
        # Warm up the connections, the hub's workers, the ORM and the database caches.
        warm_raw = await measure(WARMUP, concurrency, pids, raw.echo)
        warm = await measure(WARMUP, concurrency, pids, load.issue)
        baseline = await measure(tickets, concurrency, pids, raw.echo)
        measured = await measure(tickets, concurrency, pids, load.issue)
        resend, violations = await resend_check(load, len(load.issued) - measured.ok,
                                                concurrency, pids)
        checks, queue_violations = await check_queue(server.base_url, token, load.issued,
                                                     WARMUP + tickets)
        violations += queue_violations
        for phase, what in ((warm_raw, "raw warm-up"), (warm, "ticket warm-up"),
                            (baseline, "raw"), (measured, "tickets")):
            if phase.errors:
                violations.append(f"{what}: {sum(phase.errors.values())} failed requests: "
                                  f"{dict(phase.errors.most_common(3))}")
        checks["unexpected_replies"] = hub_terminals.unexpected
        if hub_terminals.unexpected:
            violations.append(f"{hub_terminals.unexpected} ticket replies nobody waited for "
                              "(duplicates or unknown ids)")
        checks["raw_unexpected_replies"] = raw_terminals.unexpected
        return RunResult(db=db, broker=broker_kind, concurrency=concurrency, tickets=tickets,
                         raw=baseline.summary(), load=measured.summary(), resend=resend,
                         checks=checks, violations=violations)
    except Exception:
        if server is not None:
            print(f"\nhub log ({db}, {broker_kind}, concurrency {concurrency}):\n"
                  f"{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        for terminals in (raw_terminals, hub_terminals):
            if terminals is not None:
                terminals.close()
        if echo is not None:
            echo.stop()
        if server is not None:
            server.stop()
        if mosquitto is not None:
            mosquitto.stop()
        if postgres is not None:
            postgres.drop()


# --------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ratios(r: RunResult) -> tuple[float, float]:
    p50 = r.load["p50_ms"] / r.raw["p50_ms"] if r.raw["p50_ms"] else float("nan")
    rate = r.load["per_s"] / r.raw["per_s"] if r.raw["per_s"] else float("nan")
    return p50, rate


def fmt(value: float | None, spec: str) -> str:
    return format(value, spec) if value is not None else format("-", spec.split(".")[0] + "s")


def print_header(args: argparse.Namespace, databases: list[str], brokers: list[str]) -> None:
    loop = "uvloop" if has_module("uvloop") else "asyncio"
    print("Kezek hub benchmark: tickets through MQTT (TicketRequest -> Reply), baseline the "
          "raw MQTT QoS 1 round trip")
    print(f"  databases {', '.join(databases)}; brokers {', '.join(brokers)}; concurrency "
          f"{args.concurrency}; {args.tickets} requests per phase after {WARMUP} warm-up")
    print("  per run: a fresh broker, database and hub (uvicorn, 1 worker, bridge on the "
          "broker); an echo process")
    print(f"  for the baseline; terminals: paho clients on one {loop} loop in this process, one "
          "request outstanding each;")
    print("  TCP_NODELAY on terminals, echo and Mosquitto: " + (
        "no (--nagle: their defaults)" if args.nagle else "yes (set_tcp_nodelay true)"))
    if hasattr(os, "getloadavg"):
        print(f"  {os.cpu_count()} CPU cores shared by all; load average before the run: "
              f"{os.getloadavg()[0]:.2f}")
    print(f"  hub source {source_version()}; python {sys.version.split()[0]}; "
          f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")


def print_table_header() -> None:
    print(f"{'':<9}{'':<10}{'':>5} | {'tickets over MQTT: ms':^24}{'':>9} | "
          f"{'raw QoS 1 round trip':^24} | {'ratios':^14} | {'CPU ms/ticket':^21} |")
    print(f"{'db':<9}{'broker':<10}{'conc':>5} | {'p50':>8}{'p90':>8}{'p99':>8}{'tick/s':>9} | "
          f"{'p50':>8}{'p99':>8}{'msg/s':>8} | {'p50 x':>7}{'rate x':>7} | {'hub':>7}"
          f"{'broker':>7}{'client':>7} | check")
    print("-" * 138, flush=True)


def print_row(r: RunResult) -> None:
    load, raw = r.load, r.raw
    p50_x, rate_x = ratios(r)
    cpu = load["cpu_ms_per_request"]
    ok = "ok" if not r.violations else "FAILED"
    print(f"{r.db:<9}{r.broker:<10}{r.concurrency:>5} | {load['p50_ms']:>8.2f}"
          f"{load['p90_ms']:>8.2f}{load['p99_ms']:>8.2f}{load['per_s']:>9.1f} | "
          f"{raw['p50_ms']:>8.3f}{raw['p99_ms']:>8.2f}{raw['per_s']:>8.0f} | {p50_x:>7.1f}"
          f"{rate_x:>7.3f} | {fmt(cpu['hub'], '>7.2f')}{fmt(cpu['broker'], '>7.2f')}"
          f"{fmt(cpu['client'], '>7.2f')} | {ok}", flush=True)


def print_details(results: list[RunResult]) -> None:
    print("\nCorrectness (replies against GET /api/v1/queue; resends of ~1 % of the ids):")
    for r in results:
        c, s = r.checks, r.resend
        zones = c["queue_by_zone"].values()
        print(f"  {r.db:<9}{r.broker:<10}c={r.concurrency:<3} issued {c['issued']}/"
              f"{c['expected']}, queue shows {c['queue_waiting']} ({len(zones)} zones, "
              f"{min(zones, default=0)}-{max(zones, default=0)} each), duplicate numbers "
              f"{c['duplicate_numbers']}; resent {s['resent']}, same ticket {s['same_ticket']} "
              f"(p50 {s['p50_ms']} ms): {'ok' if not r.violations else 'VIOLATED'}")
        for violation in r.violations:
            print(f"      - {violation}")
    print("\nCPU per request in ms (tickets | raw round trips); 'other' = cores busy outside "
          "the hub, broker, echo and client:")
    noisy = False
    for r in results:
        lc, rc = r.load["cpu_ms_per_request"], r.raw["cpu_ms_per_request"]
        print(f"  {r.db:<9}{r.broker:<10}c={r.concurrency:<3} tickets: hub {lc['hub']} broker "
              f"{lc['broker'] or '-'} client {lc['client']} other {r.load['other_cpu_cores']} | "
              f"raw: echo {rc['echo']} broker {rc['broker'] or '-'} hub {rc['hub']} client "
              f"{rc['client']} other {r.raw['other_cpu_cores']}")
        noisy = noisy or (r.raw["other_cpu_cores"] or 0) > NOISE_CORES or (
            r.db == "sqlite" and (r.load["other_cpu_cores"] or 0) > NOISE_CORES)
    if any(r.broker == "embedded" for r in results):
        print("  (embedded: the broker runs inside the hub, its CPU is counted as the hub's)")
    if noisy:
        print(f"  WARNING: other programs used more than {NOISE_CORES} of a core during a "
              "run; the figures are pessimistic.")
    print("\nLatency p50 over the first and last tenth of the measured tickets (queues grow):")
    for r in results:
        first, last = r.load["p50_first_tenth_ms"], r.load["p50_last_tenth_ms"]
        print(f"  {r.db:<9}{r.broker:<10}c={r.concurrency:<3} {first:8.2f} ms -> {last:8.2f} ms")


def print_goals(results: list[RunResult]) -> None:
    print(f"\nGoal of the issue: p50 < {GOAL_P50_RATIO:.0f} x the raw round trip and >= "
          f"{GOAL_TICKETS_PER_S:.0f} tickets/s through MQTT with SQLite "
          f"(judged at concurrency {GOAL_CONCURRENCY}; other rows for reference):")
    for r in results:
        p50_x, _ = ratios(r)
        rate = r.load["per_s"]
        mark = "  <- goal" if r.db == "sqlite" and r.concurrency == GOAL_CONCURRENCY else ""
        print(f"  {r.db:<9}{r.broker:<10}c={r.concurrency:<3} p50 {p50_x:6.1f} x raw: "
              f"{verdict(p50_x < GOAL_P50_RATIO)};  {rate:7.1f} tickets/s: "
              f"{verdict(rate >= GOAL_TICKETS_PER_S)}{mark}")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--broker", choices=["mosquitto", "embedded", "both"],
                        default="mosquitto")
    parser.add_argument("--tickets", type=int, default=2000,
                        help="tickets (and raw round trips) measured per run (default 2000)")
    parser.add_argument("--concurrency", default="1,16,64",
                        help="comma-separated numbers of terminals, each with one request "
                             "outstanding (default 1,16,64)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--nagle", action="store_true",
                        help="leave Nagle's algorithm on in the terminals, the echo client and "
                             "Mosquitto (their defaults); by default they set TCP_NODELAY "
                             "(the hub's own socket is always as the hub sets it)")
    parser.add_argument("--serve-echo", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--nodelay", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_echo:
        return args
    try:
        args.levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    except ValueError:
        parser.error("--concurrency takes numbers separated by commas, e.g. 1,16,64")
    if not args.levels or min(args.levels) < 1 or max(args.levels) > 999:
        parser.error("--concurrency needs numbers from 1 to 999")
    if args.tickets < 1:
        parser.error("--tickets must be at least 1")
    if (args.tickets + WARMUP) / len(PURPOSES) > NUMBERS_PER_ZONE:
        parser.error(f"--tickets above {NUMBERS_PER_ZONE * len(PURPOSES) - WARMUP} would "
                     "exhaust the zones' number ranges of bench/center.toml")
    if args.broker != "embedded" and not Path(MOSQUITTO).exists():
        parser.error(f"{MOSQUITTO} is missing (apt-get install -y mosquitto), or use "
                     "--broker embedded")
    return args


async def main_async(args: argparse.Namespace) -> int:
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    brokers = ["mosquitto", "embedded"] if args.broker == "both" else [args.broker]
    print_header(args, databases, brokers)
    print_table_header()
    results: list[RunResult] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kezek-bench-mqtt-") as tmp:
        for db in databases:
            for broker in brokers:
                for concurrency in args.levels:
                    result = await run_once(db, broker, concurrency, args.tickets, Path(tmp),
                                            not args.nagle)
                    results.append(result)
                    print_row(result)
    print("\nratios: p50 x = ticket p50 / raw p50; rate x = tickets/s / raw round trips/s.")
    print("CPU ms/ticket: CPU time of the hub process, the broker and this client per ticket "
          "(from /proc).")
    print_details(results)
    print_goals(results)
    print(f"\ntotal time {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 1 if any(r.violations for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_echo:
        return serve_echo(args.serve_echo, args.nodelay)
    if has_module("uvloop"):
        import uvloop

        return uvloop.run(main_async(args))
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
