"""`kezek-display-node`: the display node application. It follows the hub's retained
display snapshot for its zones and the announcements, and drives any combination of LED
boards, the TV page and the speaker, as its settings say.

Everything here is wiring: what to show is `view.py`, the boards `board.py` and `led.py`,
the page `tv.py`, the voice `announcer.py`, `voice.py`, `speech.py`, `warming.py` and the
synthesis worker (`synthesis.py`, `synth_worker.py`: this process never loads a voice)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import time as clock_time
from pathlib import Path

from contract.mqtt import (
    Announcement,
    DisplaySnapshot,
    Driver,
    DriverState,
    NodeConfig,
)
from firmware.common.logs import configure_logging
from firmware.common.raspberry_pi import raspberry_pi_model
from firmware.common.runtime import NodeRuntime
from firmware.common.settings import NodeSettingsError, load_node_settings
from firmware.display_node.announcer import Announcer, QuietHours
from firmware.display_node.audio import AudioSink, NullSink, WavFileSink
from firmware.display_node.audio_stream import speaker_sink
from firmware.display_node.board import SerialBoard, SerialOpener
from firmware.display_node.led import protocol
from firmware.display_node.settings import DisplayNodeSettings, VoiceSettings
from firmware.display_node.synthesis import Synthesizer
from firmware.display_node.tv import TvPageServer
from firmware.display_node.view import DisplayState, desk_rows, hall_rows
from firmware.display_node.voice import open_voices

log = logging.getLogger(__name__)

LINK_POLL_SECONDS = 0.1


def default_sink(voice: VoiceSettings, data_dir: Path) -> AudioSink:
    if voice.sink in ("alsa", "pipewire"):
        return speaker_sink(voice)
    if voice.sink == "wav":
        return WavFileSink(voice.wav_dir or data_dir / "speaker")
    return NullSink()


class DisplayNode:
    """The node's parts wired to its runtime. `sink` and `serial_opener` replace the
    configured audio sink and pyserial's opener, `device_model` the device tree's model
    file that says this is a Raspberry Pi (tests, benchmarks); `wall_clock` and
    `monotonic` the node's clocks (simulated ones in a day run, see NodeRuntime)."""

    def __init__(self, settings: DisplayNodeSettings, *, sink: AudioSink | None = None,
                 serial_opener: SerialOpener | None = None,
                 local_time: Callable[[], clock_time] | None = None,
                 environ: dict[str, str] | None = None,
                 device_model: Path | None = None,
                 wall_clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.state = DisplayState(settings.zones, blink_seconds=settings.blink_seconds,
                                  link_grace_seconds=settings.link_grace_seconds)
        self.boards = [
            (board, SerialBoard(board.name, board.url,
                                protocol(board.protocol, board.board_id, board.encoding),
                                baudrate=board.baudrate, rs485=board.rs485,
                                retry_seconds=board.retry_seconds,
                                refresh_seconds=board.refresh_seconds,
                                **({"opener": serial_opener} if serial_opener else {})))
            for board in settings.boards]
        self.tv: TvPageServer | None = None
        if settings.tv is not None and settings.tv.enabled:
            calls = settings.tv.calls
            self.tv = TvPageServer(lambda: self._page(calls), host=settings.tv.host,
                                   port=settings.tv.port,
                                   now=lambda: self.runtime.hub_clock.now())
        self.announcer: Announcer | None = None
        self.synthesizer: Synthesizer | None = None
        voice = settings.voice
        if voice is not None and voice.enabled:
            voices = open_voices(voice, settings.data_dir,
                                 pi_model=raspberry_pi_model(device_model))
            self.synthesizer = voices.synthesizer
            quiet = (QuietHours(voice.quiet_from, voice.quiet_until)
                     if voice.quiet_from is not None and voice.quiet_until is not None
                     else None)
            self.announcer = Announcer(
                voices.usable,
                sink if sink is not None else default_sink(voice, settings.data_dir),
                rate=voice.output_rate, volume=voice.volume, quiet=quiet,
                with_chime=voice.chime, zones=settings.zones,
                fallback_numbers=range(1, voice.prewarm_up_to + 1),
                local_time=local_time or self._local_time,
                voice_problems=voices.problems)
        self.runtime = NodeRuntime(settings, drivers=self.drivers, on_display=self.show,
                                   on_announce=self.say, on_config=self.configured,
                                   environ=environ, voice_warm=self.voice_warm,
                                   wall_clock=wall_clock, monotonic=monotonic)
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch_link, name="kezek-link-watch",
                                         daemon=True)
        self._online_shown: bool | None = None

    def start(self) -> None:
        for _, board in self.boards:
            board.start()
        self._redraw_boards()
        if self.tv is not None:
            self.tv.start()
        if self.announcer is not None:
            self.announcer.start()
        self._watcher.start()
        self.runtime.start()

    def stop(self) -> None:
        self._stop.set()
        self.runtime.stop()
        if self._watcher.is_alive():
            self._watcher.join(5)
        if self.announcer is not None:
            self.announcer.close()
            self.announcer.sink.close()
        if self.synthesizer is not None:
            self.synthesizer.close()
        if self.tv is not None:
            self.tv.close()
        for _, board in self.boards:
            board.close()

    # What comes down ---------------------------------------------------------------

    def show(self, snapshot: DisplaySnapshot) -> None:
        fresh = self.state.apply(snapshot)
        self._redraw_boards()
        if fresh:
            log.info("calls shown", extra={"numbers": [call.number for call in fresh]})

    def say(self, announcement: Announcement) -> None:
        if self.announcer is not None:
            self.announcer.announce(announcement)

    def configured(self, config: NodeConfig) -> None:
        if self.tv is not None:
            self.tv.title = {"kk": config.center_name.kk, "ru": config.center_name.ru}
        if self.announcer is not None:
            self.announcer.desks((desk.code, desk.name.kk, desk.name.ru)
                                 for desk in config.desks)
            if not self.settings.zones:  # following every zone: the hub's list of them
                self.announcer.zones = tuple(config.zones)
            self.announcer.number_ranges(config.number_ranges)

    def voice_warm(self) -> float | None:
        """How much of the ranges' numbers the voice cache holds (telemetry)."""
        return self.announcer.warmth() if self.announcer is not None else None

    def _local_time(self) -> clock_time:
        """The hub's time of day in this node's time zone (quiet hours)."""
        return self.runtime.hub_clock.now().astimezone().time()

    # Showing -----------------------------------------------------------------------

    def _page(self, calls: int) -> dict[str, object]:
        page = self.state.page()
        page["calls"] = page["calls"][:calls]
        return page

    def _redraw_boards(self) -> None:
        online = self.state.online()
        calls = self.state.calls()
        for settings, board in self.boards:
            if settings.desk is not None:
                board.show(desk_rows(calls, settings.desk, online=online))
            else:
                board.show(hall_rows(calls, settings.rows, online=online))

    def _watch_link(self) -> None:
        """Follow the MQTT link: the page and the boards say 'no connection' once it has
        been lost for the grace period, and show the calls again when it is back."""
        while not self._stop.wait(LINK_POLL_SECONDS):
            self.state.link(self.runtime.connected.is_set())
            online = self.state.online()
            if online != self._online_shown:
                self._online_shown = online
                log.info("hub link " + ("up" if online else "lost: showing no connection"))
                self._redraw_boards()

    def drivers(self) -> dict[str, Driver]:
        states = {f"board-{board.name}": board.state() for _, board in self.boards}
        states["tv"] = self.tv.state() if self.tv is not None else Driver(
            state=DriverState.OFF)
        states["speaker"] = self.announcer.state() if self.announcer is not None else Driver(
            state=DriverState.OFF)
        return states


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kezek-display-node", description=__doc__)
    parser.add_argument("--config", type=Path, default=None,
                        help="settings file (default: $KEZEK_NODE_CONFIG)")
    args = parser.parse_args(argv)
    try:
        settings = load_node_settings(DisplayNodeSettings, args.config)
    except NodeSettingsError as error:
        parser.exit(2, f"{error}\n")
    configure_logging(settings.node_id)
    node = DisplayNode(settings)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    node.start()
    if node.tv is not None:
        log.info("TV page at %s", node.tv.url)
    stopping.wait()
    node.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
