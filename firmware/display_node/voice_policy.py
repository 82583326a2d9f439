"""Which voices a machine can afford: the Piper qualities too slow for a Raspberry Pi
(whose model firmware/common/raspberry_pi.py reads). Standard library only: the node
doctor imports it on any node.

Piper's published real-time factors on one Pi 4 core: x_low ~0.5, medium ~0.8, high
~5.3 (a Zero 2 W is ~3x slower still): a high voice makes a visitor wait seconds for a
number not yet cached, and warming a center's ranges with it takes many hours."""

from __future__ import annotations

import json
from pathlib import Path

SLOW_QUALITIES = frozenset({"high"})


def voice_quality(config: Path) -> str | None:
    """The `audio.quality` of a Piper voice config (None when it does not say)."""
    try:
        quality = json.loads(config.read_text(encoding="utf-8"))["audio"]["quality"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(quality)


def too_slow(quality: str | None, pi_model: str | None, *, allowed: bool) -> bool:
    """A voice of this quality is refused on this machine."""
    return quality in SLOW_QUALITIES and pi_model is not None and not allowed
