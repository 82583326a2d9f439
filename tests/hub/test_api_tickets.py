"""The ticket API end to end through the app factory, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from hub.services.clock import ManualClock
from hub.wiring import Hub


def issue(client: TestClient, purpose: str = "complaint", language: str = "kk",
          **extra: object) -> dict:
    response = client.post("/api/v1/tickets",
                           json={"language": language, "purpose": purpose, **extra})
    assert response.status_code == 201, response.text
    body: dict = response.json()
    return body


def test_tickets_take_numbers_from_their_zone_range(client: TestClient) -> None:
    first = issue(client, "complaint")
    second = issue(client, "appeal_paper", language="ru")
    booked = issue(client, "booked_reception")
    self_service = issue(client, "appeal_help")
    assert [first["ticket"]["number"], second["ticket"]["number"]] == [100, 101]
    assert first["ticket"]["zone"] == "consultation"
    assert booked["ticket"]["number"] == 500
    assert booked["ticket"]["zone"] == "personal"
    assert self_service["ticket"]["number"] == 800
    assert second["ticket"]["language"] == "ru"
    assert second["estimate"]["people_ahead"] == 1
    # Nobody staffed: one desk is assumed, 15 default minutes per visitor in consultation.
    assert second["estimate"]["minutes"] == 15


def test_a_retry_with_the_same_key_returns_the_same_ticket(client: TestClient) -> None:
    body = {"language": "kk", "purpose": "complaint"}
    first = client.post("/api/v1/tickets", json=body, headers={"Idempotency-Key": "node-7:42"})
    again = client.post("/api/v1/tickets", json=body, headers={"Idempotency-Key": "node-7:42"})
    other = client.post("/api/v1/tickets", json=body, headers={"Idempotency-Key": "node-7:43"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["ticket"]["id"] == first.json()["ticket"]["id"]
    assert other.json()["ticket"]["number"] == first.json()["ticket"]["number"] + 1
    state = client.get("/api/v1/queue").json()
    consultation = next(z for z in state["zones"] if z["code"] == "consultation")
    assert len(consultation["waiting"]) == 2


def test_out_of_turn_is_called_first_then_first_come(client: TestClient) -> None:
    regular = issue(client)["ticket"]
    later = issue(client)["ticket"]
    veteran = issue(client, out_of_turn="wwii_veteran")["ticket"]
    assert veteran["number"] == 102
    order = []
    for _ in range(3):
        called = client.post("/api/v1/desks/window-1/next")
        assert called.status_code == 200, called.text
        order.append(called.json()["number"])
        assert client.post(f"/api/v1/tickets/{called.json()['id']}/start").status_code == 200
        assert client.post(f"/api/v1/tickets/{called.json()['id']}/finish").status_code == 200
    assert order == [veteran["number"], regular["number"], later["number"]]


def test_a_visit_from_call_to_done_is_timestamped_and_audited(client: TestClient,
                                                               clock: ManualClock) -> None:
    ticket = issue(client, needs_escort=True)["ticket"]
    clock.advance(minutes=5)
    called = client.post("/api/v1/desks/window-2/next").json()
    assert called["state"] == "called"
    assert called["desk"] == "window-2"
    clock.advance(minutes=1)
    recalled = client.post(f"/api/v1/tickets/{ticket['id']}/recall").json()
    assert (recalled["state"], recalled["recalls"]) == ("recalled", 1)
    started = client.post(f"/api/v1/tickets/{ticket['id']}/start").json()
    clock.advance(minutes=12)
    done = client.post(f"/api/v1/tickets/{ticket['id']}/finish").json()
    assert done["state"] == "done"
    assert datetime.fromisoformat(done["finished_at"]) - datetime.fromisoformat(
        started["started_at"]) == timedelta(minutes=12)
    assert datetime.fromisoformat(called["called_at"]) - datetime.fromisoformat(
        ticket["issued_at"]) == timedelta(minutes=5)
    trail = client.get("/api/v1/audit", params={"entity": "ticket",
                                                "entity_id": str(ticket["id"])}).json()
    assert [entry["action"] for entry in reversed(trail)] == [
        "issue", "call", "recall", "start", "finish"]
    finish = trail[0]
    assert finish["before"]["state"] == "serving"
    assert finish["after"]["state"] == "done"
    assert finish["actor"] == "token:test-admin"


def test_no_show_and_cancel(client: TestClient) -> None:
    absent = issue(client)["ticket"]
    leaving = issue(client)["ticket"]
    client.post("/api/v1/desks/window-1/next")
    gone = client.post(f"/api/v1/tickets/{absent['id']}/no-show").json()
    assert gone["state"] == "no_show"
    cancelled = client.post(f"/api/v1/tickets/{leaving['id']}/cancel",
                            json={"note": "left"}).json()
    assert cancelled["state"] == "cancelled"
    empty = client.post("/api/v1/desks/window-1/next")
    assert empty.status_code == 409
    assert empty.json()["code"] == "queue_empty"
    assert empty.json()["text"] == {"kk": "Кезекте ешкім жоқ", "ru": "В очереди никого нет"}


def test_transfer_to_a_desk_keeps_the_place_by_arrival(client: TestClient,
                                                       clock: ManualClock) -> None:
    early = issue(client)["ticket"]
    clock.advance(minutes=2)
    waiting_in_personal = issue(client, "booked_reception")["ticket"]
    client.post("/api/v1/desks/window-1/next")
    client.post(f"/api/v1/tickets/{early['id']}/start")
    clock.advance(minutes=10)
    moved = client.post(f"/api/v1/tickets/{early['id']}/transfer",
                        json={"desk": "office-105", "note": "to the akim's deputy"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "transferred"
    assert moved.json()["zone"] == "personal"
    assert moved.json()["target_desk"] == "office-105"
    assert moved.json()["queued_at"] == early["queued_at"]
    # Another office of the zone does not see a ticket aimed at office 105 ...
    other = client.post("/api/v1/desks/office-106/next").json()
    assert other["number"] == waiting_in_personal["number"]
    # ... and office 105 gets it, ahead of later arrivals.
    issue(client, "booked_reception")
    mine = client.post("/api/v1/desks/office-105/next").json()
    assert mine["number"] == early["number"]


def test_next_finishes_the_visitor_being_served(client: TestClient) -> None:
    first = issue(client)["ticket"]
    second = issue(client)["ticket"]
    client.post("/api/v1/desks/window-1/next")
    client.post(f"/api/v1/tickets/{first['id']}/start")
    nxt = client.post("/api/v1/desks/window-1/next").json()
    assert nxt["number"] == second["number"]
    assert client.get(f"/api/v1/tickets/{first['id']}").json()["state"] == "done"


def test_a_desk_with_a_called_visitor_is_busy(client: TestClient) -> None:
    issue(client)
    issue(client)
    client.post("/api/v1/desks/window-1/next")
    busy = client.post("/api/v1/desks/window-1/next")
    assert busy.status_code == 409
    assert busy.json()["code"] == "desk_busy"
    assert "100" in busy.json()["text"]["ru"]


def test_lunch_issues_with_a_note(client: TestClient, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))  # 13:30 in Almaty
    body = issue(client)
    assert body["note"]["ru"] == "Обеденный перерыв. Приём возобновится в 14:30."
    assert "14:30" in body["note"]["kk"]


def test_outside_hours_is_refused_with_the_next_opening(client: TestClient,
                                                        clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))  # Friday 19:00 in Almaty
    refused = client.post("/api/v1/tickets", json={"language": "ru", "purpose": "complaint"})
    assert refused.status_code == 409
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "center_closed"
    assert problem["opens_at"].startswith("2026-11-30T09:00")
    assert problem["text"]["ru"] == "Центр сейчас закрыт. Приём откроется 30 ноября, 09:00."
    assert "30 қараша, 09:00" in problem["text"]["kk"]
    assert client.get("/api/v1/audit", params={"entity": "ticket"}).json() == []


def test_independence_day_is_closed(client: TestClient, clock: ManualClock) -> None:
    clock.set(datetime(2026, 12, 16, 6, 0, tzinfo=UTC))
    refused = client.post("/api/v1/tickets", json={"language": "kk", "purpose": "complaint"})
    assert refused.json()["opens_at"].startswith("2026-12-17T09:00")


def test_numbering_restarts_on_the_next_working_day(client: TestClient,
                                                    clock: ManualClock) -> None:
    issue(client)
    issue(client)
    clock.set(datetime(2026, 11, 24, 4, 0, tzinfo=UTC))  # Tuesday 09:00
    assert issue(client)["ticket"]["number"] == 100


def test_a_full_range_wraps_past_numbers_still_waiting(client: TestClient, hub: Hub) -> None:
    response = client.put("/api/v1/center/zones/self_service", json={
        "code": "self_service", "kind": "self_service",
        "name": {"kk": "Өзіне-өзі қызмет көрсету", "ru": "Самообслуживание"},
        "range": [800, 809]})
    assert response.status_code == 200, response.text
    tickets = [issue(client, "appeal_help")["ticket"] for _ in range(10)]
    assert [t["number"] for t in tickets] == list(range(800, 810))
    exhausted = client.post("/api/v1/tickets", json={"language": "kk", "purpose": "appeal_help"})
    assert exhausted.status_code == 409
    assert exhausted.json()["code"] == "range_exhausted"
    # 801 and 803 leave; the range wraps to them, skipping 800 which still waits.
    for ticket in (tickets[1], tickets[3]):
        client.post(f"/api/v1/tickets/{ticket['id']}/cancel")
    assert issue(client, "appeal_help")["ticket"]["number"] == 801
    assert issue(client, "appeal_help")["ticket"]["number"] == 803


def test_bad_input_names_the_field_and_changes_nothing(client: TestClient) -> None:
    cases = [
        ({"language": "en", "purpose": "complaint"}, 422, "invalid_request", "language"),
        ({"language": "kk"}, 422, "invalid_value", "purpose"),
        ({"language": "kk", "purpose": "tea"}, 404, "not_found", "purpose"),
        ({"language": "kk", "zone": "kitchen"}, 404, "not_found", "zone"),
        ({"language": "kk", "zone": "waiting"}, 422, "invalid_value", "zone"),
        ({"language": "kk", "purpose": "complaint", "zone": "personal"}, 422, "invalid_value",
         "zone"),
        ({"language": "kk", "purpose": "complaint", "out_of_turn": "mayor"}, 404, "not_found",
         "out_of_turn"),
        ({"language": "kk", "purpose": "complaint", "colour": "red"}, 422, "invalid_request",
         "colour"),
        ({"language": "kk", "purpose": "c" * 41}, 422, "invalid_request", "purpose"),
    ]
    for body, status, code, field in cases:
        response = client.post("/api/v1/tickets", json=body)
        assert response.status_code == status, (body, response.text)
        problem = response.json()
        assert (problem["code"], problem["field"]) == (code, field), body
        assert problem["text"]["kk"] and problem["text"]["ru"]
    malformed = client.post("/api/v1/tickets", content=b"{not json",
                            headers={"Content-Type": "application/json"})
    assert malformed.status_code == 422
    assert malformed.json()["code"] == "invalid_request"
    assert client.get("/api/v1/audit", params={"entity": "ticket"}).json() == []
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_transitions_from_the_wrong_state_are_refused(client: TestClient) -> None:
    ticket = issue(client)["ticket"]
    for action in ("start", "finish", "no-show", "recall"):
        response = client.post(f"/api/v1/tickets/{ticket['id']}/{action}")
        assert response.status_code == 409, action
        assert response.json()["code"] == "illegal_transition"
        assert response.json()["state"] == "waiting"
    assert client.get(f"/api/v1/tickets/{ticket['id']}").json()["state"] == "waiting"
    missing = client.post("/api/v1/tickets/99999/start")
    assert missing.status_code == 404
    assert missing.json()["field"] == "ticket_id"


def test_calls_to_unknown_closed_or_wrong_desks_are_refused(client: TestClient) -> None:
    ticket = issue(client)["ticket"]
    assert client.post("/api/v1/desks/window-9/next").json()["code"] == "not_found"
    wrong = client.post(f"/api/v1/tickets/{ticket['id']}/call", json={"desk": "office-105"})
    assert wrong.status_code == 409
    desk = client.get("/api/v1/center").json()["desks"][0]
    desk["active"] = False
    assert client.put(f"/api/v1/center/desks/{desk['code']}", json=desk).status_code == 200
    closed = client.post(f"/api/v1/desks/{desk['code']}/next")
    assert closed.status_code == 409
    assert closed.json()["code"] == "desk_closed"
    served = client.post(f"/api/v1/tickets/{ticket['id']}/call", json={"desk": "window-2"})
    assert served.status_code == 200
    bad_transfer = client.post(f"/api/v1/tickets/{ticket['id']}/transfer",
                               json={"desk": desk["code"]})
    assert bad_transfer.json()["code"] == "desk_closed"


def test_queue_state_lists_numbers_and_flags_only(client: TestClient) -> None:
    issue(client, out_of_turn="disability", needs_escort=True, language="ru")
    state = client.get("/api/v1/queue").json()
    consultation = next(z for z in state["zones"] if z["code"] == "consultation")
    entry = consultation["waiting"][0]
    assert entry["number"] == 100
    assert entry["needs_escort"] is True
    assert entry["out_of_turn"] == "disability"
    assert set(entry) == {"id", "number", "language", "out_of_turn", "needs_escort",
                          "target_desk", "booked_for", "queued_at"}
    assert state["opening"] == "open"
    assert {d["code"] for d in state["desks"]} >= {"window-1", "office-105"}


def test_staffing_feeds_the_estimate_and_the_three_hour_alert(client: TestClient,
                                                              clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 4, 0, tzinfo=UTC))  # 09:00, opening
    assert client.post("/api/v1/desks/window-1/sign-in").status_code == 200
    for _ in range(4):
        issue(client)
    estimate = client.get("/api/v1/tickets/4/estimate").json()
    assert estimate == {"people_ahead": 3, "minutes": 45, "staffed_desks": 1}
    clock.set(datetime(2026, 11, 23, 7, 1, tzinfo=UTC))  # 12:01: three hours and a minute
    unstaffed = {d["desk"]: d for d in client.get("/api/v1/staffing").json()}
    assert "window-1" not in unstaffed
    assert unstaffed["window-2"]["alert"] is True
    assert unstaffed["window-2"]["working_seconds"] == 3 * 3600 + 60
    client.post("/api/v1/desks/window-1/sign-out")
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # 15:00: 59 min, lunch not counted
    unstaffed = {d["desk"]: d for d in client.get("/api/v1/staffing").json()}
    assert unstaffed["window-1"]["alert"] is False
    assert unstaffed["window-1"]["working_seconds"] == 59 * 60 + 30 * 60
