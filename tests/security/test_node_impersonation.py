"""A node is only what provisioning says it is, and one node cannot empty a zone
(issue 17): a whole generated center (inventory, Mosquitto config, passwords, ACL and
TLS made by provisioning) with the inventory imported as the hub's records, the hub's
bridge connected with its generated credentials, and nodes that connect with theirs
and then lie about themselves or flood the hub.

Each impersonation of the issue is refused with `identity_mismatch` on the node's
reply (and its error topic), changes nothing, is shown on the fleet page and audited
once; 400 ticket requests from one terminal give its burst, the rest `rate_limited`,
while another terminal and the HTTP API are still served; leasing blocks and reporting
every number as printed offline is held to the same bucket."""

from __future__ import annotations

import queue
import re
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from contract.mqtt import (
    AnyRequest,
    ButtonAction,
    ButtonPress,
    DownChannel,
    ErrorMessage,
    LeaseRequest,
    NodeRole,
    OfflineTicket,
    Reply,
    TicketRequest,
    encode,
    request_channel,
)
from hub.api.app import create_app
from hub.domain.rate_limits import LEASED, POLICIES, TICKETS
from hub.domain.roles import Role
from hub.mqtt.bridge import MqttBridge
from hub.services.clock import ManualClock
from hub.services.node_records import import_inventory
from hub.settings import HubSettings
from hub.storage.models import AuditRow, TicketRow
from hub.wiring import Hub, build_hub
from provisioning.center import generate_center
from provisioning.inventory import Inventory, parse_inventory
from tests.brokers import mosquitto_binary, wait_until
from tests.conftest import unavailable
from tests.hub.test_console_check_in import CSRF, signed_in
from tests.mqtt.fake_node import FakeNode
from tests.provisioning.conftest import EXAMPLE, example_data, local_broker
from tests.provisioning.running import RunningCenter

BURST = POLICIES[TICKETS].burst


@dataclass
class Center:
    hub: Hub
    bridge: MqttBridge
    broker: RunningCenter
    nodes: list[FakeNode]
    inventory: Inventory

    def node(self, node_id: str, role: NodeRole, *, desk: str | None = None,
             zones: tuple[str, ...] = ()) -> FakeNode:
        """A node connected over TLS with its generated password, declaring `role`,
        `desk` and `zones` (whatever its record says)."""
        fake = FakeNode(self.broker.port, self.broker.topics, node_id,
                        password=self.broker.node_password(node_id), role=role, desk=desk,
                        zones=zones)
        fake.client.tls_set(ca_certs=str(self.broker.ca_file),
                            tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.nodes.append(fake.connect())
        fake.go_online()
        wait_until(lambda: declared_role(self.hub, node_id) == role.value, 10,
                   f"the hub to hear {node_id}'s status")
        return fake

    def terminal(self, node_id: str) -> FakeNode:
        """A terminal declaring what its firmware would with its inventory settings:
        the zones of its purpose buttons and its own (`served_zones`), as recorded."""
        settings = next(entry.settings for entry in self.inventory.nodes
                        if entry.node_id == node_id)
        return self.node(node_id, NodeRole.TICKET_TERMINAL,
                         zones=tuple(settings.served_zones()))


def declared_role(hub: Hub, node_id: str) -> str | None:
    node = hub.nodes.get(node_id)
    return node.declaration.role if node is not None else None


@contextmanager
def generated_center(tmp_path: Path, clock: ManualClock,
                     more_nodes: Iterable[dict[str, Any]] = ()) -> Iterator[Center]:
    """The example inventory, with `more_nodes` (inventory entries) added, as a running
    center: its broker, its records imported, the hub's bridge connected."""
    binary = mosquitto_binary()
    if binary is None:
        unavailable("mosquitto is not installed")
        raise AssertionError
    data = local_broker(example_data(), tmp_path)
    data["nodes"].extend(more_nodes)
    inventory = parse_inventory(data, EXAMPLE)
    generated = generate_center(inventory, tmp_path / "center")
    broker = RunningCenter(binary, inventory, generated)
    settings = HubSettings(data_dir=tmp_path / "hub", mqtt_enabled=False,
                           center_id=inventory.center.id, node_approval="administrator")
    hub = build_hub(settings, clock=clock)
    # What `kezek-hub nodes import` does: provisioning's inventory is the record.
    import_inventory(hub.nodes, hub.centers.snapshot().config, inventory, actor="test")
    bridge = MqttBridge(hub, inventory.broker_url.replace("hub.kezek.lan", "localhost"),
                        username=inventory.hub.user, password=generated.hub_password,
                        ca_file=str(broker.ca_file))
    bridge.start()
    running = Center(hub, bridge, broker, [], inventory)
    try:
        assert bridge.wait_connected(10)
        yield running
    finally:
        for fake in running.nodes:
            fake.close()
        bridge.stop()
        hub.close()
        broker.stop()


@pytest.fixture
def center(tmp_path: Path, clock: ManualClock) -> Iterator[Center]:
    # A second terminal, with credentials of its own, to see that a flood of the first
    # leaves the others served.
    first = next(node for node in example_data()["nodes"] if node["id"] == "terminal-1")
    with generated_center(tmp_path, clock, [first | {"id": "terminal-2"}]) as running:
        yield running


def tickets(hub: Hub) -> int:
    with hub.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(TicketRow)) or 0)


def changes(hub: Hub) -> list[tuple[str, str, str]]:
    """Every audited change but the hub's notes about nodes themselves."""
    with hub.db.read() as session:
        return [(row.actor, row.action, row.entity_id) for row in session.scalars(
            select(AuditRow).where(AuditRow.action.not_like("node.%")).order_by(AuditRow.id))]


def node_audit(hub: Hub, node_id: str, action: str) -> list[AuditRow]:
    with hub.db.read() as session:
        return list(session.scalars(select(AuditRow).where(
            AuditRow.entity == "node", AuditRow.entity_id == node_id,
            AuditRow.action == action)))


def refused_for_identity(reply: Reply, field: str) -> None:
    assert not reply.ok and reply.problem is not None
    assert reply.problem.code == "identity_mismatch"
    assert reply.problem.field == field
    assert reply.problem.text.kk.startswith("Құрылғы өзін тіркелгенінен басқаша")
    assert reply.problem.text.ru.startswith("Устройство называет себя не тем")


def told_on_error_topic(fake: FakeNode) -> None:
    said = fake.wait_for(DownChannel.ERROR, ErrorMessage,
                         lambda e: e.problem.code == "identity_mismatch")
    assert said.problem.text.ru.startswith("Устройство называет себя не тем")


def fleet_row(page: str, node_id: str) -> str:
    found = re.search(rf'<tr data-node="{re.escape(node_id)}"[^>]*>', page)
    assert found is not None, f"{node_id} is not on the fleet page"
    return found.group(0)


def alerted(page: str, node_id: str, action: str) -> bool:
    return f'data-alert="{action}" data-node="{node_id}"' in page


def api_client(hub: Hub) -> TestClient:
    """The HTTP API as a service with an administrator's token."""
    token = hub.users.create_token(name="api", role=Role.ADMINISTRATOR, actor="test")
    return TestClient(create_app(hub.settings, hub),
                      headers={"Authorization": f"Bearer {token}"})


def send(fake: FakeNode, request: AnyRequest) -> None:
    """A request as the node's outbox sends it (answered later, on its reply topic)."""
    fake.publish(request_channel(request), request)


def dropped_at_broker(fake: FakeNode, request: AnyRequest) -> None:
    """The broker's ACL for the node's recorded role has no topic for this request:
    nothing reaches the hub, so nothing answers (a bounded wait; the ACL itself is
    proved with positive controls in test_broker_acl.py)."""
    send(fake, request)
    time.sleep(0.5)
    assert not [raw for raw in fake.received[DownChannel.REPLY]
                if Reply.model_validate_json(raw).request_id == request.id]


def behind_broker(center: Center, fake: FakeNode, request: AnyRequest) -> Reply:
    """The same request handed to the hub's bridge as if the ACL had let it through
    (a broker set up by hand, an older ACL): the hub's own check must refuse it. The
    reply is read where the bridge publishes it (a display may not read replies)."""
    channel = request_channel(request)
    published: queue.Queue[Reply] = queue.Queue()
    publish = center.bridge._publish

    def spy(node: str, down: DownChannel, payload: bytes) -> None:
        if node == fake.node_id and down is DownChannel.REPLY:
            reply = Reply.model_validate_json(payload)
            if reply.request_id == request.id:
                published.put(reply)
        publish(node, down, payload)

    center.bridge._publish = spy  # type: ignore[method-assign]
    try:
        center.bridge._handle(center.broker.topics.up(fake.node_id, channel), fake.node_id,
                              channel.value, encode(request))
        return published.get(timeout=10)
    finally:
        center.bridge._publish = publish  # type: ignore[method-assign]


def test_a_terminal_declaring_itself_a_panel_cannot_recall(center: Center) -> None:
    hub = center.hub
    admin = signed_in(hub, "admin", Role.ADMINISTRATOR)
    api = api_client(hub)
    visitor = api.post("/api/v1/tickets", json={"language": "kk", "zone": "consultation"})
    assert visitor.status_code == 201, visitor.text
    panel = center.node("desk-window-1", NodeRole.CALL_BUTTON, desk="window-1")
    assert panel.ask(ButtonPress(node="desk-window-1", desk="window-1",
                                 action=ButtonAction.NEXT)).ok
    before = changes(hub)

    # Honest about itself, a terminal is no panel.
    # The broker drops its press (a terminal's ACL has no press topic); behind the
    # broker, the hub refuses it too.
    honest = center.terminal("terminal-1")
    recall = ButtonPress(node="terminal-1", desk="window-1", action=ButtonAction.RECALL)
    dropped_at_broker(honest, recall)
    refused = behind_broker(center, honest, recall)
    assert refused.problem is not None and refused.problem.code == "not_allowed"
    honest.close()
    # Declaring itself the panel of window 1, it is refused as not what it is.
    impostor = center.node("terminal-1", NodeRole.CALL_BUTTON, desk="window-1")
    told_on_error_topic(impostor)
    dropped_at_broker(impostor, ButtonPress(node="terminal-1", desk="window-1",
                                            action=ButtonAction.RECALL))
    for _ in range(3):
        refused_for_identity(behind_broker(center, impostor, ButtonPress(
            node="terminal-1", desk="window-1", action=ButtonAction.RECALL)), "role")
    assert changes(hub) == before  # no recall, nothing else
    assert len(node_audit(hub, "terminal-1", "node.identity_mismatch")) == 1  # per change
    mismatch = node_audit(hub, "terminal-1", "node.identity_mismatch")[0]
    assert mismatch.after is not None
    assert mismatch.after["declared"] == {"role": "call_button", "desk": "window-1",
                                          "zones": []}
    assert mismatch.after["record"]["role"] == "ticket_terminal"

    page = admin.get("/console/fleet").text
    # A panel declares no zones: the terminal's recorded zones differ too.
    assert 'data-identity-mismatch="role desk zones"' in fleet_row(page, "terminal-1")
    assert alerted(page, "terminal-1", "node.identity_mismatch")
    listed = {n["node_id"]: n for n in api.get("/api/v1/nodes").json()}
    assert listed["terminal-1"]["role"] == "ticket_terminal"
    assert listed["terminal-1"]["declared"]["role"] == "call_button"
    assert listed["terminal-1"]["identity_mismatch"] == ["role", "desk", "zones"]


def test_a_panel_declaring_another_desk_cannot_act_there_until_an_administrator_moves_it(
        center: Center) -> None:
    hub = center.hub
    admin = signed_in(hub, "admin", Role.ADMINISTRATOR)
    assert api_client(hub).post("/api/v1/tickets", json={"language": "ru",
                                                         "zone": "consultation"}
                                ).status_code == 201
    before = changes(hub)
    panel = center.node("desk-office-105", NodeRole.CALL_BUTTON, desk="window-1")
    told_on_error_topic(panel)
    press = ButtonPress(node="desk-office-105", desk="window-1", action=ButtonAction.NEXT)
    refused_for_identity(panel.ask(press), "desk")
    assert changes(hub) == before  # nobody called
    assert len(node_audit(hub, "desk-office-105", "node.identity_mismatch")) == 1
    page = admin.get("/console/fleet").text
    assert 'data-identity-mismatch="desk"' in fleet_row(page, "desk-office-105")
    assert alerted(page, "desk-office-105", "node.identity_mismatch")

    # Moving a panel is the administrator's: a forged form (no CSRF token) changes
    # nothing, the fleet page's form does, audited before and after.
    forged = admin.post("/console/fleet/desk-office-105/record",
                        data={"role": "call_button", "desk": "window-1"},
                        follow_redirects=False)
    assert forged.status_code in (400, 403), forged.status_code
    assert hub.nodes.get("desk-office-105").desk == "office-105"  # type: ignore[union-attr]
    token = CSRF.search(page)
    assert token is not None
    moved = admin.post("/console/fleet/desk-office-105/record", data={
        "role": "call_button", "desk": "window-1", "csrf_token": token.group(1)},
        follow_redirects=False)
    assert moved.status_code == 303
    [record] = node_audit(hub, "desk-office-105", "node.record")[-1:]
    assert record.actor == "admin"
    assert record.before == {"record": {"role": "call_button", "desk": "office-105",
                                        "zones": []}}
    assert record.after is not None and record.after["record"]["desk"] == "window-1"
    # The same press resent is judged again (a refusal for identity is not its answer).
    send(panel, press)
    answer = panel.wait_for(DownChannel.REPLY, Reply,
                            lambda r: r.request_id == press.id and r.ok)
    assert answer.desk is not None and answer.desk.current is not None


def test_a_display_declaring_itself_a_terminal_gets_no_ticket(center: Center) -> None:
    hub = center.hub
    before = changes(hub)
    board = center.node("board-hall", NodeRole.TICKET_TERMINAL)
    told_on_error_topic(board)
    dropped_at_broker(board, TicketRequest(node="board-hall", language="kk",
                                           zone="consultation"))
    for _ in range(3):
        refused_for_identity(behind_broker(center, board, TicketRequest(
            node="board-hall", language="kk", zone="consultation")), "role")
    assert tickets(hub) == 0
    assert changes(hub) == before
    assert len(node_audit(hub, "board-hall", "node.identity_mismatch")) == 1
    admin = signed_in(hub, "admin", Role.ADMINISTRATOR)
    page = admin.get("/console/fleet").text
    assert 'data-identity-mismatch="role zones"' in fleet_row(page, "board-hall")


def test_a_flood_from_one_terminal_gives_its_burst_and_others_are_still_served(
        center: Center) -> None:
    hub = center.hub
    terminal = center.terminal("terminal-1")
    requests = [TicketRequest(node="terminal-1", language="kk", zone="consultation")
                for _ in range(400)]
    for request in requests:
        send(terminal, request)
    asked = {request.id for request in requests}

    def replies() -> dict[str, Reply]:
        got: dict[str, Reply] = {}
        for raw in list(terminal.received[DownChannel.REPLY]):
            reply = Reply.model_validate_json(raw)
            if reply.request_id in asked:
                got.setdefault(reply.request_id, reply)
        return got

    wait_until(lambda: len(replies()) == len(requests), 60, "every request answered")
    answered = replies()
    served = [r for r in answered.values() if r.ok]
    limited = [r for r in answered.values() if not r.ok]
    # The hub's clock stands still in the test: exactly the burst, nothing refilled.
    assert len(served) == BURST
    assert tickets(hub) == BURST
    assert len({r.ticket.number for r in served if r.ticket}) == BURST
    assert {r.problem.code for r in limited if r.problem} == {"rate_limited"}
    assert len(limited) == len(requests) - BURST
    assert limited[0].problem is not None
    assert limited[0].problem.text.kk and limited[0].problem.text.ru
    assert len(node_audit(hub, "terminal-1", "node.rate_limited")) == 1  # once per flood

    # A resend of a served request is its ticket again, not a refusal; a refused one
    # resent is judged again (still over the limit), never issued twice.
    first_served = next(request for request in requests if answered[request.id].ok)
    send(terminal, first_served.model_copy())
    again = terminal.wait_for(DownChannel.REPLY, Reply, lambda r: r.request_id
                              == first_served.id and r.ticket is not None and r.ticket.replayed)
    assert again.ticket == answered[first_served.id].ticket.model_copy(  # type: ignore[union-attr]
        update={"replayed": True})
    first_refused = next(request for request in requests if not answered[request.id].ok)
    send(terminal, first_refused.model_copy())

    def answers_to(request_id: str) -> list[Reply]:
        return [reply for raw in list(terminal.received[DownChannel.REPLY])
                if (reply := Reply.model_validate_json(raw)).request_id == request_id]

    wait_until(lambda: len(answers_to(first_refused.id)) == 2, 10, "the resend judged")
    assert [r.problem.code for r in answers_to(first_refused.id) if r.problem] == [
        "rate_limited", "rate_limited"]
    assert tickets(hub) == BURST
    assert len(node_audit(hub, "terminal-1", "node.rate_limited")) == 1

    # Another terminal and the HTTP API are served as ever.
    other = center.terminal("terminal-2")
    theirs = other.ask(TicketRequest(node="terminal-2", language="ru", zone="consultation"))
    assert theirs.ok, theirs.problem
    admin = signed_in(hub, "admin", Role.ADMINISTRATOR)
    issued = api_client(hub).post("/api/v1/tickets",
                                  json={"language": "kk", "zone": "consultation"})
    assert issued.status_code == 201, issued.text
    assert tickets(hub) == BURST + 2

    page = admin.get("/console/fleet").text
    assert alerted(page, "terminal-1", "node.rate_limited")
    assert not alerted(page, "terminal-2", "node.rate_limited")


def test_leasing_and_reporting_every_number_as_printed_is_held_to_the_ticket_bucket(
        center: Center, clock: ManualClock) -> None:
    """The reviewer's loop: lease a block, report each of its numbers as an offline
    ticket, lease again. Every accepted report is charged to the terminal's leased
    bucket and a lease needs a token of it, so with the hub's clock standing still the
    loop ends after the burst's worth of blocks (not the zone's range); a report is
    never refused, and the visitors at the terminal still get their tickets."""
    hub = center.hub
    terminal = center.terminal("terminal-1")
    reported = 0
    leases = 0
    refusal: Reply | None = None
    while refusal is None and leases < 30:
        lease = terminal.ask(LeaseRequest(node="terminal-1", zones=["consultation"]))
        if not lease.ok:
            refusal = lease
            break
        leases += 1
        assert lease.lease, lease
        for block in lease.lease:
            for number in block.numbers:
                printed = terminal.ask(OfflineTicket(
                    node="terminal-1", lease_id=block.lease_id, zone=block.zone,
                    number=number, language="kk", printed_at=clock.now()))
                assert printed.ok, printed.problem  # charged, never refused
                reported += 1
    assert refusal is not None and refusal.problem is not None
    assert refusal.problem.code == "rate_limited"
    assert refusal.problem.text.kk and refusal.problem.text.ru
    # One lease's block (the default block is the burst), then the bucket is in debt.
    assert leases == 1
    assert reported <= BURST
    assert tickets(hub) == reported
    # Its ticket requests draw from another bucket: the visitors there are served.
    served = terminal.ask(TicketRequest(node="terminal-1", language="kk",
                                        zone="consultation"))
    assert served.ok, served.problem
    other = center.terminal("terminal-2")
    assert other.ask(TicketRequest(node="terminal-2", language="ru", zone="consultation")).ok
    # The debt is bounded: (burst + 1) tokens' refill and the terminal may lease again.
    clock.advance(seconds=(BURST + 1) * 60 / POLICIES[LEASED].per_minute)
    again = terminal.ask(LeaseRequest(node="terminal-1", zones=["consultation"]))
    assert again.ok, again.problem


def test_the_fleet_and_api_need_an_administrator_to_change_a_record(center: Center) -> None:
    hub = center.hub
    token = hub.users.create_token(name="reception", role=Role.RECEPTION, actor="test")
    with TestClient(create_app(hub.settings, hub)) as client:
        refused = client.put("/api/v1/nodes/terminal-1/record",
                             json={"role": "call_button", "desk": "window-1"},
                             headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 403
    admin_token = hub.users.create_token(name="admin", role=Role.ADMINISTRATOR, actor="test")
    with TestClient(create_app(hub.settings, hub),
                    headers={"Authorization": f"Bearer {admin_token}"}) as client:
        unknown_desk = client.put("/api/v1/nodes/terminal-1/record",
                                  json={"role": "call_button", "desk": "window-9"})
        assert unknown_desk.status_code == 422
        assert unknown_desk.json()["code"] == "invalid_value"
        nobody = client.put("/api/v1/nodes/nobody/record", json={"role": "display"})
        assert nobody.status_code == 404
        assert hub.nodes.get("terminal-1").role == "ticket_terminal"  # type: ignore[union-attr]
        moved = client.put("/api/v1/nodes/terminal-1/record",
                           json={"role": "display", "zones": ["personal"]})
        assert moved.status_code == 200, moved.text
        assert moved.json()["role"] == "display" and moved.json()["zones"] == ["personal"]
    [record] = node_audit(hub, "terminal-1", "node.record")[-1:]
    assert record.actor == "token:admin"
    # The fleet page's form is no way around it: reception sees the page, with no form
    # to change a record, and a post of its own is refused.
    reception = signed_in(hub, "reception", Role.RECEPTION)
    page = reception.get("/console/fleet").text
    assert "data-record-form" not in page
    session_token = CSRF.search(page)  # the sign-out form's: valid for the session
    assert session_token is not None
    posted = reception.post("/console/fleet/terminal-1/record", data={
        "role": "call_button", "desk": "window-1", "csrf_token": session_token.group(1)},
        follow_redirects=False)
    assert posted.status_code == 403
    assert hub.nodes.get("terminal-1").role == "display"  # type: ignore[union-attr]
    assert record.after is not None
    assert record.after["record"] == {"role": "display", "desk": None, "zones": ["personal"]}
