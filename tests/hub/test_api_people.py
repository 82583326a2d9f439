"""Users, roles, tokens and who may do what."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hub.domain.roles import Role
from hub.wiring import Hub


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_requests_without_credentials_are_refused(anonymous: TestClient) -> None:
    for method, path in (("GET", "/api/v1/queue"), ("POST", "/api/v1/tickets"),
                         ("GET", "/api/v1/center"), ("POST", "/api/v1/desks/window-1/next")):
        response = anonymous.request(method, path, json={})
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthorized"
        assert response.json()["text"]["kk"] == "Жүйеге кіріңіз"
    assert anonymous.get("/api/v1/tickets",
                         headers=bearer("kzk_forged")).status_code in (401, 405)
    assert anonymous.get("/api/v1/queue", headers=bearer("kzk_forged")).status_code == 401


def test_roles_limit_what_a_token_may_do(hub: Hub, anonymous: TestClient) -> None:
    analyst = bearer(hub.users.create_token(name="report", role=Role.ANALYST, actor="t"))
    reception = bearer(hub.users.create_token(name="kiosk", role=Role.RECEPTION, actor="t"))
    operator = bearer(hub.users.create_token(name="desk", role=Role.OPERATOR, actor="t"))
    ticket = {"language": "ru", "purpose": "complaint"}
    assert anonymous.get("/api/v1/queue", headers=analyst).status_code == 200
    refused = anonymous.post("/api/v1/tickets", json=ticket, headers=analyst)
    assert refused.status_code == 403
    assert refused.json()["text"]["ru"] == "Нет прав на это действие"
    assert anonymous.post("/api/v1/tickets", json=ticket, headers=reception).status_code == 201
    assert anonymous.post("/api/v1/desks/window-1/next", headers=reception).status_code == 403
    assert anonymous.post("/api/v1/desks/window-1/next", headers=operator).status_code == 200
    assert anonymous.put("/api/v1/center/name", json={"kk": "x", "ru": "y"},
                         headers=operator).status_code == 403
    assert anonymous.get("/api/v1/audit", headers=operator).status_code == 403
    assert anonymous.get("/api/v1/users", headers=reception).status_code == 403


def test_a_revoked_token_stops_working(client: TestClient, anonymous: TestClient) -> None:
    made = client.post("/api/v1/tokens", json={"name": "terminal-1", "role": "reception"})
    assert made.status_code == 201
    token = made.json()["token"]
    assert anonymous.get("/api/v1/queue", headers=bearer(token)).status_code == 200
    assert client.delete("/api/v1/tokens/terminal-1").status_code == 204
    assert anonymous.get("/api/v1/queue", headers=bearer(token)).status_code == 401
    actions = [e["action"] for e in client.get("/api/v1/audit", params={
        "entity": "token", "entity_id": "terminal-1"}).json()]
    assert actions == ["revoke_token", "create_token"]


def test_users_are_created_validated_and_audited(client: TestClient, hub: Hub) -> None:
    created = client.post("/api/v1/users", json={
        "username": "Aigerim.S", "full_name": "Айгерім Серікқызы", "role": "operator",
        "password": "long-enough-pw", "language": "kk"})
    assert created.status_code == 201, created.text
    assert created.json()["username"] == "aigerim.s"
    again = client.post("/api/v1/users", json={
        "username": "aigerim.s", "full_name": "x", "role": "operator",
        "password": "long-enough-pw"})
    assert again.status_code == 409
    assert again.json()["field"] == "username"
    short = client.post("/api/v1/users", json={
        "username": "bolat", "full_name": "Болат", "role": "analyst", "password": "short"})
    assert short.status_code == 422
    assert short.json()["field"] == "password"
    assert "10" in short.json()["text"]["ru"]
    assert hub.users.authenticate("aigerim.s", "long-enough-pw") is not None
    assert hub.users.authenticate("aigerim.s", "wrong-password") is None
    assert hub.users.authenticate("nobody", "long-enough-pw") is None
    changed = client.patch("/api/v1/users/aigerim.s", json={"active": False})
    assert changed.json()["active"] is False
    assert hub.users.authenticate("aigerim.s", "long-enough-pw") is None
    trail = client.get("/api/v1/audit", params={"entity": "user"}).json()
    assert [e["action"] for e in trail] == ["update_user", "create_user"]
    assert trail[0]["before"]["active"] is True
    assert trail[0]["after"]["active"] is False
    assert all("password" not in str(e["after"]).lower() or "changed" in str(e["after"])
               for e in trail)
    stored = hub.users.list_users()
    assert [u.username for u in stored] == ["aigerim.s"]


def test_operators_sign_in_to_one_desk_at_a_time(hub: Hub, anonymous: TestClient) -> None:
    first = bearer(hub.users.create_token(name="op-a", role=Role.OPERATOR, actor="t"))
    second = bearer(hub.users.create_token(name="op-b", role=Role.OPERATOR, actor="t"))
    assert anonymous.post("/api/v1/desks/window-1/sign-in", headers=first).status_code == 200
    taken = anonymous.post("/api/v1/desks/window-1/sign-in", headers=second)
    assert taken.status_code == 409
    assert "token:op-a" in taken.json()["text"]["ru"]
    moved = anonymous.post("/api/v1/desks/window-2/sign-in", headers=first)
    assert moved.status_code == 200
    desk_one = anonymous.get("/api/v1/desks/window-1", headers=first).json()
    assert desk_one["operator"] is None
    assert anonymous.post("/api/v1/desks/window-1/sign-in", headers=second).status_code == 200


def test_openapi_documents_the_ticket_api(anonymous: TestClient) -> None:
    spec = anonymous.get("/api/openapi.json").json()
    assert "/api/v1/tickets" in spec["paths"]
    assert "/api/v1/desks/{desk}/next" in spec["paths"]
    issue = spec["paths"]["/api/v1/tickets"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in issue["parameters"])
