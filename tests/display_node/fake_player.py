"""A fake audio player for the output stream's tests: a program that stands where `aplay`
or `pw-cat` would, reads raw 16-bit mono PCM from stdin at real-time pace (as a sound
card drains it), and records what it read and when; with faults on request.

`FakePlayer(directory)` writes the program (`directory/aplay`) and reads its records:
`starts` (one per process started, with its arguments), `pcm` (every byte read, in
order) and `reads` (when each piece was read, by the system-wide monotonic clock that
`time.monotonic()` also reads in the test). Faults, per start number (1 = the first):
`fail_at_start` ("busy", "missing", "format", "session", "no_screen": the messages the
real programs print), `die_after_bytes`, `stall_after_bytes` (stops reading, stays
alive). As `aplay -l` and `aplay -L` it prints `devices` and `pcms` (real listings from
tests/display_node/alsa/); as `pw-cat --help` it shows PipeWire 1.x's `--raw`."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROGRAM = r'''#!{python}
import json, os, sys, time
HERE = {here!r}
config = json.load(open(os.path.join(HERE, "config.json")))
if sys.argv[1:] == ["-l"]:  # aplay -l: the cards
    if config.get("devices"):
        print(config["devices"], end="")
    else:
        print("aplay: device_list:274: no soundcards found...", file=sys.stderr)
    sys.exit(0)
if sys.argv[1:] == ["--help"]:  # pw-cat --help, as PipeWire 1.x shows it
    print("  -a, --raw                             RAW mode")
    sys.exit(0)
if sys.argv[1:] == ["-L"]:  # aplay -L: the PCM names
    print(config.get("pcms", ""), end="")
    sys.exit(0)
with open(os.path.join(HERE, "starts"), "a") as starts:
    starts.write(json.dumps(sys.argv[1:]) + "\n")
number = sum(1 for _ in open(os.path.join(HERE, "starts")))
MESSAGES = {{
    "busy": "aplay: main:831: audio open error: Device or resource busy",
    "missing": "ALSA lib confmisc.c:165:(snd_config_get_card) Cannot get card index for "
               "Nowhere\naplay: main:831: audio open error: No such device",
    "format": "aplay: set_params:1352: Sample format non available\nAvailable formats:\n"
              "- IEC958_SUBFRAME_LE",
    "session": "error: pw_context_connect() failed: Host is down",
    "no_screen": "aplay: main:831: audio open error: Unknown error 524",
}}
fail = config.get("fail_at_start", {{}}).get(str(number))
if fail:
    print(MESSAGES[fail], file=sys.stderr, flush=True)
    sys.exit(1)
die_after = config.get("die_after_bytes", {{}}).get(str(number))
stall_after = config.get("stall_after_bytes", {{}}).get(str(number))
args = sys.argv[1:]
rate = 22050
for flag in ("-r", "--rate"):
    if flag in args:
        rate = int(args[args.index(flag) + 1])
per_second = 2 * rate
piece = max(2, per_second // 100 // 2 * 2)  # 10 ms, whole samples: a small device buffer
pcm = open(os.path.join(HERE, "pcm"), "ab")
base = pcm.tell()  # offsets count everything read, by every start
reads = open(os.path.join(HERE, "reads"), "a")
total = 0
began = time.monotonic()
stdin = sys.stdin.buffer
while True:
    if stall_after is not None and total >= stall_after:
        time.sleep(3600)
    data = stdin.read1(piece)
    if not data:
        break
    now = time.monotonic()
    pcm.write(data)
    pcm.flush()
    reads.write(f"{{now}} {{base + total}} {{len(data)}}\n")
    reads.flush()
    total += len(data)
    if die_after is not None and total >= die_after:
        print("aplay: pcm_write:2127: write error: No such device", file=sys.stderr, flush=True)
        sys.exit(1)
    time.sleep(max(0.0, began + total / per_second - time.monotonic()))
'''


@dataclass
class FakePlayer:
    directory: Path
    fail_at_start: dict[int, str] = field(default_factory=dict)
    die_after_bytes: dict[int, int] = field(default_factory=dict)
    stall_after_bytes: dict[int, int] = field(default_factory=dict)
    name: str = "aplay"
    devices: str = ""
    pcms: str = ""

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.program.write_text(PROGRAM.format(python=sys.executable, here=str(self.directory)))
        self.program.chmod(0o755)
        self.configure()

    @property
    def program(self) -> Path:
        return self.directory / self.name

    def configure(self) -> None:
        (self.directory / "config.json").write_text(json.dumps({
            "fail_at_start": {str(k): v for k, v in self.fail_at_start.items()},
            "die_after_bytes": {str(k): v for k, v in self.die_after_bytes.items()},
            "stall_after_bytes": {str(k): v for k, v in self.stall_after_bytes.items()},
            "devices": self.devices, "pcms": self.pcms,
        }))

    def starts(self) -> list[list[str]]:
        path = self.directory / "starts"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def pcm(self) -> bytes:
        path = self.directory / "pcm"
        return path.read_bytes() if path.exists() else b""

    def reads(self) -> list[tuple[float, int, int]]:
        """(monotonic time, offset, length) of each read, in order."""
        path = self.directory / "reads"
        if not path.exists():
            return []
        out = []
        for line in path.read_text().splitlines():
            when, offset, length = line.split()
            out.append((float(when), int(offset), int(length)))
        return out

    def read_at(self, offset: int) -> float:
        """When the byte at `offset` of everything read was read."""
        for when, start, length in self.reads():
            if start <= offset < start + length:
                return when
        raise LookupError(f"byte {offset} was never read")
