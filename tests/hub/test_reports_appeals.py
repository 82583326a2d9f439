"""The appeals register, control of instructions and the satisfaction survey in
the reports (issue 8 items 1–4 feeding item 5), on both databases: figures in
JSON, in the PDF and the XLSX, and nothing personal in any of them."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.settings import AppealSettings
from hub.wiring import Hub
from tests.hub.test_api_appeals import API, APPEAL, IIN, NAME, as_role
from tests.hub.test_api_appeals_consultations import CONSULTATION, called_at_window_1
from tests.hub.test_api_check_in import at, protocol_ready
from tests.hub.test_api_reception import BASE
from tests.hub.test_reports_api import REPORTS, by_code, cells_of_xlsx, text_of_pdf


def counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {code: row["count"] for code, row in by_code(rows).items()}


def test_appeals_and_the_survey_in_a_day_report(client: TestClient, hub: Hub) -> None:
    for changes in ({}, {"kind": "proposal", "channel": "e_otinish", "language": "ru"},
                    {"channel": "personal_reception", "reception_request": "2026-0001"}):
        assert client.post(API, json=APPEAL | changes).status_code == 201
    hub.appeals.consultations.settings = AppealSettings(survey_rate=1.0)
    ticket = called_at_window_1(hub)
    operator = as_role(hub, Role.OPERATOR, "consult-svc")
    consulted = operator.post("/api/v1/consultations", json=CONSULTATION | {
        "ticket_id": ticket, "outcome": "enough"})
    assert consulted.status_code == 201, consulted.text
    assert client.post(f"/api/v1/surveys/{consulted.json()['id']}",
                       json={"result": "satisfied", "score": 4}).status_code == 204

    report = client.get(f"{REPORTS}/2026-11-23").json()
    appeals = report["appeals"]
    assert appeals["total"] == 3
    assert counts(appeals["by_kind"]) == {"proposal": 1, "statement": 0, "complaint": 2,
                                          "request": 0, "response": 0}
    assert counts(appeals["by_channel"])["e_otinish"] == 1
    assert counts(appeals["by_state"])["registered"] == 3
    assert appeals["from_reception"] == 1
    survey = report["satisfaction"]
    assert survey["consultations"] == 1
    assert counts(survey["by_outcome"])["enough"] == 1
    assert (survey["on_call_list"], survey["called"], survey["mean_score"]) == (1, 1, 4.0)
    assert counts(survey["by_result"])["satisfied"] == 1
    assert client.get(f"{REPORTS}/2026-11-24").json()["appeals"]["total"] == 0

    pdf = text_of_pdf(client.get(f"{REPORTS}/2026-11-23/pdf", params={"lang": "ru"}).content)
    assert "Зарегистрировано обращений" in pdf and "Жалоба" in pdf
    assert "Средняя оценка (1–5)" in pdf and "Удовлетворён" in pdf
    sheets = cells_of_xlsx(client.get(f"{REPORTS}/2026-11-23/xlsx",
                                      params={"lang": "kk"}).content)
    appeal_rows = {row[0]: row[1] for row in sheets["Өтініштер"] if row[0]}
    assert appeal_rows["Тіркелген өтініштер"] == 3 and appeal_rows["Шағым"] == 2
    survey_rows = {row[0]: row[1] for row in sheets["Сауалнама нәтижесі"] if row[0]}
    assert survey_rows["Орташа баға (1–5)"] == 4.0

    analyst = as_role(hub, Role.ANALYST, "analyst-svc")
    forms = [json.dumps(analyst.get(f"{REPORTS}/2026-Q4").json(), ensure_ascii=False), pdf,
             json.dumps(sheets, ensure_ascii=False, default=str)]
    for form in forms:
        for secret in (IIN, NAME, "701 234 56 78", "Әлеуметтік пәтер", "Жер телімін"):
            assert secret not in form


def test_an_instruction_reported_done_leaves_the_overdue_count(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    number = protocol_ready(client, clock)
    client.post(f"{BASE}/requests/{number}/protocol", json={"instructions": [
        {"text": "Құжаттарды тексеру", "responsible": "Жер бөлімінің басшысы",
         "working_days": 5},
        {"text": "Жауап жолдау", "responsible": "Аппарат басшысы", "due": "2026-12-18"}]})
    clock.set(at("10:00", day=9))  # the first deadline (8 December) has passed
    before = client.get(f"{REPORTS}/2026-Q4").json()
    assert before["reception"]["overdue_total"] == 1
    assert before["control"] == {"total": 2, "done": 0, "done_late": 0, "open": 2,
                                 "overdue": 1}
    assert client.post(f"/api/v1/control/instructions/{number}/0/done",
                       json={"report": "Тексерілді"}).status_code == 204
    after = client.get(f"{REPORTS}/2026-Q4").json()
    assert after["reception"]["overdue_total"] == 0
    assert after["control"] == {"total": 2, "done": 1, "done_late": 1, "open": 1,
                                "overdue": 0}
    # The report of 8 December shows how that day ended: the instruction still not done.
    assert client.get(f"{REPORTS}/2026-12-08").json()["reception"]["overdue_total"] == 1
