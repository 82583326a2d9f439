"""Piper voices, one per language, and their cache of synthesized phrase pieces.

A call is said from three cached pieces (opening, ticket number words, desk): the pieces
are synthesized once, kept in memory and on disk (`<data_dir>/voice-cache`), and
pre-warmed at start, so a call never waits for synthesis; a piece missing from the cache
is synthesized on the spot (the uncached path the benchmark measures)."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path

from piper import PiperVoice, SynthesisConfig

from firmware.display_node.audio import Clip

log = logging.getLogger(__name__)

# The disk cache keeps every piece; memory keeps the recent ones (a Pi Zero has 512 MB).
MEMORY_CACHE_ITEMS = 128


class VoiceError(RuntimeError):
    """A voice that cannot be loaded; the message names the file."""


def load_voice(language: str, model: Path, config: Path | None = None) -> PiperVoice:
    """Load a Piper voice, turning every failure into a VoiceError that names the file."""
    config_path = config if config is not None else Path(f"{model}.json")
    for what, path in (("model", model), ("config", config_path)):
        if not path.is_file():
            raise VoiceError(f"{language} voice {what} file {path} does not exist")
    try:
        return PiperVoice.load(model, config_path=config_path)
    except Exception as error:  # onnxruntime and json raise many kinds for a bad file
        raise VoiceError(f"{language} voice {model} (config {config_path}) cannot be "
                         f"loaded: {type(error).__name__}: {error}") from None


class CachedVoice:
    """One loaded voice: `clip(text)` from memory, disk, or synthesis, in that order."""

    def __init__(self, language: str, voice: PiperVoice, *, cache_dir: Path | None,
                 identity: str, length_scale: float | None = None) -> None:
        self.language = language
        self.voice = voice
        self.rate = int(voice.config.sample_rate)
        self._syn = SynthesisConfig(length_scale=length_scale)
        # The cache belongs to one model: a replaced voice must not speak with old pieces.
        self._cache_dir = cache_dir / hashlib.sha256(identity.encode()).hexdigest()[:16] \
            if cache_dir is not None else None
        self._memory: OrderedDict[str, Clip] = OrderedDict()
        self._lock = threading.Lock()  # one synthesis at a time per voice
        self.synthesized = 0
        self.synthesis_seconds = 0.0
        self.audio_seconds = 0.0

    @classmethod
    def load(cls, language: str, model: Path, config: Path | None = None, *,
             cache_dir: Path | None = None, length_scale: float | None = None) -> CachedVoice:
        voice = load_voice(language, model, config)
        stat = model.stat()
        identity = f"{model.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        return cls(language, voice, cache_dir=cache_dir, identity=identity,
                   length_scale=length_scale)

    def _file(self, text: str) -> Path | None:
        if self._cache_dir is None:
            return None
        return self._cache_dir / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.pcm"

    def cached(self, text: str) -> bool:
        with self._lock:
            if text in self._memory:
                return True
        file = self._file(text)
        return file is not None and file.is_file()

    def clip(self, text: str) -> Clip:
        with self._lock:
            found = self._memory.get(text)
            if found is not None:
                self._memory.move_to_end(text)
                return found
            file = self._file(text)
            if file is not None and file.is_file():
                found = Clip(file.read_bytes(), self.rate)
            else:
                found = self._synthesize(text)
                if file is not None:
                    file.parent.mkdir(parents=True, exist_ok=True)
                    partial = file.with_suffix(".tmp")
                    partial.write_bytes(found.pcm)
                    partial.replace(file)  # never a half-written piece after a power cut
            self._memory[text] = found
            if len(self._memory) > MEMORY_CACHE_ITEMS:
                self._memory.popitem(last=False)
            return found

    def _synthesize(self, text: str) -> Clip:
        started = time.perf_counter()
        pcm = b"".join(chunk.audio_int16_bytes for chunk in self.voice.synthesize(
            text, self._syn))
        clip = Clip(pcm, self.rate)
        self.synthesized += 1
        self.synthesis_seconds += time.perf_counter() - started
        self.audio_seconds += clip.seconds
        return clip
