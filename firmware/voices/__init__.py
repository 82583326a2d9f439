"""The Piper voices Kezek knows: their published configs (`*.onnx.json`) and
`manifest.json` (path in piper-voices, sha256 and size of the weights, licence).
The weights themselves are downloaded and verified by provisioning."""

from __future__ import annotations

from pathlib import Path

VOICES_DIR = Path(__file__).resolve().parent
MANIFEST = VOICES_DIR / "manifest.json"
