"""The appeals register through the HTTP API, on SQLite and PostgreSQL:
registration with its mark and number, masked lists and audited full reads,
each bad input of issue 8 refused in both languages with nothing stored and an
audit row, control (002 §33, §35), attachments, and the export for e-Өтініш.

The clock stands at Monday 23 November 2026, 10:00 in Almaty.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hub.api.app import create_app
from hub.domain.roles import Role
from hub.settings import AppealSettings
from hub.storage.appeal_models import AppealRow
from hub.wiring import Hub
from tests.domain.appeals.test_appeals_domain import make_iin
from tests.security.documents import clean_pdf

API = "/api/v1/appeals"
IIN = make_iin("85010130000")
REP_IIN = make_iin("79120540002")
NAME = "Сейітқали Ерлан Бауыржанұлы"
PHONE = "+7 701 234 56 78"
PDF = clean_pdf()

APPEAL: dict[str, Any] = {
    "kind": "complaint", "form": "individual", "medium": "written",
    "channel": "front_office", "language": "kk", "iin": IIN, "full_name": NAME,
    "phone": PHONE, "subject": "Бородулиха ауданының тұрғын үй бөлімі",
    "summary": "Әлеуметтік пәтер кезегі туралы шағым",
}


def as_role(hub: Hub, role: Role, name: str) -> TestClient:
    token = hub.users.create_token(name=name, role=role, actor="test")
    return TestClient(create_app(hub.settings, hub),
                      headers={"Authorization": f"Bearer {token}"})


def user(hub: Hub, username: str, role: Role = Role.OFFICIAL) -> str:
    hub.users.create_user(username=username, full_name=f"Қызметкер {username}", role=role,
                          password="correct horse battery", actor="test")
    return username


def appeals_count(hub: Hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(func.count()).select_from(AppealRow)) or 0


def audit(client: TestClient, entity_id: str | None = None) -> list[dict[str, Any]]:
    params = {"entity": "appeal"} | ({"entity_id": entity_id} if entity_id else {})
    entries: list[dict[str, Any]] = client.get("/api/v1/audit", params=params).json()
    return entries


def assert_nothing_personal(value: object) -> None:
    dumped = json.dumps(value, ensure_ascii=False)
    for secret in (IIN, REP_IIN, NAME, "7012345678", "701 234 56 78", "Ахметова"):
        assert secret not in dumped


def registered(client: TestClient, **changes: Any) -> dict[str, Any]:
    response = client.post(API, json=APPEAL | changes)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_appeal_is_registered_with_a_number_and_the_reception_mark(
        client: TestClient, hub: Hub) -> None:
    first = registered(client)
    assert first["number"] == "AP-2026-00001"
    assert first["registered_on"] == "2026-11-23"
    assert first["state"] == "registered" and first["mark"] is None
    second = registered(client, channel="personal_reception", reception_request="2026-0001",
                        representative_name="Ахметова Динара", representative_iin=REP_IIN,
                        representative_basis="Сенімхат № 15, 01.11.2026")
    assert second["number"] == "AP-2026-00002"
    assert second["mark"] == {"kk": "жеке қабылдаудан", "ru": "с личного приема"}
    assert second["representative_iin"] == REP_IIN
    collective = registered(client, form="collective", co_applicants=23, medium="electronic",
                            kind="proposal", language="ru")
    assert (collective["form"], collective["co_applicants"]) == ("collective", 23)
    assert appeals_count(hub) == 3
    # The audit keeps what happened without the person.
    entries = audit(client)
    assert [e["action"] for e in entries].count("appeal_register") == 3
    assert_nothing_personal(entries)


def test_lists_mask_the_iin_and_only_roles_that_need_it_see_the_person(
        client: TestClient, hub: Hub) -> None:
    number = registered(client)["number"]
    listed = client.get(API).json()
    assert listed[0]["iin_masked"] == "•" * 8 + IIN[-4:]
    assert listed[0]["applicant"] == NAME  # the administrator sees the name in the list
    assert IIN not in json.dumps(listed)
    analyst = as_role(hub, Role.ANALYST, "analyst-svc")
    seen = analyst.get(API).json()
    assert seen[0]["applicant"] == "С. Е. Б." and seen[0]["iin_masked"].endswith(IIN[-4:])
    assert_nothing_personal(seen)
    masked = analyst.get(f"{API}/{number}")
    assert masked.status_code == 200 and masked.json()["full"] is False
    assert_nothing_personal(masked.json())
    assert not [e for e in audit(client, number) if e["action"] == "appeal_read_full"]
    full = client.get(f"{API}/{number}").json()
    assert full["full"] and full["iin"] == IIN and full["full_name"] == NAME
    reads = [e for e in audit(client, number) if e["action"] == "appeal_read_full"]
    assert [(e["actor"], e["entity_id"]) for e in reads] == [("token:test-admin", number)]
    # The export and the scans are personal data too.
    assert analyst.get(f"{API}/export.json").status_code == 403
    refused = [e for e in audit(client, "export") if e["action"] == "appeal_export_refused"]
    assert refused and refused[0]["actor"] == "token:analyst-svc"


@pytest.mark.parametrize(("changes", "code", "field", "kk", "ru"), [
    ({"iin": IIN[:11] + str((int(IIN[11]) + 1) % 10)}, "reception_invalid_iin", "iin",
     "бақылау цифры", "Контрольная цифра"),
    ({"subject": "  "}, "appeals_no_subject", "subject", "құзыретіне", "компетенции"),
    ({"language": "en"}, "appeals_no_translation", "translation_notarised",
     "нотариус", "нотариусом"),
    ({"representative_name": "Ахметова", "representative_iin": "123",
      "representative_basis": "сенімхат"}, "reception_invalid_iin", "representative_iin",
     "12 цифр", "12 цифр"),
])
def test_bad_appeals_are_refused_in_both_languages_stored_nowhere_but_audited(
        client: TestClient, hub: Hub, changes: dict[str, Any], code: str, field: str,
        kk: str, ru: str) -> None:
    response = client.post(API, json=APPEAL | changes)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["code"], problem["field"]) == (code, field)
    assert kk in problem["text"]["kk"] and ru in problem["text"]["ru"]
    assert appeals_count(hub) == 0
    entries = [e for e in audit(client) if e["action"] == "appeal_register_refused"]
    assert [e["after"]["refused"] for e in entries] == [code]
    assert_nothing_personal(entries)


def test_control_ends_only_with_a_final_motivated_answer(client: TestClient,
                                                        hub: Hub) -> None:
    number = registered(client)["number"]
    worker = user(hub, "zhanna.b")
    premature = client.post(f"{API}/{number}/close",
                            json={"answer": "Жауап", "motivation": "Негіздеме" * 4})
    assert premature.status_code == 409 and premature.json()["code"] == "appeals_not_on_control"
    given = client.post(f"{API}/{number}/assign", json={"assignee": worker,
                                                        "working_days": 15})
    assert given.status_code == 200, given.text
    assert given.json()["state"] == "on_control"
    assert given.json()["due"] == "2026-12-14"  # 15 working days on the center's calendar
    unknown = client.post(f"{API}/{number}/assign", json={"assignee": "nobody"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "assignee"
    bare = client.post(f"{API}/{number}/close",
                       json={"answer": "Өтінішіңіз қаралды", "motivation": ""})
    assert bare.status_code == 409
    problem = bare.json()
    assert problem["code"] == "appeals_no_motivated_answer"
    assert "уәжді жауап" in problem["text"]["kk"]
    assert "мотивированный ответ" in problem["text"]["ru"]
    assert client.get(f"{API}/{number}").json()["state"] == "on_control"  # nothing lost
    # The employee holding it gives an interim answer, then the final one.
    holder = user(hub, "holder.user")
    client.post(f"{API}/{number}/assign", json={"assignee": holder, "working_days": 10})
    interim = client.post(f"{API}/{number}/answer", json={"text": "Қарау жалғасуда"})
    assert interim.json()["state"] == "answered"
    closed = client.post(f"{API}/{number}/close", json={
        "answer": "Сіз әлеуметтік пәтер кезегіне қойылдыңыз, кезек нөмірі 112",
        "motivation": "Тұрғын үй қатынастары туралы Заңның 68-бабы, құжаттар толық"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed" and closed.json()["closed_at"]
    actions = [e["action"] for e in audit(client, number)]
    assert actions.count("appeal_close_refused") == 2
    assert "appeal_close" in actions and "appeal_interim_answer" in actions


def test_an_official_answers_only_what_they_hold(client: TestClient, hub: Hub) -> None:
    number = registered(client)["number"]
    user(hub, "holder.user")
    client.post(f"{API}/{number}/assign", json={"assignee": "holder.user"})
    stranger = as_role(hub, Role.OFFICIAL, "stranger")
    assert stranger.post(f"{API}/{number}/answer", json={"text": "x"}).status_code == 403
    assert stranger.post(f"{API}/{number}/assign",
                         json={"assignee": "holder.user"}).status_code == 403


def test_a_reception_appeal_is_never_given_again_to_an_earlier_employee(
        client: TestClient, hub: Hub) -> None:
    first, second = user(hub, "first.hand"), user(hub, "second.hand")
    earlier = user(hub, "earlier.hand")
    number = registered(client, channel="personal_reception",
                        handled_before=[earlier])["number"]
    refused = client.post(f"{API}/{number}/assign", json={"assignee": earlier})
    assert refused.status_code == 409
    assert refused.json()["code"] == "appeals_forbidden_assignee"
    assert "35" in refused.json()["text"]["ru"] and "35" in refused.json()["text"]["kk"]
    assert client.post(f"{API}/{number}/assign", json={"assignee": first}).status_code == 200
    assert client.post(f"{API}/{number}/assign", json={"assignee": second}).status_code == 200
    again = client.post(f"{API}/{number}/assign", json={"assignee": first})
    assert again.status_code == 409
    record = client.get(f"{API}/{number}").json()
    assert record["assignee"] == second
    assert [a["assignee"] for a in record["assignments"]] == [first, second]
    refusals = [e for e in audit(client, number) if e["action"] == "appeal_assign_refused"]
    assert [e["after"]["refused"] for e in refusals] == ["appeals_forbidden_assignee"] * 2
    # An ordinary appeal may go back to the same employee.
    plain = registered(client)["number"]
    for _ in range(2):
        assert client.post(f"{API}/{plain}/assign",
                           json={"assignee": first}).status_code == 200


def test_scans_are_checked_by_content_kept_and_read_back_only_when_allowed(
        client: TestClient, hub: Hub, anonymous: TestClient) -> None:
    number = registered(client)["number"]
    kept = client.post(f"{API}/{number}/attachments",
                       files={"file": ("өтініш.pdf", PDF, "application/pdf")})
    assert kept.status_code == 201, kept.text
    scan = kept.json()
    assert scan["media_type"] == "application/pdf" and scan["size"] == len(PDF)
    disguised = client.post(f"{API}/{number}/attachments",
                            files={"file": ("scan.pdf", b"MZ\x90\x00binary", "application/pdf")})
    assert disguised.status_code == 422
    assert disguised.json()["code"] == "appeals_bad_attachment"
    assert "PDF, JPEG, PNG" in disguised.json()["text"]["ru"]
    hub.appeals.register.settings = AppealSettings(max_attachment_mb=0.001)
    large = client.post(f"{API}/{number}/attachments",
                        files={"file": ("big.pdf", PDF + b"0" * 2000, "application/pdf")})
    assert large.status_code == 422 and "слишком большой" in large.json()["text"]["ru"]
    assert "тым үлкен" in large.json()["text"]["kk"]
    record = client.get(f"{API}/{number}").json()
    assert [a["file_name"] for a in record["attachments"]] == ["өтініш.pdf"]
    url = f"{API}/{number}/attachments/{scan['id']}"
    assert anonymous.get(url).status_code == 401
    assert as_role(hub, Role.ANALYST, "analyst").get(url).status_code == 403
    read = client.get(url)
    assert read.status_code == 200 and read.content == PDF
    assert read.headers["content-type"] == "application/pdf"
    actions = [e["action"] for e in audit(client, number)]
    assert actions.count("appeal_attach_refused") == 2
    assert "appeal_attachment_read" in actions and "appeal_attach" in actions


def test_the_export_for_e_otinish_in_json_and_csv(client: TestClient, hub: Hub) -> None:
    number = registered(client, channel="personal_reception", reception_request="2026-0001",
                        representative_name="Ахметова Динара", representative_iin=REP_IIN,
                        representative_basis="Сенімхат № 15")["number"]
    client.post(f"{API}/{number}/attachments",
                files={"file": ("a.pdf", PDF, "application/pdf")})
    exported = client.get(f"{API}/export.json", params={
        "start": "2026-11-01", "end": "2026-11-30", "purpose": "e-Өтініш, қараша"})
    assert exported.status_code == 200
    body = exported.json()
    assert body["format"] == "kezek.appeals/1"
    appeal = body["appeals"][0]
    assert appeal["number"] == number and appeal["applicant"]["iin"] == IIN
    assert appeal["applicant"]["phone"] == "+77012345678"
    assert appeal["representative"] == {"full_name": "Ахметова Динара", "iin": REP_IIN,
                                        "basis": "Сенімхат № 15"}
    assert appeal["mark"] == "с личного приема" and appeal["attachments"] == 1
    assert appeal["control"]["state"] == "registered"
    assert client.get(f"{API}/export.json", params={
        "start": "2026-12-01", "purpose": "e-Өтініш"}).json()["appeals"] == []
    as_csv = client.get(f"{API}/export.csv", params={"purpose": "e-Өтініш"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert rows[0]["number"] == number and rows[0]["full_name"] == NAME
    assert rows[0]["mark"] == "с личного приема" and rows[0]["iin"] == IIN
    exports = [e for e in audit(client, "export") if e["action"] == "appeal_export"]
    assert len(exports) == 3 and exports[0]["after"]["appeals"] in (0, 1)
    assert {e["after"]["purpose"] for e in exports} == {"e-Өтініш, қараша", "e-Өтініш"}


def test_figures_count_appeals_by_kind_channel_and_state(client: TestClient,
                                                         hub: Hub) -> None:
    registered(client)
    registered(client, kind="proposal", channel="personal_reception")
    number = registered(client)["number"]
    user(hub, "worker")
    client.post(f"{API}/{number}/assign", json={"assignee": "worker"})
    figures = client.get(f"{API}/figures").json()
    assert figures["total"] == 3
    assert figures["by_kind"] == {"complaint": 2, "proposal": 1}
    assert figures["by_channel"] == {"front_office": 2, "personal_reception": 1}
    assert figures["by_state"] == {"registered": 2, "on_control": 1}
    assert figures["from_reception"] == 1 and figures["on_control"] == 1
    assert figures["overdue"] == 0
