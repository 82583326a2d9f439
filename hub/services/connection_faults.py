"""Each node's connection faults as the broker reports them (hub/mqtt/broker_log.py):
connected with an MQTT version other than 3.1.1 (its requests are refused until it
reconnects with 3.1.1), and connections closed by a second one with its credentials.
Every fault is audited; the fleet page reads `faults(node_id)`, the request path
`refuses(node_id)`. Rules: hub/domain/connection_faults.py.

The current protocol fault is restored from the audit log when the hub starts: the
broker's log is not retained, so a node that connected with MQTT 5 before a restart of
the hub would otherwise be served until it reconnects. The takeover count starts again
with the hub (the audit log keeps every one that was audited)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from hub.domain.connection_faults import (
    CONTRACT_PROTOCOL,
    ConnectionFaults,
    MqttProtocol,
    WrongMqttProtocol,
    protocol_refusal,
)
from hub.services import audit
from hub.services.clock import Clock
from hub.storage.db import Database
from hub.storage.models import AuditRow

ACTOR = "mqtt-broker"
WRONG_PROTOCOL = "node.mqtt_protocol_refused"
PROTOCOL_RIGHT = "node.mqtt_protocol_ok"
TAKEN_OVER = "node.connection_taken_over"
# Two boxes with one password reconnect in turn, each closing the other, every few
# seconds: the count says how often; the audit log gets one entry per node this often.
TAKEOVER_AUDIT_EVERY = timedelta(minutes=1)


class ConnectionFaultLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.Lock()
        self._faults: dict[str, ConnectionFaults] = {}
        self._audited_takeover: dict[str, datetime] = {}
        self._restore()

    def connected(self, node_id: str, protocol: MqttProtocol) -> None:
        """The node connected with `protocol`: a fault unless it is the contract's, and
        the end of the fault it had otherwise. Audited when it changes."""
        now = self._clock.now()
        with self._lock:
            before = self._faults.get(node_id, ConnectionFaults(node_id))
            if protocol is CONTRACT_PROTOCOL:
                if before.wrong_protocol is None:
                    return
                after = replace(before, wrong_protocol=None, wrong_protocol_since=None)
            else:
                if before.wrong_protocol is protocol:
                    return
                after = replace(before, wrong_protocol=protocol, wrong_protocol_since=now)
            self._faults[node_id] = after
        with self._db.write() as session:
            audit.record(session, actor=ACTOR,
                         action=PROTOCOL_RIGHT if after.wrong_protocol is None
                         else WRONG_PROTOCOL, entity="node", entity_id=node_id, at=now,
                         before={"protocol": _shown(before.wrong_protocol)},
                         after={"protocol": protocol.value})

    def taken_over(self, node_id: str) -> None:
        """A second connection with the node's credentials closed the one it had."""
        now = self._clock.now()
        with self._lock:
            before = self._faults.get(node_id, ConnectionFaults(node_id))
            after = replace(before, taken_over=before.taken_over + 1, last_taken_over=now)
            self._faults[node_id] = after
            last = self._audited_takeover.get(node_id)
            if last is not None and now - last < TAKEOVER_AUDIT_EVERY:
                return
            self._audited_takeover[node_id] = now
        with self._db.write() as session:
            audit.record(session, actor=ACTOR, action=TAKEN_OVER, entity="node",
                         entity_id=node_id, at=now, after={"count": after.taken_over})

    def refuses(self, node_id: str) -> WrongMqttProtocol | None:
        """Why the node's requests are refused now, or None."""
        with self._lock:
            faults = self._faults.get(node_id)
        if faults is None or faults.wrong_protocol is None:
            return None
        return protocol_refusal(node_id, faults.wrong_protocol)

    def faults(self, node_id: str) -> ConnectionFaults:
        with self._lock:
            return self._faults.get(node_id, ConnectionFaults(node_id))

    def _restore(self) -> None:
        with self._db.read() as session:
            rows = session.execute(
                select(AuditRow.entity_id, AuditRow.action, AuditRow.at, AuditRow.after)
                .where(AuditRow.entity == "node",
                       AuditRow.action.in_((WRONG_PROTOCOL, PROTOCOL_RIGHT)))
                .order_by(AuditRow.id)).all()
        for node_id, action, at, after in rows:
            if action == PROTOCOL_RIGHT:
                self._faults.pop(node_id, None)
                continue
            try:
                protocol = MqttProtocol(str((after or {}).get("protocol")))
            except ValueError:
                continue
            self._faults[node_id] = ConnectionFaults(node_id, wrong_protocol=protocol,
                                                     wrong_protocol_since=at)


def _shown(protocol: MqttProtocol | None) -> str:
    return CONTRACT_PROTOCOL.value if protocol is None else protocol.value
