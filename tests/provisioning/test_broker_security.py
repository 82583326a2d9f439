"""A whole generated center against a real Mosquitto started with the generated
configuration over TLS: every node connects with its own credentials, no node reads or
writes another node's topics, a revoked node is dropped and refused, and a certificate
from another authority is refused in both directions."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from paho.mqtt.reasoncodes import ReasonCode

from contract.mqtt import DownChannel, UpChannel
from provisioning.broker_control import cut_off
from provisioning.ca import CertificateAuthority
from provisioning.passwords import mosquitto_hash, verify
from tests.brokers import wait_until
from tests.provisioning.conftest import generate_local
from tests.provisioning.running import RunningCenter

NOT_AUTHORIZED = 0x87


@pytest.fixture
def center(tmp_path: Path, require_mosquitto: str) -> Iterator[RunningCenter]:
    inventory, generated = generate_local(tmp_path)
    running = RunningCenter(require_mosquitto, inventory, generated)
    yield running
    running.stop()


def _failed(reason: ReasonCode) -> bool:
    return reason.value == NOT_AUTHORIZED


def test_every_node_connects_with_its_generated_credentials(center: RunningCenter) -> None:
    hub = center.hub()
    hub.subscribe(center.topics.hub_subscription())
    for node in center.inventory.nodes:
        probe = center.node(node.node_id)
        assert not probe.publish(center.topics.up(node.node_id, UpChannel.STATUS),
                                 node.node_id.encode()).is_failure
        assert hub.next_message() == (center.topics.up(node.node_id, UpChannel.STATUS),
                                      node.node_id.encode())


def test_a_wrong_password_is_refused(center: RunningCenter) -> None:
    probe = center.probe("terminal-1", center.node_password("board-hall"))
    assert not probe.connect()
    assert probe.connack is not None and probe.connack.is_failure


def test_a_node_cannot_read_another_nodes_topics(center: RunningCenter) -> None:
    hub = center.hub()
    victim = center.node("board-hall")
    victim.subscribe(center.topics.node_subscription("board-hall"))
    # One spy asks for the whole center, the other for the board's topics by name.
    wide = center.node("terminal-1")
    wide.subscribe(f"{center.topics.root}/#")
    named = center.node("desk-window-1")
    named.subscribe(center.topics.node_subscription("board-hall"))
    named.subscribe(center.topics.up("board-hall", UpChannel.STATUS))
    named.subscribe(center.topics.node_subscription("desk-window-1"))
    secret = center.topics.down("board-hall", DownChannel.DISPLAY)
    hub.publish(secret, b"for the board only")
    hub.publish(center.topics.up("board-hall", UpChannel.STATUS), b"the board's status")
    markers = {spy: center.topics.down(spy, DownChannel.REPLY)
               for spy in ("terminal-1", "desk-window-1")}
    for topic in markers.values():
        hub.publish(topic, b"marker")
    assert victim.next_message() == (secret, b"for the board only")
    # The broker delivers one publisher's messages in order: each spy's marker comes
    # after anything it could have been given, so the first thing it gets is the marker.
    assert wide.next_message() == (markers["terminal-1"], b"marker")
    assert named.next_message() == (markers["desk-window-1"], b"marker")


def test_a_node_cannot_publish_on_another_nodes_topics(center: RunningCenter) -> None:
    hub = center.hub()
    hub.subscribe(f"{center.topics.root}/#")
    forger = center.node("desk-window-1")
    victim = center.node("desk-office-105")
    victim.subscribe(center.topics.node_subscription("desk-office-105"))
    assert _failed(forger.publish(center.topics.up("desk-office-105", UpChannel.PRESS),
                                  b"forged request"))
    assert _failed(forger.publish(center.topics.down("desk-office-105", DownChannel.REPLY),
                                  b"forged reply"))
    # Nor on its own down/ topics: only the hub speaks there.
    assert _failed(forger.publish(center.topics.down("desk-window-1", DownChannel.CONFIG),
                                  b"forged config"))
    own = center.topics.up("desk-window-1", UpChannel.PRESS)
    assert not forger.publish(own, b"own request").is_failure
    assert hub.next_message() == (own, b"own request")
    hub.publish(center.topics.down("desk-office-105", DownChannel.REPLY), b"real reply")
    assert victim.next_message() == (center.topics.down("desk-office-105",
                                                        DownChannel.REPLY), b"real reply")


def test_a_revoked_node_is_dropped_and_refused(center: RunningCenter) -> None:
    revoked = center.node("desk-window-1")
    other = center.node("desk-office-105")
    password_file = center.generated.broker_dir / "passwd"
    assert cut_off(password_file, "desk-window-1",
                   Path(str(center.inventory.broker.pid_file)))
    wait_until(revoked.disconnected.is_set, 10, "the revoked node to be dropped")
    again = center.probe("desk-window-1", center.node_password("desk-window-1"))
    assert not again.connect()
    assert again.connack is not None and again.connack.is_failure
    # Everyone else stays.
    assert other.connected.is_set()
    assert not other.publish(center.topics.up("desk-office-105", UpChannel.STATUS),
                             b"still here").is_failure
    assert center.node("terminal-1").connected.is_set()


def test_a_broker_certificate_from_another_authority_is_refused(
        center: RunningCenter, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger-ca.crt"
    stranger.write_bytes(CertificateAuthority.create("elsewhere").certificate_pem)
    probe = center.probe("terminal-1", center.node_password("terminal-1"), ca_file=stranger)
    assert not probe.connect()
    assert probe.connack is None  # the TLS handshake failed: no MQTT was spoken


def test_hashes_match_mosquitto_passwd(tmp_path: Path) -> None:
    passwd = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwd), "node", "s3cret"],
                   check=True, capture_output=True)
    stored = passwd.read_text().strip().split(":", 1)[1]
    assert verify("s3cret", stored)
    assert not verify("wrong", stored)
    salt = __import__("base64").b64decode(stored.split("$")[3])
    assert mosquitto_hash("s3cret", salt) == stored


@pytest.fixture
def mutual_tls_center(tmp_path: Path, require_mosquitto: str) -> Iterator[RunningCenter]:
    inventory, generated = generate_local(tmp_path, client_certificates=True)
    running = RunningCenter(require_mosquitto, inventory, generated)
    yield running
    running.stop()


def test_with_client_certificates_only_the_centers_own_are_accepted(
        mutual_tls_center: RunningCenter, tmp_path: Path) -> None:
    center = mutual_tls_center
    node_dir = center.generated.node_dir("terminal-1")
    password = center.node_password("terminal-1")
    own = center.probe("terminal-1", password,
                       cert=(node_dir / "node.crt", node_dir / "node.key"))
    assert own.connect()
    assert not center.probe("board-hall", center.node_password("board-hall")).connect()
    stranger = CertificateAuthority.create(center.inventory.center.id).issue_client(
        center.inventory.center.id, "desk-window-1")
    (tmp_path / "stranger.crt").write_bytes(stranger.certificate_pem)
    (tmp_path / "stranger.key").write_bytes(stranger.key_pem)
    forged = center.probe("desk-window-1", center.node_password("desk-window-1"),
                          cert=(tmp_path / "stranger.crt", tmp_path / "stranger.key"))
    assert not forged.connect()
    hub_dir = center.generated.root / "hub"
    hub = center.probe(center.inventory.hub.user, center.generated.hub_password,
                       cert=(hub_dir / "hub.crt", hub_dir / "hub.key"))
    assert hub.connect()
