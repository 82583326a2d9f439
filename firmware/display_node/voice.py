"""The display node's voices as the resident process knows them: which voice files to
use and whether to trust them, and the disk cache of spoken pieces they fill.

The resident process never loads a voice (no onnxruntime, numpy or piper in it): it reads
a voice's config (language, quality, sample rate), checks it, and reads pieces (opening,
ticket number words, desk) as PCM files from `<data_dir>/voice-cache/<voice>/`. A piece
not there yet is made by the synthesis worker (`synthesis.py`, `synth_worker.py`), already
at the output stream's rate, and then read.

Checks at start, each turning a voice away with its fault word (contract/node_faults.py)
while the other language still speaks:
- `voice_missing`: the model or its config does not exist;
- `voice_load_failed`: the config is not a Piper voice config (and, later, the worker
  cannot load the model);
- `voice_checksum`: a voice of the manifest whose size or sha256 is not the manifest's.
  A model is hashed once and the result kept in `<data_dir>/voice-checksums.json` by its
  size and modification time: hashing 28-128 MB on a Pi at every start would cost
  seconds, and what the check is for (a broken or replaced download) changes both.
  The node doctor hashes the files in full;
- `voice_too_slow`: a high-quality voice on a Raspberry Pi (~5x slower than real time on
  a Pi 4 core) unless `allow_slow_voice`.

A cache folder belongs to one model file, config, output rate and speech speed
(`VoiceFiles.identity`); folders of anything else are removed at start."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from firmware.display_node.audio import Clip
from firmware.display_node.settings import VoiceSettings
from firmware.display_node.synthesis import PieceMade, Synthesizer, VoiceProblem
from firmware.display_node.voice_policy import too_slow
from firmware.voices import MANIFEST
from firmware.voices.manifest import ManifestEntry, manifest_entries, sha256_of

log = logging.getLogger(__name__)

CHECKSUMS_FILE = "voice-checksums.json"
VOICE_CACHE_DIR = "voice-cache"
# Bump when the bytes of a cached piece change for the same voice (format, resampler).
CACHE_FORMAT = 2
# Memory keeps a few recent pieces (openings and desks recur); the disk keeps them all.
MEMORY_CACHE_ITEMS = 24


@dataclass(frozen=True, slots=True)
class VoiceFiles:
    """One voice's files and what its config says, read without loading the model."""

    language: str
    model: Path
    config: Path
    quality: str | None
    sample_rate: int
    size: int
    mtime_ns: int
    config_sha256: str

    @property
    def name(self) -> str:
        return self.model.name.removesuffix(".onnx")

    def identity(self, output_rate: int, length_scale: float | None) -> str:
        """The cache folder's name: readable, and changed by anything that changes the
        sound of a piece (the model file, its config, the rate, the speed)."""
        key = json.dumps([CACHE_FORMAT, str(self.model.resolve()), self.size, self.mtime_ns,
                          self.config_sha256, output_rate, length_scale])
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        return f"{self.name}-{output_rate}-{digest}"


def voice_files(language: str, model: Path, config: Path | None = None) -> VoiceFiles:
    """A voice's files, checked to exist, and its config read (VoiceProblem otherwise)."""
    config_path = config if config is not None else Path(f"{model}.json")
    for what, path in (("model", model), ("config", config_path)):
        if not path.is_file():
            raise VoiceProblem(f"{language} voice {what} file {path} does not exist",
                               "voice_missing")
    try:
        raw = config_path.read_bytes()
        settings = json.loads(raw)
        rate = int(settings["audio"]["sample_rate"])
        quality = settings["audio"].get("quality")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise VoiceProblem(f"{language} voice config {config_path} is not a Piper voice "
                           f"config: {type(error).__name__}: {error}") from None
    stat = model.stat()
    return VoiceFiles(language=language, model=model, config=config_path,
                      quality=str(quality) if quality is not None else None,
                      sample_rate=rate, size=stat.st_size, mtime_ns=stat.st_mtime_ns,
                      config_sha256=hashlib.sha256(raw).hexdigest())


def refuse_slow_voice(files: VoiceFiles, pi_model: str | None, *, allowed: bool) -> None:
    if too_slow(files.quality, pi_model, allowed=allowed):
        raise VoiceProblem(
            f"{files.language} voice {files.model} is of {files.quality} quality: about "
            f"5x slower than real time on a {pi_model}, a call would wait seconds for it; "
            "not loaded (use an x_low or medium voice, or set voice.allow_slow_voice = "
            "true)", "voice_too_slow")


class ChecksumRecord:
    """sha256 of model files, kept by path, size and modification time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.hashed = 0  # files hashed by this instance (the rest came from the record)
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            self._known: dict[str, dict[str, object]] = loaded if isinstance(loaded, dict) \
                else {}
        except (OSError, ValueError):
            self._known = {}

    def sha256(self, files: VoiceFiles) -> str:
        key = str(files.model.resolve())
        known = self._known.get(key)
        if isinstance(known, dict) and known.get("size") == files.size and \
                known.get("mtime_ns") == files.mtime_ns and isinstance(known.get("sha256"), str):
            return str(known["sha256"])
        digest = sha256_of(files.model)
        self.hashed += 1
        self._known[key] = {"size": files.size, "mtime_ns": files.mtime_ns, "sha256": digest}
        self._save()
        return digest

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(self.path.name + ".tmp")
            partial.write_text(json.dumps(self._known, indent=1), encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as error:  # a read-only or full disk: hashed again next start
            log.warning("voice checksums not kept", extra={"error": str(error)})


def verify_checksum(files: VoiceFiles, record: ChecksumRecord,
                    entries: dict[str, ManifestEntry]) -> bool:
    """True for a manifest voice whose file is the manifest's, False for a voice the
    manifest does not know (the installer's own); VoiceProblem `voice_checksum` for a
    manifest voice whose size or sha256 differs."""
    entry = entries.get(files.name)
    if entry is None:
        return False
    if files.size != entry.size:
        raise VoiceProblem(f"{files.language} voice {files.model} has {files.size} bytes, "
                           f"the manifest says {entry.size}: download it again "
                           f"(kezek-provision voices)", "voice_checksum")
    actual = record.sha256(files)
    if actual != entry.sha256:
        raise VoiceProblem(f"{files.language} voice {files.model}: sha256 {actual}, the "
                           f"manifest says {entry.sha256}: download it again "
                           f"(kezek-provision voices)", "voice_checksum")
    return True


class PieceCache:
    """One voice's pieces on disk (`<folder>/<sha256 of the text>.pcm`, 16-bit mono PCM
    at `rate`), with the few most recent in memory.

    It also keeps a running count of how many of the `track()`ed texts (a node's ticket
    number words) it has seen on disk, so the warmth figure sent with every telemetry
    costs a lookup, not a pass over thousands of numbers."""

    def __init__(self, folder: Path, rate: int) -> None:
        self.folder = folder
        self.rate = rate
        self._memory: OrderedDict[str, Clip] = OrderedDict()
        self._on_disk: set[str] = set()  # texts seen on disk: no stat for them again
        self._tracked: frozenset[str] = frozenset()
        self._tracked_on_disk = 0  # len(self._tracked & self._on_disk), kept up to date
        self._lock = threading.Lock()

    def file(self, text: str) -> Path:
        return self.folder / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.pcm"

    def cached(self, text: str) -> bool:
        with self._lock:
            if text in self._on_disk:
                return True
        if self.file(text).is_file():
            with self._lock:
                self._seen(text)
            return True
        return False

    def written(self, text: str) -> None:
        """The worker has put the piece on disk."""
        with self._lock:
            self._seen(text)

    def known(self, text: str) -> bool:
        """Seen on disk already (no file system access: for quick figures)."""
        with self._lock:
            return text in self._on_disk

    def track(self, texts: Iterable[str]) -> None:
        """The texts `tracked()` counts from now on (they replace the previous ones)."""
        tracked = frozenset(texts)
        with self._lock:
            self._tracked = tracked
            self._tracked_on_disk = len(tracked & self._on_disk)

    def tracked(self) -> tuple[int, int]:
        """(tracked texts seen on disk, tracked texts): no file system access, O(1)."""
        with self._lock:
            return self._tracked_on_disk, len(self._tracked)

    def _seen(self, text: str) -> None:  # under self._lock
        if text not in self._on_disk:
            self._on_disk.add(text)
            self._tracked_on_disk += text in self._tracked

    def _gone(self, text: str) -> None:  # under self._lock
        if text in self._on_disk:
            self._on_disk.discard(text)
            self._tracked_on_disk -= text in self._tracked

    def read(self, text: str) -> Clip | None:
        with self._lock:
            found = self._memory.get(text)
            if found is not None:
                self._memory.move_to_end(text)
                return found
        try:
            pcm = self.file(text).read_bytes()
        except FileNotFoundError:
            with self._lock:
                self._gone(text)
            return None
        clip = Clip(pcm, self.rate)
        with self._lock:
            self._seen(text)
            self._memory[text] = clip
            if len(self._memory) > MEMORY_CACHE_ITEMS:
                self._memory.popitem(last=False)
        return clip


class CachedVoice:
    """One usable voice: `clip(text)` from the cache, made by the worker when missing."""

    def __init__(self, files: VoiceFiles, cache: PieceCache,
                 synthesizer: Synthesizer) -> None:
        self.files = files
        self.cache = cache
        self.synthesizer = synthesizer
        self.synthesized = 0
        self.synthesis_seconds = 0.0
        self.audio_seconds = 0.0

    @property
    def language(self) -> str:
        return self.files.language

    @property
    def model(self) -> Path:
        return self.files.model

    @property
    def config(self) -> Path:
        return self.files.config

    @property
    def rate(self) -> int:
        return self.cache.rate

    def cached(self, text: str) -> bool:
        return self.cache.cached(text)

    def clip(self, text: str) -> Clip:
        """The piece, made first if it is not cached (VoiceProblem: the voice cannot be
        loaded; SynthesisError: this piece could not be made)."""
        found = self.cache.read(text)
        if found is None:
            self._make(text, warming=False)
            found = self.cache.read(text)
            if found is None:
                raise VoiceProblem(f"{self.language} piece {text!r} vanished from "
                                   f"{self.cache.folder}")
        return found

    def warm(self, text: str) -> bool:
        """Make the piece unless cached; True when it was made."""
        if self.cache.cached(text):
            return False
        self._make(text, warming=True)
        return True

    def _make(self, text: str, *, warming: bool) -> PieceMade:
        made = self.synthesizer.make(self.files, text, self.cache.file(text),
                                     warming=warming)
        self.cache.written(text)
        self.synthesized += 1
        self.synthesis_seconds += made.seconds
        self.audio_seconds += made.audio_seconds
        return made


def remove_stale_caches(root: Path, keep: Iterable[str]) -> list[str]:
    """Remove the cache folders of voices, rates or speeds no longer used, and pieces
    left half-written by a power cut; returns the folders removed."""
    keep = set(keep)
    removed: list[str] = []
    if not root.is_dir():
        return removed
    for child in sorted(root.iterdir()):
        if child.is_dir() and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child.name)
        elif child.is_dir():
            for partial in child.glob("*.tmp"):
                partial.unlink(missing_ok=True)
        elif child.suffix == ".pcm":  # the flat layout of the very first caches
            child.unlink(missing_ok=True)
    return removed


@dataclass
class Voices:
    """The node's usable voices, why the others are not, and the one synthesizer."""

    usable: dict[str, CachedVoice]
    problems: dict[str, VoiceProblem]
    synthesizer: Synthesizer


def open_voices(settings: VoiceSettings, data_dir: Path, *,
                pi_model: str | None, manifest: Path = MANIFEST) -> Voices:
    """Check the configured voices (see the module's docstring), remove stale cache
    folders, and give the usable ones their cache. A voice turned away is logged with
    its file; its language is said by the other voice, or only shown."""
    synthesizer = Synthesizer(output_rate=settings.output_rate, threads=settings.threads,
                              warm_nice=settings.warm_nice,
                              idle_seconds=settings.worker_idle_seconds,
                              length_scale=settings.length_scale)
    root = data_dir / VOICE_CACHE_DIR
    record = ChecksumRecord(data_dir / CHECKSUMS_FILE)
    entries = manifest_entries(manifest)
    usable: dict[str, CachedVoice] = {}
    problems: dict[str, VoiceProblem] = {}
    for language, model, config in (("kk", settings.kk_model, settings.kk_config),
                                    ("ru", settings.ru_model, settings.ru_config)):
        if model is None:
            continue
        try:
            files = voice_files(language, model, config)
            refuse_slow_voice(files, pi_model, allowed=settings.allow_slow_voice)
            verify_checksum(files, record, entries)
        except VoiceProblem as problem:
            problems[language] = problem
            log.error("voice not loaded; calls in %s are said in the other language, or "
                      "only shown: %s", language, problem,
                      extra={"language": language, "fault": problem.fault,
                             "error": str(problem)})
            continue
        folder = root / files.identity(settings.output_rate, settings.length_scale)
        usable[language] = CachedVoice(files, PieceCache(folder, settings.output_rate),
                                       synthesizer)
    removed = remove_stale_caches(root, (voice.cache.folder.name for voice in usable.values()))
    if removed:
        log.info("old voice caches removed", extra={"folders": removed})
    return Voices(usable, problems, synthesizer)
