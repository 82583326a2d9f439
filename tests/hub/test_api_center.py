"""Configuring the center through the API: every change validated as a whole,
refused with the field named, nothing half-written, every change audited."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def center(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/api/v1/center").json()
    return body


def zone(client: TestClient, code: str) -> dict[str, Any]:
    return next(z for z in center(client)["zones"] if z["code"] == code)


def test_the_default_center_is_the_one_of_regulation_000(client: TestClient) -> None:
    doc = center(client)
    assert doc["name"]["ru"] == "Центр приема граждан акимата Бородулихинского района"
    assert [z["code"] for z in doc["zones"]] == [
        "reception", "waiting", "consultation", "personal", "self_service"]
    windows = [d for d in doc["desks"] if d["zones"] == ["consultation"]]
    assert [d["label"]["kk"] for d in windows] == ["1-терезе", "2-терезе", "3-терезе"]
    assert [d["label"]["ru"] for d in windows] == ["Окно 1", "Окно 2", "Окно 3"]
    assert doc["hours"] == {"opens": "09:00:00", "closes": "18:30:00",
                            "lunch_starts": "13:00:00", "lunch_ends": "14:30:00",
                            "weekdays": ["mon", "tue", "wed", "thu", "fri"]}
    assert len(doc["out_of_turn"]) == 9


def test_changing_a_range_moves_new_numbers(client: TestClient) -> None:
    consultation = zone(client, "consultation") | {"range": [200, 299]}
    changed = client.put("/api/v1/center/zones/consultation", json=consultation)
    assert changed.status_code == 200, changed.text
    issued = client.post("/api/v1/tickets", json={"language": "kk", "purpose": "complaint"})
    assert issued.json()["ticket"]["number"] == 200
    trail = client.get("/api/v1/audit", params={"entity": "center"}).json()
    assert trail[0]["action"] == "put_zone"
    before = next(z for z in trail[0]["before"]["zones"] if z["code"] == "consultation")
    after = next(z for z in trail[0]["after"]["zones"] if z["code"] == "consultation")
    assert (before["range"], after["range"]) == ([100, 399], [200, 299])


def assert_refused(client: TestClient, method: str, path: str, body: Any, *, code: str,
                   field: str) -> dict[str, Any]:
    before = center(client)
    audit_before = len(client.get("/api/v1/audit").json())
    response = client.request(method, path, json=body)
    assert response.status_code in (404, 409, 422), response.text
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code, problem
    assert problem["field"] == field, problem
    assert problem["text"]["kk"] and problem["text"]["ru"]
    assert center(client) == before
    assert len(client.get("/api/v1/audit").json()) == audit_before
    return problem


def test_bad_configuration_is_refused_and_nothing_is_written(client: TestClient) -> None:
    consultation = zone(client, "consultation")
    assert_refused(client, "PUT", "/api/v1/center/zones/consultation",
                   consultation | {"range": [100, 105]}, code="invalid_value", field="range")
    assert_refused(client, "PUT", "/api/v1/center/zones/consultation",
                   consultation | {"range": [300, 200]}, code="invalid_value",
                   field="range.last")
    problem = assert_refused(client, "PUT", "/api/v1/center/zones/consultation",
                             consultation | {"range": [550, 650]}, code="invalid_value",
                             field="zones.personal.range")
    assert "пересекаются" in problem["text"]["ru"]
    duplicate_label = {"code": "window-4", "label": {"kk": "1-терезе", "ru": "Окно 4"},
                       "zones": ["consultation"]}
    problem = assert_refused(client, "PUT", "/api/v1/center/desks/window-4", duplicate_label,
                             code="invalid_value", field="desks.label.kk")
    assert "1-терезе" in problem["text"]["kk"]
    assert_refused(client, "PUT", "/api/v1/center/desks/window-4",
                   duplicate_label | {"label": {"kk": "4-терезе", "ru": "Окно 4"},
                                      "zones": ["kitchen"]},
                   code="invalid_value", field="desks.window-4.zones")
    assert_refused(client, "PUT", "/api/v1/center/desks/window-5",
                   duplicate_label | {"label": {"kk": "4-терезе", "ru": "Окно 4"}},
                   code="invalid_value", field="code")
    assert_refused(client, "DELETE", "/api/v1/center/zones/consultation", None,
                   code="invalid_value", field="desks.window-1.zones")
    assert_refused(client, "DELETE", "/api/v1/center/desks/window-9", None,
                   code="not_found", field="code")
    assert_refused(client, "PUT", "/api/v1/center/hours",
                   {"opens": "19:00", "closes": "18:00"}, code="invalid_value",
                   field="hours.closes")
    assert_refused(client, "PUT", "/api/v1/center/hours",
                   {"weekdays": ["mon", "funday"]}, code="invalid_request", field="weekdays")
    assert_refused(client, "PUT", "/api/v1/center/calendar",
                   {"closed_days": ["2026-12-19"], "working_days": ["2026-12-19"]},
                   code="invalid_value", field="working_days")
    assert_refused(client, "PUT", "/api/v1/center/zones/consultation",
                   consultation | {"kind": "kitchen"}, code="invalid_request", field="kind")


def test_extra_closed_and_transferred_working_days(client: TestClient,
                                                   clock: Any) -> None:
    from datetime import UTC, datetime

    saved = client.put("/api/v1/center/calendar",
                       json={"closed_days": ["2026-11-23"], "working_days": ["2026-11-28"]})
    assert saved.status_code == 200, saved.text
    closed = client.post("/api/v1/tickets", json={"language": "kk", "purpose": "complaint"})
    assert closed.json()["code"] == "center_closed"
    assert closed.json()["opens_at"].startswith("2026-11-24T09:00")
    clock.set(datetime(2026, 11, 28, 5, 0, tzinfo=UTC))  # Saturday made working
    opened = client.post("/api/v1/tickets", json={"language": "kk", "purpose": "complaint"})
    assert opened.status_code == 201


def test_hours_can_change(client: TestClient, clock: Any) -> None:
    from datetime import UTC, datetime

    saved = client.put("/api/v1/center/hours", json={
        "opens": "08:00", "closes": "17:00", "lunch_starts": None, "lunch_ends": None,
        "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"]})
    assert saved.status_code == 200, saved.text
    clock.set(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))  # 13:30: no lunch any more
    issued = client.post("/api/v1/tickets", json={"language": "kk", "purpose": "complaint"})
    assert issued.json()["note"] is None
    clock.set(datetime(2026, 11, 28, 3, 0, tzinfo=UTC))  # Saturday 08:00
    assert client.post("/api/v1/tickets",
                       json={"language": "kk", "purpose": "complaint"}).status_code == 201


def test_whole_document_round_trips(client: TestClient) -> None:
    doc = center(client)
    doc["name"] = {"kk": "Сынақ орталығы", "ru": "Тестовый центр"}
    replaced = client.put("/api/v1/center", json=doc)
    assert replaced.status_code == 200, replaced.text
    assert center(client) == doc
