"""The authorization matrix (issue 17, Deliver 9): every route of the app, every
method, asked by every role of ``hub.domain.roles`` and by an anonymous
visitor, against ONE table of what each role may do
(``authorization_matrix.txt`` beside this file).

- A route missing from the table fails the test: a new route must be classified.
- Anonymous: 401 (API) or a redirect to the login page (console), except the
  routes the table marks ``public``.
- A role the table does not name: 403.
- A role it names: anything but 401/403 (404 or 422 mean the authorization
  layer let the request through to a lookup or a validation). A role it does
  not name hears 403 even with an empty body: the role is checked before the
  body is validated.

API requests carry a bearer token of the role; console requests a signed-in
session of a user of the role, with the session's CSRF token in the form and
the X-CSRF-Token header, so a 403 is never a CSRF refusal. Each role asks a
hub of its own (the same data made the same way), so what one role changes
cannot decide another's answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from hub.api.app import create_app
from hub.console import board
from hub.domain.roles import Role
from hub.services.appeals import AppealInput
from hub.services.clock import ManualClock
from hub.settings import HubSettings
from hub.wiring import Hub, build_hub
from tests.conftest import WORKING_MOMENT
from tests.hub.test_api_appeals import APPEAL

TABLE = Path(__file__).with_name("authorization_matrix.txt")
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
APPEAL_NUMBER = "AP-2026-00001"
ANONYMOUS = "anonymous"
SESSION = "session"  # a marker in the table's set: the route answers for the session itself
WHO = (*[role.value for role in Role], ANONYMOUS)
# Kept last: it ends the session the other requests of the role use.
LAST = ("POST", "/console/logout")


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def console(self) -> bool:
        return self.path.startswith("/console")


def _flat(routes: list[object]) -> Iterator[tuple[str, set[str] | None]]:
    """Every route with its methods, through FastAPI's included routers."""
    for route in routes:
        if isinstance(route, fastapi_routing._IncludedRouter):
            yield from _flat(list(route.effective_candidates()))
        elif isinstance(route, fastapi_routing._EffectiveRouteContext):
            yield route.path, getattr(route.original_route, "methods", None)
        elif isinstance(route, Route):
            yield route.path, route.methods
        elif isinstance(route, Mount):
            yield route.path + "/{path}", {"GET"}


def operations(app: FastAPI) -> list[Operation]:
    found = {Operation(method, path) for path, methods in _flat(list(app.routes))
             for method in methods or () if method != "HEAD"}
    return sorted(found, key=lambda op: (op.key == " ".join(LAST), op.path, op.method))


def read_table() -> dict[str, frozenset[str]]:
    """``METHOD PATH WHO``: WHO is ``public``, ``session``, ``signed_in`` or roles
    joined by commas."""
    table: dict[str, frozenset[str]] = {}
    for number, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        method, path, who = line.split()
        if who in ("public", SESSION):
            allowed = frozenset(WHO) | ({SESSION} if who == SESSION else frozenset())
        elif who == "signed_in":
            allowed = frozenset(role.value for role in Role)
        else:
            allowed = frozenset(who.split(","))
            unknown = allowed - {role.value for role in Role}
            assert not unknown, f"{TABLE.name}:{number}: unknown roles {unknown}"
        key = f"{method} {path}"
        assert key not in table, f"{TABLE.name}:{number}: {key} twice"
        table[key] = allowed
    return table


def concrete(path: str) -> str:
    """A path with its parameters filled: the appeal that exists, ids that do
    not (a lookup answers 404 after authorization), plain words elsewhere."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        if name == "number" and "/appeals/" in path:
            return APPEAL_NUMBER
        if name == "kind":
            return "json"
        if name == "code" and path.startswith("/console/lang"):
            return "ru"
        if name == "path":
            return "nothing-here.css"
        if name.endswith("id") or name in ("position", "id"):
            return "999999"
        return "nothing-here"
    return re.sub(r"\{([^}]+)\}", value, path)


def seeded_hub(data_dir: Path) -> Hub:
    hub = build_hub(HubSettings(data_dir=data_dir, mqtt_enabled=False),
                    clock=ManualClock(WORKING_MOMENT))
    hub.appeals.register.register(AppealInput(**APPEAL), actor="test")
    return hub


class Asker:
    """Asks one operation as one role (or anonymously) of its own hub."""

    def __init__(self, hub: Hub, who: str) -> None:
        self.who = who
        app = create_app(hub.settings, hub)
        self.api = TestClient(app, follow_redirects=False)
        self.console = TestClient(app, follow_redirects=False)
        self.csrf = ""
        if who == ANONYMOUS:
            self.csrf = CSRF.search(self.console.get("/console/login").text).group(1)  # type: ignore[union-attr]
            return
        role = Role(who)
        token = hub.users.create_token(name=f"matrix-{who}", role=role, actor="test")
        self.api.headers["Authorization"] = f"Bearer {token}"
        username = f"matrix.{who}"
        hub.users.create_user(username=username, full_name="Матрица Тексеру", role=role,
                              password=PASSWORD, actor="test")
        if role is Role.OFFICIAL:  # an official of the schedule, reading their own receptions
            hub.reception.put_official(
                "matrix-official", actor="test", full_name="Матрица Тексеру",
                position_kk="Аудан әкімі", position_ru="Аким района",
                state_body_kk="Әкімдік", state_body_ru="Акимат", username=username)
        login = self.console.get("/console/login")
        signed = self.console.post("/console/login", data={
            "username": username, "password": PASSWORD,
            "csrf_token": CSRF.search(login.text).group(1)})  # type: ignore[union-attr]
        assert signed.status_code == 303, signed.text
        self.csrf = CSRF.search(self.console.get("/console/").text).group(1)  # type: ignore[union-attr]

    def ask(self, operation: Operation) -> tuple[int, str]:
        client = self.console if operation.console else self.api
        url = concrete(operation.path)
        if operation.method == "GET":
            response = client.get(url)
        elif operation.console:
            response = client.request(operation.method, url, data={"csrf_token": self.csrf},
                                      headers={"X-CSRF-Token": self.csrf})
        else:
            response = client.request(operation.method, url, json={},
                                      headers={"X-CSRF-Token": self.csrf})
        return response.status_code, response.headers.get("location", "") + (
            response.text[:300] if response.status_code in (403, 422) else "")


def verdict(operation: Operation, who: str, allowed: frozenset[str], status: int,
            said: str) -> str | None:
    """None when the answer keeps the table, else what is wrong."""
    if SESSION in allowed:
        return None if status != 403 else f"the session's form refused as 403: {said[:80]}"
    if who in allowed:
        if status in (401, 403) or (status in (302, 303, 307) and "/console/login" in said):
            return f"allowed, got {status}"
        return None
    if who == ANONYMOUS:
        if operation.console:
            ok = status == 401 or (status in (302, 303, 307) and "/console/login" in said)
        else:
            ok = status == 401
        return None if ok else f"anonymous, got {status} {said[:80]}"
    return None if status == 403 else f"refused role, got {status} {said[:80]}"


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory,
            request: pytest.FixtureRequest) -> dict[tuple[str, str], tuple[int, str]]:
    request_finalizer = request.addfinalizer
    table_app_hub = seeded_hub(tmp_path_factory.mktemp("routes"))
    ops = operations(create_app(table_app_hub.settings, table_app_hub))
    table_app_hub.close()
    found: dict[tuple[str, str], tuple[int, str]] = {}
    # The live pages' event streams end at once instead of after minutes.
    patch = pytest.MonkeyPatch()
    patch.setattr(board, "STREAM_SECONDS", 0)
    request_finalizer(patch.undo)
    for who in WHO:
        hub = seeded_hub(tmp_path_factory.mktemp(who))
        try:
            asker = Asker(hub, who)
            for operation in ops:
                found[(operation.key, who)] = asker.ask(operation)
        finally:
            hub.close()
    return found


def test_every_route_is_in_the_table(tmp_path: Path) -> None:
    hub = seeded_hub(tmp_path)
    try:
        keys = {op.key for op in operations(create_app(hub.settings, hub))}
    finally:
        hub.close()
    table = read_table()
    assert sorted(keys - table.keys()) == [], "routes missing from the table"
    assert sorted(table.keys() - keys) == [], "the table names routes that do not exist"


def test_every_answer_keeps_the_table(
        answers: dict[tuple[str, str], tuple[int, str]]) -> None:
    table = read_table()
    violations = []
    for (key, who), (status, said) in sorted(answers.items()):
        if key not in table:
            continue  # the other test names it
        wrong = verdict(Operation(*key.split(" ", 1)), who, table[key], status, said)
        if wrong:
            violations.append(f"{key} as {who}: {wrong}")
    assert len(answers) >= len(table) * len(WHO) * 0.99
    assert violations == [], f"{len(violations)} of {len(answers)}:\n" + "\n".join(violations)
