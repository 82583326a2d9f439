"""000 §2: a booked visitor with a name, an IIN and a phone checks in and is called by
the official's desk; through the real hub, its MQTT bridge and Mosquitto, the display
node's topics (snapshot and announcement), its board bytes, its TV page and its voice
carry the ticket number and the desk, and never the name, the IIN or the phone."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion

from contract.mqtt import Topics
from firmware.display_node.app import DisplayNode
from firmware.display_node.settings import DisplayNodeSettings
from hub.api.app import create_app
from hub.domain.roles import Role
from hub.mqtt.bridge import MqttBridge
from hub.services.clock import ManualClock
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, free_port, mosquitto_binary, wait_until
from tests.conftest import unavailable
from tests.display_node.conftest import KK_CONFIG, RU_CONFIG, BoardServer
from tests.hub.test_api_check_in import at, booked
from tests.hub.test_api_reception import BASE, IIN, NAME, PHONE, add_akim

CENTER = "privacy-center"
NODE = "display-hall"
PERSONAL = (IIN, NAME, PHONE, "7012345678", "Серікбаев", "Асқар")


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


class Spy:
    """Everything the hub sends to any node: (topic, payload)."""

    def __init__(self, port: int) -> None:
        self.seen: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="privacy-spy")
        self.client.on_connect = lambda client, *_: (
            client.subscribe(f"kezek/{CENTER}/node/+/down/#", qos=1), self.ready.set())
        self.client.on_message = self._message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _message(self, _client: mqtt.Client, _userdata: object,
                 message: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.seen.append((message.topic, bytes(message.payload)))

    def on(self, channel: str) -> list[bytes]:
        with self.lock:
            return [payload for topic, payload in self.seen
                    if topic == Topics(CENTER).root + f"/node/{NODE}/down/{channel}"]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_a_named_visitors_call_reaches_the_hall_as_a_number_only(
        hub: Hub, clock: ManualClock, broker: PrivateMosquitto, tmp_path: Path,
        tiny_model: Path) -> None:
    hub.settings.center_id = CENTER
    api = TestClient(create_app(hub.settings, hub), headers={
        "Authorization": "Bearer " + hub.users.create_token(
            name="privacy-admin", role=Role.ADMINISTRATOR, actor="test")})
    add_akim(api)
    _, code = booked(api)
    clock.set(at("09:55"))
    checked_in = api.post(f"{BASE}/check-in", json={"code": code})
    assert checked_in.status_code == 201, checked_in.text
    number = checked_in.json()["ticket"]["number"]

    spy = Spy(broker.port)
    wait_until(spy.ready.is_set, what="the spy subscribed")
    bridge = MqttBridge(hub, broker.url)
    bridge.start()
    assert bridge.wait_connected(10)
    board = BoardServer(free_port())
    node = DisplayNode(DisplayNodeSettings(
        node_id=NODE, center=CENTER, broker_url=broker.url, data_dir=tmp_path / "node",
        boards=[{"name": "hall", "url": f"socket://127.0.0.1:{board.port}",
                 "protocol": "line", "rows": 3}],
        tv={"port": 0},
        voice={"sink": "wav", "prewarm_up_to": 0, "kk_model": str(tiny_model),
               "kk_config": str(KK_CONFIG), "ru_model": str(tiny_model),
               "ru_config": str(RU_CONFIG)}), environ={})
    node.start()
    try:
        wait_until(lambda: spy.on("config"), what="the hub to know the display")
        called = hub.queue.call_next("office-105", actor="test")
        assert called is not None
        wait_until(lambda: spy.on("announce"), what="the announcement")
        wait_until(lambda: node.announcer is not None and node.announcer.said,
                   what="the call said")
        wait_until(lambda: f"{number} > 105".encode() in board.bytes(), what="the board")
        assert node.tv is not None
        with urllib.request.urlopen(f"{node.tv.url}state.json", timeout=5) as answer:
            page = answer.read().decode()
        assert json.loads(page)["calls"][0]["number"] == number

        shown = [payload.decode() for payload in spy.on("display") + spy.on("announce")]
        assert shown and any(str(number) in text for text in shown)
        said = [said.text or "" for said in node.announcer.said]
        for where in (*shown, page, board.bytes().decode("cp1251"), *said):
            for secret in PERSONAL:
                assert secret not in where, f"{secret!r} reached a display: {where[:200]}"
    finally:
        node.stop()
        bridge.stop()
        spy.close()
        board.stop()
