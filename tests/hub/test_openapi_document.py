"""The OpenAPI document says what the hub answers: problems, authentication, wall
times (hub/api/openapi.py); and the answers it describes (hub/api/problems.py)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from hub.api.openapi import WALL_TIME_PATTERN
from hub.api.problems import PROBLEM_JSON

METHODS = {"get", "put", "post", "delete", "patch"}


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, operation) for path, item in spec["paths"].items()
            for method, operation in item.items() if method in METHODS]


def test_every_error_answer_is_documented_as_a_problem(anonymous: TestClient) -> None:
    spec = anonymous.get("/api/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code", "detail"} <= set(problem["required"])
    for method, path, operation in operations(spec):
        for status, answer in operation["responses"].items():
            if status.startswith("4"):
                assert answer["content"] == {
                    PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}, (
                    method, path, status)


def test_statuses_follow_what_an_operation_takes_and_who_may_call_it(
        anonymous: TestClient) -> None:
    spec = anonymous.get("/api/openapi.json").json()
    issue = spec["paths"]["/api/v1/tickets"]["post"]
    assert {"400", "401", "403", "404", "409", "413", "422"} <= set(issue["responses"])
    assert issue["security"] == [{"bearer": []}, {"session": []}]
    health = spec["paths"]["/api/v1/health"]["get"]
    assert set(health["responses"]) == {"200"}
    assert "security" not in health
    ticket = spec["paths"]["/api/v1/tickets/{ticket_id}"]["get"]
    assert "409" not in ticket["responses"] and "413" not in ticket["responses"]
    assert set(spec["components"]["securitySchemes"]) == {"bearer", "session"}


def test_times_are_documented_as_the_wall_times_the_hub_writes(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert '"format": "time"' not in str(spec).replace("'", '"')
    hours = spec["components"]["schemas"]["HoursDoc"]["properties"]
    assert hours["opens"]["pattern"] == WALL_TIME_PATTERN
    served = client.get("/api/v1/center").json()["hours"]
    assert re.fullmatch(WALL_TIME_PATTERN, served["opens"])
    assert re.fullmatch(WALL_TIME_PATTERN, served["closes"])
    for wrong in ("24:00", "9:00", "09:60", "09:00:00+05:00", "09:00Z"):
        assert not re.fullmatch(WALL_TIME_PATTERN, wrong)


def test_method_not_allowed_names_every_method_of_the_resource(client: TestClient) -> None:
    refused = client.patch("/api/v1/center", json={})
    assert refused.status_code == 405
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert set(refused.headers["allow"].split(", ")) == {"GET", "PUT"}
    # A path that also fits a template of another resource names only its own methods.
    refused = client.delete("/api/v1/surveys/call-list")
    assert set(refused.headers["allow"].split(", ")) == {"GET"}


def test_a_change_that_leaves_the_center_invalid_is_a_problem_not_a_server_error(
        client: TestClient) -> None:
    document = client.get("/api/v1/center").json()
    document |= {"zones": [z for z in document["zones"] if z["code"] == "reception"],
                 "desks": [], "purposes": [], "out_of_turn": []}
    assert client.put("/api/v1/center", json=document).status_code == 200

    last = client.delete("/api/v1/center/zones/reception")

    assert last.status_code == 422
    assert last.headers["content-type"] == PROBLEM_JSON
    assert last.json()["code"] == "invalid_change"
    assert last.json()["field"] == "zones"
    assert set(last.json()["text"]) == {"kk", "ru"}
    assert [z["code"] for z in client.get("/api/v1/center").json()["zones"]] == ["reception"]
