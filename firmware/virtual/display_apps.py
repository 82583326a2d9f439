"""The real display node application in the virtual center, on fake drivers: an LED hall
board on pyserial's loop://, the TV page on a free port (its address is logged), and
the speaker as WAV files in the node's data directory. Voices come from Piper models
given by language; without them the node shows calls and says nothing."""

from __future__ import annotations

import logging
from pathlib import Path

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


def display_app(*, node_id: str, zones: list[str], center: str, broker_url: str,
                data_dir: Path, voice_models: dict[str, Path], password: str | None = None,
                clocks: NodeClocks = MACHINE_CLOCKS) -> DisplayNode:
    return DisplayNode(display_app_settings(
        node_id=node_id, zones=zones, center=center, broker_url=broker_url,
        data_dir=data_dir, voice_models=voice_models, password=password,
        heartbeat_seconds=clocks.heartbeat_seconds),
        wall_clock=clocks.wall, monotonic=clocks.monotonic)


def announce_tv_pages(nodes: list[DisplayNode]) -> None:
    for node in nodes:
        if node.tv is not None:
            log.info("display node %s: TV page at %s", node.settings.node_id, node.tv.url)
