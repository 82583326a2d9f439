"""Claiming: a node the hub has never heard from is pending; its requests are refused
with a bilingual problem until an administrator approves it on the fleet page; a
rejected or revoked node is refused, cut off at the broker (its password line removed,
Mosquitto reloaded) and shown so. Every decision is audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import select

from contract.mqtt import (
    DownChannel,
    NodeConfig,
    NodeRole,
    NodeStatus,
    Presence,
    Reply,
    TicketRequest,
    UpChannel,
    decode,
    encode,
)
from hub.domain.errors import Conflict, NotFound, ValidationFailed
from hub.domain.node_identity import Identity
from hub.domain.roles import Role
from hub.mqtt.bridge import MqttBridge
from hub.services.clock import ManualClock
from hub.services.nodes import Approval
from hub.settings import HubSettings
from hub.storage.models import AuditRow
from hub.wiring import Hub, build_hub
from provisioning.passwords import read_password_file
from tests.brokers import wait_until
from tests.hub.test_console_check_in import CSRF, signed_in
from tests.provisioning.conftest import generate_local
from tests.provisioning.probe import Probe
from tests.provisioning.running import RunningCenter


def status(node: str, role: NodeRole = NodeRole.TICKET_TERMINAL, **extra: object
           ) -> NodeStatus:
    return NodeStatus(node=node, state=Presence.ONLINE, role=role, software="test",
                      **extra)


def claim_shown(page: str, node: str) -> dict[str, str | list[str]]:
    """The role, desk and zones the fleet page's approval form of `node` carries."""
    form = re.search(rf'action="/console/fleet/{re.escape(node)}/approval".*?</form>', page,
                     re.S)
    assert form is not None, f"no approval form for {node}"
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'type="hidden" name="(role|desk|zones)" value="([^"]*)"',
                                  form.group(0)):
        fields.setdefault(name, []).append(value)
    return {name: values if name == "zones" else values[0] for name, values in fields.items()}


@pytest.fixture
def claiming_hub(settings: HubSettings, clock: ManualClock) -> Iterator[Hub]:
    hub = build_hub(settings.model_copy(update={"node_approval": "administrator"}),
                    clock=clock)
    yield hub
    hub.close()


def test_without_claiming_a_new_node_is_trusted(hub: Hub) -> None:
    info, _ = hub.nodes.record_status(status("terminal-1"))
    assert info.approval == "approved"
    assert hub.nodes.approval("terminal-1") is Approval.APPROVED


def test_production_asks_for_approval_by_default(tmp_path: Path) -> None:
    production = HubSettings(environment="production", secret_key="k" * 40,
                             data_dir=tmp_path)
    assert production.nodes_need_approval
    assert not HubSettings(data_dir=tmp_path).nodes_need_approval


def test_decisions_follow_the_states_and_are_audited(claiming_hub: Hub) -> None:
    nodes = claiming_hub.nodes
    assert nodes.approval("terminal-1") is None
    info, _ = nodes.record_status(status("terminal-1", zones=["self_service"]))
    assert info.approval == "pending"
    assert nodes.approval("terminal-1") is Approval.PENDING
    with pytest.raises(Conflict):
        nodes.decide("terminal-1", Approval.REVOKED, actor="user:admin")
    assert nodes.decide("terminal-1", Approval.APPROVED, actor="user:admin",
                        claim=Identity.of("ticket_terminal", None, ("self_service",))
                        ).approval == "approved"
    # The claim approved: what it declared then is its record. A later status does not
    # undo the decision, nor change the record: it is kept as a declaration.
    nodes.record_status(status("terminal-1", zones=["consultation"]))
    later = nodes.get("terminal-1")
    assert later.approval == "approved"
    assert later.zones == ("self_service",)
    assert later.declaration.zones == {"consultation"}
    assert [m.value for m in later.mismatches] == ["zones"]
    nodes.decide("terminal-1", Approval.REVOKED, actor="user:admin")
    assert nodes.approval("terminal-1") is Approval.REVOKED
    with pytest.raises(NotFound):
        nodes.decide("nobody", Approval.APPROVED, actor="user:admin")
    with claiming_hub.db.read() as session:
        rows = list(session.scalars(select(AuditRow).where(AuditRow.entity == "node")
                                    .order_by(AuditRow.id)))
    assert [(r.action, r.entity_id, r.actor, r.before, r.after) for r in rows] == [
        ("node.approved", "terminal-1", "user:admin", {"approval": "pending"},
         {"approval": "approved",
          "record": {"role": "ticket_terminal", "desk": None, "zones": ["self_service"]}}),
        ("node.identity_mismatch", "terminal-1", "node:terminal-1",
         {"record": {"role": "ticket_terminal", "desk": None, "zones": ["self_service"]},
          "declared": {"role": "ticket_terminal", "desk": None, "zones": ["self_service"]}},
         {"record": {"role": "ticket_terminal", "desk": None, "zones": ["self_service"]},
          "declared": {"role": "ticket_terminal", "desk": None, "zones": ["consultation"]}}),
        ("node.revoked", "terminal-1", "user:admin", {"approval": "approved"},
         {"approval": "revoked"})]


def test_rejecting_without_a_managed_broker_says_so(claiming_hub: Hub) -> None:
    claiming_hub.nodes.record_status(status("terminal-9"))
    admin = signed_in(claiming_hub, "admin", Role.ADMINISTRATOR)
    page = admin.get("/console/fleet")
    token = CSRF.search(page.text)
    assert token is not None
    done = admin.post("/console/fleet/terminal-9/approval",
                      data={"decision": "rejected", "csrf_token": token.group(1)})
    assert done.status_code == 200
    assert "kezek-provision revoke" in done.text
    assert claiming_hub.nodes.approval("terminal-9") is Approval.REJECTED
    refused = admin.post("/console/fleet/terminal-9/approval",
                         data={"decision": "sideways", "csrf_token": token.group(1)})
    assert "белгісіз шешім" in refused.text or "неизвестное решение" in refused.text
    operator = signed_in(claiming_hub, "operator", Role.OPERATOR)
    page = operator.get("/console/fleet")
    assert 'data-decision="approved"' not in page.text
    forbidden = operator.post("/console/fleet/terminal-9/approval", data={
        "decision": "approved", "csrf_token": CSRF.search(page.text).group(1)})
    assert forbidden.status_code == 403
    assert claiming_hub.nodes.approval("terminal-9") is Approval.REJECTED


class TlsNode:
    """A node of the generated center speaking the contract over TLS."""

    def __init__(self, center: RunningCenter, node_id: str) -> None:
        self.node_id = node_id
        self.center = center
        # MQTT 3.1.1 as a node speaks it (the hub refuses a node connected with 5).
        self.probe = center.node(node_id, mqtt.MQTTv311)
        self.probe.subscribe(center.topics.node_subscription(node_id))

    def send(self, channel: UpChannel, message: object, *, retain: bool = False) -> None:
        self.probe.client.publish(self.center.topics.up(self.node_id, channel),
                                  encode(message), qos=1, retain=retain)

    def next_on(self, channel: DownChannel) -> bytes:
        topic = self.center.topics.down(self.node_id, channel)
        while True:
            got, payload = self.probe.next_message()
            if got == topic:
                return payload


def test_a_new_node_is_claimed_approved_and_revoked_through_the_console(
        tmp_path: Path, require_mosquitto: str, clock: ManualClock) -> None:
    inventory, generated = generate_local(tmp_path)
    center = RunningCenter(require_mosquitto, inventory, generated)
    settings = HubSettings(data_dir=tmp_path / "hub", mqtt_enabled=False,
                           center_id=inventory.center.id, node_approval="administrator",
                           broker_password_file=generated.broker_dir / "passwd",
                           broker_pid_file=Path(str(inventory.broker.pid_file)))
    hub = build_hub(settings, clock=clock)
    bridge = MqttBridge(hub, inventory.broker_url.replace("hub.kezek.lan", "localhost"),
                        username=inventory.hub.user, password=generated.hub_password,
                        ca_file=str(center.ca_file))
    bridge.start()
    try:
        assert bridge.wait_connected(10)
        terminal = TlsNode(center, "terminal-1")
        terminal.send(UpChannel.STATUS, status("terminal-1", zones=["consultation"]),
                      retain=True)
        wait_until(lambda: hub.nodes.approval("terminal-1") is Approval.PENDING, 10,
                   "the hub to see the new node")
        request = TicketRequest(node="terminal-1", language="kk", zone="consultation")
        terminal.send(UpChannel.TICKET, request)
        reply = decode(Reply, terminal.next_on(DownChannel.REPLY))
        assert (reply.request_id, reply.ok) == (request.id, False)
        assert reply.problem is not None and reply.problem.code == "node_pending"
        assert reply.problem.text.kk == "Құрылғыны әкімші әлі растамаған"
        assert reply.problem.text.ru == "Устройство ещё не подтверждено администратором"

        admin = signed_in(hub, "admin", Role.ADMINISTRATOR)
        page = admin.get("/console/fleet")
        assert 'data-count="pending">1<' in page.text
        assert 'data-approval="pending"' in page.text
        token = CSRF.search(page.text).group(1)
        approved = admin.post("/console/fleet/terminal-1/approval", data={
            "decision": "approved", "csrf_token": token,
            **claim_shown(page.text, "terminal-1")})
        assert "Устройство terminal-1 подтверждено." in approved.text or \
            "terminal-1 құрылғысы расталды." in approved.text
        assert hub.nodes.approval("terminal-1") is Approval.APPROVED
        config = decode(NodeConfig, terminal.next_on(DownChannel.CONFIG))
        assert config.role is NodeRole.TICKET_TERMINAL
        # The same request, resent by the node's outbox, is now served.
        terminal.send(UpChannel.TICKET, request)
        served = decode(Reply, terminal.next_on(DownChannel.REPLY))
        assert served.ok and served.ticket is not None

        revoked = admin.post("/console/fleet/terminal-1/approval",
                             data={"decision": "revoked", "csrf_token": token})
        assert 'data-approval="revoked"' in revoked.text
        assert "terminal-1" not in read_password_file(generated.broker_dir / "passwd")
        wait_until(terminal.probe.disconnected.is_set, 10, "the broker to drop the node")
        again = Probe(center.port, "terminal-1", center.node_password("terminal-1"),
                      center.ca_file)
        assert not again.connect()
        again.close()
        with hub.db.read() as session:
            actions = [r.action for r in session.scalars(
                select(AuditRow).where(AuditRow.entity == "node").order_by(AuditRow.id))]
        assert actions == ["node.approved", "node.revoked"]
    finally:
        bridge.stop()
        hub.close()
        center.stop()


def test_an_approval_makes_a_record_only_of_the_claim_the_administrator_saw(
        claiming_hub: Hub) -> None:
    """The node's declaration at the click is not trusted: the form carries what the
    page showed, and a node that declared otherwise meanwhile stays pending."""
    nodes = claiming_hub.nodes
    nodes.record_status(status("terminal-5", zones=["consultation"]))
    admin = signed_in(claiming_hub, "admin", Role.ADMINISTRATOR)
    page = admin.get("/console/fleet").text
    shown = claim_shown(page, "terminal-5")
    assert shown == {"role": "ticket_terminal", "desk": "", "zones": ["consultation"]}
    token = CSRF.search(page)
    assert token is not None
    # Meanwhile the node declares itself the call button of window 1.
    nodes.record_status(status("terminal-5", NodeRole.CALL_BUTTON, desk="window-1"))
    refused = admin.post("/console/fleet/terminal-5/approval", data={
        "decision": "approved", "csrf_token": token.group(1), **shown})
    assert "Устройство изменило сведения о себе после открытия страницы" in refused.text \
        or "Құрылғы бет ашылғаннан кейін өзін басқаша атады" in refused.text
    assert nodes.approval("terminal-5") is Approval.PENDING
    assert not nodes.get("terminal-5").recorded  # type: ignore[union-attr]
    with pytest.raises(Conflict) as no_claim:
        nodes.decide("terminal-5", Approval.APPROVED, actor="user:admin")
    assert no_claim.value.text.kk and no_claim.value.text.ru
    # What the page shows now is approved, as the record.
    again = admin.get("/console/fleet").text
    admin.post("/console/fleet/terminal-5/approval", data={
        "decision": "approved", "csrf_token": token.group(1),
        **claim_shown(again, "terminal-5")})
    approved = nodes.get("terminal-5")
    assert approved is not None and approved.approval == "approved"
    assert approved.record == Identity.of("call_button", "window-1", ())


def test_a_claim_naming_what_the_center_does_not_have_is_not_approved(
        claiming_hub: Hub) -> None:
    nodes = claiming_hub.nodes
    nodes.record_status(status("buttons-9", NodeRole.CALL_BUTTON, desk="window-99"))
    with pytest.raises(ValidationFailed) as refused:
        nodes.decide("buttons-9", Approval.APPROVED, actor="user:admin",
                     claim=Identity.of("call_button", "window-99", ()))
    assert refused.value.field == "desk" and refused.value.text.ru == "Такого рабочего места нет"
    assert nodes.approval("buttons-9") is Approval.PENDING
    assert not nodes.get("buttons-9").recorded  # type: ignore[union-attr]
