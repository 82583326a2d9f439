"""The check-in console page: a reception worker types a booking code and gets
the ticket; the official records the protocol of the reception."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.wiring import Hub
from tests.hub.test_api_check_in import at, booked
from tests.hub.test_api_reception import BASE, add_akim

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(hub: Hub, username: str, role: Role) -> TestClient:
    hub.users.create_user(username=username, full_name="Тест Қызметкер", role=role,
                          password="correct horse battery", actor="test")
    browser = TestClient(create_app(hub.settings, hub))
    page = browser.get("/console/login")
    token = CSRF.search(page.text)
    assert token is not None
    done = browser.post("/console/login", data={
        "username": username, "password": "correct horse battery",
        "csrf_token": token.group(1)}, follow_redirects=False)
    assert done.status_code == 303, done.text
    return browser


def test_reception_checks_in_and_the_official_records_the_protocol(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    add_akim(client)
    number, code = booked(client)
    clock.set(at("09:45"))
    worker = signed_in(hub, "reception.worker", Role.RECEPTION)
    page = worker.get("/console/check-in")
    assert page.status_code == 200
    assert "Жеке қабылдауға тіркеу" in page.text
    assert 'href="/console/check-in"' in page.text
    token = CSRF.search(page.text)
    assert token is not None
    result = worker.post("/console/check-in", data={"code": code, "csrf_token": token.group(1)})
    assert result.status_code == 200
    ticket = client.get(f"{BASE}/requests/{number}").json()
    assert ticket["state"] == "checked_in"
    assert 'id="check-in-result"' in result.text
    assert "105 кабинет" in result.text
    assert 'id="protocol-form"' not in result.text  # reception does not record protocols
    official = signed_in(hub, "akim.user", Role.OFFICIAL)
    form = official.get("/console/check-in")
    assert 'id="check-in-form"' not in form.text
    token = CSRF.search(form.text)
    assert token is not None
    saved = official.post("/console/check-in/protocol", data={
        "csrf_token": token.group(1), "number": number, "decision": "",
        "text_0": "Құжаттарды тексеру", "responsible_0": "Бөлім басшысы", "days_0": "3"})
    assert saved.status_code == 200, saved.text
    assert "жеке қабылдаудан" in saved.text
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "received"
    assert worker.post("/console/check-in/protocol", data={
        "csrf_token": "x", "number": number}).status_code == 403


def test_reception_lets_a_late_visitor_in_only_when_asked(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    add_akim(client)
    number, code = booked(client)
    clock.set(at("10:45"))
    worker = signed_in(hub, "reception.worker", Role.RECEPTION)
    page = worker.get("/console/check-in")
    assert 'name="admit_late"' in page.text
    token = CSRF.search(page.text)
    assert token is not None
    refused = worker.post("/console/check-in", data={"code": code, "csrf_token": token.group(1)})
    assert "Жеке қабылдауға тіркелу уақыты өтіп кетті" in refused.text
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "approved"
    admitted = worker.post("/console/check-in", data={
        "code": code, "admit_late": "on", "csrf_token": token.group(1)})
    assert 'id="check-in-result"' in admitted.text
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "checked_in"
