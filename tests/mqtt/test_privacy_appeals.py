"""000 §2 for the appeals register: while a consultation with the visitor's IIN, name
and phone is recorded for a ticket called at a desk, and an appeal is registered,
everything that crosses the broker (what the hub sends to the hall board, the desk's
call buttons and the terminals, and what they send) carries numbers and codes only."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion

from contract.mqtt import (
    Announcement,
    DeskState,
    DisplaySnapshot,
    DownChannel,
    NodeConfig,
    NodeRole,
    Topics,
)
from hub.api.app import create_app
from hub.domain.roles import Role
from hub.mqtt.bridge import MqttBridge
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, wait_until
from tests.hub.test_api_appeals import IIN, NAME, PHONE, as_role, registered
from tests.hub.test_api_appeals_consultations import CONSULTATION
from tests.mqtt.conftest import HUB_PASSWORD, NodeFactory

PERSONAL = (IIN, NAME, PHONE, "7012345678", "701 234 56 78", "Сейітқали", "Бауыржанұлы")


class Spy:
    """Every message under the center's root, up and down, as the hub's user sees it."""

    def __init__(self, broker: PrivateMosquitto, topics: Topics) -> None:
        self.seen: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="privacy-spy")
        self.client.username_pw_set("hub", HUB_PASSWORD)
        self.client.on_connect = lambda client, *_: client.subscribe(f"{topics.root}/#", qos=1)
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_message = self._message
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert subscribed.wait(10)

    def _message(self, _client: object, _userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.seen.append((message.topic, bytes(message.payload)))

    def messages(self) -> list[tuple[str, bytes]]:
        with self._lock:
            return list(self.seen)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def spy(mosquitto: PrivateMosquitto, topics: Topics) -> Iterator[Spy]:
    watcher = Spy(mosquitto, topics)
    yield watcher
    watcher.close()


def test_a_consultation_and_an_appeal_never_reach_the_broker(
        hub: Hub, admin_token: str, bridged_hub: MqttBridge, node: NodeFactory,
        spy: Spy) -> None:
    hall = node("display-hall", NodeRole.DISPLAY, zones=("consultation",))
    desk = node("buttons-1", NodeRole.CALL_BUTTON, desk="window-1")
    hall.wait_for(DownChannel.CONFIG, NodeConfig)
    hub.staffing.sign_in("window-1", "op.one")
    hub.queue.issue(language="kk", zone="consultation", actor="test")
    called = hub.queue.call_next("window-1", actor="op.one")

    operator = as_role(hub, Role.OPERATOR, "consult-svc")
    consultation = operator.post("/api/v1/consultations", json=CONSULTATION | {
        "ticket_id": called.id, "outcome": "appeal_accepted"})
    assert consultation.status_code == 201, consultation.text
    admin = TestClient(create_app(hub.settings, hub),
                       headers={"Authorization": f"Bearer {admin_token}"})
    registered(admin)
    # The visit goes on after the consultation: finished, and the next visitor called,
    # so the board, the voice and the desk's lamps are all sent something new.
    hub.queue.start(called.id, actor="op.one")
    hub.queue.finish(called.id, actor="op.one")
    hub.queue.issue(language="ru", zone="consultation", actor="test")
    second = hub.queue.call_next("window-1", actor="op.one")

    hall.wait_for(DownChannel.ANNOUNCE, Announcement, lambda a: a.number == second.number)
    hall.wait_for(DownChannel.DISPLAY, DisplaySnapshot,
                  lambda s: any(c.number == second.number for c in s.calls))
    desk.wait_for(DownChannel.DESK, DeskState,
                  lambda d: d.current is not None and d.current.number == second.number)
    wait_until(lambda: any(topic.endswith("/down/desk") for topic, _ in spy.messages()))

    seen = spy.messages()
    assert {topic.rsplit("/", 1)[1] for topic, _ in seen} >= {"display", "announce", "desk",
                                                              "config", "status"}
    for topic, payload in seen:
        text = payload.decode("utf-8", errors="replace")
        for secret in PERSONAL:
            assert secret not in text, f"{secret!r} on {topic}"
