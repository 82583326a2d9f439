"""The day run's API client while the hub is killed and restarted: a request that
never reached the hub is sent again; one that may have reached it is sent again only
when idempotent, or after the hub's state shows it did not take effect, so a desk
action is never done twice."""

from __future__ import annotations

import httpx
import pytest

from simulation.day.hub_api import HubApi, HubUnavailable

TICKET = {"id": 7, "number": 101, "zone": "consultation", "state": "serving", "recalls": 0,
          "transfers": 0}


class FlakyHub:
    """Answers through httpx's mock transport; `breaks` lists what happens to the next
    requests of a path: "refuse" (connection refused: never reached the hub), "drop"
    (the hub acted, then the connection broke before the answer)."""

    def __init__(self, breaks: dict[str, list[str]]) -> None:
        self.breaks = breaks
        self.acted: list[str] = []
        self.ticket = dict(TICKET)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        plan = self.breaks.get(path, [])
        what = plan.pop(0) if plan else "answer"
        if what == "refuse":
            raise httpx.ConnectError("connection refused", request=request)
        if path == "/api/v1/health":
            return httpx.Response(200, json={"status": "ok"})
        if request.method == "GET":
            return httpx.Response(200, json=self.ticket)
        self.acted.append(path)
        assert request.headers["X-Request-Id"]
        if path.endswith("/finish"):
            self.ticket["state"] = "done"
        if what == "drop":
            raise httpx.RemoteProtocolError("connection closed", request=request)
        return httpx.Response(200, json=self.ticket)


def client(hub: FlakyHub, give_up: float = 5.0) -> HubApi:
    return HubApi("http://hub", transport=httpx.MockTransport(hub), pause_seconds=0.01,
                  give_up_seconds=give_up)


def test_a_request_that_never_reached_the_hub_is_sent_again() -> None:
    hub = FlakyHub({"/api/v1/tickets/7/finish": ["refuse", "refuse"]})
    outcome = client(hub).finish(7)
    assert outcome.ok and outcome.body["state"] == "done"
    assert hub.acted == ["/api/v1/tickets/7/finish"]


def test_an_action_the_hub_took_before_the_connection_broke_is_not_done_again() -> None:
    hub = FlakyHub({"/api/v1/tickets/7/finish": ["drop"],
                    "/api/v1/health": ["refuse"]})  # the hub restarting meanwhile
    outcome = client(hub).finish(7)
    assert outcome.ok and outcome.body["state"] == "done"
    assert hub.acted == ["/api/v1/tickets/7/finish"]  # once


def test_an_idempotent_request_is_simply_sent_again() -> None:
    hub = FlakyHub({"/api/v1/desks/window-1/sign-in": ["drop"]})
    assert client(hub).sign_in("window-1").ok
    assert hub.acted == ["/api/v1/desks/window-1/sign-in"] * 2


def test_a_hub_away_for_longer_than_the_client_waits_is_an_error() -> None:
    hub = FlakyHub({"/api/v1/tickets/7/finish": ["refuse"] * 1000})
    with pytest.raises(HubUnavailable):
        client(hub, give_up=0.2).finish(7)
    assert hub.acted == []
