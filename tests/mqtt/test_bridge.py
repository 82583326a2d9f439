"""The bridge over a real Mosquitto with per-node credentials and the contract's ACL,
on SQLite and PostgreSQL: tickets, buttons, displays, presence, and bad input."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from contract.mqtt import (
    MAX_PAYLOAD_BYTES,
    Announcement,
    ButtonAction,
    ButtonPress,
    DisplaySnapshot,
    DownChannel,
    ErrorMessage,
    NodeConfig,
    NodeRole,
    Reply,
    Telemetry,
    TicketRequest,
    UpChannel,
    encode,
    request_channel,
)
from hub.mqtt.bridge import MqttBridge
from hub.services.nodes import NodeInfo
from hub.storage.models import AuditRow, TicketRow
from tests.brokers import wait_until
from tests.mqtt.conftest import NodeFactory


def tickets(bridge: MqttBridge) -> int:
    with bridge.hub.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(TicketRow)) or 0)


def test_a_terminal_gets_a_ticket_and_a_repeated_request_gets_the_same_one(
        bridged_hub: MqttBridge, node: NodeFactory) -> None:
    terminal = node("terminal-1")
    config = terminal.wait_for(DownChannel.CONFIG, NodeConfig)
    assert config.role is NodeRole.TICKET_TERMINAL
    assert any(p.code == "appeal_paper" for p in config.purposes)

    request = TicketRequest(node="terminal-1", language="kk", purpose="appeal_paper")
    first = terminal.ask(request)
    assert first.ok and first.ticket is not None
    assert first.ticket.number == 100
    assert first.ticket.zone_name.kk == "Консультация"
    assert first.ticket.purpose_name is not None
    assert first.ticket.purpose_name.kk == "Қағаз түріндегі өтінішті тапсыру"
    assert first.ticket.people_ahead == 0

    assert not first.ticket.replayed
    # The same id, as an outbox resends it.
    terminal.publish(request_channel(request), request.model_copy())
    again = terminal.wait_for(DownChannel.REPLY, Reply, lambda r: r.request_id == request.id
                              and r.ticket is not None and r.ticket.replayed)
    # The reply given the first time (its id, its time), the ticket said to be given
    # again, as docs/mqtt.md says: "A ticket given again says replayed: true".
    assert again.ticket == first.ticket.model_copy(update={"replayed": True})
    assert again.id == first.id and again.at == first.at
    assert terminal.count(DownChannel.REPLY) == 2
    assert tickets(bridged_hub) == 1
    with bridged_hub.hub.db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "issue")).one()
    assert audit.actor == "node:terminal-1"

    second = terminal.ask(TicketRequest(node="terminal-1", language="ru",
                                        purpose="appeal_paper"))
    assert second.ticket is not None and second.ticket.number == 101
    assert second.ticket.people_ahead == 1


def test_call_buttons_call_once_and_displays_show_and_announce(
        bridged_hub: MqttBridge, node: NodeFactory) -> None:
    hall = node("display-hall", NodeRole.DISPLAY)
    personal = node("display-personal", NodeRole.DISPLAY, zones=("personal",))
    terminal = node("terminal-1")
    buttons = node("buttons-1", NodeRole.CALL_BUTTON, desk="window-3")
    ticket = terminal.ask(TicketRequest(node="terminal-1", language="kk",
                                        purpose="appeal_paper")).ticket
    assert ticket is not None
    hall.wait_for(DownChannel.DISPLAY, DisplaySnapshot,
                  lambda s: any(z.zone == "consultation" and z.waiting == 1 for z in s.zones))

    press = ButtonPress(node="buttons-1", desk="window-3", action=ButtonAction.NEXT)
    reply = buttons.ask(press)
    assert reply.ok and reply.desk is not None and reply.desk.current is not None
    assert reply.desk.current.number == ticket.number
    assert reply.desk.current.state == "called"
    assert reply.desk.waiting == 0

    said = hall.wait_for(DownChannel.ANNOUNCE, Announcement)
    assert (said.number, said.desk, said.language) == (ticket.number, "window-3", "kk")
    assert said.desk_label.kk == "3-терезе"
    shown = hall.wait_for(DownChannel.DISPLAY, DisplaySnapshot,
                          lambda s: bool(s.calls) and s.calls[0].number == ticket.number)
    assert shown.calls[0].desk_label.ru == "Окно 3"
    assert all("name" not in json.loads(raw) for raw in hall.received[DownChannel.DISPLAY])

    # The press resent (the lamp never lit): no second call, the same answer.
    assert buttons.ask(press.model_copy()).desk == reply.desk
    nobody = buttons.ask(ButtonPress(node="buttons-1", desk="window-3",
                                     action=ButtonAction.NEXT))
    assert not nobody.ok and nobody.problem is not None
    assert nobody.problem.code == "desk_busy"
    # The personal-reception board neither shows nor says consultation calls.
    personal.wait_for(DownChannel.DISPLAY, DisplaySnapshot)
    assert personal.count(DownChannel.ANNOUNCE) == 0
    latest = DisplaySnapshot.model_validate_json(personal.received[DownChannel.DISPLAY][-1])
    assert [z.zone for z in latest.zones] == ["personal"] and latest.calls == []

    for action in (ButtonAction.RECALL, ButtonAction.START, ButtonAction.DONE):
        answer = buttons.ask(ButtonPress(node="buttons-1", desk="window-3", action=action))
        assert answer.ok, answer.problem
    hall.wait_for(DownChannel.ANNOUNCE, Announcement, lambda a: a.kind == "recall")
    done = buttons.ask(ButtonPress(node="buttons-1", desk="window-3", action=ButtonAction.DONE))
    assert not done.ok and done.problem is not None and done.problem.code == "desk_empty"
    assert done.problem.text.kk == "Жұмыс орнында келуші жоқ"


def test_nodes_act_only_in_their_role_and_at_their_desk(
        bridged_hub: MqttBridge, node: NodeFactory) -> None:
    buttons = node("buttons-1", NodeRole.CALL_BUTTON, desk="window-3")
    refused = buttons.ask(ButtonPress(node="buttons-1", desk="window-1",
                                      action=ButtonAction.NEXT))
    assert refused.problem is not None and refused.problem.code == "not_allowed"
    assert refused.problem.field == "desk"
    # The broker's ACL drops a panel's ticket request (tests/security/test_broker_acl.py);
    # should one get through, the hub refuses it by the node's role too.
    request = TicketRequest(node="buttons-1", language="ru", purpose="appeal_paper")
    bridged_hub._handle(bridged_hub.topics.up("buttons-1", UpChannel.TICKET), "buttons-1",
                        UpChannel.TICKET, encode(request))
    as_terminal = buttons.wait_for(DownChannel.REPLY, Reply,
                                   lambda reply: reply.request_id == request.id)
    assert as_terminal.problem is not None and as_terminal.problem.code == "not_allowed"
    silent = node("terminal-2", online=False)
    unknown = silent.ask(TicketRequest(node="terminal-2", language="ru", purpose="appeal_paper"))
    assert unknown.problem is not None and unknown.problem.code == "not_allowed"
    assert tickets(bridged_hub) == 0


def test_presence_telemetry_and_the_will(bridged_hub: MqttBridge, node: NodeFactory) -> None:
    registry = bridged_hub.hub.nodes

    def known() -> NodeInfo:
        info = registry.get("terminal-1")
        assert info is not None
        return info

    terminal = node("terminal-1")
    wait_until(lambda: registry.get("terminal-1") is not None and known().presence == "online",
               what="terminal online")
    terminal.publish(UpChannel.TELEMETRY, Telemetry(node="terminal-1", uptime_s=12.5, outbox=3,
                                                    cpu_temp_c=48.2))
    wait_until(lambda: (known().telemetry or {}).get("outbox") == 3,
               what="telemetry stored")
    terminal.kill()
    wait_until(lambda: known().presence == "offline", timeout=20,
               what="the will to mark the terminal offline")


BAD_REQUESTS = [
    (b"{not json", "not_json", None),
    (b'["a list"]', "not_json", None),
    (json.dumps({"v": 1, "id": "r1", "kind": "ticket", "node": "terminal-1"}).encode(),
     "invalid", "language"),
    (json.dumps({"v": 2, "id": "r2", "kind": "ticket", "node": "terminal-1",
                 "language": "kk"}).encode(), "schema_version", "v"),
    (json.dumps({"v": 1, "id": "r3", "kind": "ticket", "node": "terminal-2",
                 "language": "kk"}).encode(), "wrong_node", "node"),
    (json.dumps({"v": 1, "id": "r4", "kind": "coffee", "node": "terminal-1"}).encode(),
     "invalid", "kind"),
    (b"x" * (1024 * 1024), "too_large", None),
]


@pytest.mark.parametrize(("payload", "code", "field"), BAD_REQUESTS,
                         ids=["not-json", "not-object", "missing-field", "version",
                              "wrong-node", "unknown-kind", "1MB"])
def test_bad_messages_get_an_error_and_change_nothing(
        bridged_hub: MqttBridge, node: NodeFactory, payload: bytes, code: str,
        field: str | None) -> None:
    terminal = node("terminal-1")
    terminal.publish(UpChannel.TICKET, payload)
    error = terminal.wait_for(DownChannel.ERROR, ErrorMessage)
    assert error.problem.code == code
    assert error.problem.field == field
    assert error.problem.text.kk and error.problem.text.ru
    assert error.topic.endswith("/node/terminal-1/up/ticket")
    assert tickets(bridged_hub) == 0
    assert terminal.ask(TicketRequest(node="terminal-1", language="kk",
                                      purpose="appeal_paper")).ok  # still alive
    assert len(BAD_REQUESTS[-1][0]) > MAX_PAYLOAD_BYTES


def test_a_channel_nobody_handles_is_answered_with_an_error(
        bridged_hub: MqttBridge, node: NodeFactory) -> None:
    # The broker's ACL lets no node publish there; behind it, the hub answers an error.
    terminal = node("terminal-1")
    bridged_hub._handle(f"{bridged_hub.topics.root}/node/terminal-1/up/firmware",
                        "terminal-1", "firmware", b"{}")
    error = terminal.wait_for(DownChannel.ERROR, ErrorMessage)
    assert error.problem.code == "unknown_channel"


def test_the_old_request_channel_is_gone(bridged_hub: MqttBridge, node: NodeFactory) -> None:
    terminal = node("terminal-1")
    request = TicketRequest(node="terminal-1", language="kk", purpose="appeal_paper")
    bridged_hub._handle(f"{bridged_hub.topics.root}/node/terminal-1/up/request",
                        "terminal-1", "request", encode(request))
    error = terminal.wait_for(DownChannel.ERROR, ErrorMessage)
    assert error.problem.code == "unknown_channel"
    assert tickets(bridged_hub) == 0


@pytest.mark.parametrize("channel", [UpChannel.LEASE, UpChannel.BOOKING_SCAN,
                                     UpChannel.PRINT_REPORT])
def test_a_request_on_another_kinds_channel_is_refused(
        bridged_hub: MqttBridge, node: NodeFactory, channel: UpChannel) -> None:
    """The ACL lets a terminal publish on these channels: a ticket request sent there
    must not pass as one (were it accepted, a kind's channel would not bound it)."""
    terminal = node("terminal-1")
    request = TicketRequest(node="terminal-1", language="kk", purpose="appeal_paper")
    terminal.publish(channel, request)
    error = terminal.wait_for(DownChannel.ERROR, ErrorMessage)
    assert error.problem.code == "wrong_channel"
    assert error.request_id == request.id
    assert "up/ticket" in error.problem.text.ru and "up/ticket" in error.problem.text.kk
    assert tickets(bridged_hub) == 0
    assert terminal.ask(request).ok  # the same request on its own channel is served


def test_a_node_cannot_publish_or_listen_as_another(
        bridged_hub: MqttBridge, node: NodeFactory, topics: object) -> None:
    victim = node("terminal-1")
    intruder = node("intruder", NodeRole.DISPLAY)
    # Mosquitto drops a publish the ACL denies (MQTT 3.1.1 has no way to say so).
    intruder.publish(UpChannel.TICKET, TicketRequest(node="terminal-1", language="kk",
                                                      purpose="appeal_paper"),
                     node="terminal-1")
    intruder.publish(UpChannel.STATUS, b"", node="terminal-1", retain=True)
    # A request of its own still goes through the broker, so the hub did get to run.
    own = intruder.ask(TicketRequest(node="intruder", language="kk", purpose="appeal_paper"))
    assert own.problem is not None and own.problem.code == "not_allowed"
    assert tickets(bridged_hub) == 0
    assert victim.count(DownChannel.REPLY) == 0
    assert bridged_hub.hub.nodes.get("terminal-1").presence == "online"  # type: ignore[union-attr]
    # Nor can it read what the hub tells another node.
    eavesdropper = node("intruder", NodeRole.DISPLAY, online=False)
    eavesdropper.client.subscribe(f"{bridged_hub.topics.root}/node/terminal-1/down/#", qos=1)
    victim.ask(TicketRequest(node="terminal-1", language="kk", purpose="appeal_paper"))
    assert eavesdropper.count(DownChannel.REPLY) == 0
