"""`kezek-virtual-center`: simulated terminals and displays on the real node runtime,
the real ticket terminal, display node and call-button applications on fake drivers
(one call-button node per desk, its buttons MockFactory pins), with the load driver
pressing them, against a running hub's broker. With `--day` it is the day runner
(simulation/day/runner.py): broker, hub and this center through whole simulated days.

Given a Timeline (simulation/timeline.py), or KEZEK_TIMELINE in the environment, every
node runs on that simulated time, the hub's (KEZEK_HUB_TIMELINE)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from contract.mqtt import ID_PATTERN, NodeRole
from firmware.common.settings import NodeSettings
from firmware.display_node.app import DisplayNode
from firmware.virtual.clocks import MACHINE_CLOCKS, NodeClocks
from firmware.virtual.display_apps import announce_tv_pages, display_app
from firmware.virtual.load import LoadDriver, LoadProfile
from firmware.virtual.nodes import (
    SimulatedDisplay,
    SimulatedNode,
    SimulatedTerminal,
    node_settings,
)
from firmware.virtual.real_buttons import RealButtons
from firmware.virtual.real_terminal import TERMINAL_ZONES, RealTerminal
from simulation.timeline import ENV as TIMELINE_ENV
from simulation.timeline import Timeline

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
    """`timeline`: the simulated time every node runs on (None: the machine's clock);
    `clock_off_hours`: node id -> how many hours that node's own clock is wrong;
    `passwords`: node id -> its broker password; `broker_urls`: node id -> another way
    to the broker than settings.broker_url (the day runner's cable it can unplug)."""

    def __init__(self, settings: VirtualCenterSettings, *, timeline: Timeline | None = None,
                 clock_off_hours: Mapping[str, float] | None = None,
                 passwords: Mapping[str, str] | None = None,
                 broker_urls: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.timeline = timeline
        self._clock_off = dict(clock_off_hours or {})
        self._passwords = dict(passwords or {})
        self._broker_urls = dict(broker_urls or {})

        def node(node_id: str, role: NodeRole, *, desk: str | None = None,
                 zones: list[str] | None = None) -> NodeSettings:
            return node_settings(node_id=node_id, role=role, center=settings.center,
                                 broker_url=self.broker_url(node_id),
                                 data_dir=settings.data_dir, desk=desk, zones=zones,
                                 password=self._passwords.get(node_id),
                                 heartbeat_seconds=self.clocks(node_id).heartbeat_seconds)

        def terminal(node_id: str) -> NodeSettings:
            return node(node_id, NodeRole.TICKET_TERMINAL, zones=TERMINAL_ZONES)

        self.terminals = [SimulatedTerminal(terminal(node_id), self.clocks(node_id))
                          for node_id in (f"terminal-{i + 1}" for i in range(settings.terminals))]
        self.terminals += [RealTerminal(terminal(node_id), self.clocks(node_id))
                           for node_id in (f"terminal-real-{i + 1}"
                                           for i in range(settings.real_terminals))]
        self.buttons = [RealButtons(node(f"buttons-{desk}", NodeRole.CALL_BUTTON, desk=desk),
                                    self.clocks(f"buttons-{desk}"))
                        for desk in settings.desks]
        self.displays = [SimulatedDisplay(node(node_id, NodeRole.DISPLAY, zones=zones),
                                          self.clocks(node_id))
                         for node_id, zones in settings.displays.items()]
        self.display_apps: list[DisplayNode] = [self._display_app(node_id)
                                                for node_id in settings.display_apps]
        self.load = LoadDriver(self.terminals, self.buttons, LoadProfile(
            arrivals_per_hour=settings.arrivals_per_hour,
            speed=settings.speed,
            seed=settings.seed), visitors=settings.visitors) if settings.load else None

    def clocks(self, node_id: str) -> NodeClocks:
        if self.timeline is None:
            return MACHINE_CLOCKS
        return NodeClocks.simulated(self.timeline, off_hours=self._clock_off.get(node_id, 0.0))

    def broker_url(self, node_id: str) -> str:
        return self._broker_urls.get(node_id, self.settings.broker_url)

    def _display_app(self, node_id: str) -> DisplayNode:
        settings = self.settings
        return display_app(node_id=node_id, zones=settings.display_apps[node_id],
                           center=settings.center, broker_url=self.broker_url(node_id),
                           data_dir=settings.data_dir, voice_models=settings.voice_models,
                           password=self._passwords.get(node_id),
                           clocks=self.clocks(node_id))

    def reboot_display_app(self, node_id: str) -> DisplayNode:
        """Stop the display node application and start a new one on the same data
        directory, as a node that lost power and booted again."""
        index = next(i for i, app in enumerate(self.display_apps)
                     if app.settings.node_id == node_id)
        self.display_apps[index].stop()
        app = self._display_app(node_id)
        self.display_apps[index] = app
        app.start()
        return app

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
    arguments = sys.argv[1:] if argv is None else argv
    if any(arg == "--day" or arg.startswith("--day=") for arg in arguments):
        from simulation.day.runner import main as run_days

        return run_days(arguments)
    parser = argparse.ArgumentParser(prog="kezek-virtual-center", description=__doc__)
    parser.add_argument("--report-seconds", type=float, default=15.0)
    parser.add_argument("--day", help="run the day runner from this day (see "
                                      "`kezek-virtual-center --day D --help`)")
    args = parser.parse_args(arguments)
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
    shared = os.environ.get(TIMELINE_ENV)
    center = VirtualCenter(settings, timeline=Timeline.from_env(shared) if shared else None)
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
