"""Consultations linked to called tickets (000 §12), the satisfaction call list
(002 §36) with its figures, the control work list of protocol instructions
with reminders and alerts on the hub's clock, and personal data kept out of
the logs.

The clock stands at Monday 23 November 2026, 10:00 in Almaty.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest
from fastapi.testclient import TestClient

from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.settings import AppealSettings
from hub.wiring import Hub
from tests.hub.test_api_appeals import API, APPEAL, IIN, NAME, as_role, audit
from tests.hub.test_api_check_in import at, protocol_ready
from tests.hub.test_api_reception import BASE

CONSULTATION = {"question": "Жер телімін алу кезегі", "advice": "Әкімдікке өтініш беру "
                "тәртібі түсіндірілді", "applied_before": "Жер қатынастары бөлімі",
                "answer_before": "Ауызша бас тарту", "court_decision": "",
                "iin": IIN, "full_name": NAME, "phone": "+7 701 234 56 78"}


def called_at_window_1(hub: Hub, operator: str = "op.one") -> int:
    hub.staffing.sign_in("window-1", operator)
    hub.queue.issue(language="kk", zone="consultation", actor="test")
    return hub.queue.call_next("window-1", actor=operator).id


def test_a_consultation_links_to_the_called_ticket_and_feeds_the_survey(
        client: TestClient, hub: Hub) -> None:
    hub.appeals.consultations.settings = AppealSettings(survey_rate=1.0)
    ticket = called_at_window_1(hub)
    operator = as_role(hub, Role.OPERATOR, "consult-svc")
    offered = operator.get("/api/v1/consultations/tickets").json()
    assert [t["id"] for t in offered] == [ticket]
    saved = operator.post("/api/v1/consultations", json=CONSULTATION | {
        "ticket_id": ticket, "outcome": "self_service"})
    assert saved.status_code == 201, saved.text
    info = saved.json()
    assert (info["desk"], info["zone"], info["outcome"]) == ("window-1", "consultation",
                                                             "self_service")
    assert info["iin_masked"].endswith(IIN[-4:]) and NAME not in saved.text
    assert operator.get("/api/v1/consultations/tickets").json() == []
    twice = operator.post("/api/v1/consultations", json=CONSULTATION | {
        "ticket_id": ticket, "outcome": "enough"})
    assert twice.status_code == 409
    # A visitor who asked for a reception is not called for the survey (002 §36).
    other = hub.queue.issue(language="ru", zone="consultation", actor="test").ticket.id
    hub.queue.start(ticket, actor="op.one")
    hub.queue.finish(ticket, actor="op.one")
    hub.queue.call_next("window-1", actor="op.one")
    booked = operator.post("/api/v1/consultations", json=CONSULTATION | {
        "ticket_id": other, "outcome": "booking_requested"})
    assert booked.status_code == 201
    calls = client.get("/api/v1/surveys/call-list").json()
    assert [c["consultation_id"] for c in calls] == [info["id"]]
    assert calls[0]["phone"] == "+7 701 234 56 78" and calls[0]["result"] is None
    assert as_role(hub, Role.ANALYST, "an").get("/api/v1/surveys/call-list").status_code == 403
    no_score = client.post(f"/api/v1/surveys/{info['id']}", json={"result": "satisfied"})
    assert no_score.status_code == 422 and no_score.json()["field"] == "score"
    assert client.post(f"/api/v1/surveys/{info['id']}",
                       json={"result": "satisfied", "score": 5}).status_code == 204
    off_list = client.post(f"/api/v1/surveys/{booked.json()['id']}",
                           json={"result": "satisfied", "score": 4})
    assert off_list.status_code == 404
    figures = client.get("/api/v1/surveys/figures").json()
    assert figures["consultations"] == 2 and figures["eligible"] == 1
    assert figures["by_outcome"] == {"self_service": 1, "booking_requested": 1}
    assert figures["called"] == 1 and figures["mean_score"] == 5.0
    assert figures["satisfied_share"] == 1.0
    entries = client.get("/api/v1/audit", params={"entity": "consultation"}).json()
    actions = [e["action"] for e in entries]
    assert "survey_call_list_read" in actions and "survey_call_refused" in actions
    dumped = str(entries)
    assert IIN not in dumped and NAME not in dumped and "7012345678" not in dumped


def test_a_consultation_only_for_a_ticket_called_at_the_workers_desk(
        client: TestClient, hub: Hub) -> None:
    waiting = hub.queue.issue(language="kk", zone="consultation", actor="test").ticket.id
    refused = client.post("/api/v1/consultations", json=CONSULTATION | {
        "ticket_id": waiting, "outcome": "enough"})
    assert refused.status_code == 409 and "вызывался" in refused.json()["text"]["ru"]
    bad_outcome = client.post("/api/v1/consultations", json=CONSULTATION | {
        "ticket_id": waiting, "outcome": "whatever"})
    assert bad_outcome.status_code == 422
    assert client.get("/api/v1/consultations").json() == []


def test_instructions_of_protocols_are_on_control_with_reminders_and_alerts(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    number = protocol_ready(client, clock)
    client.post(f"{BASE}/requests/{number}/protocol", json={"instructions": [
        {"text": "Құжаттарды тексеру", "responsible": "Жер бөлімінің басшысы",
         "working_days": 5},
        {"text": "Жауап жолдау", "responsible": "Аппарат басшысы", "due": "2026-12-18"}]})
    items = client.get("/api/v1/control").json()
    assert [(i["reference"], i["position"], i["due"], i["signal"]) for i in items] == [
        (number, 0, "2026-12-08", "in_time"), (number, 1, "2026-12-18", "in_time")]
    clock.set(at("10:00", day=4))  # Friday: two working days before 8 December
    assert client.get("/api/v1/control").json()[0]["signal"] == "reminder"
    clock.set(at("10:00", day=9))  # the day after the deadline
    first = client.get("/api/v1/control").json()[0]
    assert (first["signal"], first["working_days_left"]) == ("overdue", -1)
    empty = client.post(f"/api/v1/control/instructions/{number}/0/done", json={"report": ""})
    assert empty.status_code == 422
    done = client.post(f"/api/v1/control/instructions/{number}/0/done",
                       json={"report": "Тексерілді, анықтама жолданды"})
    assert done.status_code == 204
    assert [i["position"] for i in client.get("/api/v1/control").json()] == [1]
    figures = hub.appeals.control.figures(date(2026, 12, 1), date(2026, 12, 1))
    assert (figures.total, figures.done, figures.done_late, figures.open) == (2, 1, 1, 1)
    # An appeal on control shows in the same list.
    appeal = client.post(API, json=APPEAL).json()["number"]
    hub.users.create_user(username="holder.user", full_name="Қызметкер", role=Role.OFFICIAL,
                          password="correct horse battery", actor="test")
    client.post(f"{API}/{appeal}/assign", json={"assignee": "holder.user", "working_days": 1})
    kinds = {i["kind"] for i in client.get("/api/v1/control").json()}
    assert kinds == {"instruction", "appeal"}


def test_nothing_personal_reaches_the_logs(client: TestClient, hub: Hub,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bad = client.post(API, json=APPEAL | {"iin": IIN[:11] + "0" if IIN[11] != "0"
                                          else IIN[:11] + "1"})
    assert bad.status_code == 422
    number = client.post(API, json=APPEAL).json()["number"]
    client.get(API)
    client.get(f"{API}/{number}")
    client.get(f"{API}/export.csv", params={"purpose": "e-Өтініш"})
    hub.users.create_user(username="holder.user", full_name="Қызметкер", role=Role.OFFICIAL,
                          password="correct horse battery", actor="test")
    client.post(f"{API}/{number}/assign", json={"assignee": "holder.user"})
    client.post(f"{API}/{number}/close", json={"answer": "", "motivation": ""})
    assert caplog.records  # the requests were logged at all
    for secret in (IIN, IIN[:6], NAME, "7012345678"):
        assert secret not in caplog.text
    assert audit(client, number)
    # The public pages have no register data either.
    for page in ("/schedule", "/schedule/print"):
        text = client.get(page).text
        assert NAME not in text and IIN not in text and number not in text
