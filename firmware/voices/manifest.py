"""The voice manifest (`manifest.json`) read, and the sha256 of a file: what provisioning
downloads and verifies, and what the display node and the node doctor check a voice
file against. Standard library only."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from firmware.voices import MANIFEST


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One voice of the manifest: its weights' path in piper-voices, sha256 and size."""

    voice: str  # e.g. kk_KZ-iseke-x_low: the model file is <voice>.onnx
    path: str
    sha256: str
    size: int


def manifest_entries(path: Path = MANIFEST) -> dict[str, ManifestEntry]:
    """The manifest's voices by name."""
    return {item["voice"]: ManifestEntry(voice=item["voice"], path=item["path"],
                                         sha256=item["onnx_sha256"],
                                         size=int(item["onnx_bytes"]))
            for item in json.loads(path.read_text(encoding="utf-8"))}


def sha256_of(path: Path) -> str:
    """The file's sha256, read in 1 MiB blocks (voice weights are 28-128 MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
