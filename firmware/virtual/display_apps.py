"""The real display node application in the virtual center, on fake drivers: an LED hall
board on pyserial's loop://, the TV page on a free port (its address is logged), and
the speaker as WAV files in the node's data directory. Voices come from Piper models
given by language; without them the node shows calls and says nothing."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import serial

from firmware.display_node.app import DisplayNode
from firmware.display_node.settings import DisplayNodeSettings
from firmware.virtual.clocks import MACHINE_CLOCKS, NodeClocks

log = logging.getLogger("kezek.virtual")


def display_app_settings(*, node_id: str, zones: list[str], center: str, broker_url: str,
                         data_dir: Path, voice_models: dict[str, Path],
                         password: str | None = None,
                         heartbeat_seconds: float = MACHINE_CLOCKS.heartbeat_seconds,
                         ) -> DisplayNodeSettings:
    node_dir = data_dir / node_id
    # The numbers warmed are the zones' ranges, from the hub's config.
    voice: dict[str, object] = {"sink": "wav", "wav_dir": node_dir / "speaker"}
    for language in ("kk", "ru"):
        if language in voice_models:
            voice[f"{language}_model"] = voice_models[language]
    return DisplayNodeSettings(
        node_id=node_id, center=center, broker_url=broker_url, data_dir=node_dir,
        zones=zones, request_retry_seconds=2.0, password=password,
        heartbeat_seconds=heartbeat_seconds,
        boards=[{"name": "hall", "url": "loop://", "protocol": "am03127", "rows": 4}],
        tv={"port": 0},
        # Without a model the speaker is off (and says so in telemetry), not broken.
        voice=voice if voice_models else None)


def draining_opener(url: str, **options: Any) -> Any:
    """pyserial's port for `url`; a loop:// one is read out as a board would, else its
    queue fills after a few hundred frames and its write raises queue.Full (not a
    SerialException), which ends the board's thread."""
    port = serial.serial_for_url(url, **options)
    if url.startswith("loop://"):
        def drain() -> None:
            try:
                while port.is_open:
                    port.read(max(1, port.in_waiting))
            except Exception:
                return  # closed under us: the board let go of the port

        threading.Thread(target=drain, name="kezek-virtual-board", daemon=True).start()
    return port


def display_app(*, node_id: str, zones: list[str], center: str, broker_url: str,
                data_dir: Path, voice_models: dict[str, Path], password: str | None = None,
                clocks: NodeClocks = MACHINE_CLOCKS) -> DisplayNode:
    return DisplayNode(display_app_settings(
        node_id=node_id, zones=zones, center=center, broker_url=broker_url,
        data_dir=data_dir, voice_models=voice_models, password=password,
        heartbeat_seconds=clocks.heartbeat_seconds),
        serial_opener=draining_opener, wall_clock=clocks.wall, monotonic=clocks.monotonic)


def announce_tv_pages(nodes: list[DisplayNode]) -> None:
    for node in nodes:
        if node.tv is not None:
            log.info("display node %s: TV page at %s", node.settings.node_id, node.tv.url)
