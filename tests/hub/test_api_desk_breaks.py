"""The API calls nobody to a desk on a break, as the console and the call buttons do:
both "next" and "call this ticket" are refused with the bilingual reason, nothing
changes, and calling works again once the break ends (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hub.wiring import Hub

DESK = "window-1"
ON_BREAK = {"kk": "Үзіліс: келушілер шақырылмайды", "ru": "Перерыв: посетители не вызываются"}


def test_next_and_call_are_refused_while_the_desk_is_on_a_break(client: TestClient,
                                                                 hub: Hub) -> None:
    ticket = client.post("/api/v1/tickets",
                         json={"language": "kk", "purpose": "complaint"}).json()["ticket"]
    breaks = hub.breaks
    breaks.start(DESK, "operator-1")

    for refused in (client.post(f"/api/v1/desks/{DESK}/next"),
                    client.post(f"/api/v1/tickets/{ticket['id']}/call", json={"desk": DESK})):
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "desk_on_break"
        assert refused.json()["text"] == ON_BREAK
    assert client.get(f"/api/v1/tickets/{ticket['id']}").json()["state"] == "waiting"
    assert hub.queue.desk_current(DESK) is None

    # Another desk is not on a break and may call.
    other = client.post("/api/v1/desks/window-2/next")
    assert other.status_code == 200 and other.json()["id"] == ticket["id"]
    client.post(f"/api/v1/tickets/{ticket['id']}/finish")

    second = client.post("/api/v1/tickets",
                         json={"language": "ru", "purpose": "complaint"}).json()["ticket"]
    assert breaks.end(DESK, "operator-1")
    called = client.post(f"/api/v1/tickets/{second['id']}/call", json={"desk": DESK})
    assert called.status_code == 200, called.text
    assert called.json()["desk"] == DESK
