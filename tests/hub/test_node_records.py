"""The hub's record of a node against what its status declares: trust on first use
without approval, a changed declaration audited once and never believed, an inventory
imported all or nothing, and staffing read from the record."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from contract.mqtt import NodeRole, NodeStatus, Presence
from hub.console.fleet import alert_rows
from hub.domain.errors import NotFound, ValidationFailed
from hub.domain.node_identity import Identity, Mismatch
from hub.domain.rate_limits import QUIET
from hub.domain.text import Language
from hub.services.clock import ManualClock
from hub.services.desk_presence import last_presses
from hub.services.node_records import change_record, import_inventory
from hub.services.nodes import ALERTS_SHOWN, Approval
from hub.storage.models import AuditRow, NodeRequestRow
from hub.wiring import Hub
from provisioning.inventory import parse_inventory
from tests.provisioning.conftest import EXAMPLE, example_data, local_broker


def status(node: str, role: NodeRole = NodeRole.CALL_BUTTON, **extra: object) -> NodeStatus:
    return NodeStatus(node=node, state=Presence.ONLINE, role=role, software="test", **extra)


def audited(hub: Hub, node: str) -> list[str]:
    with hub.db.read() as session:
        return [row.action for row in session.scalars(select(AuditRow).where(
            AuditRow.entity == "node", AuditRow.entity_id == node).order_by(AuditRow.id))]


def test_without_approval_the_first_status_is_the_record_and_later_ones_are_not(
        hub: Hub) -> None:
    nodes = hub.nodes
    first, _ = nodes.record_status(status("buttons-2", desk="window-2"))
    assert first.record == Identity.of("call_button", "window-2", ())
    assert first.mismatches == ()
    # The same password, another desk declared: the record holds, the lie is kept.
    lying, _ = nodes.record_status(status("buttons-2", desk="window-1"))
    assert lying.desk == "window-2" and lying.declaration.desk == "window-1"
    assert lying.mismatches == (Mismatch.DESK,)
    nodes.record_status(status("buttons-2", desk="window-1"))  # again: no second entry
    back, _ = nodes.record_status(status("buttons-2", desk="window-2"))
    assert back.mismatches == ()
    assert audited(hub, "buttons-2") == ["node.identity_mismatch", "node.identity_agrees"]


def test_an_administrator_changes_the_record_within_the_center(hub: Hub) -> None:
    hub.nodes.record_status(status("buttons-2", desk="window-2"))
    config = hub.centers.snapshot().config
    with pytest.raises(ValidationFailed):
        change_record(hub.nodes, config, "buttons-2", role="call_button", desk="window-99",
                      zones=[], actor="admin")
    with pytest.raises(NotFound):
        change_record(hub.nodes, config, "nobody", role="display", desk=None, zones=[],
                      actor="admin")
    moved = change_record(hub.nodes, config, "buttons-2", role="call_button",
                          desk="window-1", zones=[], actor="admin")
    assert moved.desk == "window-1" and moved.mismatches == (Mismatch.DESK,)
    assert audited(hub, "buttons-2") == ["node.record"]


def test_an_inventory_is_imported_whole_or_not_at_all(hub: Hub, tmp_path: Path) -> None:
    inventory = parse_inventory(local_broker(example_data(), tmp_path), EXAMPLE)
    config = hub.centers.snapshot().config
    panel = next(n for n in inventory.nodes if n.node_id == "desk-window-1")
    wrong = dataclasses.replace(panel, settings=panel.settings.model_copy(
        update={"desk": "window-99"}))
    broken = dataclasses.replace(inventory, nodes=tuple(
        wrong if n is panel else n for n in inventory.nodes))
    with pytest.raises(ValidationFailed) as refused:
        import_inventory(hub.nodes, config, broken, actor="cli")
    assert "desk-window-1" in refused.value.detail and "desk-window-1" in refused.value.text.ru
    assert hub.nodes.all() == []  # nothing imported

    hub.nodes.record_status(status("desk-window-1", desk="window-1"))
    hub.nodes.decide("desk-window-1", Approval.REVOKED, actor="admin")
    done = {item.node_id: item for item in
            import_inventory(hub.nodes, config, inventory, actor="cli")}
    assert done["terminal-1"].created and done["terminal-1"].changed
    assert not done["desk-window-1"].created and not done["desk-window-1"].changed
    board = hub.nodes.get("board-hall")
    assert board is not None and board.role == "display"
    assert board.zones == ("consultation", "personal") and board.approval == "approved"
    assert hub.nodes.approval("board-hall") is Approval.APPROVED
    # A terminal is recorded for the zones of its purpose buttons (and its own zones):
    # what its firmware declares, and where its requests are allowed.
    terminal = hub.nodes.get("terminal-1")
    settings = next(n.settings for n in inventory.nodes if n.node_id == "terminal-1")
    assert terminal is not None and terminal.mismatches == ()
    assert terminal.zones == ("self_service", "consultation", "personal")
    assert list(terminal.zones) == settings.served_zones()
    assert hub.nodes.approval("desk-window-1") is Approval.REVOKED  # kept
    again = import_inventory(hub.nodes, config, inventory, actor="cli")
    assert not any(item.changed for item in again)


def test_a_panels_presses_staff_the_desk_of_its_record(hub: Hub, clock: ManualClock) -> None:
    hub.nodes.record_status(status("buttons-2", desk="window-2"))
    hub.nodes.record_status(status("buttons-2", desk="window-1"))  # declares another desk
    pressed = clock.now()
    with hub.db.write() as session:
        session.add(NodeRequestRow(node_id="buttons-2", request_id="p1", kind="button",
                                   received_at=pressed, reply=None))
    with hub.db.read() as session:
        assert last_presses(session, pressed - timedelta(hours=1)) == {"window-2": pressed}


def test_a_node_alternating_its_declaration_is_audited_once_per_episode(
        hub: Hub, clock: ManualClock) -> None:
    """200 statuses alternating the declared desk wrote 200 rows (issue 17); now the
    mismatch once and its first return to agreement, while changes keep coming closer
    than QUIET; a mismatch after a quiet spell is a new episode."""
    nodes = hub.nodes
    nodes.record_status(status("buttons-2", desk="window-2"))  # the record (first use)
    for turn in range(200):
        nodes.record_status(status("buttons-2", desk="window-1" if turn % 2 == 0
                                   else "window-2"))
        clock.advance(seconds=1)
    assert audited(hub, "buttons-2") == ["node.identity_mismatch", "node.identity_agrees"]
    assert nodes.get("buttons-2").mismatches == ()  # type: ignore[union-attr]
    clock.advance(seconds=QUIET.total_seconds())
    lying, _ = nodes.record_status(status("buttons-2", desk="window-1"))
    assert lying.mismatches == (Mismatch.DESK,)  # the fleet page shows it, as ever
    assert audited(hub, "buttons-2")[-1] == "node.identity_mismatch"
    assert len(audited(hub, "buttons-2")) == 3


def test_one_noisy_node_does_not_push_the_others_alerts_off_the_fleet_page(
        hub: Hub, clock: ManualClock) -> None:
    since = clock.now()
    hub.nodes.record_status(status("buttons-1", desk="window-1"))
    hub.nodes.record_status(status("buttons-1", desk="window-2"))  # a false declaration
    for _ in range(ALERTS_SHOWN * 4):  # floods of another node, one after another
        clock.advance(seconds=QUIET.total_seconds())
        hub.nodes.rate_limited("terminal-1", "tickets", retry_after_s=10)
    alerts = hub.nodes.alerts(since)
    assert [(a.node_id, a.action, a.count) for a in alerts] == [
        ("terminal-1", "node.rate_limited", ALERTS_SHOWN * 4),
        ("buttons-1", "node.identity_mismatch", 1)]
    assert alerts[0].at == clock.now()  # the newest of its kind
    rows = alert_rows(alerts, clock.now(), Language.RU, {}, {})
    assert rows[0].times == f"{ALERTS_SHOWN * 4} раз за сутки" and rows[1].times == ""


def test_a_first_use_naming_what_the_center_does_not_have_is_not_trusted(hub: Hub) -> None:
    """Trust on first use writes only a record the center could have been given: a desk
    or zone it does not have leaves the node without a record (refused, shown)."""
    nodes = hub.nodes
    panel, _ = nodes.record_status(status("buttons-7", desk="window-99"))
    terminal, _ = nodes.record_status(status("terminal-7", NodeRole.TICKET_TERMINAL,
                                             zones=["no-such-zone"]))
    assert not panel.recorded and not terminal.recorded
    assert panel.approval == "approved"  # approved, but acts as nothing until recorded
    put_right, _ = nodes.record_status(status("buttons-7", desk="window-2"))
    assert put_right.record == Identity.of("call_button", "window-2", ())
