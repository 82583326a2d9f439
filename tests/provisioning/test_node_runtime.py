"""The node runtime itself, started from a generated node file, reaches the generated
broker over mutual TLS with its password and certificate and says it is online."""

from __future__ import annotations

from pathlib import Path

from contract.mqtt import NodeStatus, Presence, UpChannel, decode
from firmware.common.runtime import NodeRuntime
from firmware.common.settings import load_node_settings
from provisioning.roles import ROLE_SETTINGS
from tests.provisioning.conftest import generate_local
from tests.provisioning.running import RunningCenter


def test_a_generated_node_connects_over_mutual_tls(tmp_path: Path,
                                                   require_mosquitto: str) -> None:
    inventory, generated = generate_local(tmp_path, client_certificates=True)
    center = RunningCenter(require_mosquitto, inventory, generated)
    runtime: NodeRuntime | None = None
    try:
        hub_dir = generated.root / "hub"
        hub = center.probe(inventory.hub.user, generated.hub_password,
                           cert=(hub_dir / "hub.crt", hub_dir / "hub.key"))
        assert hub.connect()
        hub.subscribe(center.topics.up("desk-window-1", UpChannel.STATUS))
        node_dir = generated.node_dir("desk-window-1")
        entry = inventory.node("desk-window-1")
        # The file as written; only the paths that are /etc/kezek/... on a Pi move here.
        settings = load_node_settings(
            ROLE_SETTINGS[entry.role], node_dir / "node.toml", ca_file=center.ca_file,
            cert_file=node_dir / "node.crt", key_file=node_dir / "node.key",
            data_dir=tmp_path / "node-data",
            broker_url=f"mqtts://localhost:{inventory.broker.port}")
        runtime = NodeRuntime(settings, environ={})
        runtime.start()
        topic, payload = hub.next_message()
        assert topic == center.topics.up("desk-window-1", UpChannel.STATUS)
        status = decode(NodeStatus, payload)
        assert (status.node, status.state, status.desk) == (
            "desk-window-1", Presence.ONLINE, "window-1")
    finally:
        if runtime is not None:
            runtime.stop()
        center.stop()
