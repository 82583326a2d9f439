"""The fleet through the API: every node the hub heard from, its presence, software,
drivers and latest heartbeat; readable by whoever may view the queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contract.mqtt import Driver, DriverState, NodeRole, NodeStatus, Presence, Telemetry
from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.wiring import Hub
from tests.conftest import WORKING_MOMENT

PAPER_LOW = Driver(state=DriverState.WARNING, detail="paper_low")
OK = Driver(state=DriverState.OK)


def terminal_status(**changes: Any) -> NodeStatus:
    values: dict[str, Any] = {
        "node": "terminal-1", "at": WORKING_MOMENT - timedelta(minutes=5),
        "state": Presence.ONLINE, "role": NodeRole.TICKET_TERMINAL,
        "software": "kezek-node 0.2.0", "zones": ["consultation", "personal"],
        "drivers": {"printer": PAPER_LOW, "touchscreen": OK}}
    return NodeStatus(**(values | changes))


def display_status(**changes: Any) -> NodeStatus:
    values: dict[str, Any] = {
        "node": "display-hall", "at": WORKING_MOMENT - timedelta(hours=1),
        "state": Presence.OFFLINE, "role": NodeRole.DISPLAY, "software": "kezek-node 0.1.9",
        "zones": ["consultation"], "drivers": {"screen": Driver(state=DriverState.FAULT,
                                                                detail="gone")}}
    return NodeStatus(**(values | changes))


@pytest.fixture
def fleet(hub: Hub) -> Hub:
    hub.nodes.record_status(terminal_status())
    hub.nodes.record_telemetry(Telemetry(node="terminal-1", at=WORKING_MOMENT, uptime_s=4728.4,
                                         outbox=2, drivers={"printer": PAPER_LOW,
                                                            "touchscreen": OK},
                                         cpu_temp_c=51.2, clock_skew_s=-0.4))
    hub.nodes.record_status(display_status())
    hub.nodes.record_status(NodeStatus(
        node="button-1", at=WORKING_MOMENT, state=Presence.ONLINE, role=NodeRole.CALL_BUTTON,
        software="kezek-node 0.2.0", desk="window-1", drivers={"button": OK}))
    return hub


def test_the_fleet_needs_a_signed_in_viewer(fleet: Hub, anonymous: TestClient) -> None:
    for path in ("/api/v1/nodes", "/api/v1/nodes/terminal-1"):
        response = anonymous.get(path)
        assert response.status_code == 401, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "unauthorized"
        refused = anonymous.get(path, headers={"Authorization": "Bearer not-a-token"})
        assert refused.status_code == 401


def test_any_role_that_views_the_queue_reads_the_fleet(fleet: Hub,
                                                       anonymous: TestClient) -> None:
    token = fleet.users.create_token(name="analyst", role=Role.ANALYST, actor="test")
    response = anonymous.get("/api/v1/nodes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert len(response.json()) == 3


def test_list_of_nodes(fleet: Hub, client: TestClient) -> None:
    response = client.get("/api/v1/nodes")
    assert response.status_code == 200, response.text
    nodes = {n["node_id"]: n for n in response.json()}
    assert set(nodes) == {"terminal-1", "display-hall", "button-1"}
    assert [n["role"] for n in response.json()] == sorted(n["role"] for n in response.json())
    assert nodes["display-hall"]["presence"] == "offline"
    assert nodes["display-hall"]["silent"] is False
    assert nodes["display-hall"]["drivers"] == {"screen": {"state": "fault", "detail": "gone"}}
    assert nodes["display-hall"]["telemetry"] is None
    assert nodes["button-1"]["desk"] == "window-1"
    assert nodes["button-1"]["zones"] == []


def test_one_node_with_its_heartbeat(fleet: Hub, client: TestClient) -> None:
    response = client.get("/api/v1/nodes/terminal-1")
    assert response.status_code == 200, response.text
    node = response.json()
    assert node["role"] == "ticket_terminal"
    assert node["presence"] == "online"
    assert node["silent"] is False
    assert node["software"] == "kezek-node 0.2.0"
    assert node["desk"] is None
    assert node["zones"] == ["consultation", "personal"]
    assert node["drivers"] == {"printer": {"state": "warning", "detail": "paper_low"},
                               "touchscreen": {"state": "ok", "detail": None}}
    assert node["telemetry"]["outbox"] == 2
    assert node["telemetry"]["uptime_s"] == pytest.approx(4728.4)
    assert node["telemetry"]["cpu_temp_c"] == pytest.approx(51.2)
    assert node["telemetry"]["clock_skew_s"] == pytest.approx(-0.4)  # kept with the heartbeat
    assert node["telemetry"]["at"].startswith("2026-11-23T05:00:00")
    assert node["last_seen"].startswith("2026-11-23T05:00:00")
    assert node["first_seen"].startswith("2026-11-23T05:00:00")


def test_an_unknown_node_is_a_bilingual_404(fleet: Hub, client: TestClient) -> None:
    response = client.get("/api/v1/nodes/terminal-9")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "not_found"
    assert problem["field"] == "node_id"
    assert problem["text"] == {"kk": "«terminal-9» құрылғысы табылмады",
                               "ru": "Устройство «terminal-9» не найдено"}


def test_a_node_online_but_not_heard_from_for_three_heartbeats_is_silent(
        fleet: Hub, client: TestClient, clock: ManualClock) -> None:
    clock.advance(seconds=90)
    assert client.get("/api/v1/nodes/terminal-1").json()["silent"] is False
    clock.advance(seconds=1)
    nodes = {n["node_id"]: n for n in client.get("/api/v1/nodes").json()}
    assert nodes["terminal-1"]["presence"] == "online"
    assert nodes["terminal-1"]["silent"] is True
    assert nodes["display-hall"]["silent"] is False  # offline is not silent
    fleet.nodes.record_telemetry(Telemetry(node="terminal-1", uptime_s=4820, outbox=0))
    node = client.get("/api/v1/nodes/terminal-1").json()
    assert node["silent"] is False
    assert node["telemetry"]["clock_skew_s"] is None  # restarted: not known again yet
    info = fleet.nodes.get("terminal-1")
    assert info is not None and info.clock_skew_s is None


def test_a_status_delivered_again_changes_nothing(fleet: Hub, client: TestClient,
                                                  clock: ManualClock) -> None:
    # The embedded broker was seen to deliver a retained will twice; and a node that
    # came back meanwhile must not be turned offline by the copy.
    will = terminal_status(state=Presence.OFFLINE, at=WORKING_MOMENT)
    _, changed = fleet.nodes.record_status(will)
    assert changed is True
    clock.advance(seconds=10)
    _, changed = fleet.nodes.record_status(will)
    assert changed is False
    node = client.get("/api/v1/nodes/terminal-1").json()
    assert node["presence"] == "offline"
    assert node["last_seen"].startswith("2026-11-23T05:00:00")


def test_the_will_stamped_before_the_online_status_still_marks_the_node_offline(
        fleet: Hub, client: TestClient, clock: ManualClock) -> None:
    # A node composes its will when its link starts, before every online status it
    # sends (docs/mqtt.md): statuses count in the order they arrive, not by `at`.
    will = terminal_status(state=Presence.OFFLINE, at=WORKING_MOMENT - timedelta(minutes=1))
    fleet.nodes.record_status(terminal_status(at=WORKING_MOMENT))  # online, after the will
    clock.advance(seconds=45)
    _, changed = fleet.nodes.record_status(will)  # the broker publishes it: power lost
    assert changed is True
    node = client.get("/api/v1/nodes/terminal-1").json()
    assert node["presence"] == "offline"
    assert node["silent"] is False
    assert node["last_seen"].startswith("2026-11-23T05:00:45")
