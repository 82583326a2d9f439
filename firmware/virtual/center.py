"""`kezek-virtual-center`: simulated terminals and displays on the real node runtime,
the real ticket terminal, display node and call-button applications on fake drivers
(one call-button node per desk, its buttons MockFactory pins), with the load driver
pressing them, against a running hub's broker."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from contract.mqtt import ID_PATTERN, NodeRole
from firmware.common.settings import NodeSettings
from firmware.display_node.app import DisplayNode
from firmware.virtual.display_apps import announce_tv_pages, display_app
from firmware.virtual.load import LoadDriver, LoadProfile
from firmware.virtual.nodes import (
    SimulatedDisplay,
    SimulatedNode,
    SimulatedTerminal,
    node_settings,
)
from firmware.virtual.real_buttons import RealButtons
from firmware.virtual.real_terminal import RealTerminal

log = logging.getLogger("kezek.virtual")


class VirtualCenterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEZEK_VIRTUAL_", extra="forbid")

    broker_url: str = Field("mqtt://127.0.0.1:1883", description="the hub's broker")
    center: str = Field("center", pattern=ID_PATTERN, description="the hub's center_id")
    data_dir: Path = Field(Path("data/virtual"), description="the simulated nodes' outboxes")
    terminals: int = Field(2, ge=1, le=20)
    real_terminals: int = Field(1, ge=0, le=5, description="terminals running "
                                "the real ticket terminal application besides the simulated ones "
                                "(MockFactory pins, simulated printer)")
    desks: list[str] = Field(default_factory=lambda: ["window-1", "window-2", "window-3",
                                                      "office-105"],
                             description="one call-button node per desk: the real "
                                         "call-button application on MockFactory pins")
    displays: dict[str, list[str]] = Field(
        default_factory=lambda: {"display-hall": [], "display-personal": ["personal"]},
        description="display node id -> zones it shows (empty: every serving zone)")
    display_apps: dict[str, list[str]] = Field(
        default_factory=dict,
        description="real display node applications on fake drivers (loop:// LED board, TV "
                    "page on a free port, WAV speaker in the data dir): node id -> zones")
    voice_models: dict[str, Path] = Field(
        default_factory=dict, description="Piper models of the display apps by language")
    load: bool = Field(True, description="let the load driver play visitors and operators")
    arrivals_per_hour: float = Field(90.0, gt=0)
    speed: float = Field(20.0, gt=0, description="simulated seconds per real second")
    visitors: int | None = Field(None, ge=1, description="stop arriving after this many")
    seed: int | None = None


class VirtualCenter:
    def __init__(self, settings: VirtualCenterSettings) -> None:
        self.settings = settings
        def node(node_id: str, role: NodeRole, *, desk: str | None = None,
                 zones: list[str] | None = None) -> NodeSettings:
            return node_settings(node_id=node_id, role=role, center=settings.center,
                                 broker_url=settings.broker_url, data_dir=settings.data_dir,
                                 desk=desk, zones=zones)

        self.terminals = [SimulatedTerminal(node(f"terminal-{i + 1}", NodeRole.TICKET_TERMINAL))
                          for i in range(settings.terminals)]
        self.terminals += [RealTerminal(node(f"terminal-real-{i + 1}", NodeRole.TICKET_TERMINAL))
                           for i in range(settings.real_terminals)]
        self.buttons = [RealButtons(node(f"buttons-{desk}", NodeRole.CALL_BUTTON, desk=desk))
                        for desk in settings.desks]
        self.displays = [SimulatedDisplay(node(node_id, NodeRole.DISPLAY, zones=zones))
                         for node_id, zones in settings.displays.items()]
        self.display_apps: list[DisplayNode] = [
            display_app(node_id=node_id, zones=zones, center=settings.center,
                        broker_url=settings.broker_url, data_dir=settings.data_dir,
                        voice_models=settings.voice_models)
            for node_id, zones in settings.display_apps.items()]
        self.load = LoadDriver(self.terminals, self.buttons, LoadProfile(
            arrivals_per_hour=settings.arrivals_per_hour, speed=settings.speed,
            seed=settings.seed), visitors=settings.visitors) if settings.load else None

    @property
    def nodes(self) -> list[SimulatedNode]:
        return [*self.terminals, *self.buttons, *self.displays]

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        for app in self.display_apps:
            app.start()
        announce_tv_pages(self.display_apps)
        if self.load is not None:
            self.load.start()

    def stop(self) -> None:
        if self.load is not None:
            self.load.stop()
        for node in self.nodes:
            node.stop()
        for app in self.display_apps:
            app.stop()

    def summary(self) -> str:
        outbox = sum(len(node.runtime.outbox) for node in self.nodes)
        online = sum(node.runtime.connected.is_set() for node in self.nodes)
        line = f"nodes online {online}/{len(self.nodes)}, outbox {outbox}"
        if self.load is not None:
            stats = self.load.stats
            with stats.lock:
                line += (f"; tickets {stats.issued}, refused {sum(stats.refused.values())}, "
                         f"called {stats.called}, served {stats.served}, "
                         f"no-shows {stats.no_shows}")
        return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kezek-virtual-center", description=__doc__)
    parser.add_argument("--report-seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    # force: python-escpos configures the root logger when imported, which would leave
    # the summaries below unprinted.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s",
                        force=True)
    for chatty in ("kezek.node", "firmware"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        settings = VirtualCenterSettings()
    except ValidationError as error:
        parser.error(str(error))
    center = VirtualCenter(settings)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    center.start()
    log.info("virtual center: %d terminals, %d desks, %d displays on %s",
             len(center.terminals), len(center.buttons), len(center.displays),
             settings.broker_url)
    while not stopping.wait(args.report_seconds):
        log.info("%s", center.summary())
    center.stop()
    return 0
