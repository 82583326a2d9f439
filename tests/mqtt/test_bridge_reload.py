"""The bridge's cache of nodes reloaded from the registry while statuses keep coming:
merged per node, so a status handled during the read is neither lost nor overwritten
by the older record read, and the registry's record and approval are taken."""

from __future__ import annotations

from collections.abc import Callable

from contract.mqtt import NodeRole, NodeStatus, Presence, encode
from hub.domain.errors import NodeNotAllowed
from hub.domain.node_identity import NoRecord
from hub.domain.text import Bilingual
from hub.mqtt.bridge import MqttBridge
from hub.mqtt.requests import refused, remembered
from hub.services.node_records import change_record
from hub.services.nodes import NodeInfo
from hub.wiring import Hub


def status(node: str, state: Presence = Presence.ONLINE) -> NodeStatus:
    return NodeStatus(node=node, state=state, role=NodeRole.TICKET_TERMINAL,
                      software="test", zones=["consultation"])


def bridge_of(hub: Hub) -> MqttBridge:
    """A bridge never connected: its publishes go nowhere, its cache is what is tested."""
    bridge = MqttBridge(hub, "mqtt://localhost:1")
    bridge._on_status("terminal-1", encode(status("terminal-1")))
    return bridge


def reading(hub: Hub, meanwhile: Callable[[], None], *, before_read: bool) -> None:
    """The registry's `all` with `meanwhile` run during it: before the rows are read
    (they show it) or after (they are older than it)."""
    read = hub.nodes.all

    def all_while_handling() -> list[NodeInfo]:
        if before_read:
            meanwhile()
            return read()
        rows = read()
        meanwhile()
        return rows

    hub.nodes.all = all_while_handling  # type: ignore[method-assign]


def test_a_status_handled_during_the_read_is_kept(hub: Hub) -> None:
    bridge = bridge_of(hub)

    def statuses() -> None:
        bridge._on_status("terminal-1", encode(status("terminal-1", Presence.OFFLINE)))
        bridge._on_status("terminal-2", encode(status("terminal-2")))  # first heard of

    reading(hub, statuses, before_read=False)
    bridge._reload_nodes()
    assert bridge._nodes["terminal-1"].presence == "offline"  # not the older row read
    assert "terminal-2" in bridge._nodes  # not lost: its next request is served


def test_the_registry_gives_the_record_while_the_status_gives_the_declaration(
        hub: Hub) -> None:
    bridge = bridge_of(hub)
    config = hub.centers.snapshot().config

    def status_then_new_record() -> None:
        bridge._on_status("terminal-1", encode(status("terminal-1", Presence.OFFLINE)))
        change_record(hub.nodes, config, "terminal-1", role="display",
                      desk=None, zones=["personal"], actor="admin")

    reading(hub, status_then_new_record, before_read=True)
    bridge._reload_nodes()
    cached = bridge._nodes["terminal-1"]
    assert (cached.role, cached.zones, cached.presence) == ("display", ("personal",),
                                                            "offline")
    assert cached.declaration.role == "ticket_terminal"  # what it says, kept


def test_without_a_status_meanwhile_the_registry_is_taken_whole(hub: Hub) -> None:
    bridge = bridge_of(hub)
    change_record(hub.nodes, hub.centers.snapshot().config, "terminal-1", role="display",
                  desk=None, zones=["personal"], actor="admin")
    bridge._reload_nodes()
    assert bridge._nodes["terminal-1"] == hub.nodes.get("terminal-1")


def test_a_refusal_for_a_node_without_a_record_is_not_remembered(hub: Hub) -> None:
    """Otherwise the same request id resent once the node is known never gets its
    ticket."""
    text = Bilingual(kk="Құрылғы тіркелмеген", ru="Устройство не зарегистрировано")
    for error in (NoRecord("no record", text), NodeNotAllowed("not heard of", text)):
        assert not remembered(refused(hub, "r-1", error))
