"""What an administrator or reception worker does with an official beyond entering
the card: the day the official cannot receive (002 §16), placing waiting requests
into the schedule in order of arrival (004 §28), and removing a schedule or an
official entered by mistake.

The clock stands at Monday 23 November 2026, 10:00 in Almaty; the akim receives
on Tuesdays and Thursdays 10:00–12:00 in 30-minute slots.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from hub.domain.roles import Role
from hub.wiring import Hub
from tests.hub.test_api_reception import BASE, IIN, OTHER_IIN, add_akim, register, to_note
from tests.hub.test_console_check_in import signed_in
from tests.hub.test_console_officials import OFFICIAL, token_of

DAY = "2026-12-01"  # a Tuesday of the akim's schedule


def approved_on(client: TestClient, iin: str, starts: str) -> str:
    number: str = register(client, iin)["number"]
    to_note(client, number)
    approved = client.post(f"{BASE}/requests/{number}/approve", json={"starts_at": starts})
    assert approved.status_code == 200, approved.text
    return number


def audit_actions(client: TestClient, entity: str, entity_id: str) -> list[str]:
    entries = client.get("/api/v1/audit", params={"entity": entity,
                                                  "entity_id": entity_id}).json()
    return [entry["action"] for entry in entries]


def test_a_cancelled_day_moves_its_bookings_and_stays_closed_for_new_ones(
        client: TestClient, hub: Hub) -> None:
    add_akim(client)
    first = approved_on(client, IIN, f"{DAY}T10:00:00")
    second = approved_on(client, OTHER_IIN, f"{DAY}T10:30:00")
    worker = signed_in(hub, "reception.worker", Role.RECEPTION)
    page = worker.get("/console/officials/akim")
    assert 'id="cancel-day-form"' in page.text and 'id="place-form"' in page.text
    cancelled = worker.post("/console/officials/akim/cancel-day", data={
        "csrf_token": token_of(page.text), "day": DAY, "reason": "іссапар / командировка"},
        follow_redirects=False)
    assert cancelled.status_code == 303, cancelled.text
    assert {client.get(f"{BASE}/requests/{n}").json()["state"] for n in (first, second)} == {
        "moved"}
    page = worker.get("/console/officials/akim")
    assert "01.12.2026 күнгі қабылдау болмайды: 2 жазылу ауыстырылды." in page.text
    assert f'data-absence="{DAY}"' in page.text and "іссапар / командировка" in page.text
    assert "official_absent" in audit_actions(client, "reception_official", "akim")
    # Placement from that very day skips it: the moved requests go to Thursday, in
    # order of arrival.
    placed = worker.post("/console/officials/akim/place", data={
        "csrf_token": token_of(page.text), "first_day": DAY, "last_day": "2026-12-31"},
        follow_redirects=False)
    assert placed.status_code == 303, placed.text
    for number, starts in ((first, "2026-12-03T10:00:00+05:00"),
                           (second, "2026-12-03T10:30:00+05:00")):
        found = client.get(f"{BASE}/requests/{number}").json()
        assert found["state"] == "approved"
        assert found["booking"]["starts_at"] == starts
    assert "Жазылғаны: 2; уақыт жетпегені: 0." in worker.get("/console/officials/akim").text
    # Nobody is booked on the absent day by hand either, and the public schedule
    # leaves it out.
    third = register(client, "870303350013")["number"]
    to_note(client, third)
    refused = client.post(f"{BASE}/requests/{third}/approve",
                          json={"starts_at": f"{DAY}T11:00:00"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "reception_official_absent"
    public = client.get(f"{BASE}/public/schedule", params={"month": "2026-12"}).json()
    days = {s["day"] for entry in public for s in entry["sessions"]}
    assert DAY not in days and "2026-12-03" in days
    # Declaring the same day again changes nothing more.
    again = client.post(f"{BASE}/officials/akim/cancel-day",
                        json={"day": DAY, "reason": "іссапар"})
    assert again.status_code == 200 and again.json() == []
    assert hub.reception.absences("akim", since=hub.clock.now().date()) == [
        {"day": date(2026, 12, 1), "reason": "іссапар / командировка"}]


def test_a_cancellation_without_a_reason_or_a_backwards_period_is_refused(
        client: TestClient, hub: Hub) -> None:
    add_akim(client)
    number = approved_on(client, IIN, f"{DAY}T10:00:00")
    admin = signed_in(hub, "center.admin", Role.ADMINISTRATOR)
    admin.cookies.set("kezek_lang", "ru")
    page = admin.get("/console/officials/akim")
    no_reason = admin.post("/console/officials/akim/cancel-day", data={
        "csrf_token": token_of(page.text), "day": DAY, "reason": "  "})
    assert no_reason.status_code == 422
    assert 'data-error-for="reason"' in no_reason.text
    backwards = admin.post("/console/officials/akim/place", data={
        "csrf_token": token_of(page.text), "first_day": "2026-12-10",
        "last_day": "2026-12-01"})
    assert backwards.status_code == 422
    assert "Конец периода не может быть раньше начала." in backwards.text
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "approved"
    assert hub.reception.absences("akim", since=hub.clock.now().date()) == []
    api = client.post(f"{BASE}/officials/akim/cancel-day", json={"day": DAY, "reason": ""})
    assert api.status_code == 422


def test_a_schedule_and_an_official_entered_by_mistake_are_removed(
        client: TestClient, hub: Hub) -> None:
    admin = signed_in(hub, "center.admin", Role.ADMINISTRATOR)
    form = admin.get("/console/officials/new")
    assert admin.post("/console/officials/new", data=OFFICIAL | {
        "csrf_token": token_of(form.text)}, follow_redirects=False).status_code == 303
    page = admin.get("/console/officials/deputy")
    admin.post("/console/officials/deputy/schedules", data={
        "csrf_token": token_of(page.text), "approved_by": "Аудан әкімі",
        "approved_on": "2026-10-30", "valid_from": "2026-11-01", "weekdays": ["2"],
        "starts": "15:00", "ends": "17:00", "slot_minutes": "20"})
    (schedule,), _ = hub.reception.list_schedules("deputy")
    page = admin.get("/console/officials/deputy")
    assert f'/console/officials/deputy/schedules/{schedule.id}/delete' in page.text
    removed = admin.post(f"/console/officials/deputy/schedules/{schedule.id}/delete",
                         data={"csrf_token": token_of(page.text)}, follow_redirects=False)
    assert removed.status_code == 303
    assert hub.reception.list_schedules("deputy") == ([], [])
    assert "delete_schedule" in audit_actions(client, "reception_schedule", str(schedule.id))
    gone = admin.post("/console/officials/deputy/delete",
                      data={"csrf_token": token_of(page.text)}, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/console/officials"
    assert hub.reception.list_officials() == []
    assert "delete_official" in audit_actions(client, "reception_official", "deputy")


def test_an_official_with_requests_is_kept_and_the_page_says_why(
        client: TestClient, hub: Hub) -> None:
    add_akim(client)
    register(client, IIN)
    worker = signed_in(hub, "reception.worker", Role.RECEPTION)
    page = worker.get("/console/officials/akim")
    kept = worker.post("/console/officials/akim/delete",
                       data={"csrf_token": token_of(page.text)}, follow_redirects=False)
    assert kept.status_code == 303 and kept.headers["location"] == "/console/officials/akim"
    assert "оны белсенді емес етіңіз" in worker.get("/console/officials/akim").text
    assert [o.code for o in hub.reception.list_officials()] == ["akim"]


@pytest.mark.parametrize("path", ["delete", "schedules/1/delete"])
def test_an_operator_may_not_remove_anything(client: TestClient, hub: Hub, path: str) -> None:
    add_akim(client)
    operator = signed_in(hub, "desk.operator", Role.OPERATOR)
    page = operator.get("/console/")
    refused = operator.post(f"/console/officials/akim/{path}",
                            data={"csrf_token": token_of(page.text)})
    assert refused.status_code == 403
    assert [o.code for o in hub.reception.list_officials()] == ["akim"]
    assert len(hub.reception.list_schedules("akim")[0]) == 1
