"""A node's connection faults: a version other than 3.1.1 refuses its requests until it
reconnects with 3.1.1; takeovers are counted; every change is audited (takeovers at most
once a minute per node); the version fault survives a restart of the hub."""

from __future__ import annotations

from sqlalchemy import select

from hub.domain.connection_faults import MqttProtocol
from hub.services.clock import ManualClock
from hub.services.connection_faults import ConnectionFaultLog
from hub.storage.models import AuditRow
from hub.wiring import Hub


def _audit(hub: Hub) -> list[tuple[str, str, dict[str, object] | None]]:
    with hub.db.read() as session:
        return [(row.action, row.entity_id, row.after) for row in session.scalars(
            select(AuditRow).where(AuditRow.actor == "mqtt-broker").order_by(AuditRow.id))]


def test_a_wrong_version_refuses_until_the_node_reconnects_right(hub: Hub) -> None:
    faults = hub.connection_faults
    faults.connected("terminal-1", MqttProtocol.MQTT_311)
    assert faults.refuses("terminal-1") is None
    assert not faults.faults("terminal-1").any
    faults.connected("terminal-1", MqttProtocol.MQTT_5)
    faults.connected("terminal-1", MqttProtocol.MQTT_5)  # reconnects the same way: one entry
    refusal = faults.refuses("terminal-1")
    assert refusal is not None and refusal.code == "mqtt_protocol"
    assert refusal.text.kk and refusal.text.ru and refusal.field == "protocol"
    assert faults.faults("terminal-1").wrong_protocol_since == hub.clock.now()
    assert faults.refuses("terminal-2") is None  # the others are served
    faults.connected("terminal-1", MqttProtocol.MQTT_311)
    assert faults.refuses("terminal-1") is None
    assert _audit(hub) == [
        ("node.mqtt_protocol_refused", "terminal-1", {"protocol": "5"}),
        ("node.mqtt_protocol_ok", "terminal-1", {"protocol": "3.1.1"})]


def test_the_version_fault_is_restored_when_the_hub_starts(hub: Hub) -> None:
    hub.connection_faults.connected("board-hall", MqttProtocol.MQTT_31)
    hub.connection_faults.connected("terminal-1", MqttProtocol.MQTT_5)
    hub.connection_faults.connected("terminal-1", MqttProtocol.MQTT_311)
    restarted = ConnectionFaultLog(hub.db, hub.clock)
    assert restarted.faults("board-hall").wrong_protocol is MqttProtocol.MQTT_31
    assert restarted.refuses("terminal-1") is None


def test_takeovers_are_counted_and_audited_once_a_minute(hub: Hub, clock: ManualClock) -> None:
    faults = hub.connection_faults
    for _ in range(3):
        faults.taken_over("desk-window-1")
        clock.advance(seconds=5)
    clock.advance(minutes=1)
    faults.taken_over("desk-window-1")
    seen = faults.faults("desk-window-1")
    assert (seen.taken_over, seen.last_taken_over, seen.any) == (4, clock.now(), True)
    assert faults.refuses("desk-window-1") is None  # counted, not refused
    assert _audit(hub) == [("node.connection_taken_over", "desk-window-1", {"count": 1}),
                           ("node.connection_taken_over", "desk-window-1", {"count": 4})]
