"""Starts the hub's messaging: the embedded broker when no broker is configured,
then the bridge."""

from __future__ import annotations

from dataclasses import dataclass

from hub.mqtt.bridge import MqttBridge
from hub.mqtt.embedded import EmbeddedBroker
from hub.wiring import Hub


@dataclass
class Messaging:
    bridge: MqttBridge
    broker: EmbeddedBroker | None
    url: str

    def stop(self) -> None:
        self.bridge.stop()
        if self.broker is not None:
            self.broker.stop()


def start_messaging(hub: Hub) -> Messaging:
    settings = hub.settings
    broker = None
    url = settings.mqtt_url
    if url is None:
        broker = EmbeddedBroker(settings.embedded_mqtt_host, settings.embedded_mqtt_port)
        broker.start()
        url = broker.url
    bridge = MqttBridge(
        hub, url, username=settings.mqtt_username,
        password=settings.mqtt_password.get_secret_value() if settings.mqtt_password else None,
        ca_file=str(settings.mqtt_ca_file) if settings.mqtt_ca_file else None)
    bridge.start()
    return Messaging(bridge=bridge, broker=broker, url=url)
