"""The real display node application inside the virtual center (fake drivers) against
the real hub's bridge: a simulated terminal takes a ticket, a simulated desk calls it,
and the display app's loop:// board, TV page and WAV speaker all get the call; the page
keeps its calls through a hub restart and shows the next call after it."""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract.mqtt import ButtonAction
from firmware.virtual.center import VirtualCenter, VirtualCenterSettings
from hub.mqtt.bridge import MqttBridge
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, mosquitto_binary, wait_until
from tests.conftest import unavailable
from tests.display_node.conftest import KK_CONFIG, RU_CONFIG

CENTER = "virtual-center"


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
def database_url() -> str | None:
    return None  # SQLite only: the display path does not depend on the database


def test_the_display_app_in_the_virtual_center(hub: Hub, broker: PrivateMosquitto,
                                               tmp_path: Path, tiny_model: Path) -> None:
    models = {}
    for language, config in (("kk", KK_CONFIG), ("ru", RU_CONFIG)):
        model = tmp_path / f"tiny-{language}.onnx"
        shutil.copy(tiny_model, model)
        shutil.copy(config, f"{model}.json")
        models[language] = model
    hub.settings.center_id = CENTER
    bridge = MqttBridge(hub, broker.url)
    bridge.start()
    assert bridge.wait_connected(10)
    center = VirtualCenter(VirtualCenterSettings(
        broker_url=broker.url, center=CENTER, data_dir=tmp_path / "nodes", terminals=1,
        desks=["window-1"], displays={}, display_apps={"display-tv": []},
        voice_models=models, load=False))
    try:
        center.start()
        (app,) = center.display_apps
        terminal, buttons = center.terminals[0], center.buttons[0]
        wait_until(lambda: terminal.config is not None, what="the terminal configured")
        assert terminal.config is not None
        purpose = next(p.code for p in terminal.config.purposes if p.code == "appeal_paper")
        ticket = terminal.press("ru", purpose).result(10).ticket
        assert ticket is not None
        assert buttons.press(ButtonAction.NEXT).result(10).ok  # type: ignore[union-attr]

        assert app.tv is not None
        def page() -> dict[str, object]:
            with urllib.request.urlopen(f"{app.tv.url}state.json", timeout=5) as answer:
                return json.load(answer)  # type: ignore[no-any-return]
        wait_until(lambda: [c["number"] for c in page()["calls"]] == [ticket.number],
                   what="the call on the TV page")
        wait_until(lambda: app.announcer is not None and app.announcer.said, what="said")
        assert app.announcer is not None
        said = app.announcer.said[0]
        assert said.language == "ru" and said.text is not None
        assert said.text.startswith("Талон номер ")
        assert said.played is not None and said.played.path is not None
        assert said.played.path.is_relative_to(tmp_path / "nodes" / "display-tv")
        wait_until(lambda: app.boards[0][1].frames_written >= 1, what="the loop:// board")

        bridge.stop()  # the hub restarts; the broker keeps the retained snapshot
        assert [c["number"] for c in page()["calls"]] == [ticket.number]
        assert page()["online"]
        bridge = MqttBridge(hub, broker.url)
        bridge.start()
        assert bridge.wait_connected(10)
        second = terminal.press("kk", purpose).result(10).ticket
        assert second is not None
        assert buttons.press(ButtonAction.NO_SHOW).result(10).ok  # type: ignore[union-attr]
        assert buttons.press(ButtonAction.NEXT).result(10).ok  # type: ignore[union-attr]
        wait_until(lambda: [c["number"] for c in page()["calls"]][:1] == [second.number],
                   what="a call after the hub restart on the page")
    finally:
        center.stop()
        bridge.stop()


def test_a_transfer_to_a_desk_reaches_the_display_app_through_the_bridge(
        hub: Hub, broker: PrivateMosquitto, tmp_path: Path) -> None:
    hub.settings.center_id = CENTER
    bridge = MqttBridge(hub, broker.url)
    bridge.start()
    assert bridge.wait_connected(10)
    center = VirtualCenter(VirtualCenterSettings(
        broker_url=broker.url, center=CENTER, data_dir=tmp_path / "nodes", terminals=1,
        real_terminals=0, desks=["window-1"], displays={},
        display_apps={"display-tv": []}, load=False))
    try:
        center.start()
        (app,) = center.display_apps
        terminal, buttons = center.terminals[0], center.buttons[0]
        wait_until(lambda: terminal.config is not None, what="the terminal configured")
        ticket = terminal.press("kk", "appeal_paper").result(10).ticket
        assert ticket is not None
        assert buttons.press(ButtonAction.NEXT).result(10).ok  # type: ignore[union-attr]
        hub.queue.start(ticket.ticket_id, actor="operator-1", at_desk="window-1")
        hub.queue.transfer(ticket.ticket_id, zone=None, desk="office-105",
                           actor="operator-1", at_desk="window-1")

        assert app.tv is not None
        def newest() -> dict[str, object]:
            with urllib.request.urlopen(f"{app.tv.url}state.json", timeout=5) as answer:
                calls: list[dict[str, object]] = json.load(answer)["calls"]
            return calls[0] if calls else {}
        wait_until(lambda: newest().get("transferred") is True, what="the transfer on the TV")
        assert (newest()["number"], newest()["desk_ru"]) == (ticket.number, "Кабинет 105")
        # The hall board's first row sends the visitor on to office 105.
        board = app.boards[0][1]
        wait_until(lambda: board.written is not None
                   and board.written[0] == f"{ticket.number} > 105",
                   what="the transfer on the loop:// board")
    finally:
        center.stop()
        bridge.stop()
