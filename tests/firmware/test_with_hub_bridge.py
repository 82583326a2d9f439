"""The node runtime against the hub's real MQTT bridge, through a Mosquitto with per-node
passwords and the contract's ACL: a ticket comes back, and a hub outage loses nothing."""

from __future__ import annotations

from pathlib import Path

from contract.mqtt import NodeConfig, NodeRole, Reply, TicketRequest
from firmware.common.outbox import OutboxRequest
from firmware.common.runtime import NodeRuntime
from firmware.common.settings import NodeSettings
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, wait_until
from tests.firmware.conftest import CENTER, NODE, NODE_PASSWORD, start_bridge


def test_tickets_through_the_real_bridge_survive_a_hub_outage(
        hub: Hub, secured_broker: PrivateMosquitto, tmp_path: Path) -> None:
    replies: list[tuple[OutboxRequest, Reply]] = []
    configs: list[NodeConfig] = []
    settings = NodeSettings(node_id=NODE, center=CENTER, role=NodeRole.TICKET_TERMINAL,
                            broker_url=secured_broker.url, password=NODE_PASSWORD,
                            data_dir=tmp_path / "node", request_retry_seconds=0.5,
                            keepalive_seconds=5)
    runtime = NodeRuntime(settings, on_reply=lambda request, reply: replies.append(
        (request, reply)), on_config=configs.append, environ={})
    bridge = start_bridge(hub, secured_broker)
    try:
        runtime.start()
        wait_until(lambda: configs, what="the node configuration from the hub")
        purpose = configs[0].purposes[0].code
        first = TicketRequest(node=NODE, language="kk", purpose=purpose)
        runtime.submit(first)
        wait_until(lambda: replies, what="the first ticket")
        assert replies[0][1].ok
        assert replies[0][1].ticket is not None

        bridge.stop()  # the hub goes away; the broker keeps its persistent session
        during = [TicketRequest(node=NODE, language=language, purpose=purpose)
                  for language in ("ru", "kk", "ru")]
        for request in during:
            runtime.submit(request)
        bridge = start_bridge(hub, secured_broker)

        wait_until(lambda: len(replies) == 4, timeout=20, what="the kept requests answered")
        assert [request for request, _ in replies[1:]] == during
        numbers = [reply.ticket.number for _, reply in replies if reply.ticket is not None]
        assert len(numbers) == 4
        assert numbers == sorted(set(numbers))  # in order, none twice
    finally:
        runtime.stop()
        bridge.stop()
