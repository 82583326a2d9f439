"""A hub with its real MQTT bridge behind a private Mosquitto (per-node passwords,
the contract's ACL), and call-button applications on MockFactory pins connected to it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory

from contract.mqtt import NodeRole, Topics
from firmware.call_button.app import CallButtonApp
from firmware.call_button.settings import CallButtonSettings
from hub.mqtt.bridge import MqttBridge
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, mosquitto_binary, wait_until
from tests.conftest import unavailable

CENTER = "test-center"
HUB_PASSWORD = "hub-secret"
NODES = ("buttons-w1", "buttons-w2")
# Pins of a full desk panel (BCM).
NEXT, RECALL, DONE, NO_SHOW, TRANSFER = 17, 27, 22, 23, 24
SERVING, WAITING, FAULT, BUZZER = 5, 6, 13, 19


def password_of(node: str) -> str:
    return f"{node}-secret"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    if mosquitto_binary() is None:
        unavailable("the mosquitto binary is missing")
    directory = tmp_path / "broker"
    directory.mkdir()
    users = {"hub": HUB_PASSWORD} | {node: password_of(node) for node in NODES}
    broker = PrivateMosquitto(directory, Topics(CENTER), users,
                              roles=dict.fromkeys(NODES, NodeRole.CALL_BUTTON))
    broker.start()
    yield broker
    broker.stop()


def start_bridge(hub: Hub, broker: PrivateMosquitto) -> MqttBridge:
    hub.settings.center_id = CENTER
    bridge = MqttBridge(hub, broker.url, username="hub", password=HUB_PASSWORD)
    bridge.start()
    assert bridge.wait_connected(10)
    return bridge


@pytest.fixture
def bridge(hub: Hub, broker: PrivateMosquitto) -> Iterator[MqttBridge]:
    the_bridge = start_bridge(hub, broker)
    yield the_bridge
    the_bridge.stop()


@pytest.fixture(autouse=True)
def _clean_node_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("KEZEK_NODE_") or name in ("NOTIFY_SOCKET", "WATCHDOG_USEC"):
            monkeypatch.delenv(name)
    monkeypatch.setattr("firmware.common.link.RECONNECT_MAX_SECONDS", 1)


def panel_settings(tmp_path: Path, broker_url: str, *, node: str = "buttons-w1",
                   desk: str = "window-1", **sections: Any) -> CallButtonSettings:
    buttons = {"next": NEXT, "recall": RECALL, "done": DONE, "no_show": NO_SHOW,
               "transfer": TRANSFER, "transfer_zone": "personal", "bounce_ms": 20}
    values: dict[str, Any] = {
        "node_id": node, "center": CENTER, "broker_url": broker_url,
        "password": password_of(node), "data_dir": tmp_path / node, "desk": desk,
        "request_retry_seconds": 0.5, "keepalive_seconds": 5,
        "buttons": buttons | sections.pop("buttons", {}),
        "lamps": {"serving": SERVING, "waiting": WAITING, "fault": FAULT},
        "buzzer": {"pin": BUZZER}, "gpio": {"pin_factory": "mock"},
    }
    return CallButtonSettings(**(values | sections))


AppFactory = Callable[..., CallButtonApp]


@pytest.fixture
def panel(tmp_path: Path, broker: PrivateMosquitto) -> Iterator[AppFactory]:
    """Starts a call-button application on its own MockFactory; waits until online."""
    made: list[CallButtonApp] = []

    def make(**overrides: Any) -> CallButtonApp:
        app = CallButtonApp(panel_settings(tmp_path, broker.url, **overrides),
                            factory=MockFactory(), environ={})
        made.append(app)
        app.start()
        wait_until(app.runtime.connected.is_set, what="the panel to connect")
        return app

    yield make
    for app in made:
        app.stop()


def tap(app: CallButtonApp, pin: int) -> None:
    """Press and release a button as a hand does (a pull-up button reads low when pressed)."""
    mock = app.panel.factory.pin(pin)
    mock.drive_low()
    mock.drive_high()
