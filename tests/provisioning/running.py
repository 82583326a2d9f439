"""Mosquitto started with a generated center's own configuration, and probes that
connect to it with the generated credentials."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTProtocolVersion

from contract.mqtt import Topics
from provisioning.center import GeneratedCenter
from provisioning.inventory import Inventory
from tests.brokers import wait_until
from tests.provisioning.probe import Probe


class RunningCenter:
    def __init__(self, binary: str, inventory: Inventory, generated: GeneratedCenter) -> None:
        self.inventory = inventory
        self.generated = generated
        self.topics = Topics(inventory.center.id)
        self.port = inventory.broker.port
        self.ca_file = generated.root / "ca" / "ca.crt"
        self.probes: list[Probe] = []
        config = generated.broker_dir / "mosquitto.conf"
        self.process = subprocess.Popen([binary, "-c", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        pid_file = Path(str(inventory.broker.pid_file))

        def started() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode()
                                   if self.process.stderr else "mosquitto exited")
            return pid_file.is_file() and pid_file.read_text().strip() != ""

        wait_until(started, 10, "mosquitto to start")

    def node_password(self, node_id: str) -> str:
        data = tomllib.loads((self.generated.node_dir(node_id) / "node.toml").read_text())
        return str(data["password"])

    def probe(self, username: str, password: str | None, *, ca_file: Path | None = None,
              cert: tuple[Path, Path] | None = None,
              protocol: MQTTProtocolVersion = mqtt.MQTTv5) -> Probe:
        probe = Probe(self.port, username, password, ca_file or self.ca_file, cert=cert,
                      protocol=protocol)
        self.probes.append(probe)
        return probe

    def node(self, node_id: str, protocol: MQTTProtocolVersion = mqtt.MQTTv5) -> Probe:
        probe = self.probe(node_id, self.node_password(node_id), protocol=protocol)
        assert probe.connect(), f"{node_id} refused: {probe.connack}"
        return probe

    def hub(self, protocol: MQTTProtocolVersion = mqtt.MQTTv5) -> Probe:
        probe = self.probe(self.inventory.hub.user, self.generated.hub_password,
                           protocol=protocol)
        assert probe.connect(), f"hub refused: {probe.connack}"
        return probe

    def stop(self) -> None:
        for probe in self.probes:
            probe.close()
        self.process.terminate()
        self.process.wait(10)
        if self.process.stderr:
            self.process.stderr.close()
