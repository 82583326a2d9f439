"""Each node role, installed as on a Raspberry Pi (Debian bookworm's arm64 python3.11,
the aarch64 wheels pip resolves for the role's extra, this tree's kezek wheel), runs
its real program under emulation against a real hub over the broker provisioning
configures: a visitor's ticket is issued by the hub and printed, the desk's Next button
calls it, and the display node shows it on its hall board and says it into a wav file.
Each node runs from its data directory, as its unit's WorkingDirectory= sets it.

The display node synthesizes in its worker (firmware/display_node/synth_worker.py: its
own onnxruntime session with capped threads, handed to `PiperVoice(session=, config=)`),
so the call exercises piper and onnxruntime for aarch64 that way, with the tiny
Piper-shaped test voice. A separate test loads a voice through piper's own
`PiperVoice.load` and says one phrase with it: the tiny voice too, or the model
KEZEK_AARCH64_VOICE names (its config beside it as `<model>.json`), such as the
random-weight real-architecture ones bench/voice_cost.py builds in bench/.cache/voices/.

lgpio (Raspberry Pi OS's python3-lgpio) makes its notification pipe `.lgd-nfy<n>` in the
working directory when it is imported: it is checked from a directory the process cannot
write to (the service's `/` without WorkingDirectory=) and from the node's data directory.

Slow by nature (everything aarch64 is emulated): one center and one process per role
serve the whole module. Timings here say nothing about a Pi."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
import tomllib
import urllib.request
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from contract.node_faults import NODE_FAULTS
from tests.aarch64.conftest import MEASURED, Center
from tests.aarch64.emulation import PROJECT, SYSTEM_SITE, Emulator
from tests.brokers import free_port, wait_until
from tests.display_node.conftest import BoardServer

DRIVER = Path(__file__).resolve().parent / "node_driver.py"
# The example inventory's nodes (provisioning/examples/borodulikha.toml).
TERMINAL, DESK_BUTTON, DISPLAY = "terminal-1", "desk-window-1", "board-hall"
KAZAKH_PIN, APPEAL_PAPER_PIN = 17, 23  # the terminal's; appeal_paper queues in consultation
NEXT_PIN, SERVING_LAMP = 5, 26  # window-1's panel (serves consultation)
START_SECONDS = 180  # an emulated interpreter importing pydantic, escpos or onnxruntime
ANSWER_SECONDS = 60


class EmulatedNode:
    """A node program running under the emulator through node_driver.py."""

    def __init__(self, emulator: Emulator, node_id: str, program: str, paths: list[Path],
                 env: dict[str, str], work: Path) -> None:
        self.node_id = node_id
        self.log = work / f"{node_id}.log"
        self.data_dir = Path(env["KEZEK_NODE_DATA_DIR"])
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.started = time.monotonic()
        self.info: dict[str, Any] = {}  # the driver's "started" line
        # The unit's StateDirectory= makes the data directory and its WorkingDirectory=
        # enters it (systemd's default, `/`, is no place a service user can write to).
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self.process = emulator.start([DRIVER, program], paths, env=env, log=self.log,
                                      cwd=self.data_dir)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.events.put(json.loads(line))
            except json.JSONDecodeError:
                self.events.put({"event": "output", "line": line.rstrip()})

    def expect(self, event: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                got = self.events.get(timeout=max(0.01, remaining))
            except queue.Empty:
                raise AssertionError(f"{self.node_id}: no {event!r} within {timeout} s; "
                                     f"exit {self.process.poll()}; log:\n{self.tail()}"
                                     ) from None
            if got["event"] == event:
                return got
            if got["event"] in ("exited", "error"):
                raise AssertionError(f"{self.node_id}: {got}; log:\n{self.tail()}")

    def command(self, line: str, event: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.expect(event, 30)

    def press(self, pin: int) -> None:
        self.command(f"press {pin}", "pressed")

    def pin(self, pin: int) -> int:
        return int(self.command(f"pin {pin}", "pin")["state"])

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def stop(self) -> int | None:
        """SIGTERM, as systemd stops the unit; the program's exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                return None
        return self.process.returncode


def wait_for(predicate: Callable[[], object], what: str, node: EmulatedNode) -> None:
    """wait_until, whose failure shows the end of the node's log (why it did not)."""
    try:
        wait_until(predicate, ANSWER_SECONDS, what)
    except AssertionError as timeout:
        raise AssertionError(f"{timeout}; {node.node_id}'s log ends:\n{node.tail()}"
                             ) from None


def node_env(center: Center, node_id: str, work: Path) -> dict[str, str]:
    """The node's generated file, with what only this machine changes: where the CA and
    the data dir are, and the broker's address here."""
    return {"KEZEK_NODE_CONFIG": str(center.generated.node_dir(node_id) / "node.toml"),
            "KEZEK_NODE_CA_FILE": str(center.ca_file),
            "KEZEK_NODE_DATA_DIR": str(work / node_id),
            "KEZEK_NODE_BROKER_URL": center.broker_url}


class Nodes:
    def __init__(self, work: Path, board: BoardServer) -> None:
        self.work = work
        self.board = board
        self.tv_port = free_port()
        # kind = "file", as on /dev/usb/lp0: the device is there before the node starts
        # (a missing one is printer_missing).
        self.printer = work / "lp0"
        self.printer.touch()
        self.speaker = work / "speaker"
        self.running: dict[str, EmulatedNode] = {}


@pytest.fixture(scope="module")
def nodes(emulator: Emulator, sites: dict[str, Path], kezek: Path, center: Center,
          tiny_voices: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Nodes]:
    work = tmp_path_factory.mktemp("nodes")
    board = BoardServer(free_port())
    started = Nodes(work, board)
    hall_board = [{"name": "hall", "url": f"socket://127.0.0.1:{board.port}",
                   "protocol": "am03127", "rows": 4}]
    roles = {
        TERMINAL: ("kezek-ticket-terminal", "terminal", {
            "KEZEK_TEST_MOCK_PINS": "1",
            "KEZEK_NODE_PRINTER__KIND": "file",
            "KEZEK_NODE_PRINTER__FILE": str(started.printer),
            # The hub's own ticket, not one from the lease, however slow emulation is.
            "KEZEK_NODE_OFFLINE__HUB_ANSWER_SECONDS": str(ANSWER_SECONDS)}),
        DESK_BUTTON: ("kezek-call-button", "button", {"KEZEK_TEST_MOCK_PINS": "1"}),
        DISPLAY: ("kezek-display-node", "display", {
            "KEZEK_NODE_TV__PORT": str(started.tv_port),
            "KEZEK_NODE_BOARDS": json.dumps(hall_board),
            "KEZEK_NODE_VOICE__KK_MODEL": str(tiny_voices["kk"]),
            "KEZEK_NODE_VOICE__RU_MODEL": str(tiny_voices["ru"]),
            "KEZEK_NODE_VOICE__SINK": "wav",
            "KEZEK_NODE_VOICE__WAV_DIR": str(started.speaker),
            "KEZEK_NODE_VOICE__PREWARM_UP_TO": "0",
            # Equal times: never quiet (the generated file is quiet 19:00-08:30 here).
            "KEZEK_NODE_VOICE__QUIET_FROM": "00:00",
            "KEZEK_NODE_VOICE__QUIET_UNTIL": "00:00"}),
    }
    try:
        for node_id, (program, role, extra) in roles.items():
            started.running[node_id] = EmulatedNode(
                emulator, node_id, program, [kezek, sites[role]],
                node_env(center, node_id, work) | extra, work)
        # Every test starts from nodes that run and that the hub has heard from.
        for node in started.running.values():
            node.info = node.expect("started", START_SECONDS)
        try:
            wait_until(lambda: all(center.presence().get(node_id) == "online"
                                   for node_id in started.running), START_SECONDS,
                       "every emulated node online in the hub's registry")
        except AssertionError as timeout:
            raise AssertionError(f"{timeout}: {center.presence()}") from None
        first = min(node.started for node in started.running.values())
        MEASURED["nodes online after"] = f"{time.monotonic() - first:.0f} s (all three at once)"
        yield started
    finally:
        codes = {node_id: node.stop() for node_id, node in started.running.items()}
        board.stop()
        for node_id, code in codes.items():
            if code not in (0, None):
                print(f"{node_id} exited {code}:\n{started.running[node_id].tail()}")


def test_each_role_runs_its_console_script_on_aarch64_and_comes_online(
        nodes: Nodes, center: Center) -> None:
    scripts = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["scripts"]
    for node in nodes.running.values():
        assert node.info["machine"] == "aarch64"
        assert node.info["python"].startswith("3.11.")
        assert node.info["target"] == scripts[node.info["program"]]
        assert node.info["cwd"] == str(node.data_dir)
        assert node.process.poll() is None, node.tail()
    assert center.presence() == dict.fromkeys(nodes.running, "online")


def test_the_display_node_shows_the_hubs_configuration(nodes: Nodes, center: Center) -> None:
    def title() -> dict[str, str] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{nodes.tv_port}/state.json",
                                        timeout=5) as answer:
                return json.load(answer).get("title")  # type: ignore[no-any-return]
        except OSError:
            return None

    center_name = tomllib.loads((PROJECT / "hub/centers/borodulikha.toml").read_text())["name"]
    wait_until(lambda: title() == center_name, ANSWER_SECONDS,
               "the center's name from the hub's node config on the TV page")


def test_a_ticket_is_printed_called_at_the_desk_and_announced(nodes: Nodes,
                                                              center: Center) -> None:
    terminal = nodes.running[TERMINAL]
    desk = nodes.running[DESK_BUTTON]
    terminal.press(KAZAKH_PIN)
    terminal.press(APPEAL_PAPER_PIN)
    wait_for(lambda: b"\x1dV" in nodes.printer.read_bytes(),
             "the ticket printed to the file printer", terminal)
    ((number, zone, language, state),) = center.query(
        "SELECT number, zone, language, state FROM tickets")
    assert (zone, language, state) == ("consultation", "kk", "waiting")
    printed = nodes.printer.read_bytes()
    assert str(number).encode() in printed
    assert "Алдыңызда: 0 адам".encode("kz1048") in printed  # the slip is in Kazakh

    desk.press(NEXT_PIN)
    wait_for(lambda: center.query("SELECT state, desk FROM tickets") == [("called", "window-1")],
             "the ticket called at window-1 by the press", desk)
    # The hub's answer reaches the panel: the serving lamp blinks while the visitor comes.
    seen: set[int] = set()

    def lamp_was_lit() -> bool:
        seen.add(desk.pin(SERVING_LAMP))
        return 1 in seen

    wait_for(lamp_was_lit, "the serving lamp lit", desk)

    display = nodes.running[DISPLAY]
    wait_for(lambda: str(number).encode() in nodes.board.bytes(),
             "the called number on the hall board", display)
    def said_whole() -> bool:
        # The sink creates the file before it has written it: a header read too soon
        # is an EOFError (seen once in CI), so wait until the clip reads as a whole.
        for clip_path in nodes.speaker.glob("*.wav"):
            try:
                with wave.open(str(clip_path)) as clip:
                    if clip.getnframes() > clip.getframerate() // 2:
                        return True
            except (EOFError, wave.Error):
                continue
        return False

    wait_for(said_whole, "the call said into the wav sink", display)
    said = sorted(nodes.speaker.glob("*.wav"))[0]
    with wave.open(str(said)) as clip:
        assert clip.getnchannels() == 1 and clip.getsampwidth() == 2
        assert clip.getnframes() > clip.getframerate() // 2  # chime and words, not silence
        frames = clip.readframes(clip.getnframes())
    assert frames.count(0) < len(frames) // 2


def test_each_role_stops_cleanly_as_systemd_stops_it(nodes: Nodes, center: Center) -> None:
    codes = {node_id: node.stop() for node_id, node in nodes.running.items()}
    assert codes == dict.fromkeys(nodes.running, 0), {
        node_id: nodes.running[node_id].tail() for node_id, code in codes.items() if code}
    wait_until(lambda: set(center.presence().values()) == {"offline"}, ANSWER_SECONDS,
               "every node offline in the hub's registry")


LGPIO_PROBE = """
import json, os, stat
try:
    import lgpio  # makes its notification pipe in the working directory
    imported = None
except Exception as error:
    imported = f"{type(error).__name__}: {error}"
opened = None
if imported is None:
    from gpiozero.pins.lgpio import LGPIOFactory
    try:
        LGPIOFactory()
    except lgpio.error as error:
        opened = str(error)
from provisioning.doctor.gpio import check_gpio
finding = check_gpio("lgpio")
pipes = sorted(name for name in os.listdir(".") if name.startswith(".lgd-nfy")
               and stat.S_ISFIFO(os.stat(name).st_mode))
print(json.dumps({"lgpio": None if imported else lgpio.__file__, "imported": imported,
                  "opened": opened, "pipes": pipes, "level": finding.level,
                  "kk": finding.kk, "ru": finding.ru, "detail": finding.detail}))
"""


def lgpio_probe(emulator: Emulator, sites: dict[str, Path], kezek: Path, cwd: Path, *,
                read_only: bool) -> dict[str, Any]:
    result = emulator.run(["-c", LGPIO_PROBE], [kezek, sites["button"], sites["doctor"]],
                          cwd=cwd, read_only_cwd=read_only, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    probe: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    probe["stderr"] = result.stderr
    return probe


def test_lgpio_loads_on_aarch64_in_the_data_dir_and_the_doctor_names_the_missing_gpiochip(
        emulator: Emulator, sites: dict[str, Path], kezek: Path, tmp_path: Path) -> None:
    """Raspberry Pi OS's lgpio (in the system site-packages) imports, making its
    notification pipe in the node's data directory (the unit's working directory), and
    gpiozero's LGPIOFactory loads it; with no /dev/gpiochip here opening the chip fails,
    and the doctor reports that as the GPIO fault, not a traceback."""
    data_dir = tmp_path / "kezek-node"
    data_dir.mkdir(mode=0o700)
    probe = lgpio_probe(emulator, sites, kezek, data_dir, read_only=False)
    assert probe["lgpio"] == str(emulator.root / SYSTEM_SITE / "lgpio.py")
    assert probe["imported"] is None
    assert probe["pipes"] == [".lgd-nfy0"]  # lgpio's first notification handle
    assert probe["opened"] == "'can not open gpiochip'"
    failed = NODE_FAULTS["pin_factory_failed"]
    assert (probe["level"], probe["kk"], probe["ru"]) == ("fault", failed.kk, failed.ru)
    assert "gpiochip" in probe["detail"]


def test_lgpio_cannot_load_where_the_service_cannot_write_and_the_doctor_says_so(
        emulator: Emulator, sites: dict[str, Path], kezek: Path, tmp_path: Path) -> None:
    """What a Pi's node did with systemd's default working directory, `/`, which its
    service user cannot write to: `import lgpio` fails before any gpiochip is opened,
    since the module makes its notification pipe in the working directory at import. The
    doctor reports the factory failing to load, with the error, not a traceback."""
    unwritable = tmp_path / "root"
    unwritable.mkdir()
    probe = lgpio_probe(emulator, sites, kezek, unwritable, read_only=True)
    assert probe["imported"] is not None and probe["imported"].startswith(
        "FileNotFoundError: "), probe
    assert ".lgd-nfy" in probe["stderr"]  # lgpio's C library: the pipe it could not make
    assert probe["opened"] is None and probe["pipes"] == []
    assert list(unwritable.iterdir()) == []
    failed = NODE_FAULTS["pin_factory_failed"]
    assert (probe["level"], probe["kk"], probe["ru"]) == ("fault", failed.kk, failed.ru)
    assert probe["detail"].startswith("lgpio: ") and ".lgd-nfy" in probe["detail"]


PIPER_LOAD_PROBE = """
import json, sys, time
import numpy
from piper import PiperVoice
model, config, text = sys.argv[1:]
started = time.monotonic()
voice = PiperVoice.load(model, config_path=config)
loaded = time.monotonic()
chunks = list(voice.synthesize(text))
said = time.monotonic()
samples = numpy.concatenate([chunk.audio_int16_array for chunk in chunks])
print(json.dumps({
    "rate": voice.config.sample_rate, "chunk_rates": sorted({c.sample_rate for c in chunks}),
    "phonemes": sum(len(c.phonemes) for c in chunks), "samples": len(samples),
    "nonzero": int(numpy.count_nonzero(samples)), "peak": int(numpy.abs(samples).max()),
    "intra_op_threads": voice.session.get_session_options().intra_op_num_threads,
    "load_s": loaded - started, "say_s": said - loaded}))
"""
PHRASE = "Жүз бесінші нөмір, үшінші терезеге өтіңіз."  # a call, as the display says it


@pytest.fixture(scope="module")
def voice_to_load(tiny_voices: dict[str, Path]) -> Path:
    """The tiny Kazakh voice, or the model KEZEK_AARCH64_VOICE names (a Kazakh one: the
    phrase is Kazakh), its config beside it as `<model>.json`."""
    named = os.environ.get("KEZEK_AARCH64_VOICE")
    model = Path(named) if named else tiny_voices["kk"]
    assert model.is_file() and Path(f"{model}.json").is_file(), \
        f"KEZEK_AARCH64_VOICE={named}: no model with its config beside it"
    return model


def test_piper_voice_load_says_a_phrase_on_aarch64(
        emulator: Emulator, sites: dict[str, Path], voice_to_load: Path) -> None:
    """piper's own loader, `PiperVoice.load` (onnxruntime's default session options),
    on aarch64: what a person trying a voice by hand on the Pi runs, where the node's
    worker makes its own session. One phrase comes out as audio at the voice's rate."""
    config = Path(f"{voice_to_load}.json")
    result = emulator.run(["-c", PIPER_LOAD_PROBE, voice_to_load, config, PHRASE],
                          [sites["display"]], timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    said = json.loads(result.stdout.strip().splitlines()[-1])
    rate = json.loads(config.read_text())["audio"]["sample_rate"]
    assert said["rate"] == rate and said["chunk_rates"] == [rate]
    assert said["intra_op_threads"] == 0  # onnxruntime's own choice: PiperVoice.load's
    assert said["phonemes"] > 20  # espeak-ng's Kazakh phonemes of the phrase
    assert said["samples"] > rate // 4, said  # a spoken phrase, not a click
    assert said["nonzero"] > said["samples"] // 4 and said["peak"] > 1000, said
    MEASURED[f"PiperVoice.load {voice_to_load.name}"] = (
        f"{said['load_s']:.1f} s to load, {said['say_s']:.1f} s to say "
        f"{said['samples'] / rate:.1f} s of audio (emulated)")
