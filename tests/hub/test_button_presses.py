"""A desk panel's presses applied by the hub (hub.mqtt.requests.handle_button, what the
bridge calls): Done and Transfer on a visitor only called start the visit in the same
transaction as their own change, under the press's claim, so a refused transfer leaves
the ticket as it was and a press resent after a restart touches no other visitor."""

from __future__ import annotations

from contract.mqtt import ButtonAction, ButtonPress, NodeRole, NodeStatus, Presence
from hub.mqtt.requests import handle_button
from hub.services.nodes import NodeInfo
from hub.wiring import Hub

NODE = "buttons-1"


def panel(hub: Hub) -> NodeInfo:
    info, _ = hub.nodes.record_status(NodeStatus(
        node=NODE, state=Presence.ONLINE, role=NodeRole.CALL_BUTTON, software="test",
        desk="window-1"))
    return info


def press(hub: Hub, node: NodeInfo, action: ButtonAction, **target: str) -> ButtonPress:
    return ButtonPress(node=NODE, desk="window-1", action=action, **target)


def test_a_refused_transfer_leaves_a_called_visitor_called(hub: Hub) -> None:
    node = panel(hub)
    hub.staffing.sign_in("window-1", "op.one")
    ticket = hub.queue.issue(language="kk", zone="consultation", actor="test").ticket
    assert handle_button(hub, node, NODE, press(hub, node, ButtonAction.NEXT)).ok
    refused = handle_button(hub, node, NODE, press(hub, node, ButtonAction.TRANSFER,
                                                   to_desk="no-such-desk"))
    assert not refused.ok and refused.problem is not None
    after = hub.queue.get(ticket.id)
    assert after.state == "called" and after.started_at is None
    done = handle_button(hub, node, NODE, press(hub, node, ButtonAction.DONE))
    assert done.ok
    finished = hub.queue.get(ticket.id)
    assert finished.state == "done"
    assert finished.started_at is not None and finished.finished_at is not None


def test_a_done_resent_after_a_restart_does_not_start_the_next_visitor(hub: Hub) -> None:
    node = panel(hub)
    hub.staffing.sign_in("window-1", "op.one")
    first = hub.queue.issue(language="kk", zone="consultation", actor="test").ticket
    second = hub.queue.issue(language="ru", zone="consultation", actor="test").ticket
    handle_button(hub, node, NODE, press(hub, node, ButtonAction.NEXT))
    done = press(hub, node, ButtonAction.DONE)
    assert handle_button(hub, node, NODE, done).ok
    assert hub.queue.get(first.id).state == "done"
    # The operator calls the next visitor from the console; then the panel, which never
    # got its answer, sends the same Done again (the hub kept no reply in memory).
    hub.queue.call_next("window-1", actor="op.one")
    again = handle_button(hub, node, NODE, done)
    assert again.ok
    untouched = hub.queue.get(second.id)
    assert untouched.state == "called" and untouched.started_at is None
