"""The officials console pages: an official, a schedule and a reception by
order added through the forms, contact errors in both languages with nothing
stored, and the printable final list of a reception day (000 §13).

The clock stands at Monday 23 November 2026, 10:00 in Almaty.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from hub.domain.roles import Role
from hub.wiring import Hub
from tests.hub.test_api_check_in import booked
from tests.hub.test_api_reception import BASE, NAME, add_akim
from tests.hub.test_console_check_in import CSRF, signed_in

OFFICIAL = {
    "code": "deputy", "full_name": "Нұрланова Әсем Қайратқызы",
    "position_kk": "Аудан әкімінің орынбасары", "position_ru": "Заместитель акима района",
    "state_body_kk": "Бородулиха ауданы әкімінің аппараты",
    "state_body_ru": "Аппарат акима Бородулихинского района",
    "location_kk": "", "location_ru": "", "desk": "office-105", "languages": ["kk", "ru"],
    "phone": "+7 72351 2 11 05", "email": "deputy@borodulikha.gov.kz", "username": "",
    "order": "1", "active": "on",
}


def token_of(page_text: str) -> str:
    token = CSRF.search(page_text)
    assert token is not None
    return token.group(1)


def test_an_official_a_schedule_and_an_order_are_added_through_the_forms(hub: Hub) -> None:
    worker = signed_in(hub, "reception.worker", Role.RECEPTION)
    listing = worker.get("/console/officials")
    assert listing.status_code == 200
    assert 'href="/console/officials"' in listing.text
    assert "Лауазымды адамдар" in listing.text
    form = worker.get("/console/officials/new")
    assert "105" in form.text  # the office desk is offered
    saved = worker.post("/console/officials/new",
                        data=OFFICIAL | {"csrf_token": token_of(form.text)},
                        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/console/officials/deputy"
    official = hub.reception.get_official("deputy")
    assert official.full_name == "Нұрланова Әсем Қайратқызы"
    assert official.desk == "office-105" and official.active and official.languages == [
        "kk", "ru"]
    page = worker.get("/console/officials/deputy")
    assert "сақталды" in page.text
    added = worker.post("/console/officials/deputy/schedules", data={
        "csrf_token": token_of(page.text), "approved_by": "Аудан әкімі Б. Әлиев",
        "approved_on": "2026-10-30", "valid_from": "2026-11-01", "valid_to": "",
        "weekdays": ["1", "3"], "starts": "15:00", "ends": "17:00", "slot_minutes": "20",
        "video_link": "on"}, follow_redirects=False)
    assert added.status_code == 303, added.text
    schedules, _ = hub.reception.list_schedules("deputy")
    assert len(schedules) == 1
    assert schedules[0].weekdays == [1, 3] and schedules[0].slot_minutes == 20
    assert schedules[0].video_link
    page = worker.get("/console/officials/deputy")
    assert "Сейсенбі, Бейсенбі" in page.text and "15:00–17:00" in page.text
    ordered = worker.post("/console/officials/deputy/extra", data={
        "csrf_token": token_of(page.text), "order_number": "12-р", "order_date": "2026-11-20",
        "day": "2026-11-27", "starts": "10:00", "ends": "11:00"}, follow_redirects=False)
    assert ordered.status_code == 303, ordered.text
    _, extras = hub.reception.list_schedules("deputy")
    assert [(e.order_number, e.day.isoformat()) for e in extras] == [("12-р", "2026-11-27")]
    # A schedule with no weekday is not stored; the error stands by the field.
    page = worker.get("/console/officials/deputy")
    refused = worker.post("/console/officials/deputy/schedules", data={
        "csrf_token": token_of(page.text), "approved_by": "Әкім", "approved_on": "2026-10-30",
        "valid_from": "2026-11-01", "starts": "15:00", "ends": "17:00",
        "slot_minutes": "20"})
    assert refused.status_code == 422
    assert 'data-error-for="weekdays"' in refused.text
    assert len(hub.reception.list_schedules("deputy")[0]) == 1
    # Editing keeps the code and changes the card.
    page = worker.get("/console/officials/deputy")
    edited = worker.post("/console/officials/deputy", data=OFFICIAL | {
        "csrf_token": token_of(page.text), "active": ""}, follow_redirects=False)
    assert edited.status_code == 303, edited.text
    assert not hub.reception.get_official("deputy").active


def test_a_bad_email_or_phone_is_shown_in_the_users_language_and_nothing_is_stored(
        hub: Hub) -> None:
    admin = signed_in(hub, "center.admin", Role.ADMINISTRATOR)
    form = admin.get("/console/officials/new")
    bad_email = admin.post("/console/officials/new", data=OFFICIAL | {
        "csrf_token": token_of(form.text), "email": "deputy@gov"})
    assert bad_email.status_code == 422
    assert 'data-error-for="email"' in bad_email.text
    assert "Электрондық пошта мекенжайы дұрыс емес" in bad_email.text
    admin.cookies.set("kezek_lang", "ru")
    bad_phone = admin.post("/console/officials/new", data=OFFICIAL | {
        "csrf_token": token_of(form.text), "phone": "звоните Асем"})
    assert bad_phone.status_code == 422
    assert 'data-error-for="phone"' in bad_phone.text
    assert "Неверный номер телефона" in bad_phone.text
    assert 'value="Нұрланова Әсем Қайратқызы"' in bad_phone.text  # what was typed stays
    assert hub.reception.list_officials() == []


def test_the_final_list_shows_a_booked_request_to_staff_only(
        client: TestClient, hub: Hub) -> None:
    add_akim(client)
    number, _ = booked(client)
    worker = signed_in(hub, "reception.worker", Role.RECEPTION)
    page = worker.get("/console/final-list", params={"day": "2026-12-01"})
    assert page.status_code == 200
    assert 'id="final-list"' in page.text
    assert f'data-request="{number}"' in page.text
    assert NAME in page.text and "10:00–10:30" in page.text
    assert "Әлиев Бақыт Серікұлы" in page.text
    assert "final-list.css" in page.text  # printable
    other_day = worker.get("/console/final-list", params={"day": "2026-12-03"})
    assert 'id="final-empty"' in other_day.text and NAME not in other_day.text
    operator = signed_in(hub, "desk.operator", Role.OPERATOR)
    assert operator.get("/console/final-list").status_code == 403
    assert operator.get("/console/officials").status_code == 403
    assert 'href="/console/officials"' not in operator.get("/console/").text
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "approved"
