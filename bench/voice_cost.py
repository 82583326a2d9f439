"""Benchmark of what a Piper voice really costs a display node: real-time factor and
resident memory of voices of the real architecture and size, loaded through the node's
own code, with an estimate of the Raspberry Pi 4 time to warm a center's numbers.

Usage (from the repository root, any Python 3.11+; the script makes its own venv):

    python3 bench/voice_cost.py                        # x_low, medium, high; 1 and 2 threads
    python3 bench/voice_cost.py --voices x_low,medium --threads 1 --numbers 20
    python3 bench/voice_cost.py --rebuild --json results.json

Setup (done by the script, like scripts/bootstrap.sh does for .venv): a virtualenv
`bench/.venv-voice` (no system site packages) with `kezek[display]` (what a display node
installs: piper-tts, onnxruntime, numpy, num2words) and, for building the models only, a
CPU `torch` and `onnx`. torch is a benchmark-only dependency: it is never installed on a
node and no extra of pyproject.toml names it. The venv is remade when pyproject.toml or
the requirements below change. On this project's machines `torch==2.13.0` is a CPU build
lying on disk; elsewhere set KEZEK_BENCH_TORCH (e.g. to a CPU wheel's path) so pip does
not fetch the multi-GB CUDA build.

Models: piper-tts >= 1.8 ships its VITS training code (`piper.train.vits`). For each
quality, `SynthesizerTrn` is built with piper's hyperparameters for that quality, random
weights (seed 1234, as piper's export), the symbol and speaker counts of the published
voice's config, and exported to ONNX exactly as `piper.train.export_onnx` does (same
`infer` wrapper, input names input/input_lengths/scales(/sid), output, opset, dynamic
axes; the TorchScript exporter, which piper's export used before torch made the dynamo
exporter the default). Models are cached in `bench/.cache/voices/` as
`<voice>.random.onnx` with the published config beside them, and rebuilt only when the
recipe, piper, torch or the config change. Their sizes are checked against
`firmware/voices/manifest.json`. The audio is noise; the cost is real.

Measured, each (voice, thread count) in a fresh process so memory is not shared: the
voice is loaded as the node's synthesis worker loads it (`synth_worker.load_piper_voice`,
onnxruntime limited to the thread count) and speaks, through the worker's own
`synthesize` (synthesis, then resampling to the output rate), the pieces a display node says
(the opening, a sample of the center's ticket numbers, its desks, from
firmware/display_node/speech.py): synthesis seconds / audio seconds (RTF), CPU seconds /
audio seconds, RSS before and after loading and after speaking, and the peak. Baseline,
measured in the same run before and after: the CPU time of a fixed float32
matrix-multiplication loop on one thread (numpy), so the cost can be compared across
machines as a ratio.

Estimated (not measured): the Pi 4 time to warm the center's ranges, from the one-thread
CPU time per number piece measured here, scaled by (published Pi 4 RTF per core / this
run's one-thread CPU seconds per audio second of the same voice). See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import inspect
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VENV_DIR = BENCH_DIR / ".venv-voice"
CACHE_DIR = BENCH_DIR / ".cache" / "voices"
VOICE_CONFIGS = ROOT / "firmware" / "voices"
CENTER_FILE = ROOT / "hub" / "centers" / "borodulikha.toml"

# What the bench venv holds beyond kezek[display]: torch builds the models, onnx is what
# torch's TorchScript exporter needs to write them. Neither is imported when measuring.
TORCH_REQUIREMENT = os.environ.get("KEZEK_BENCH_TORCH", "torch==2.13.0")
BUILD_REQUIREMENTS = (TORCH_REQUIREMENT, "onnx>=1.16")

SEED = 1234  # piper.train.export_onnx seeds torch with 1234 before exporting
# A TorchScript export writes an ONNX graph of the same weights a few hundred bytes apart
# from another torch version's; more than this is another architecture.
SIZE_TOLERANCE_BYTES = 4096
# Other programs using more than this share of the cores disturb the figures.
BUSY_WARNING_CORES = 0.25
BASELINE_SIZE = 512  # baseline: BASELINE_ROUNDS products of two 512 x 512 float32 matrices
BASELINE_ROUNDS = 40


@dataclass(frozen=True, slots=True)
class BenchVoice:
    """One measured voice: which published voice it stands for and its Pi 4 factor."""

    quality: str
    name: str  # the published voice whose config (symbols, speakers, rate) is used
    language: str
    pi4_rtf: float  # published real-time factor on one Raspberry Pi 4 core
    # The kk x_low voices are 7.3 MB larger than piper's x-low preset; 7.0 MB of it is
    # speaker conditioning (gin_channels 512) with the speaker fixed at export. Built so;
    # the 0.25 MB left (0.9 %) is not explained (see bench/README.md).
    fixed_speaker: bool = False
    size_tolerance: int = SIZE_TOLERANCE_BYTES


VOICES: dict[str, BenchVoice] = {
    "x_low": BenchVoice("x_low", "kk_KZ-iseke-x_low", "kk", 0.5, fixed_speaker=True,
                        size_tolerance=300_000),
    "medium": BenchVoice("medium", "ru_RU-denis-medium", "ru", 0.8),
    "high": BenchVoice("high", "kk_KZ-issai-high", "kk", 5.3),
}


def preset(quality: str) -> dict[str, Any]:
    """Piper's hyperparameters for a quality. The audio (decoder) presets are piper's own
    `ModelAudioConfig.low_quality()` / `high_quality()`; the x-low widths are those of
    piper's training command (`--quality x-low`: hidden and inter channels 96, filter
    channels 384; piper 1.8's LightningCLI takes them as --model.* options); everything
    else is `VitsModel`'s default, which is what medium uses."""
    from piper.train.vits.config import ModelAudioConfig

    audio = ModelAudioConfig.high_quality() if quality == "high" else \
        ModelAudioConfig.low_quality()
    widths = {"hidden_channels": 96, "inter_channels": 96, "filter_channels": 384} \
        if quality == "x_low" else \
        {"hidden_channels": 192, "inter_channels": 192, "filter_channels": 768}
    return {
        **widths,
        "resblock": audio.resblock,
        "resblock_kernel_sizes": tuple(audio.resblock_kernel_sizes),
        "resblock_dilation_sizes": tuple(tuple(d) for d in audio.resblock_dilation_sizes),
        "upsample_rates": tuple(audio.upsample_rates),
        "upsample_initial_channel": audio.upsample_initial_channel,
        "upsample_kernel_sizes": tuple(audio.upsample_kernel_sizes),
        # VitsModel's defaults (piper/train/vits/lightning.py)
        "n_heads": 2, "n_layers": 6, "kernel_size": 3, "p_dropout": 0.1, "use_sdp": True,
        "filter_length": 1024, "hop_length": 256, "segment_size": 8192,
    }


# ---------------------------------------------------------------------------------------
# The phrases a display node says (pure: tested in tests/bench/test_voice_cost.py)


@dataclass(frozen=True, slots=True)
class Piece:
    kind: str  # opening | number | desk
    text: str


@dataclass(frozen=True, slots=True)
class CenterDesk:
    code: str
    label_kk: str
    label_ru: str


@dataclass(frozen=True, slots=True)
class Center:
    numbers: tuple[int, ...]  # every ticket number the center's ranges can produce
    desks: tuple[CenterDesk, ...]


def read_center(path: Path) -> Center:
    """The ticket numbers and desks of a center file (hub/centers/*.toml)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    numbers = sorted({number for zone in data.get("zones", []) if "range" in zone
                      for number in range(zone["range"][0], zone["range"][1] + 1)})
    desks = tuple(CenterDesk(desk["code"], desk["label"]["kk"], desk["label"]["ru"])
                  for desk in data.get("desks", []))
    return Center(tuple(numbers), desks)


def sample_numbers(numbers: tuple[int, ...], count: int) -> list[int]:
    """`count` numbers spread evenly over `numbers` (first and last included)."""
    if count >= len(numbers):
        return list(numbers)
    if count <= 1:
        return list(numbers[:count])
    return [numbers[round(i * (len(numbers) - 1) / (count - 1))] for i in range(count)]


def phrase_pieces(language: str, numbers: list[int], desks: tuple[CenterDesk, ...]
                  ) -> list[Piece]:
    """The distinct pieces a display node synthesizes for calls of `numbers` to `desks`:
    the opening once, each number's words, each desk's place, as speech.parts makes
    them."""
    from firmware.display_node.speech import parts, spoken_desk

    spoken = [spoken_desk(desk.code, desk.label_kk, desk.label_ru) for desk in desks]
    pieces: dict[str, Piece] = {}
    first_desk = spoken[0] if spoken else spoken_desk("window-1", "1-терезе", "Окно 1")
    opening = parts(language, numbers[0] if numbers else 1, first_desk)[0]
    pieces.setdefault(opening, Piece("opening", opening))
    for number in numbers:
        words = parts(language, number, first_desk)[1]
        pieces.setdefault(words, Piece("number", words))
    for desk in spoken:
        place = parts(language, numbers[0] if numbers else 1, desk)[2]
        pieces.setdefault(place, Piece("desk", place))
    return list(pieces.values())


# ---------------------------------------------------------------------------------------
# Results and the report (pure: tested)


@dataclass(slots=True)
class Run:
    """One (voice, thread count) measured in its own process."""

    quality: str
    voice: str
    threads: int
    pieces: int
    number_pieces: int
    audio_s: float
    synthesis_s: float
    cpu_s: float
    number_synthesis_s: float  # of the number pieces alone
    number_cpu_s: float
    number_audio_s: float
    phonemes: int
    first_piece_s: float  # the warm-up piece, not in the totals: onnxruntime's first run
    rss_imported_mb: float
    rss_loaded_mb: float
    rss_used_mb: float
    peak_mb: float
    others_cores: float = 0.0  # CPU used by other programs during the run

    @property
    def rtf(self) -> float:
        return self.synthesis_s / self.audio_s

    @property
    def cpu_per_audio(self) -> float:
        return self.cpu_s / self.audio_s

    @property
    def ms_per_phoneme(self) -> float:
        return 1000 * self.audio_s / self.phonemes if self.phonemes else 0.0


@dataclass(slots=True)
class Built:
    quality: str
    voice: str
    path: str
    bytes: int
    published_bytes: int
    parameters: int
    seconds: float = 0.0  # 0 when taken from the cache


@dataclass(slots=True)
class Report:
    baseline_s: list[float]  # before and after the runs
    center_numbers: int
    built: dict[str, Built] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)

    @property
    def baseline(self) -> float:
        return statistics.fmean(self.baseline_s)


def pi4_factor(run: Run, pi4_rtf: float) -> float:
    """How much slower one Pi 4 core is than this machine at this voice: the published Pi
    4 RTF over this run's one-thread cost per audio second. The cost here is CPU seconds,
    which equal the synthesis seconds on an idle machine and, unlike them, do not grow
    while other programs share the cores (on one thread a voice never uses more)."""
    return pi4_rtf / run.cpu_per_audio


def warm_estimate(run: Run, pi4_rtf: float, numbers: int) -> tuple[float, float]:
    """(x86 seconds, Pi 4 seconds) to synthesize `numbers` number pieces in one language
    on one core: the CPU time per number piece measured here times `numbers`, then
    scaled by pi4_factor."""
    x86 = run.number_cpu_s / run.number_pieces * numbers
    return x86, x86 * pi4_factor(run, pi4_rtf)


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def format_report(report: Report) -> str:
    """The printed result: one row per (voice, threads), then the warming estimates."""
    lines = [
        f"baseline (one thread, {BASELINE_ROUNDS} x {BASELINE_SIZE}x{BASELINE_SIZE} float32 "
        f"matmul, CPU time): {' / '.join(f'{s * 1000:.1f}' for s in report.baseline_s)} ms "
        "(before / after)",
        "",
        "| voice | threads | params | RTF | CPU s / audio s | CPU / baseline | "
        "audio ms/phoneme | first piece s | RSS imported → loaded → used (peak) MB | "
        "other programs, cores | Pi 4 RTF (published) | Pi 4 / here |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for run in report.runs:
        voice = VOICES[run.quality]
        built = report.built.get(run.quality)
        params = f"{built.parameters / 1e6:.1f} M" if built else "?"
        factor = f"{pi4_factor(run, voice.pi4_rtf):.1f}" if run.threads == 1 else "—"
        lines.append(
            f"| {run.voice} | {run.threads} | {params} | {run.rtf:.3f} | "
            f"{run.cpu_per_audio:.3f} | {run.cpu_per_audio / report.baseline:.2f} | "
            f"{run.ms_per_phoneme:.0f} | {run.first_piece_s:.2f} | "
            f"{run.rss_imported_mb:.0f} → {run.rss_loaded_mb:.0f} → {run.rss_used_mb:.0f} "
            f"({run.peak_mb:.0f}) | {run.others_cores:.2f} | {voice.pi4_rtf} | {factor} |")
    busiest = max((run.others_cores for run in report.runs), default=0.0)
    if busiest > BUSY_WARNING_CORES:
        lines += ["", f"!! other programs used up to {busiest:.2f} cores during the runs: "
                  "the synthesis seconds include waiting for a core (CPU seconds less so)"]
    single = {run.quality: run for run in report.runs if run.threads == 1}
    if single:
        numbers = report.center_numbers
        lines += ["", f"Warming the center's {numbers} numbers, one language per voice, "
                  "one thread (CPU s per number piece measured; the rest estimated):", ""]
        lines += ["| voice | number pieces | audio s per piece | CPU s per piece | "
                  f"x86, {numbers} pieces | Pi 4, {numbers} pieces |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        pi4: dict[str, float] = {}
        for quality, run in single.items():
            x86, on_pi4 = warm_estimate(run, VOICES[quality].pi4_rtf, numbers)
            pi4[quality] = on_pi4
            lines.append(f"| {run.voice} | {run.number_pieces} | "
                         f"{run.number_audio_s / run.number_pieces:.2f} | "
                         f"{run.number_cpu_s / run.number_pieces:.3f} | {minutes(x86)} | "
                         f"{minutes(on_pi4)} |")
        for kk in ("x_low", "high"):
            if kk in pi4 and "medium" in pi4:
                lines.append(f"\nBoth languages, {VOICES[kk].name} + {VOICES['medium'].name}"
                             f" ({2 * numbers} pieces): ~{minutes(pi4[kk] + pi4['medium'])}"
                             " of one Pi 4 core (estimated)")
    sizes = list(report.built.values())
    if sizes:
        lines += ["", "Models (random weights, bench/.cache/voices/):"]
        for built in sizes:
            diff = built.bytes - built.published_bytes
            lines.append(f"  {built.voice}: {built.bytes:,} bytes, published "
                         f"{built.published_bytes:,} ({diff:+,}), {built.parameters:,} "
                         "parameters" + (f", built in {built.seconds:.0f} s"
                                         if built.seconds else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# The bench venv


def venv_python() -> Path:
    return VENV_DIR / "bin" / "python"


def ensure_venv() -> None:
    """Make bench/.venv-voice (again only when pyproject.toml or the requirements
    changed), as scripts/bootstrap.sh does for .venv."""
    python = venv_python()
    if not python.exists():
        print(f"==> creating {VENV_DIR}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV_DIR)], check=True)
    stamp = VENV_DIR / ".kezek-bench-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()
                          + repr(BUILD_REQUIREMENTS).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return
    print(f"==> installing kezek[display] {' '.join(BUILD_REQUIREMENTS)} into {VENV_DIR}",
          flush=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e",
                    f"{ROOT}[display]", *BUILD_REQUIREMENTS], check=True)
    stamp.write_text(want)


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV_DIR.resolve()


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, not an installed copy
    return env


# ---------------------------------------------------------------------------------------
# Building the models (in a child process of the bench venv: torch stays out of the rest)


def model_path(voice: BenchVoice) -> Path:
    return CACHE_DIR / f"{voice.name}.random.onnx"


def published_bytes(voice: BenchVoice) -> int:
    manifest = json.loads((VOICE_CONFIGS / "manifest.json").read_text())
    return int(next(entry["onnx_bytes"] for entry in manifest if entry["voice"] == voice.name))


def recipe(voice: BenchVoice) -> str:
    """What the cached model depends on: rebuilt when any of it changes."""
    config = (VOICE_CONFIGS / f"{voice.name}.onnx.json").read_bytes()
    parts = [json.dumps(asdict(voice), sort_keys=True), hashlib.sha256(config).hexdigest(),
             metadata.version("piper-tts"), metadata.version("torch"), str(SEED),
             inspect.getsource(preset), inspect.getsource(build_model)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def piper_export_opset() -> int:
    """The opset piper.train.export_onnx exports with (read from its source: importing it
    needs lightning, which only training needs)."""
    import importlib.util

    spec = importlib.util.find_spec("piper.train.export_onnx")
    if spec is None or spec.origin is None:
        raise RuntimeError("piper-tts has no piper.train.export_onnx (need piper-tts >= 1.8)")
    found = re.search(r"^OPSET_VERSION\s*=\s*(\d+)", Path(spec.origin).read_text(), re.M)
    if found is None:
        raise RuntimeError(f"no OPSET_VERSION in {spec.origin}")
    return int(found.group(1))


def build_model(voice: BenchVoice, out: Path) -> dict[str, Any]:
    """SynthesizerTrn of the voice's quality with random weights, exported as piper's
    export_onnx does. Returns the parameter count of the exported graph."""
    import onnx  # type: ignore[import-not-found,unused-ignore]
    import torch  # type: ignore[import-not-found,unused-ignore]
    from piper.train.vits.models import SynthesizerTrn

    config = json.loads((VOICE_CONFIGS / f"{voice.name}.onnx.json").read_text())
    hyper = preset(voice.quality)
    speakers = int(config["num_speakers"])
    model_speakers = 2 if voice.fixed_speaker else speakers
    torch.manual_seed(SEED)
    model: Any = SynthesizerTrn(  # piper's training code has no type hints
        n_vocab=int(config["num_symbols"]),
        spec_channels=hyper["filter_length"] // 2 + 1,
        segment_size=hyper["segment_size"] // hyper["hop_length"],
        inter_channels=hyper["inter_channels"], hidden_channels=hyper["hidden_channels"],
        filter_channels=hyper["filter_channels"], n_heads=hyper["n_heads"],
        n_layers=hyper["n_layers"], kernel_size=hyper["kernel_size"],
        p_dropout=hyper["p_dropout"], resblock=hyper["resblock"],
        resblock_kernel_sizes=hyper["resblock_kernel_sizes"],
        resblock_dilation_sizes=hyper["resblock_dilation_sizes"],
        upsample_rates=hyper["upsample_rates"],
        upsample_initial_channel=hyper["upsample_initial_channel"],
        upsample_kernel_sizes=hyper["upsample_kernel_sizes"],
        n_speakers=model_speakers,
        # VitsModel: a multi-speaker model gets 512 conditioning channels
        gin_channels=512 if model_speakers > 1 else 0,
        use_sdp=hyper["use_sdp"])
    # From here on as piper.train.export_onnx.main() after loading the checkpoint.
    model.eval()
    with torch.no_grad():
        model.dec.remove_weight_norm()

    def infer_forward(text: Any, text_lengths: Any, scales: Any, sid: Any = None) -> Any:
        if voice.fixed_speaker:
            sid = torch.LongTensor([0])  # the published single-speaker file takes no sid
        return model.infer(text, text_lengths, noise_scale=scales[0],
                           length_scale=scales[1], noise_scale_w=scales[2],
                           sid=sid)[0].unsqueeze(1)

    model.forward = infer_forward
    sequences = torch.randint(low=0, high=model.n_vocab, size=(1, 50), dtype=torch.long)
    sid = torch.LongTensor([0]) if speakers > 1 else None
    dummy_input = (sequences, torch.LongTensor([sequences.size(1)]),
                   torch.FloatTensor([0.667, 1.0, 0.8]), sid)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    torch.onnx.export(
        model=model, args=dummy_input, f=str(partial), verbose=False,
        opset_version=piper_export_opset(),
        # piper's export predates the dynamo exporter that torch >= 2.9 uses by default
        dynamo=False,
        input_names=["input", "input_lengths", "scales", "sid"], output_names=["output"],
        dynamic_axes={"input": {0: "batch_size", 1: "phonemes"},
                      "input_lengths": {0: "batch_size"},
                      "output": {0: "batch_size", 2: "time"}})
    graph = onnx.load(str(partial)).graph
    parameters = sum(int(_product(tensor.dims)) for tensor in graph.initializer)
    partial.replace(out)
    return {"parameters": parameters}


def _product(dims: Any) -> int:
    total = 1
    for dim in dims:
        total *= int(dim)
    return total


def child_build(quality: str) -> dict[str, Any]:
    import warnings

    voice = VOICES[quality]
    out = model_path(voice)
    started = time.perf_counter()
    with warnings.catch_warnings():
        # The tracer's warnings about data-dependent shapes (durations): piper's export
        # prints the same ones.
        warnings.simplefilter("ignore")
        info = build_model(voice, out)
    shutil.copyfile(VOICE_CONFIGS / f"{voice.name}.onnx.json", f"{out}.json")
    built = Built(quality, voice.name, str(out), out.stat().st_size, published_bytes(voice),
                  info["parameters"], time.perf_counter() - started)
    meta = {**asdict(built), "recipe": recipe(voice)}
    out.with_suffix(".build.json").write_text(json.dumps(meta, indent=1))
    return asdict(built)


def ensure_model(voice: BenchVoice, rebuild: bool) -> Built:
    """The cached model, built first when missing or made by another recipe."""
    out = model_path(voice)
    meta_file = out.with_suffix(".build.json")
    if not rebuild and out.exists() and meta_file.exists():
        meta = json.loads(meta_file.read_text())
        if meta.get("recipe") == recipe(voice) and meta.get("bytes") == out.stat().st_size:
            meta.pop("recipe")
            return Built(**{**meta, "seconds": 0.0})
    print(f"==> building {voice.name} ({voice.quality}) with random weights", flush=True)
    answer = subprocess.run([sys.executable, __file__, "--child", "build",
                             "--voices", voice.quality], env=child_env(), check=True,
                            stdout=subprocess.PIPE, text=True)
    return Built(**json.loads(answer.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------------------------------
# Measuring (each in a fresh process of the bench venv)


def rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    fields = dict(line.split(":", 1) for line in
                  Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def open_voice(model: Path, config: Path, threads: int) -> Any:
    """The voice as the display node's synthesis worker loads it: its own onnxruntime
    session on `threads` cores (firmware/display_node/synth_worker.py)."""
    from firmware.display_node.synth_worker import load_piper_voice

    voice = load_piper_voice(model, config, threads)
    given = voice.session.get_session_options().intra_op_num_threads
    if given != threads:
        raise RuntimeError(f"onnxruntime got {given} threads, not {threads}")
    return voice


class TimedVoice:
    """A piece at a time, as the worker makes it (synthesis and resampling to the output
    rate), with the seconds spent and the seconds of audio made."""

    def __init__(self, voice: Any, output_rate: int) -> None:
        from piper import SynthesisConfig

        self.voice = voice
        self.output_rate = output_rate
        self.syn = SynthesisConfig()
        self.synthesis_seconds = 0.0
        self.audio_seconds = 0.0

    def clip(self, text: str) -> None:
        from firmware.display_node.synth_worker import synthesize

        started = time.perf_counter()
        pcm = synthesize(self.voice, text, self.syn, self.output_rate)
        self.synthesis_seconds += time.perf_counter() - started
        self.audio_seconds += len(pcm) / 2 / self.output_rate


def child_measure(quality: str, threads: int, numbers: list[int], center: Center
                  ) -> dict[str, Any]:
    from firmware.display_node.settings import VoiceSettings
    from firmware.display_node.speech import parts, spoken_desk

    voice_spec = VOICES[quality]
    pieces = phrase_pieces(voice_spec.language, numbers, center.desks)
    importlib.import_module("firmware.display_node.synth_worker")  # piper, onnxruntime
    rss_imported, _ = rss_mb()
    model = model_path(voice_spec)
    voice = TimedVoice(open_voice(model, Path(f"{model}.json"), threads),
                       VoiceSettings().output_rate)
    rss_loaded, _ = rss_mb()
    # onnxruntime's first run allocates its arenas: timed apart, not in the totals.
    warm_up = parts(voice_spec.language, 999, spoken_desk("window-9", "9-терезе", "Окно 9"))[1]
    started = time.perf_counter()
    voice.clip(warm_up)
    first_piece = time.perf_counter() - started
    synthesis0, audio0, cpu0 = voice.synthesis_seconds, voice.audio_seconds, cpu_seconds()
    number_synthesis = number_cpu = number_audio = 0.0
    for piece in pieces:
        before_synthesis, before_audio = voice.synthesis_seconds, voice.audio_seconds
        before_cpu = cpu_seconds()
        voice.clip(piece.text)
        if piece.kind == "number":
            number_cpu += cpu_seconds() - before_cpu
            number_synthesis += voice.synthesis_seconds - before_synthesis
            number_audio += voice.audio_seconds - before_audio
    cpu = cpu_seconds() - cpu0
    rss_used, peak = rss_mb()
    # How long the noise model speaks per phoneme: real voices say ~60-90 ms.
    phonemes = sum(len(sentence) for piece in pieces
                   for sentence in voice.voice.phonemize(piece.text))
    run = Run(quality=quality, voice=voice_spec.name, threads=threads, pieces=len(pieces),
              number_pieces=sum(piece.kind == "number" for piece in pieces),
              audio_s=voice.audio_seconds - audio0,
              synthesis_s=voice.synthesis_seconds - synthesis0, cpu_s=cpu,
              number_synthesis_s=number_synthesis, number_cpu_s=number_cpu,
              number_audio_s=number_audio,
              phonemes=phonemes, first_piece_s=first_piece,
              rss_imported_mb=rss_imported, rss_loaded_mb=rss_loaded, rss_used_mb=rss_used,
              peak_mb=peak)
    return asdict(run)


def child_baseline() -> dict[str, Any]:
    import numpy as np

    rng = np.random.default_rng(SEED)
    a = rng.standard_normal((BASELINE_SIZE, BASELINE_SIZE), dtype=np.float32)
    b = rng.standard_normal((BASELINE_SIZE, BASELINE_SIZE), dtype=np.float32)
    best = float("inf")
    for _ in range(5):
        started = time.process_time()  # CPU time: what other programs do not inflate
        for _ in range(BASELINE_ROUNDS):
            a @ b
        best = min(best, time.process_time() - started)
    return {"seconds": best}


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (from /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(args: list[str], env: dict[str, str] | None = None
              ) -> tuple[dict[str, Any], float]:
    """Runs this script as a child: its JSON answer (the last line it prints), and the
    CPU other programs used meanwhile, in cores (the machine's busy time less the
    child's)."""
    busy, wall, own = busy_seconds(), time.perf_counter(), children_cpu_seconds()
    answer = subprocess.run([sys.executable, __file__, "--child", *args],
                            env=env or child_env(), check=True, stdout=subprocess.PIPE,
                            text=True)
    busy, wall = busy_seconds() - busy, time.perf_counter() - wall
    own = children_cpu_seconds() - own
    return json.loads(answer.stdout.strip().splitlines()[-1]), max(0.0, (busy - own) / wall)


def baseline() -> float:
    env = child_env()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    result, _ = run_child(["baseline"], env)
    return float(result["seconds"])


def measure(quality: str, threads: int, count: int, center_file: Path) -> Run:
    result, others = run_child(["measure", "--voices", quality, "--threads", str(threads),
                                "--numbers", str(count), "--center", str(center_file)])
    run = Run(**result)
    run.others_cores = others
    return run


# ---------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--voices", default="x_low,medium,high",
                        help="qualities to measure, comma-separated (x_low,medium,high)")
    parser.add_argument("--threads", default="1,2",
                        help="onnxruntime thread counts, comma-separated")
    parser.add_argument("--numbers", type=int, default=40,
                        help="ticket numbers sampled from the center's ranges (default 40)")
    parser.add_argument("--center", type=Path, default=CENTER_FILE,
                        help="center file whose ranges and desks are spoken")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached models")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--child", choices=("build", "measure", "baseline"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.voice_list = [v.strip() for v in args.voices.split(",") if v.strip()]
    unknown = [v for v in args.voice_list if v not in VOICES]
    if unknown:
        parser.error(f"unknown voices {unknown}; known: {', '.join(VOICES)}")
    args.thread_list = [int(t) for t in args.threads.split(",") if t.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.child:
        if args.child == "build":
            answer = child_build(args.voice_list[0])
        elif args.child == "measure":
            center = read_center(args.center)
            answer = child_measure(args.voice_list[0], args.thread_list[0],
                                   sample_numbers(center.numbers, args.numbers), center)
        else:
            answer = child_baseline()
        print(json.dumps(answer))
        return 0
    if not in_venv():
        ensure_venv()
        python = str(venv_python())
        os.execve(python, [python, __file__, *(sys.argv[1:] if argv is None else argv)],
                  child_env())
    started = time.perf_counter()
    center = read_center(args.center)
    report = Report(baseline_s=[], center_numbers=len(center.numbers))
    for quality in args.voice_list:
        built = ensure_model(VOICES[quality], args.rebuild)
        report.built[quality] = built
        if abs(built.bytes - built.published_bytes) > VOICES[quality].size_tolerance:
            print(f"!! {built.voice}: {built.bytes:,} bytes, the published voice "
                  f"{built.published_bytes:,}: not the same architecture", flush=True)
    report.baseline_s.append(baseline())
    for quality in args.voice_list:
        for threads in args.thread_list:
            print(f"==> {VOICES[quality].name}, {threads} thread(s)", flush=True)
            report.runs.append(measure(quality, threads, args.numbers, args.center))
    report.baseline_s.append(baseline())
    print()
    print(format_report(report))
    print(f"\n(run took {time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps({
            "baseline_s": report.baseline_s, "center_numbers": report.center_numbers,
            "built": {key: asdict(value) for key, value in report.built.items()},
            "runs": [asdict(run) for run in report.runs]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
