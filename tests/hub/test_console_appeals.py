"""The appeals console pages: registering through the form, a refused form
coming back with what was typed and the reason in the console's language
(nothing lost, the refusal audited), control forms refusing 002 §33 and §35,
a scan refused by content, masked lists for roles that do not need the
person, and the control, consultation and survey pages.

The clock stands at Monday 23 November 2026, 10:00 in Almaty.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hub.domain.roles import Role
from hub.settings import AppealSettings
from hub.wiring import Hub
from tests.hub.test_api_appeals import APPEAL, IIN, NAME, PDF, appeals_count, audit, user
from tests.hub.test_console_check_in import signed_in
from tests.hub.test_console_officials import token_of

FORM = {k: str(v) for k, v in APPEAL.items()} | {"co_applicants": "0"}


@pytest.fixture
def worker(hub: Hub) -> TestClient:
    return signed_in(hub, "reception.worker", Role.RECEPTION)


def test_an_appeal_is_registered_through_the_form(worker: TestClient, hub: Hub) -> None:
    form = worker.get("/console/appeals/new")
    assert form.status_code == 200 and 'id="appeal-form"' in form.text
    saved = worker.post("/console/appeals/new", data=FORM | {
        "channel": "personal_reception", "csrf_token": token_of(form.text)},
        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/console/appeals/AP-2026-00001"
    page = worker.get("/console/appeals/AP-2026-00001")
    assert "AP-2026-00001 нөмірімен тіркелді" in page.text
    assert 'id="reception-mark"' in page.text and "жеке қабылдаудан" in page.text
    assert NAME in page.text and IIN in page.text  # reception sees the whole record
    listing = worker.get("/console/appeals")
    assert 'href="/console/appeals"' in listing.text  # in the menu
    assert "•" * 8 + IIN[-4:] in listing.text and IIN not in listing.text


@pytest.mark.parametrize(("changes", "field", "kk", "ru"), [
    ({"iin": IIN[:11] + str((int(IIN[11]) + 1) % 10)}, "iin", "бақылау цифры",
     "Контрольная цифра"),
    ({"subject": ""}, "subject", "құзыретіне", "компетенции"),
    ({"language": "de"}, "translation_notarised", "нотариус", "нотариусом"),
])
def test_a_refused_form_keeps_what_was_typed_and_says_why(
        worker: TestClient, hub: Hub, changes: dict[str, str], field: str, kk: str,
        ru: str) -> None:
    form = worker.get("/console/appeals/new")
    refused = worker.post("/console/appeals/new",
                          data=FORM | changes | {"csrf_token": token_of(form.text)})
    assert refused.status_code == 422
    assert f'data-error-for="{field}"' in refused.text
    assert kk in refused.text  # the console speaks Kazakh by default
    assert "Әлеуметтік пәтер кезегі туралы шағым" in refused.text  # nothing lost
    assert NAME in refused.text
    worker.cookies.set("kezek_lang", "ru")
    again = worker.post("/console/appeals/new",
                        data=FORM | changes | {"csrf_token": token_of(form.text)})
    assert ru in again.text
    assert appeals_count(hub) == 0
    admin = signed_in(hub, "admin.user", Role.ADMINISTRATOR)
    assert admin.get("/console/audit").status_code == 200
    entries = [e for e in audit(_api(hub)) if e["action"] == "appeal_register_refused"]
    assert len(entries) == 2


def _api(hub: Hub) -> TestClient:
    from hub.api.app import create_app

    token = hub.users.create_token(name=f"t{len(hub.users.list_users())}",
                                   role=Role.ADMINISTRATOR, actor="test")
    return TestClient(create_app(hub.settings, hub),
                      headers={"Authorization": f"Bearer {token}"})


def test_control_forms_refuse_the_rules_of_002_and_keep_the_answer(
        worker: TestClient, hub: Hub) -> None:
    earlier = user(hub, "earlier.hand")
    user(hub, "next.hand")
    form = worker.get("/console/appeals/new")
    worker.post("/console/appeals/new", data=FORM | {
        "channel": "personal_reception", "handled_before": earlier,
        "csrf_token": token_of(form.text)})
    page = worker.get("/console/appeals/AP-2026-00001")
    refused = worker.post("/console/appeals/AP-2026-00001/assign", data={
        "csrf_token": token_of(page.text), "assignee": earlier, "days": "10"})
    assert refused.status_code == 409
    assert 'data-error-for="assignee"' in refused.text and "35-тармағы" in refused.text
    given = worker.post("/console/appeals/AP-2026-00001/assign", data={
        "csrf_token": token_of(page.text), "assignee": "next.hand", "days": "10"},
        follow_redirects=False)
    assert given.status_code == 303
    page = worker.get("/console/appeals/AP-2026-00001")
    assert 'id="close-form"' in page.text
    typed = "Сіздің өтінішіңіз қаралды"
    bare = worker.post("/console/appeals/AP-2026-00001/close", data={
        "csrf_token": token_of(page.text), "answer": typed, "motivation": "",
        "final": "final"})
    assert bare.status_code == 409
    assert 'data-error-for="motivation"' in bare.text and typed in bare.text
    assert hub.appeals.register.holder("AP-2026-00001") == "next.hand"  # still on control
    scan = worker.post("/console/appeals/AP-2026-00001/attachments",
                       data={"csrf_token": token_of(page.text)},
                       files={"file": ("a.pdf", b"GIF89a not a scan", "application/pdf")})
    assert scan.status_code == 422 and 'data-error-for="file"' in scan.text
    assert "құжат емес" in scan.text
    hub.appeals.register.settings = AppealSettings()
    kept = worker.post("/console/appeals/AP-2026-00001/attachments",
                       data={"csrf_token": token_of(page.text)},
                       files={"file": ("a.pdf", PDF, "application/pdf")},
                       follow_redirects=False)
    assert kept.status_code == 303
    page = worker.get("/console/appeals/AP-2026-00001")
    link = "/console/appeals/AP-2026-00001/attachments/1"
    assert link in page.text and worker.get(link).content == PDF


def test_an_analyst_sees_the_register_masked_and_no_scans(worker: TestClient,
                                                          hub: Hub) -> None:
    form = worker.get("/console/appeals/new")
    worker.post("/console/appeals/new", data=FORM | {"csrf_token": token_of(form.text)})
    hub.appeals.register.attach("AP-2026-00001", "a.pdf", PDF, actor="test")
    analyst = signed_in(hub, "analyst.user", Role.ANALYST)
    listing = analyst.get("/console/appeals")
    assert listing.status_code == 200
    assert NAME not in listing.text and IIN not in listing.text
    assert "appeals-export" not in listing.text
    page = analyst.get("/console/appeals/AP-2026-00001")
    assert NAME not in page.text and IIN not in page.text and "+7 701" not in page.text
    assert "жасырылған" in page.text
    assert analyst.get("/console/appeals/AP-2026-00001/attachments/1").status_code == 403
    assert analyst.get("/console/appeals-export.csv").status_code == 403
    assert analyst.get("/console/surveys").status_code == 403
    assert analyst.get("/console/control").status_code == 200


def test_the_consultation_page_takes_a_ticket_called_at_the_desk(hub: Hub) -> None:
    operator = signed_in(hub, "op.one", Role.OPERATOR)
    hub.staffing.sign_in("window-1", "op.one")
    hub.queue.issue(language="kk", zone="consultation", actor="test")
    ticket = hub.queue.call_next("window-1", actor="op.one")
    page = operator.get("/console/consultations")
    assert page.status_code == 200 and f'value="{ticket.id}"' in page.text
    empty = operator.post("/console/consultations", data={
        "csrf_token": token_of(page.text), "ticket_id": str(ticket.id), "question": "",
        "advice": "Түсіндірілді", "outcome": "enough"})
    assert empty.status_code == 422 and 'data-error-for="question"' in empty.text
    assert "Түсіндірілді" in empty.text
    saved = operator.post("/console/consultations", data={
        "csrf_token": token_of(page.text), "ticket_id": str(ticket.id),
        "question": "Жер телімі", "advice": "Түсіндірілді", "outcome": "self_service",
        "phone": "8 701 234 56 78", "full_name": NAME}, follow_redirects=False)
    assert saved.status_code == 303
    after = operator.get("/console/consultations")
    assert "Консультация жазылды" in after.text and "Жер телімі" in after.text
    hub.appeals.consultations.settings = AppealSettings(survey_rate=1.0)
    calls = operator.get("/console/surveys")
    assert calls.status_code == 200 and "+7 701 234 56 78" in calls.text
    consultation = hub.appeals.consultations.list_consultations(ticket.service_day,
                                                                ticket.service_day)[0]
    recorded = operator.post(f"/console/surveys/{consultation.id}", data={
        "csrf_token": token_of(calls.text), "result": "satisfied", "score": "4"},
        follow_redirects=False)
    assert recorded.status_code == 303
    assert "Орташа баға: 4.0" in operator.get("/console/surveys").text
