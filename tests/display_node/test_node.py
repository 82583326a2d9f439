"""The display node application end to end: a real Mosquitto, a fake hub publishing the
retained snapshot and announcements, LED boards on socket:// servers, the TV page over
HTTP and the voice into WAV files. Also: the broker going away (no connection, then back),
a board unplugged (reported in telemetry), a broken voice file (the boards keep working)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from contract.mqtt import DownChannel, DriverState, Named, NodeConfig, NodeRole, Text, ZoneNumbers
from firmware.display_node.app import DisplayNode
from firmware.display_node.led import Am03127, LinePerRow
from firmware.display_node.settings import DisplayNodeSettings
from tests.brokers import PrivateMosquitto, free_port, mosquitto_binary, wait_until
from tests.conftest import unavailable
from tests.display_node.conftest import (
    KK_CONFIG,
    RU_CONFIG,
    BoardServer,
    announcement,
    call,
    snapshot,
)
from tests.firmware.conftest import FakeHub

CENTER = "test-center"
NODE = "display-hall"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    if mosquitto_binary() is None:
        unavailable("the mosquitto binary is missing")
    directory = tmp_path / "broker"
    directory.mkdir()
    process = PrivateMosquitto(directory, persistence=False)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def hub(broker: PrivateMosquitto) -> Iterator[FakeHub]:
    fake = FakeHub(broker.port, CENTER)
    wait_until(fake.connected.is_set, what="the fake hub to connect")
    yield fake
    fake.close()


@pytest.fixture
def boards() -> Iterator[tuple[BoardServer, BoardServer]]:
    hall, desk = BoardServer(free_port()), BoardServer(free_port())
    yield hall, desk
    for server in (hall, desk):
        if server.running:
            server.stop()


@pytest.fixture(autouse=True)
def _quick_reconnects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("firmware.common.link.RECONNECT_MAX_SECONDS", 1)


def settings(tmp_path: Path, broker: PrivateMosquitto, hall: BoardServer, desk: BoardServer,
             **voice: Any) -> DisplayNodeSettings:
    return DisplayNodeSettings(
        node_id=NODE, center=CENTER, broker_url=broker.url, data_dir=tmp_path / "node",
        keepalive_seconds=5, zones=["consultation"], link_grace_seconds=0.3,
        boards=[
            {"name": "hall", "url": f"socket://127.0.0.1:{hall.port}", "protocol": "am03127",
             "rows": 2, "retry_seconds": 0.1, "refresh_seconds": 0.1},
            {"name": "window-3", "url": f"socket://127.0.0.1:{desk.port}",
             "protocol": "line", "desk": "window-3", "retry_seconds": 0.1},
        ],
        tv={"port": 0},
        voice={"sink": "wav", "prewarm_up_to": 0} | voice)


def page(node: DisplayNode) -> dict[str, Any]:
    assert node.tv is not None
    with urllib.request.urlopen(f"{node.tv.url}state.json", timeout=5) as answer:
        return json.load(answer)  # type: ignore[no-any-return]


def test_calls_reach_board_page_and_speaker_and_survive_the_broker_going_away(
        tmp_path: Path, broker: PrivateMosquitto, hub: FakeHub,
        boards: tuple[BoardServer, BoardServer], tiny_model: Path) -> None:
    hall, desk = boards
    node = DisplayNode(settings(tmp_path, broker, hall, desk, kk_model=str(tiny_model),
                                kk_config=str(KK_CONFIG), ru_model=str(tiny_model),
                                ru_config=str(RU_CONFIG)), environ={})
    assert node.settings.role is NodeRole.DISPLAY
    node.start()
    try:
        wait_until(node.runtime.connected.is_set, what="the node to connect")
        shown = snapshot(call(105, "window-3", minutes=1), call(104, "window-1"))
        hub.send(NODE, DownChannel.DISPLAY, shown, retain=True)
        hub.send(NODE, DownChannel.ANNOUNCE, announcement(105, "window-3", "kk"))

        hall_frame = Am03127(board_id=1).frame(["105 > 3", "104 > 1"])
        wait_until(lambda: hall_frame in hall.bytes(), what="the hall board")
        wait_until(lambda: LinePerRow().frame(["105"]) in desk.bytes(), what="desk board")
        state = page(node)
        assert state["online"] and [c["number"] for c in state["calls"]] == [105, 104]
        assert state["calls"][0]["new"] and state["calls"][0]["desk_kk"] == "3-терезе"
        assert node.announcer is not None
        wait_until(lambda: node.announcer is not None and node.announcer.said,
                   what="the call said")
        said = node.announcer.said[0]
        assert said.text == "Талон нөмірі жүз бес, үшінші терезеге өтіңіз."
        assert said.played is not None and said.played.path is not None
        assert said.played.path.parent == tmp_path / "node" / "speaker"

        # The hub's config names the zone's numbers: they are warmed, and telemetry says
        # how much of them is (another zone's range is not this node's).
        hub.send(NODE, DownChannel.CONFIG, NodeConfig(
            center_name=Text(kk="Орталық", ru="Центр"), role=NodeRole.DISPLAY, desk=None,
            zones=["consultation"], purposes=[], zone_names=[],
            desks=[Named(code="window-3", name=Text(kk="3-терезе", ru="Окно 3"))],
            out_of_turn=[], number_ranges=[
                ZoneNumbers(zone="consultation", first=100, last=109),
                ZoneNumbers(zone="personal", first=500, last=599)]), retain=True)
        wait_until(lambda: node.voice_warm() == 1.0, what="the range warm")
        assert node.announcer.warm_numbers() == list(range(100, 110))
        node.runtime.report()
        wait_until(lambda: hub.telemetry and hub.telemetry[-1].voice_warm == 1.0,
                   what="telemetry")
        drivers = hub.telemetry[-1].drivers
        assert drivers["board-hall"].state is DriverState.OK
        assert drivers["speaker"].state is DriverState.OK
        assert drivers["tv"].state is DriverState.OK

        broker.stop()  # the hub's broker is gone: no stale calls anywhere
        wait_until(lambda: not page(node)["online"], what="no connection on the page")
        assert page(node)["calls"] == []
        dashes = Am03127(board_id=1).frame(["----", "----"])
        wait_until(lambda: dashes in hall.bytes(), what="dashes on the hall board")

        broker.start()  # back, having forgotten everything (no persistence)
        wait_until(hub.connected.is_set, timeout=15, what="the fake hub back")
        wait_until(node.runtime.connected.is_set, timeout=15, what="the node back")
        newer = snapshot(call(106, "window-3", minutes=2), call(105, "window-3", minutes=1))
        hub.send(NODE, DownChannel.DISPLAY, newer, retain=True)
        wait_until(lambda: [c["number"] for c in page(node)["calls"]] == [106, 105],
                   what="the page showing calls again")
        wait_until(lambda: LinePerRow().frame(["106"]) in desk.bytes(), what="desk again")

        hall.stop()  # the hall board's converter is unplugged
        wait_until(lambda: node.drivers()["board-hall"].state is DriverState.FAULT,
                   what="the board fault")
        node.runtime.report()
        wait_until(lambda: hub.telemetry[-1].drivers["board-hall"].state
                   is DriverState.FAULT, what="the fault in telemetry")
    finally:
        node.stop()


def test_a_broken_voice_file_leaves_the_boards_working(
        tmp_path: Path, broker: PrivateMosquitto, hub: FakeHub,
        boards: tuple[BoardServer, BoardServer], tiny_model: Path) -> None:
    hall, desk = boards
    broken = tmp_path / "kk_KZ-iseke-x_low.onnx"
    broken.write_bytes(b"truncated download")
    node = DisplayNode(settings(tmp_path, broker, hall, desk, kk_model=str(broken),
                                kk_config=str(KK_CONFIG)), environ={})
    assert node.announcer is not None
    problem = node.announcer.voice_problems["kk"]
    assert problem.fault == "voice_checksum" and str(broken) in str(problem)
    node.start()
    try:
        wait_until(node.runtime.connected.is_set, what="the node to connect")
        hub.send(NODE, DownChannel.DISPLAY, snapshot(call(105, "window-3")), retain=True)
        hub.send(NODE, DownChannel.ANNOUNCE, announcement(105, "window-3", "kk"))
        wait_until(lambda: LinePerRow().frame(["105"]) in desk.bytes(), what="desk board")
        wait_until(lambda: node.announcer is not None and node.announcer.said,
                   what="the call handled")
        assert node.announcer.said[0].played is None  # shown, not said
        speaker = node.drivers()["speaker"]
        assert (speaker.state, speaker.detail) == (DriverState.FAULT, "voice_checksum")
    finally:
        node.stop()


def test_the_page_clock_and_quiet_hours_follow_the_hub_time(
        tmp_path: Path, broker: PrivateMosquitto, hub: FakeHub,
        boards: tuple[BoardServer, BoardServer]) -> None:
    """The hub's clock is 12 h 34 min ahead of this machine's: the TV page's clock and
    the time of day the quiet hours are judged by are the hub's, from its live message."""
    hall, desk = boards
    node = DisplayNode(settings(tmp_path, broker, hall, desk, enabled=False), environ={})
    ahead = timedelta(hours=12, minutes=34)
    node.start()
    try:
        wait_until(node.runtime.connected.is_set, what="the node to connect")
        shown_call = snapshot(call(105, "window-3"))
        hub.send(NODE, DownChannel.DISPLAY, shown_call, retain=True)
        # Subscribed by now: the next one is live (the first may have come as the broker's
        # retained copy at subscription, which tells no time).
        wait_until(lambda: page(node)["calls"], what="the call on the page")
        hub.send(NODE, DownChannel.DISPLAY, shown_call.model_copy(
            update={"at": datetime.now(UTC) + ahead}), retain=True)

        def hub_ms() -> float:
            return (datetime.now(UTC) + ahead).timestamp() * 1000

        wait_until(lambda: abs(page(node)["now_ms"] - hub_ms()) < 1000,
                   what="the hub's time on the page")
        local = (datetime.now(UTC) + ahead).astimezone().time()
        shown = node._local_time()

        def of_day(moment: time) -> float:
            return moment.hour * 3600 + moment.minute * 60 + moment.second

        apart = (of_day(shown) - of_day(local)) % 86400
        assert min(apart, 86400 - apart) < 5  # (midnight may fall in between)
    finally:
        node.stop()
