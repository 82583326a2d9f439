"""Personal reception through the API, on SQLite and PostgreSQL: officials and
schedules, registration with its checks, booking into slots (non-working days,
outside hours, double booking, two at once), decisions needing their reasons,
deadlines in the work list, the public schedule and its printable form, and an
audit log without personal data in clear.

The clock stands at Monday 23 November 2026, 10:00 in Almaty.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hub.domain.reception.deadlines import answer_due
from hub.domain.reception.errors import SlotTaken
from hub.domain.reception.profiles import MODEL_2023
from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.storage.reception_models import BookingRequestRow
from hub.wiring import Hub

IIN = "850101300124"
OTHER_IIN = "900512400345"
THIRD_IIN = "771215300675"
PHONE = "+7 701 234 56 78"
NAME = "Серікбаев Асқар Нұрланұлы"
BASE = "/api/v1/reception"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_akim(client: TestClient, code: str = "akim") -> None:
    official = client.put(f"{BASE}/officials/{code}", json={
        "full_name": "Әлиев Бақыт Серікұлы",
        "position": {"kk": "Аудан әкімі", "ru": "Аким района"},
        "state_body": {"kk": "Бородулиха ауданы әкімінің аппараты",
                       "ru": "Аппарат акима Бородулихинского района"},
        "location": {"kk": "Бородулиха ауылы, Тәуелсіздік көшесі, 69",
                     "ru": "село Бородулиха, улица Тәуелсіздік, 69"},
        "desk": "office-105", "languages": ["kk", "ru"], "phone": "+7 72351 2 11 00",
        "email": "akim@borodulikha.gov.kz", "username": "akim.user"})
    assert official.status_code == 200, official.text
    schedule = client.post(f"{BASE}/officials/{code}/schedules", json={
        "approved_by": "Аудан әкімі Б. Әлиев", "approved_on": "2026-10-30",
        "valid_from": "2026-11-01", "weekdays": [1, 3], "starts": "10:00", "ends": "12:00",
        "slot_minutes": 30, "video_link": True})
    assert schedule.status_code == 201, schedule.text


def register(client: TestClient, iin: str = IIN, **extra: Any) -> dict[str, Any]:
    body = {"channel": "paper", "iin": iin, "full_name": NAME, "phone": PHONE,
            "language": "kk", "essence": "Жер учаскесін беру туралы",
            "official_asked": "akim"} | extra
    response = client.post(f"{BASE}/requests", json=body)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


def to_note(client: TestClient, number: str, day: str = "2026-12-01") -> None:
    assert client.post(f"{BASE}/requests/{number}/start-review", json={}).status_code == 200
    noted = client.post(f"{BASE}/requests/{number}/note",
                        json={"proposal": "date", "proposed_day": day})
    assert noted.status_code == 200, noted.text


def test_invalid_iin_is_a_problem_naming_the_field_in_both_languages(
        client: TestClient) -> None:
    add_akim(client)
    wrong = IIN[:-1] + ("5" if IIN[-1] != "5" else "6")
    response = client.post(f"{BASE}/requests", json={
        "channel": "paper", "iin": wrong, "full_name": NAME, "phone": PHONE,
        "language": "ru", "essence": "вопрос", "official_asked": "akim"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "reception_invalid_iin"
    assert problem["field"] == "iin"
    assert "ЖСН" in problem["text"]["kk"]
    assert "ИИН" in problem["text"]["ru"]
    short = client.post(f"{BASE}/requests", json={
        "channel": "paper", "iin": "12345", "full_name": NAME, "phone": PHONE,
        "language": "ru", "essence": "вопрос"})
    assert short.json()["field"] == "iin"
    phone = client.post(f"{BASE}/requests", json={
        "channel": "paper", "iin": IIN, "full_name": NAME, "phone": "12345",
        "language": "ru", "essence": "вопрос"})
    assert (phone.status_code, phone.json()["field"]) == (422, "phone")
    rep = client.post(f"{BASE}/requests", json={
        "channel": "paper", "iin": IIN, "full_name": NAME, "phone": PHONE, "language": "ru",
        "essence": "вопрос", "representative": {"full_name": "Представитель",
                                                 "iin": "123456789012", "basis": "доверенность"}})
    assert (rep.status_code, rep.json()["field"]) == (422, "representative.iin")
    assert client.get(f"{BASE}/requests").json() == []


def test_registration_computes_day_and_deadlines_and_oral_protocol(client: TestClient) -> None:
    add_akim(client)
    found = register(client, channel="phone")
    assert found["state"] == "registered"
    assert found["registered_on"] == "2026-11-23"
    assert found["number"] == "2026-000001"
    # 15 working days from Monday 23 November 2026 (004 §29).
    assert found["answer_due"] == "2026-12-14"
    assert found["next_deadline"]["kind"] == "answer"
    assert found["next_deadline"]["due"] == "2026-12-14"
    assert found["oral_protocol"] is True
    protocol = client.get(f"{BASE}/oral-protocol").json()
    assert [p["number"] for p in protocol] == [found["number"]]
    register(client, OTHER_IIN)  # on paper: not in the oral protocol
    assert len(client.get(f"{BASE}/oral-protocol").json()) == 1


def test_booking_refused_on_non_working_day_outside_hours_and_twice(client: TestClient) -> None:
    add_akim(client)
    first = register(client)["number"]
    second = register(client, OTHER_IIN)["number"]
    to_note(client, first)
    to_note(client, second)
    saturday = client.post(f"{BASE}/requests/{first}/approve",
                           json={"starts_at": "2026-12-05T10:00:00"})
    assert saturday.status_code == 422
    assert saturday.json()["code"] == "reception_non_working_day"
    assert saturday.json()["text"]["ru"].startswith("05.12.2026 — нерабочий день")
    afternoon = client.post(f"{BASE}/requests/{first}/approve",
                            json={"starts_at": "2026-12-01T14:00:00"})
    assert afternoon.status_code == 422
    assert afternoon.json()["code"] == "reception_outside_hours"
    wednesday = client.post(f"{BASE}/requests/{first}/approve",
                            json={"starts_at": "2026-12-02T10:00:00+05:00"})
    assert wednesday.json()["code"] == "reception_outside_hours"
    # Independence Day, a Wednesday in 2026, and the Tuesday schedule day before it is fine.
    booked = client.post(f"{BASE}/requests/{first}/approve",
                         json={"starts_at": "2026-12-01T10:00:00"})
    assert booked.status_code == 200, booked.text
    info = booked.json()
    assert info["state"] == "approved"
    assert info["booking"]["starts_at"] == "2026-12-01T10:00:00+05:00"
    assert info["booking"]["ends_at"] == "2026-12-01T10:30:00+05:00"
    code = info["booking"]["code"]
    assert len(code) == 8 and code.isalnum() and code.upper() == code
    twice = client.post(f"{BASE}/requests/{second}/approve",
                        json={"starts_at": "2026-12-01T10:00:00"})
    assert twice.status_code == 409
    assert twice.json()["code"] == "reception_slot_taken"
    assert client.get(f"{BASE}/requests/{second}").json()["state"] == "note_made"
    overlapping = client.post(f"{BASE}/requests/{second}/approve",
                              json={"starts_at": "2026-12-01T10:15:00"})
    assert overlapping.json()["code"] == "reception_slot_taken"
    assert client.post(f"{BASE}/requests/{second}/approve",
                       json={"starts_at": "2026-12-01T10:30:00"}).status_code == 200
    final = client.get(f"{BASE}/final-list", params={"day": "2026-12-01"}).json()
    assert final["due"] == "2026-11-27"
    assert [e["number"] for e in final["entries"]] == [first, second]
    assert final["entries"][0]["applicant_name"] == NAME


def test_two_concurrent_bookings_of_one_slot_only_one_wins(client: TestClient,
                                                          hub: Hub) -> None:
    add_akim(client)
    numbers = [register(client, iin)["number"] for iin in (IIN, OTHER_IIN, THIRD_IIN)]
    for number in numbers:
        to_note(client, number)
    barrier = threading.Barrier(len(numbers))
    outcomes: list[str] = []

    def attempt(number: str) -> None:
        barrier.wait()
        try:
            hub.reception.decide(number, "approve", actor="worker",
                                 starts_at=datetime(2026, 12, 3, 5, 0, tzinfo=UTC))
            outcomes.append("won")
        except SlotTaken:
            outcomes.append("taken")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["taken", "taken", "won"]
    assert len(client.get(f"{BASE}/requests", params={"state": "approved"}).json()) == 1


def test_the_unique_index_holds_a_slot_even_past_the_checks(client: TestClient,
                                                            hub: Hub) -> None:
    add_akim(client)
    first, second = register(client)["number"], register(client, OTHER_IIN)["number"]
    to_note(client, first)
    to_note(client, second)
    assert client.post(f"{BASE}/requests/{first}/approve",
                       json={"starts_at": "2026-12-01T10:00:00"}).status_code == 200
    held = client.get(f"{BASE}/requests/{first}").json()["booking"]
    with pytest.raises(IntegrityError), hub.db.write() as session:
        session.execute(update(BookingRequestRow).where(
            BookingRequestRow.number == second).values(
            state="approved", booked_official="akim",
            booked_starts_at=datetime.fromisoformat(held["starts_at"]),
            booked_ends_at=datetime.fromisoformat(held["ends_at"])))


def test_decisions_without_their_reason_are_refused(client: TestClient) -> None:
    add_akim(client)
    number = register(client)["number"]
    leave = client.post(f"{BASE}/requests/{number}/leave-without-consideration",
                        json={"note": "  "})
    assert leave.status_code == 422
    assert leave.json()["field"] == "note"
    assert "себебі" in leave.json()["text"]["kk"] and "причина" in leave.json()["text"]["ru"]
    assert client.post(f"{BASE}/requests/{number}/ask-correction",
                       json={"defects": ""}).json()["field"] == "defects"
    assert client.post(f"{BASE}/requests/{number}/start-review", json={}).status_code == 200
    extend = client.post(f"{BASE}/requests/{number}/extend", json={"kind": "thirty_days"})
    assert (extend.status_code, extend.json()["field"]) == (422, "reason")
    noted = client.post(f"{BASE}/requests/{number}/note",
                        json={"proposal": "refusal", "grounds": []})
    assert (noted.status_code, noted.json()["field"]) == (422, "grounds")
    assert client.post(f"{BASE}/requests/{number}/note", json={
        "proposal": "refusal", "grounds": ["outside_competence"]}).status_code == 200
    assert client.post(f"{BASE}/requests/{number}/draft-refusal", json={}).status_code == 200
    refuse = client.post(f"{BASE}/requests/{number}/refuse", json={"explanation": ""})
    assert (refuse.status_code, refuse.json()["field"]) == (422, "explanation")
    illegal = client.post(f"{BASE}/requests/{number}/check-in")
    assert (illegal.status_code, illegal.json()["code"]) == (409, "illegal_transition")
    history = client.get(f"{BASE}/requests/{number}").json()["history"]
    assert [h["target"] for h in history] == ["registered", "under_review", "note_made",
                                              "draft_refusal_sent"]


def test_the_list_shows_next_deadlines_overdue_and_due_soon(client: TestClient, hub: Hub,
                                                           clock: ManualClock) -> None:
    add_akim(client)
    today = clock.now()
    clock.set(datetime(2026, 10, 30, 5, 0, tzinfo=UTC))  # Friday 30 October, 10:00
    late = register(client)["number"]
    clock.set(datetime(2026, 11, 2, 5, 0, tzinfo=UTC))  # Monday 2 November
    soon = register(client, OTHER_IIN)["number"]
    clock.set(today)
    fresh = register(client, THIRD_IIN)["number"]
    calendar = hub.centers.snapshot().calendar
    listed = {i["number"]: i for i in client.get(f"{BASE}/requests").json()}
    assert listed[late]["next_deadline"]["overdue"] is True
    assert listed[late]["next_deadline"]["due"] == answer_due(
        date(2026, 10, 30), MODEL_2023, calendar).isoformat()
    assert listed[late]["next_deadline"]["working_days_left"] < 0
    assert listed[soon]["next_deadline"]["due_soon"] is True
    assert listed[soon]["next_deadline"]["overdue"] is False
    assert listed[fresh]["next_deadline"] | {"name": None} == {
        "kind": "answer", "name": None, "due": "2026-12-14",
        "citation": MODEL_2023.answer.citation, "overdue": False, "due_soon": False,
        "working_days_left": 15}
    assert listed[fresh]["next_deadline"]["name"] == {"kk": "Өтініш берушіге жауап",
                                                      "ru": "Ответ заявителю"}
    order = [i["number"] for i in client.get(f"{BASE}/requests").json()]
    assert order == [late, soon, fresh]
    assert [i["number"] for i in client.get(f"{BASE}/requests",
                                            params={"overdue": True}).json()] == [late]
    assert [i["number"] for i in client.get(f"{BASE}/requests",
                                            params={"due_soon": True}).json()] == [soon]


def test_moves_when_the_official_cannot_receive_and_placement_in_arrival_order(
        client: TestClient) -> None:
    add_akim(client)
    numbers = [register(client, iin)["number"] for iin in (IIN, OTHER_IIN)]
    for number, start in zip(numbers, ("10:00", "10:30"), strict=True):
        to_note(client, number)
        assert client.post(f"{BASE}/requests/{number}/approve", json={
            "starts_at": f"2026-12-01T{start}:00"}).status_code == 200
    no_reason = client.post(f"{BASE}/requests/{numbers[0]}/move", json={"reason": ""})
    assert no_reason.json()["field"] == "reason"
    moved = client.post(f"{BASE}/officials/akim/cancel-day",
                        json={"day": "2026-12-01", "reason": "іссапар / командировка"})
    assert moved.json() == numbers
    assert {client.get(f"{BASE}/requests/{n}").json()["state"] for n in numbers} == {"moved"}
    placed = client.post(f"{BASE}/officials/akim/place",
                         json={"first_day": "2026-12-02", "last_day": "2026-12-31"}).json()
    assert placed["unplaced"] == []
    assert placed["assigned"] == {numbers[0]: "2026-12-03T10:00:00+05:00",
                                  numbers[1]: "2026-12-03T10:30:00+05:00"}
    again = client.get(f"{BASE}/requests/{numbers[0]}").json()
    assert again["state"] == "approved"
    assert again["next_deadline"]["kind"] == "final_list"


def test_roles_official_reads_own_and_analyst_nothing(client: TestClient, hub: Hub,
                                                      anonymous: TestClient) -> None:
    add_akim(client)
    client.put(f"{BASE}/officials/deputy", json={
        "full_name": "Орынбасар", "position": {"kk": "Әкім орынбасары", "ru": "Заместитель"},
        "state_body": {"kk": "Аппарат", "ru": "Аппарат"}})
    mine = register(client)["number"]
    theirs = register(client, OTHER_IIN, official_asked="deputy")["number"]
    hub.users.create_user(username="akim.user", full_name="Әкім", role=Role.OFFICIAL,
                          password="long-enough-pw", actor="test")
    reception = bearer(hub.users.create_token(name="front", role=Role.RECEPTION, actor="t"))
    analyst = bearer(hub.users.create_token(name="stats", role=Role.ANALYST, actor="t"))
    assert anonymous.get(f"{BASE}/requests", headers=analyst).status_code == 403
    assert anonymous.get(f"{BASE}/requests", headers=reception).status_code == 200
    assert anonymous.get(f"{BASE}/requests").status_code == 401
    login = anonymous.get("/console/login")  # the official signs in to the console
    token = login.text.split('name="csrf_token" value="')[1].split('"')[0]
    signed = anonymous.post("/console/login", data={
        "username": "akim.user", "password": "long-enough-pw", "csrf_token": token},
        follow_redirects=False)
    assert signed.status_code == 303
    own = anonymous.get(f"{BASE}/requests").json()
    assert [i["number"] for i in own] == [mine]
    assert anonymous.get(f"{BASE}/requests/{theirs}").status_code == 404
    work_list = anonymous.get("/console/reception")
    assert work_list.status_code == 200 and mine in work_list.text and theirs not in work_list.text
    csrf = {"X-CSRF-Token": work_list.text.split('name="csrf_token" value="')[1].split('"')[0]}
    assert anonymous.post(f"{BASE}/requests/{mine}/start-review", json={},
                          headers=csrf).status_code == 403


def test_public_schedule_without_login_in_both_languages(client: TestClient,
                                                         anonymous: TestClient) -> None:
    add_akim(client)
    extra = client.post(f"{BASE}/officials/akim/extra", json={
        "day": "2026-12-10", "starts": "15:00", "ends": "17:00", "order_number": "12-р",
        "order_date": "2026-12-01"})
    assert extra.status_code == 201, extra.text
    no_order = client.post(f"{BASE}/officials/akim/extra", json={
        "day": "2026-12-12", "starts": "15:00", "ends": "17:00", "order_number": "1",
        "order_date": "2026-12-01"})
    assert no_order.json()["code"] == "reception_non_working_day"
    register(client)
    data = anonymous.get(f"{BASE}/public/schedule", params={"month": "2026-12"})
    assert data.status_code == 200
    [entry] = data.json()
    days = [s["day"] for s in entry["sessions"]]
    # Tuesdays and Thursdays of December 2026, Independence Day (16th) is a Wednesday.
    assert days == ["2026-12-01", "2026-12-03", "2026-12-08", "2026-12-10", "2026-12-10",
                    "2026-12-15", "2026-12-17", "2026-12-22", "2026-12-24", "2026-12-29",
                    "2026-12-31"]
    assert [s["order"] for s in entry["sessions"] if s["order"]] == ["№ 12-р, 01.12.2026"]
    kk = anonymous.get("/schedule", params={"lang": "kk", "month": "2026-12"})
    assert kk.status_code == 200
    assert '<html lang="kk">' in kk.text
    assert "Лауазымды адамдардың азаматтарды қабылдау кестесі" in kk.text
    assert "Әлиев Бақыт Серікұлы" in kk.text and "Аудан әкімі" in kk.text
    assert "01.12.2026, 03.12.2026" in kk.text and "10:00–12:00" in kk.text
    assert "желтоқсан 2026" in kk.text
    ru = anonymous.get("/schedule", params={"lang": "ru", "month": "2026-12"})
    assert '<html lang="ru">' in ru.text
    assert "График приема граждан должностными лицами" in ru.text
    assert "Аким района" in ru.text and "вне графика, поручение № 12-р" in ru.text
    for page in (kk.text, ru.text):
        assert NAME not in page and IIN not in page  # applicants are never shown
        assert "https://" not in page.split("</head>")[0]  # no CDN
    assert anonymous.get("/schedule", params={"month": "2026-13"}).status_code == 422


# The appendix of 004 word for word in Russian; in Kazakh Kezek's translation.
@pytest.mark.parametrize(("lang", "heading", "columns"), [
    ("ru", "График приема граждан руководством государственных органов",
     ["Наименование государственного органа", "Ф.И.О лица, проводящего прием граждан",
      "Должность лица, проводящего прием граждан", "Дата и время приема граждан",
      "Местонахождение государственного органа, организации",
      "Контактный телефон, электронный адрес"]),
    ("kk", "Мемлекеттік органдар басшылығының азаматтарды қабылдау кестесі",
     ["Мемлекеттік органның атауы", "Азаматтарды қабылдауды жүргізетін адамның Т.А.Ә.",
      "Азаматтарды қабылдауды жүргізетін адамның лауазымы",
      "Азаматтарды қабылдау күні мен уақыты",
      "Мемлекеттік органның, ұйымның орналасқан жері",
      "Байланыс телефоны, электрондық мекенжайы"]),
])
def test_printable_schedule_has_the_appendix_columns(client: TestClient, anonymous: TestClient,
                                                    lang: str, heading: str,
                                                    columns: list[str]) -> None:
    add_akim(client)
    page = anonymous.get("/schedule/print", params={"month": "2026-12", "lang": lang})
    assert page.status_code == 200
    html = page.text
    assert f"<h1 class=\"print-heading\">{heading}</h1>" in html
    head = html.split("<thead>")[1].split("</thead>")[0]
    found = re.findall(r'<th scope="col">([^<]*)</th>', head)
    assert found == columns
    assert "public-schedule.css" in html
    css = anonymous.get("/console/static/public-schedule.css").text
    assert "@media print" in css and "@page" in css
    row = html.split("<tbody>")[1]
    for text in ("Әлиев Бақыт Серікұлы", "akim@borodulikha.gov.kz", "+7 72351 2 11 00",
                 "01.12.2026"):
        assert text in row


def test_audit_rows_keep_no_personal_data_in_clear(client: TestClient, hub: Hub) -> None:
    add_akim(client)
    number = register(client, representative={
        "full_name": "Өкіл Ерлан", "iin": OTHER_IIN, "basis": "сенімхат № 5"})["number"]
    assert client.post(f"{BASE}/requests/{number}/leave-without-consideration",
                       json={"note": "мәні жоқ"}).status_code == 200
    entries = client.get("/api/v1/audit", params={"entity": "reception_request",
                                                 "entity_id": number}).json()
    assert [e["action"] for e in entries] == ["request_leave-without-consideration",
                                              "register_request"]
    assert entries[0]["actor"] == "token:test-admin"
    assert entries[0]["after"]["note"] == "мәні жоқ"
    assert entries[0]["before"]["state"] == "registered"
    assert entries[0]["after"]["state"] == "left_without_consideration"
    dumped = json.dumps(entries, ensure_ascii=False)
    assert "8501******24" in dumped
    for secret in (IIN, OTHER_IIN, NAME, "Өкіл Ерлан", "7012345678", "701 234 56 78"):
        assert secret not in dumped
    with hub.db.read() as session:
        stored = session.scalars(select(BookingRequestRow)).one()
        assert stored.applicant_iin == IIN  # kept for the procedure, not for the log


@pytest.mark.parametrize(("field", "value"), [("email", "akim@borodulikha"),
                                              ("phone", "two-one-one")])
def test_an_officials_malformed_contact_is_refused_and_nothing_stored(
        client: TestClient, field: str, value: str) -> None:
    body = {"full_name": "Орынбасар", "position": {"kk": "Әкім орынбасары", "ru": "Заместитель"},
            "state_body": {"kk": "Аппарат", "ru": "Аппарат"}, field: value}
    refused = client.put(f"{BASE}/officials/deputy", json=body)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["field"] == field
    assert problem["text"]["kk"] and problem["text"]["ru"]
    assert client.get(f"{BASE}/officials/deputy").status_code == 404
