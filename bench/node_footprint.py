"""Benchmark of what each node application costs a Pi at rest: start-up time, memory,
threads and idle CPU of the real processes, beside a bare Python process and a bare
paho-mqtt client measured in the same run.

Usage (from the repository root, with the hub's virtualenv):

    PYTHONPATH=. .venv/bin/python bench/node_footprint.py [--idle 60] [--voices tiny|random]
        [--voice-dir DIR] [--sink alsa|null|wav] [--tv-poll 4] [--restarts 3]
        [--json PATH] [--keep]

It starts a private Mosquitto (anonymous, on a free port) and the real hub in this process
(SQLite in a temporary directory, Borodulikha's center with its hours stretched to the
whole day so the center is open whenever the benchmark runs, the real clock) with its
MQTT bridge. Then, one at a time, each node role's application as its own process, the
command its console script runs (`kezek-call-button`, `kezek-ticket-terminal`,
`kezek-display-node`, read from pyproject.toml's [project.scripts]), with a settings file
(KEZEK_NODE_CONFIG) and fake hardware only: MockFactory pins (GPIOZERO_PIN_FACTORY=mock),
the terminal's printer a plain file (`kind = "file"`), the display's LED board on
pyserial's `loop://` and its TV page on a free port, polled as a kiosk browser polls it.
Each node is started, then stopped once it is online and started again, `--restarts`
times (a restart keeps the state directory, as a service restart does: python-escpos's
cache, the outbox, the hub's time): *start-up* is the time from the process's start to
its node being `online` in the hub's registry, the first start / the restarts' median.

Two display nodes run: one without a voice, one with both voices (kk and ru) whose
output stream is a real `aplay -D null` (ALSA's null device: a player that discards the
samples; `--sink null` or `wav` when there is no aplay). The voices are a tiny generated
model (`--voices tiny`, the tests' one: a tone per phoneme, with the kk/ru voices'
configs; the phonemizer and onnxruntime are real, the model is not) or models of the real
architecture with random weights (`--voices random`: kk_KZ-iseke-x_low and
ru_RU-denis-medium from `--voice-dir`, built by bench/voice_cost.py). The voiced node
warms the center's ranges (600 numbers per language) through its synthesis worker, a
child process whose peak RSS (VmHWM) is sampled every 50 ms while it lives; the resident's
RSS is read once the cache is warm and the worker has left.

Then every process stays idle for `--idle` seconds (the nodes' heartbeats, the hub's
configuration republished every minute and the TV polling go on) and its CPU over the
window is utime + stime from /proc/<pid>/stat, as a percentage of one core. Baselines,
started at the beginning and idle through the same window: `python -c "import time;
time.sleep(...)"` (the interpreter alone) and a bare paho-mqtt client (network loop
thread, keepalive 30 s, like a node's) connected to the same broker. A markdown table is
printed with each figure's ratio to them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is sys.path[0], not the root
    sys.path.insert(0, str(ROOT))

CENTER = "bench"
CENTER_FILE = ROOT / "hub" / "centers" / "borodulikha.toml"
# Open from 00:00 to 23:59 every day (a lunch must exist in the file; one minute of it).
OPEN_ALL_DAY = """[hours]
opens = "00:00"
closes = "23:59"
lunch_starts = "00:00"
lunch_ends = "00:01"
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
"""
VOICES_DIR = ROOT / "firmware" / "voices"
DEFAULT_VOICE_DIR = BENCH_DIR / ".cache" / "voices"
WORKER_MODULE = "firmware.display_node.synth_worker"
WORKER_SAMPLE_SECONDS = 0.05
ONLINE_POLL_SECONDS = 0.01
START_TIMEOUT = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# /proc ----------------------------------------------------------------------------------

def stat_fields(text: str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name, which is in parentheses
    and may itself hold spaces and parentheses: field 3 (state) is element 0."""
    return text[text.rindex(")") + 2:].split()


def cpu_ticks(stat: str) -> int:
    """utime + stime (fields 14 and 15) of a /proc/<pid>/stat text: every thread of the
    process, living or ended; not its children."""
    fields = stat_fields(stat)
    return int(fields[11]) + int(fields[12])


def parent_pid(stat: str) -> int:
    return int(stat_fields(stat)[1])


def status_values(text: str) -> dict[str, int]:
    """VmRSS, VmHWM (kB) and Threads of a /proc/<pid>/status text (absent: not there)."""
    found = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            found[key] = int(rest.split()[0])
    return found


@dataclass(frozen=True, slots=True)
class Sample:
    """One look at a process: when (monotonic), CPU seconds so far, RSS and peak RSS."""
    at: float
    cpu_s: float
    rss_mb: float
    hwm_mb: float
    threads: int


def read_sample(pid: int, proc: Path = Path("/proc")) -> Sample | None:
    """The process's figures now; None when it is gone."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
        status = status_values((proc / str(pid) / "status").read_text())
    except (FileNotFoundError, ProcessLookupError):
        return None
    if "VmRSS" not in status:  # a zombie: no memory left
        return None
    return Sample(at=time.monotonic(), cpu_s=cpu_ticks(stat) / CLOCK_TICKS,
                  rss_mb=status["VmRSS"] / 1024, hwm_mb=status.get("VmHWM", 0) / 1024,
                  threads=status.get("Threads", 0))


def idle_cpu_percent(before: Sample, after: Sample) -> float:
    """CPU used between two samples, in percent of one core."""
    return 100 * (after.cpu_s - before.cpu_s) / max(after.at - before.at, 1e-9)


def child_pids(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """The process's children, from each of its threads' `children` list (the thread that
    forked a child lists it); by scanning every process's parent where that is missing."""
    tasks = proc / str(pid) / "task"
    found: list[int] = []
    try:
        for task in tasks.iterdir():
            listed = task / "children"
            if not listed.exists():
                return [int(entry.name) for entry in proc.iterdir() if entry.name.isdigit()
                        and _parent_of(entry) == pid]
            found += [int(child) for child in listed.read_text().split()]
    except FileNotFoundError:
        return found
    return found


def _parent_of(entry: Path) -> int | None:
    try:
        return parent_pid((entry / "stat").read_text())
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return None


def command_line(pid: int, proc: Path = Path("/proc")) -> list[str]:
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


# The processes ------------------------------------------------------------------------

def console_scripts(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """[project.scripts]: script name -> "module:function"."""
    scripts: dict[str, str] = tomllib.loads(pyproject.read_text())["project"]["scripts"]
    return scripts


def script_command(entry: str, python: str = sys.executable) -> list[str]:
    """What an installed console script runs for "module:function": the same import and
    call (some entry modules have no `if __name__ == "__main__"`, so `python -m` of them
    would exit at once)."""
    module, function = entry.split(":")
    return [python, "-c", f"import sys; from {module} import {function}; "
                          f"sys.exit({function}())"]


@dataclass
class Measured:
    """A process the benchmark started and watches."""
    name: str
    command: list[str]
    log: Path
    env: dict[str, str]
    node_id: str | None = None
    process: subprocess.Popen[bytes] | None = None
    adopted: int | None = None  # a node's child (its player): watched, not started here
    started_at: float = 0.0
    log_start: int = 0  # where the log of the latest start begins
    start_seconds: list[float] = field(default_factory=list)
    samples: dict[str, Sample] = field(default_factory=dict)
    idle_log_lines: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.log_start = self.log_size()
        with self.log.open("ab") as log:
            self.started_at = time.monotonic()
            self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT,
                                            stdout=log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        if self.adopted is not None:
            return self.adopted
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        if self.adopted is not None:
            return read_sample(self.adopted) is not None
        return self.process is not None and self.process.poll() is None

    def take(self, label: str) -> Sample:
        sample = read_sample(self.pid)
        if sample is None:
            raise RuntimeError(f"{self.name} is gone: {self.tail()}")
        self.samples[label] = sample
        return sample

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log.stat().st_size
        except FileNotFoundError:
            return 0

    def log_since(self, offset: int) -> list[str]:
        try:
            with self.log.open("rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace").splitlines()
        except FileNotFoundError:
            return []


def message_of(line: str) -> str:
    """A JSON log line's message (the node's structured logs), else the line itself."""
    try:
        entry = json.loads(line)
    except ValueError:
        return line.strip()[:80]
    if isinstance(entry, dict):
        return f"{entry.get('level', '?')}: {entry.get('message', '')}"[:80]
    return line.strip()[:80]


def repeated_lines(lines: list[str]) -> int:
    """Lines identical to the one before them (a handler attached twice writes each
    record twice)."""
    return sum(1 for before, line in pairwise(lines)
               if line == before and line.strip())


def log_notes(name: str, lines: list[str]) -> list[str]:
    """What is odd in a process's whole log: doubled lines, warnings and errors."""
    notes = []
    doubled = repeated_lines(lines)
    if doubled:
        notes.append(f"{name}: {doubled} log lines identical to the line before them "
                     f"(of {len(lines)})")
    bad = Counter(message for message in map(message_of, lines)
                  if message.split(":")[0] in ("warning", "error", "critical"))
    if bad:
        notes.append(f"{name}: {sum(bad.values())} warnings or errors in the whole run: "
                     + "; ".join(f"{message} ×{count}"
                                 for message, count in bad.most_common(3)))
    return notes


def wait_for(predicate: Callable[[], object], timeout: float, what: str,
             poll: float = ONLINE_POLL_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


class WorkerWatch:
    """Samples a display node's children every 50 ms: the synthesis workers' peak RSS
    (VmHWM, which only grows while a process lives) and the player's process id."""

    def __init__(self, parent: int) -> None:
        self.parent = parent
        self.peaks: dict[int, float] = {}
        self.player: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def workers_alive(self) -> list[int]:
        return [pid for pid in self._children() if pid in self.peaks]

    def _children(self) -> Iterator[int]:
        for pid in child_pids(self.parent):
            words = command_line(pid)
            if any(WORKER_MODULE in word for word in words):
                self.peaks.setdefault(pid, 0.0)
                yield pid
            elif words and Path(words[0]).name in ("aplay", "pw-cat"):
                self.player = pid

    def _run(self) -> None:
        while not self._stop.wait(WORKER_SAMPLE_SECONDS):
            for pid in list(self._children()):
                sample = read_sample(pid)
                if sample is not None:
                    self.peaks[pid] = max(self.peaks[pid], sample.hwm_mb)


class PagePoller:
    """Fetches the TV pages' /state.json as often as the kiosk browser's page does."""

    def __init__(self, urls: list[str], per_second: float) -> None:
        self.urls = urls
        self.period = 1 / per_second if per_second > 0 else 0.0
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tv-poll", daemon=True)

    def start(self) -> None:
        if self.period and self.urls:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            for url in self.urls:
                try:
                    with urllib.request.urlopen(url, timeout=2) as answer:
                        answer.read()
                except OSError:
                    self.failures += 1


# Settings files ---------------------------------------------------------------------

def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}"
                                for key, item in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


def toml_document(top: dict[str, object], sections: dict[str, dict[str, object]],
                  arrays: dict[str, list[dict[str, object]]] | None = None) -> str:
    lines = [f"{key} = {toml_value(value)}" for key, value in top.items()]
    for name, values in sections.items():
        lines += ["", f"[{name}]"] + [f"{key} = {toml_value(value)}"
                                      for key, value in values.items()]
    for name, tables in (arrays or {}).items():
        for values in tables:
            lines += ["", f"[[{name}]]"] + [f"{key} = {toml_value(value)}"
                                            for key, value in values.items()]
    return "\n".join(lines) + "\n"


def node_settings(role: str, node_id: str, broker_url: str, data_dir: Path,
                  tv_port: int | None = None, voice: dict[str, object] | None = None) -> str:
    """The settings file of one node with fake hardware."""
    top: dict[str, object] = {"node_id": node_id, "center": CENTER,
                              "broker_url": broker_url, "data_dir": data_dir}
    if role == "call_button":
        top["desk"] = "window-1"
        return toml_document(top, {
            "buttons": {"next": 17, "recall": 27, "done": 22, "no_show": 23},
            "lamps": {"serving": 5, "waiting": 6, "fault": 13}, "buzzer": {"pin": 19}})
    if role == "ticket_terminal":
        printer = data_dir.parent / f"{node_id}-printer.bin"
        printer.touch()  # the device file exists, as /dev/usb/lp0 does
        purposes = [{"code": code, "pin": pin} for code, pin in (
            ("appeal_help", 13), ("appeal_paper", 19), ("book_reception", 26),
            ("complaint", 12), ("booked_reception", 16))]
        return toml_document(top, {
            "buttons": {"kazakh": 5, "russian": 6, "purposes": purposes},
            "lamps": {"language": 20, "purpose": 21, "busy": 22, "fault": 23},
            "printer": {"kind": "file", "file": printer}})
    assert role == "display"
    sections: dict[str, dict[str, object]] = {"tv": {"port": tv_port or 0}}
    if voice is not None:
        sections["voice"] = voice
    return toml_document(top, sections, {"boards": [
        {"name": "hall", "url": "loop://", "protocol": "am03127", "rows": 4}]})


def voice_section(kind: str, voice_dir: Path, sink: str, work: Path,
                  kk_voice: str, ru_voice: str) -> tuple[dict[str, object], str]:
    """The [voice] section and a description of the models."""
    if kind == "tiny":
        from tests.display_node.conftest import tiny_piper_model  # pytest, onnx: bench only
        tiny = tiny_piper_model(work / "tiny.onnx")
        section: dict[str, object] = {
            "kk_model": tiny, "kk_config": VOICES_DIR / f"{kk_voice}.onnx.json",
            "ru_model": tiny, "ru_config": VOICES_DIR / f"{ru_voice}.onnx.json"}
        described = "tiny generated model (not a voice) with the kk/ru configs"
    else:
        section = {}
        for language, name in (("kk", kk_voice), ("ru", ru_voice)):
            model = voice_dir / f"{name}.random.onnx"
            if not model.is_file():
                raise SystemExit(f"{model} is missing: build it with bench/voice_cost.py "
                                 f"(it caches the models in bench/.cache/voices), or "
                                 f"give --voice-dir")
            section[f"{language}_model"] = model  # its .onnx.json lies beside it
        described = f"real architecture, random weights ({kk_voice}, {ru_voice})"
    if sink == "alsa":
        section |= {"sink": "alsa", "alsa_device": "null"}
    else:
        section["sink"] = sink
    section["allow_slow_voice"] = True
    return section, described


def center_open_all_day(target: Path) -> Path:
    """Borodulikha's center (ranges, desks, zones) with its hours stretched to the day."""
    text = re.sub(r"\[hours\]\n(?:[^\[\n][^\n]*\n|\n)*", OPEN_ALL_DAY + "\n",
                  CENTER_FILE.read_text(encoding="utf-8"), count=1)
    target.write_text(text, encoding="utf-8")
    return target


# The run ----------------------------------------------------------------------------

@dataclass
class Row:
    """One process's figures, as printed."""
    name: str
    start_s: list[float]
    rss_started_mb: float | None
    rss_idle_mb: float
    threads: int
    idle_cpu_pct: float
    idle_cpu_floor_pct: float  # one clock tick over the window: the smallest figure seen
    idle_log_lines: int | None
    rss_warm_mb: float | None = None
    most_logged: str | None = None


@dataclass
class Result:
    when: str
    load: str
    idle_seconds: float
    voices: str
    sink: str
    tv_poll: float
    rows: list[Row]
    worker_peaks_mb: list[float]
    warm_seconds: float | None
    notes: list[str]


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KEZEK_")}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env | extra


def start_baselines(work: Path, port: int) -> tuple[Measured, Measured, float]:
    """The idle interpreter and the bare paho client; the paho client's start to connected."""
    env = child_env({})
    sleeper = Measured("python sleep (baseline)",
                       [sys.executable, "-c", "import time; time.sleep(86400)"],
                       work / "sleep.log", env)
    sleeper.start()
    paho = Measured("bare paho client (baseline)", [sys.executable, "-c", f"""
import time
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare-paho")
client.on_connect = lambda *_: print("connected", flush=True)
client.connect("127.0.0.1", {port}, keepalive=30)
client.loop_start()
time.sleep(86400)
"""], work / "paho.log", env)
    started = time.monotonic()
    paho.process = subprocess.Popen(paho.command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
    paho.started_at = started
    assert paho.process.stdout is not None
    ready, _, _ = select.select([paho.process.stdout], [], [], START_TIMEOUT)
    line = paho.process.stdout.readline() if ready else b""
    if line.strip() != b"connected":
        raise RuntimeError(f"the bare paho client did not connect: {line!r}")
    seconds = time.monotonic() - started
    paho.start_seconds.append(seconds)
    return sleeper, paho, seconds


def online(hub: Any, node_id: str) -> bool:
    info = hub.nodes.get(node_id)
    return info is not None and info.presence == "online"


def start_node(node: Measured, hub: Any) -> float:
    """Start the node's process; seconds until the hub's registry has it online."""
    node.start()
    assert node.node_id is not None

    def up() -> bool:
        if not node.alive():
            raise RuntimeError(f"{node.name} exited: {node.tail()}")
        return online(hub, node.node_id or "")

    wait_for(up, START_TIMEOUT, f"{node.name} online")
    seconds = time.monotonic() - node.started_at
    node.start_seconds.append(seconds)
    return seconds


def start_and_restart(node: Measured, hub: Any, restarts: int) -> None:
    """First start; then, `restarts` times, stop once online (the node says offline) and
    start again. The last process stays."""
    start_node(node, hub)
    for _ in range(restarts):
        node.stop()
        wait_for(lambda: not online(hub, node.node_id or ""), 15, f"{node.name} offline")
        start_node(node, hub)
    node.take("started")


def start_figures(seconds: list[float]) -> tuple[float | None, float | None]:
    """First start, and the median of the restarts (None where there is none)."""
    if not seconds:
        return None, None
    return seconds[0], statistics.median(seconds[1:]) if len(seconds) > 1 else None


def run(args: argparse.Namespace) -> Result:
    """The whole run in a fresh working directory, removed afterwards unless --keep."""
    work = Path(tempfile.mkdtemp(prefix="kezek-bench-footprint-"))
    if args.keep:
        print(f"working directory (kept): {work}", file=sys.stderr)
    try:
        return measure(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, work: Path) -> Result:
    os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")
    from hub.mqtt.bridge import MqttBridge
    from hub.settings import HubSettings
    from hub.wiring import build_hub
    from tests.brokers import PrivateMosquitto, free_port

    scripts = console_scripts()
    notes: list[str] = []
    (work / "broker").mkdir()
    broker = PrivateMosquitto(work / "broker", persistence=False)
    broker.start()
    hub = build_hub(HubSettings(data_dir=work / "hub", mqtt_enabled=False,
                                center_id=CENTER,
                                center_file=center_open_all_day(work / "center.toml")))
    bridge = MqttBridge(hub, broker.url)
    everything: list[Measured] = []
    watch: WorkerWatch | None = None
    poller: PagePoller | None = None
    try:
        bridge.start()
        if not bridge.wait_connected(10):
            raise RuntimeError("the hub's bridge did not connect")
        sleeper, paho, _ = start_baselines(work, broker.port)
        everything += [sleeper, paho]
        sleeper.take("started")
        paho.take("started")
        voice, described = voice_section(args.voices, args.voice_dir, args.sink, work,
                                         args.kk_voice, args.ru_voice)
        tv_ports = [free_port(), free_port()]
        node_env = child_env({"GPIOZERO_PIN_FACTORY": "mock"})
        nodes: list[tuple[str, str, str, str, dict[str, object] | None, int | None]] = [
            ("call button", "kezek-call-button", "call_button", "buttons-window-1",
             None, None),
            ("ticket terminal", "kezek-ticket-terminal", "ticket_terminal",
             "terminal-1", None, None),
            ("display (board + TV, no voice)", "kezek-display-node", "display",
             "display-hall", None, tv_ports[0]),
            ("display (board + TV + kk/ru voice)", "kezek-display-node", "display",
             "display-voice", voice, tv_ports[1]),
        ]
        voiced: Measured | None = None
        for name, script, role, node_id, node_voice, tv_port in nodes:
            data_dir = work / node_id
            settings = work / f"{node_id}.toml"
            settings.write_text(node_settings(role, node_id, broker.url, data_dir,
                                              tv_port, node_voice))
            node = Measured(name, script_command(scripts[script]), work / f"{node_id}.log",
                            node_env | {"KEZEK_NODE_CONFIG": str(settings)},
                            node_id=node_id)
            everything.append(node)
            start_and_restart(node, hub, args.restarts)
            if node_voice is not None:
                voiced = node
                watch = WorkerWatch(node.pid)
                watch.start()
        warm_seconds = None
        if voiced is not None and watch is not None:
            warm_seconds = wait_warm(voiced, watch, hub, args.warm_timeout)
            voiced.take("warm")
        poller = PagePoller([f"http://127.0.0.1:{port}/state.json" for port in tv_ports],
                            args.tv_poll)
        poller.start()
        if watch is not None and watch.player is not None:
            everything.append(Measured("aplay -D null (the voiced display's player)", [],
                                       work / "player.log", {}, adopted=watch.player))
        offsets = {id(one): one.log_size() for one in everything}
        for one in everything:
            one.take("idle-start")
        time.sleep(args.idle)
        for one in everything:
            one.take("idle-end")
            one.idle_log_lines = one.log_since(offsets[id(one)]) if one.command else []
        if poller.failures:
            notes.append(f"{poller.failures} TV page requests failed")
        rows = [row_of(one) for one in everything]
        for one in everything:
            if one.command:
                notes += log_notes(one.name, one.log_since(0))
        peaks = sorted(watch.peaks.values(), reverse=True) if watch is not None else []
    finally:
        if poller is not None:
            poller.stop()
        if watch is not None:
            watch.stop()
        for one in reversed(everything):
            if one.command:
                one.stop()
        bridge.stop()
        hub.close()
        broker.stop()
    return Result(when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                  load=" ".join(f"{load:.2f}" for load in os.getloadavg()),
                  idle_seconds=args.idle, voices=described, sink=args.sink,
                  tv_poll=args.tv_poll, rows=rows, worker_peaks_mb=peaks,
                  warm_seconds=warm_seconds, notes=notes)


def reported_warm(hub: Any, node: Measured) -> bool:
    """Whether the hub's registry holds a heartbeat of the node's current process saying
    its ranges are warm (Telemetry.voice_warm, what the fleet page shows)."""
    info = hub.nodes.get(node.node_id)
    telemetry = (info.telemetry if info is not None else None) or {}
    return (telemetry.get("voice_warm") == 1.0
            and float(telemetry.get("uptime_s", 1e9)) <= time.monotonic() - node.started_at)


def wait_warm(node: Measured, watch: WorkerWatch, hub: Any, timeout: float) -> float:
    """Until the hub hears the node's cache is warm and its synthesis worker has left; the
    seconds from the node's start to the hub hearing it (heartbeats come every 30 s).

    Not the node's "voice cache warm" log line: the announcer logs it once, after its
    first pass, which finds nothing to warm when it runs before the hub's configuration
    (the ranges and desks) has arrived."""
    def warm() -> bool:
        if not node.alive():
            raise RuntimeError(f"{node.name} exited: {node.tail()}")
        return reported_warm(hub, node)

    wait_for(warm, timeout, f"{node.name}'s voice cache to warm", poll=0.5)
    seconds = time.monotonic() - node.started_at
    wait_for(lambda: not watch.workers_alive(), 120, "the synthesis worker to leave", poll=0.1)
    return seconds


def row_of(one: Measured) -> Row:
    samples = one.samples
    started = samples.get("started")
    lines = one.idle_log_lines
    most = Counter(message_of(line) for line in lines).most_common(1)
    return Row(name=one.name, start_s=one.start_seconds,
               rss_started_mb=started.rss_mb if started else None,
               rss_idle_mb=samples["idle-end"].rss_mb,
               threads=samples["idle-end"].threads,
               idle_cpu_pct=idle_cpu_percent(samples["idle-start"], samples["idle-end"]),
               idle_cpu_floor_pct=100 / CLOCK_TICKS / (samples["idle-end"].at
                                                       - samples["idle-start"].at),
               idle_log_lines=len(lines) if one.command else None,
               rss_warm_mb=samples["warm"].rss_mb if "warm" in samples else None,
               most_logged=f"{most[0][0]} ×{most[0][1]}" if most else None)


# Report -------------------------------------------------------------------------------

def ratio(value: float | None, base: float | None) -> str:
    if value is None or base is None:
        return "—"
    if base <= 0:
        return "—" if value <= 0 else "∞"
    return f"×{value / base:.1f}"


def cpu_cells(row: Row, base: Row) -> str:
    """`percent | ratio`: a process that used no clock tick in the window shows `< one
    tick`, and a ratio to such a baseline is a lower bound."""
    shown = (f"{row.idle_cpu_pct:.2f}" if row.idle_cpu_pct > 0
             else f"< {row.idle_cpu_floor_pct:.3f}")
    if row.idle_cpu_pct <= 0:
        return f"{shown} | —"
    if base.idle_cpu_pct > 0:
        return f"{shown} | {ratio(row.idle_cpu_pct, base.idle_cpu_pct)}"
    return f"{shown} | > ×{row.idle_cpu_pct / base.idle_cpu_floor_pct:.0f}"


def format_report(result: Result) -> str:
    by_name = {row.name: row for row in result.rows}
    sleep = by_name["python sleep (baseline)"]
    paho = by_name["bare paho client (baseline)"]
    window = f"{result.idle_seconds:g} s"
    out = [f"Node footprint, {result.when}; load average {result.load} at the end; voices: "
           f"{result.voices}; sink {result.sink}; TV pages polled "
           f"{result.tv_poll:g}×/s; idle window {window}.", "",
           f"| process | start-up s (first / restarts' median) | restart × paho | RSS started MB "
           f"| RSS after {window} idle MB | × sleep | × paho | threads "
           f"| idle CPU % of a core | × paho | log lines in the window |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    paho_start, _ = start_figures(paho.start_s)
    for row in result.rows:
        first, again = start_figures(row.start_s)
        start = " / ".join(f"{seconds:.2f}" for seconds in (first, again) if seconds is not None)
        out.append(
            f"| {row.name} | {start or '—'} | {ratio(again or first, paho_start)} | "
            f"{'—' if row.rss_started_mb is None else f'{row.rss_started_mb:.1f}'} | "
            f"{row.rss_idle_mb:.1f} | {ratio(row.rss_idle_mb, sleep.rss_idle_mb)} | "
            f"{ratio(row.rss_idle_mb, paho.rss_idle_mb)} | {row.threads} | "
            f"{cpu_cells(row, paho)} | "
            f"{'—' if row.idle_log_lines is None else row.idle_log_lines} |")
    voiced = [row for row in result.rows if row.rss_warm_mb is not None]
    if voiced:
        row = voiced[0]
        peak = max(result.worker_peaks_mb) if result.worker_peaks_mb else None
        assert row.rss_started_mb is not None
        out += ["", "| voiced display node | MB | × sleep |", "| --- | ---: | ---: |",
                f"| resident, started | {row.rss_started_mb:.1f} | "
                f"{ratio(row.rss_started_mb, sleep.rss_idle_mb)} |",
                f"| resident, cache warm, worker gone | {row.rss_warm_mb:.1f} | "
                f"{ratio(row.rss_warm_mb, sleep.rss_idle_mb)} |",
                f"| resident, after {window} idle | {row.rss_idle_mb:.1f} | "
                f"{ratio(row.rss_idle_mb, sleep.rss_idle_mb)} |",
                f"| synthesis worker, peak (VmHWM; {len(result.worker_peaks_mb)} "
                f"started) | {'—' if peak is None else f'{peak:.1f}'} | "
                f"{ratio(peak, sleep.rss_idle_mb)} |"]
        if result.warm_seconds is not None:
            out.append(f"\nThe hub heard the voiced node's cache warm (600 numbers × 2 "
                       f"languages, openings and desks) {result.warm_seconds:.1f} s after "
                       f"the node's start (heartbeats every 30 s: up to 30 s late).")
    logged = [f"{row.name}: {row.most_logged}" for row in result.rows if row.most_logged]
    if logged:
        out += ["", "Most frequent log line in the idle window: " + "; ".join(logged) + "."]
    if result.notes:
        out += ["", "Noticed:"] + [f"* {note}" for note in result.notes]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle", type=float, default=60.0,
                        help="seconds every process stays idle, measured (default 60)")
    parser.add_argument("--voices", choices=("tiny", "random"), default="tiny",
                        help="tiny generated model, or random-weight models of the real "
                             "architecture from --voice-dir")
    parser.add_argument("--voice-dir", type=Path, default=DEFAULT_VOICE_DIR,
                        help="where bench/voice_cost.py cached <voice>.random.onnx")
    parser.add_argument("--kk-voice", default="kk_KZ-iseke-x_low")
    parser.add_argument("--ru-voice", default="ru_RU-denis-medium")
    parser.add_argument("--sink", choices=("alsa", "null", "wav"),
                        default="alsa" if _has("aplay") else "null",
                        help="alsa: a real aplay on ALSA's null device (default when aplay "
                             "is installed)")
    parser.add_argument("--tv-poll", type=float, default=4.0,
                        help="TV page requests per second per display (the page's own "
                             "rate; 0: none)")
    parser.add_argument("--restarts", type=int, default=3,
                        help="restarts of each node after its first start; start-up is "
                             "printed as the first start / the restarts' median")
    parser.add_argument("--warm-timeout", type=float, default=1800.0)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--keep", action="store_true",
                        help="keep the working directory (every process's log, settings)")
    args = parser.parse_args(argv)
    result = run(args)
    print(format_report(result))
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(result), indent=2))
    return 0


def _has(program: str) -> bool:
    return shutil.which(program) is not None


if __name__ == "__main__":
    raise SystemExit(main())
