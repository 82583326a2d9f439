"""Piper voices for a display node: download the weights named in the shipped manifest,
resume a download that broke off (HTTP Range), refuse weights whose size or sha256 does
not match, and put the published config beside them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx

from firmware.voices import MANIFEST, VOICES_DIR
from firmware.voices.manifest import ManifestEntry as VoiceEntry
from firmware.voices.manifest import manifest_entries as manifest
from firmware.voices.manifest import sha256_of
from provisioning.errors import VoiceError

__all__ = ["PIPER_VOICES_URL", "VoiceEntry", "fetch_voice", "manifest", "sha256_of",
           "voice_ok"]

PIPER_VOICES_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main/"
ATTEMPTS = 5


def voice_ok(entry: VoiceEntry, path: Path) -> bool:
    return path.is_file() and path.stat().st_size == entry.size and \
        sha256_of(path) == entry.sha256


def fetch_voice(name: str, dest: Path, *, base_url: str = PIPER_VOICES_URL,
                manifest_path: Path = MANIFEST, configs_dir: Path = VOICES_DIR,
                client: httpx.Client | None = None) -> Path:
    """The verified `<name>.onnx` in `dest` (downloaded unless already there)."""
    entries = manifest(manifest_path)
    if name not in entries:
        raise VoiceError(f"voice {name!r} is not in the manifest "
                         f"({', '.join(sorted(entries))})")
    entry = entries[name]
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / f"{name}.onnx"
    config = configs_dir / f"{name}.onnx.json"
    if not voice_ok(entry, final):
        own = client is None
        http = client or httpx.Client(timeout=httpx.Timeout(30.0), follow_redirects=True)
        try:
            _download(entry, base_url.rstrip("/") + "/" + entry.path, final, http)
        finally:
            if own:
                http.close()
    if config.is_file():
        shutil.copyfile(config, dest / config.name)
    return final


def _download(entry: VoiceEntry, url: str, final: Path, http: httpx.Client) -> None:
    part = final.with_name(final.name + ".part")
    last_error = ""
    for _ in range(ATTEMPTS):
        offset = part.stat().st_size if part.exists() else 0
        if offset > entry.size:  # not what we are fetching: start over
            part.unlink()
            offset = 0
        try:
            if offset < entry.size:
                _fetch_from(url, part, offset, http)
            break
        except httpx.TransportError as error:
            # Keep what arrived: the next attempt (or the next run) resumes from there.
            last_error = f"{type(error).__name__}: {error}"
    else:
        have = part.stat().st_size if part.exists() else 0
        raise VoiceError(f"voice {entry.voice}: download broke off at {have} of "
                         f"{entry.size} bytes ({last_error}); run again to resume")
    size = part.stat().st_size
    actual = sha256_of(part)
    if size != entry.size or actual != entry.sha256:
        part.unlink()
        raise VoiceError(f"voice {entry.voice}: checksum mismatch (sha256 {actual}, "
                         f"{size} bytes; the manifest says {entry.sha256}, {entry.size} "
                         "bytes); the file was discarded")
    os.replace(part, final)


def _fetch_from(url: str, part: Path, offset: int, http: httpx.Client) -> None:
    # Identity encoding: the bytes on disk are the bytes the checksum covers, and a
    # range of them means the same thing on the next attempt.
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    with http.stream("GET", url, headers=headers) as response:
        if response.status_code == 206 and offset:
            mode = "ab"
        elif response.status_code == 200:
            mode = "wb"  # the server ignored the range: take the whole file again
        else:
            raise VoiceError(f"{url}: HTTP {response.status_code}")
        with part.open(mode) as handle:
            for chunk in response.iter_raw():
                handle.write(chunk)
