"""Whatever arrives, the bridge answers once, stores nothing it should not, and keeps
running. Messages go straight into the bridge's handler (the broker only adds
delivery, tested elsewhere), so hypothesis can try hundreds of them."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from contract.mqtt import REQUEST_CHANNELS, DownChannel, Reply, TicketRequest, UpChannel
from hub.mqtt.bridge import MqttBridge
from hub.storage.models import NodeRow, TicketRow

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

FIELDS = ["v", "id", "at", "node", "kind", "language", "purpose", "zone", "out_of_turn",
          "needs_escort", "desk", "action", "to_zone", "to_desk", "state", "role", "software",
          "zones", "drivers", "uptime_s", "outbox", "cpu_temp_c"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30) | st.sampled_from(["kk", "ru", "ticket", "button", "next", "online",
                                               "terminal-1", "appeal_paper", "window-3", "1"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6)
ALMOST_MESSAGES = st.fixed_dictionaries(
    {"v": st.sampled_from([1, 1, 1, 2, "1", None]), "node": st.sampled_from(
        ["terminal-1", "terminal-1", "other", ""]),
     "kind": st.sampled_from(["ticket", "button", "status", "telemetry", "x"])},
    optional={key: JSON_VALUES for key in FIELDS if key not in ("v", "node", "kind")})
CHANNELS = st.sampled_from([*REQUEST_CHANNELS.values(), UpChannel.STATUS,
                            UpChannel.TELEMETRY, "request", "firmware", ""])


class Recorder:
    """Stands in for the bridge's publishing: what would have gone to the broker."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, DownChannel, bytes]] = []

    def __call__(self, node: str, channel: DownChannel, payload: bytes) -> None:
        self.sent.append((node, channel, payload))


def counts(bridge: MqttBridge) -> tuple[int, int]:
    with bridge.hub.db.read() as session:
        return (int(session.scalar(select(func.count()).select_from(TicketRow)) or 0),
                int(session.scalar(select(func.count()).select_from(NodeRow)) or 0))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(channel=CHANNELS, payload=st.one_of(
    st.binary(max_size=200), ALMOST_MESSAGES.map(lambda d: json.dumps(d).encode())))
def test_no_message_breaks_the_bridge_or_stores_what_it_should_not(
        bridged_hub: MqttBridge, monkeypatch: pytest.MonkeyPatch, channel: str,
        payload: bytes) -> None:
    recorder = Recorder()
    monkeypatch.setattr(bridged_hub, "_publish", recorder)
    topic = f"{bridged_hub.topics.root}/node/terminal-1/up/{channel}"
    bridged_hub._handle(topic, "terminal-1", channel, payload)
    tickets, nodes = counts(bridged_hub)
    assert tickets == 0  # terminal-1 never said who it is: no ticket for it, valid or not
    if channel == UpChannel.STATUS and nodes:
        return  # a payload that happens to be a valid status registers the node
    answers = [(node, kind) for node, kind, _ in recorder.sent]
    if channel in (UpChannel.STATUS, UpChannel.TELEMETRY) and not answers:
        return  # an empty status, or telemetry of an unknown node: nothing to answer
    assert len(answers) == 1, answers
    node, kind = answers[0]
    assert node == "terminal-1"
    assert kind in (DownChannel.ERROR, DownChannel.REPLY)


def test_the_bridge_still_serves_after_the_fuzz(bridged_hub: MqttBridge,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    monkeypatch.setattr(bridged_hub, "_publish", recorder)
    for raw in (b"\x00\xff", b"{}", b'{"v": 1}', json.dumps({"v": 1, "kind": "ticket"}).encode()):
        bridged_hub._handle("t", "terminal-1", UpChannel.TICKET, raw)
    request = TicketRequest(node="terminal-1", language="kk", purpose="appeal_paper")
    bridged_hub._handle("t", "terminal-1", UpChannel.TICKET, request.model_dump_json().encode())
    _, channel, payload = recorder.sent[-1]
    assert channel is DownChannel.REPLY
    assert Reply.model_validate_json(payload).request_id == request.id
    assert [kind for _, kind, _ in recorder.sent[:-1]] == [DownChannel.ERROR] * 4
