"""The day of a personal reception, on SQLite and PostgreSQL: check-in by booking
code (the ticket tied to the booking and the official's desk, the same ticket
again, unknown code, too early, too late, another day), absentees marked after
the late window, the booked visitor called by the official's desk at their time
ahead of walk-ins and not before, and the protocol of the reception (002 §19)
with instructions and working-day deadlines; every step audited without
personal data in clear.

The booking is with the akim (desk office-105) on Tuesday 1 December 2026 at
10:00 in Almaty (05:00 UTC); check-in opens 60 minutes before, closes 30 after.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hub.services.check_in import normalise_code
from hub.services.clock import ManualClock
from hub.storage.models import TicketRow
from hub.storage.reception_day_models import CheckInRow, ReceptionProtocolRow
from hub.wiring import Hub
from tests.hub.test_api_reception import BASE, IIN, NAME, OTHER_IIN, add_akim, register, to_note

SLOT = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # 10:00 in Almaty


def at(local_hhmm: str, day: int = 1) -> datetime:
    hours, minutes = (int(p) for p in local_hhmm.split(":"))
    return datetime(2026, 12, day, hours - 5, minutes, tzinfo=UTC)


def booked(client: TestClient, iin: str = IIN, starts: str = "2026-12-01T10:00:00") -> tuple[
        str, str]:
    """A request approved and booked with the akim: its number and booking code."""
    number = register(client, iin)["number"]
    to_note(client, number)
    approved = client.post(f"{BASE}/requests/{number}/approve", json={"starts_at": starts})
    assert approved.status_code == 200, approved.text
    return number, approved.json()["booking"]["code"]


def audit_of(client: TestClient, number: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.get(
        "/api/v1/audit", params={"entity": "reception_request", "entity_id": number}).json()
    return entries


def assert_no_personal_data(entries: list[dict[str, Any]], *more: str) -> None:
    dumped = json.dumps(entries, ensure_ascii=False)
    for secret in (IIN, OTHER_IIN, NAME, "7012345678", "701 234 56 78", *more):
        assert secret not in dumped


def ticket_count(hub: Hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(func.count()).select_from(TicketRow)) or 0


def test_check_in_gives_a_booked_ticket_for_the_officials_desk_once(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    add_akim(client)
    number, code = booked(client)
    clock.set(at("09:30"))
    first = client.post(f"{BASE}/check-in", json={"code": code.lower()})
    assert first.status_code == 201, first.text
    result = first.json()
    assert result["number"] == number
    assert result["replayed"] is False
    assert result["desk"] == "office-105"
    assert result["desk_label"] == {"kk": "105 кабинет", "ru": "Кабинет 105"}
    ticket = result["ticket"]
    assert ticket["zone"] == "personal"
    assert ticket["target_desk"] == "office-105"
    assert datetime.fromisoformat(ticket["booked_for"]) == SLOT
    assert 500 <= ticket["number"] <= 699
    assert ticket["language"] == "kk"
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "checked_in"
    with hub.db.read() as session:
        record = session.scalars(select(CheckInRow)).one()
        assert record.ticket_id == ticket["id"]
        assert record.source == "reception"
        assert record.late_at is None
    # Again, scanned at the terminal later: the same ticket, nothing new issued.
    clock.set(at("09:40"))
    again = client.post(f"{BASE}/check-in", json={"code": f" {code[:4]}-{code[4:]} ",
                                                  "source": "terminal"})
    assert again.status_code == 201, again.text
    assert again.json()["replayed"] is True
    assert again.json()["ticket"]["id"] == ticket["id"]
    assert ticket_count(hub) == 1
    entries = audit_of(client, number)
    assert [e["action"] for e in entries].count("reception_check_in") == 1
    check = next(e for e in entries if e["action"] == "reception_check_in")
    assert check["before"]["state"] == "approved"
    assert check["after"]["state"] == "checked_in"
    assert check["after"]["ticket"] == ticket["number"]
    assert check["after"]["desk"] == "office-105"
    assert check["after"]["iin"] == "8501******24"
    assert_no_personal_data(entries)


def test_unknown_code_is_a_bilingual_404_and_writes_nothing(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    add_akim(client)
    number, _ = booked(client)
    clock.set(at("09:30"))
    before = len(client.get("/api/v1/audit").json())
    response = client.post(f"{BASE}/check-in", json={"code": "ZZZZ2222"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "check_in_unknown_code"
    assert problem["field"] == "code"
    assert "Код записи не найден" in problem["text"]["ru"]
    assert "жазылу коды табылмады" in problem["text"]["kk"]
    assert client.post(f"{BASE}/check-in", json={"code": " - "}).status_code == 404
    assert ticket_count(hub) == 0
    assert len(client.get("/api/v1/audit").json()) == before
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "approved"


def test_too_early_says_when_to_come_back_and_writes_nothing(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    add_akim(client)
    number, code = booked(client)
    clock.set(at("08:59"))
    response = client.post(f"{BASE}/check-in", json={"code": code})
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "check_in_too_early"
    assert "09:00" in problem["text"]["kk"] and "09:00" in problem["text"]["ru"]
    assert "10:00" in problem["text"]["ru"]
    assert datetime.fromisoformat(problem["opens_at"]) == SLOT - timedelta(hours=1)
    assert ticket_count(hub) == 0
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "approved"
    clock.set(at("09:00"))  # the window opens on the minute
    assert client.post(f"{BASE}/check-in", json={"code": code}).status_code == 201


def test_too_late_is_refused_flagged_and_later_absent(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    add_akim(client)
    number, code = booked(client)
    clock.set(at("10:31"))
    response = client.post(f"{BASE}/check-in", json={"code": code})
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "check_in_too_late"
    assert "ресепшн" in problem["text"]["ru"] and "Ресепшнге жүгініңіз" in problem["text"]["kk"]
    assert ticket_count(hub) == 0
    assert hub.check_in.late_flagged(number)
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "approved"
    # Twice late: flagged once.
    assert client.post(f"{BASE}/check-in", json={"code": code}).status_code == 409
    assert hub.check_in.mark_absentees() == [number]
    info = client.get(f"{BASE}/requests/{number}").json()
    assert info["state"] == "absent"
    assert "after the check-in window" in info["history"][-1]["note"]
    actions = [e["action"] for e in audit_of(client, number)]
    assert actions.count("reception_check_in_late") == 1
    assert "reception_absent" in actions
    assert_no_personal_data(audit_of(client, number))


def test_reception_admits_a_late_visitor_the_terminal_cannot(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    add_akim(client)
    number, code = booked(client)
    clock.set(at("10:40"))
    from_terminal = client.post(f"{BASE}/check-in", json={
        "code": code, "source": "terminal", "admit_late": True})
    assert from_terminal.status_code == 422
    assert ticket_count(hub) == 0
    admitted = client.post(f"{BASE}/check-in", json={"code": code, "admit_late": True})
    assert admitted.status_code == 201, admitted.text
    ticket = admitted.json()["ticket"]
    assert ticket["target_desk"] == "office-105"
    assert ticket_count(hub) == 1
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "checked_in"
    check_in = next(e for e in audit_of(client, number) if e["action"] == "reception_check_in")
    assert check_in["after"]["late"] is True
    # Not marked absent afterwards: the visitor is in.
    assert hub.check_in.mark_absentees() == []
    with pytest.raises(ValueError, match="only reception"):
        hub.check_in.check_in(code, actor="node:terminal-1", source="terminal",
                              admit_late=True)


def test_a_booking_of_another_day_is_refused_naming_its_date(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    add_akim(client)
    number, code = booked(client)
    clock.set(datetime(2026, 11, 30, 5, 0, tzinfo=UTC))  # Monday, the day before
    response = client.post(f"{BASE}/check-in", json={"code": code})
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "check_in_wrong_day"
    assert "01.12.2026, 10:00" in problem["text"]["kk"]
    assert "другой день: 01.12.2026, 10:00" in problem["text"]["ru"]
    assert ticket_count(hub) == 0
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "approved"


def test_absentees_are_marked_only_after_the_late_window(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    add_akim(client)
    absent, _ = booked(client)
    present, code = booked(client, OTHER_IIN, "2026-12-01T10:30:00")
    clock.set(at("10:20"))
    assert client.post(f"{BASE}/check-in", json={"code": code}).status_code == 201
    clock.set(at("10:30"))
    assert hub.check_in.mark_absentees() == []  # 10:00 + 30 minutes: not yet past
    clock.set(at("10:31"))
    assert hub.check_in.mark_absentees() == [absent]
    assert hub.check_in.mark_absentees() == []  # done once
    assert client.get(f"{BASE}/requests/{absent}").json()["state"] == "absent"
    assert client.get(f"{BASE}/requests/{present}").json()["state"] == "checked_in"
    clock.set(at("11:30"))
    assert hub.check_in.mark_absentees() == []  # checked in: not absent
    entry = next(e for e in audit_of(client, absent) if e["action"] == "reception_absent")
    assert entry["actor"] == "system"
    assert entry["after"]["state"] == "absent"
    assert_no_personal_data([entry])
    assert client.post(f"{BASE}/absentees").json() == []


def test_the_officials_desk_calls_the_booked_visitor_at_their_time_first(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    add_akim(client)
    _, code = booked(client)
    clock.set(at("09:20"))
    walk_ins = [hub.queue.issue(language="ru", zone="personal", actor="test").ticket
                for _ in range(3)]
    clock.set(at("09:30"))
    ticket = client.post(f"{BASE}/check-in", json={"code": code}).json()["ticket"]

    def serve_next(desk: str) -> int:
        called = hub.queue.call_next(desk, actor="test")
        hub.queue.start(called.id, actor="test")
        hub.queue.finish(called.id, actor="test")
        return called.id

    clock.set(at("09:40"))
    assert serve_next("office-105") == walk_ins[0].id  # before 09:55: arrival order
    clock.set(at("09:54"))
    assert serve_next("office-105") == walk_ins[1].id  # lead of 5 minutes not reached
    clock.set(at("09:55"))
    assert serve_next("office-106") == walk_ins[2].id  # never another office's
    clock.set(at("09:56"))
    walk_in = hub.queue.issue(language="kk", zone="personal", actor="test").ticket
    assert serve_next("office-105") == ticket["id"]  # due: ahead of walk-ins
    assert serve_next("office-105") == walk_in.id


def protocol_ready(client: TestClient, clock: ManualClock) -> str:
    add_akim(client)
    number, code = booked(client)
    clock.set(at("09:50"))
    assert client.post(f"{BASE}/check-in", json={"code": code}).status_code == 201
    clock.set(at("10:25"))
    return number


def test_protocol_with_instructions_and_working_day_deadlines(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    number = protocol_ready(client, clock)
    response = client.post(f"{BASE}/requests/{number}/protocol", json={
        "decision": "Жер учаскесі мәселесі бойынша тексеру жүргізілсін",
        "instructions": [
            {"text": "Жер қатынастары бөліміне құжаттарды тексеру",
             "responsible": "Жер қатынастары бөлімінің басшысы Омаров Д.", "working_days": 5},
            {"text": "Өтініш берушіге жауап жолдау", "responsible": "Әкім аппаратының басшысы",
             "due": "2026-12-18"}]})
    assert response.status_code == 201, response.text
    protocol = response.json()
    calendar = hub.centers.snapshot().calendar
    expected = calendar.add_working_days(date(2026, 12, 1), 5)
    assert expected == date(2026, 12, 8)  # Tuesday + 5 working days, over a weekend
    assert protocol["outcome"] == "instructions"
    assert [i["due"] for i in protocol["instructions"]] == ["2026-12-08", "2026-12-18"]
    assert protocol["instructions"][0]["working_days"] == 5
    assert protocol["mark"] == {"kk": "жеке қабылдаудан", "ru": "с личного приема"}
    assert protocol["source"] == "personal_reception"
    assert protocol["official"] == "akim"
    assert protocol["received_on"] == "2026-12-01"
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "received"
    assert client.get(f"{BASE}/requests/{number}/protocol").json() == protocol
    register_rows = client.get(f"{BASE}/protocols").json()
    assert [(p["number"], p["mark"]["ru"]) for p in register_rows] == [
        (number, "с личного приема")]
    twice = client.post(f"{BASE}/requests/{number}/protocol", json={"decision": "ещё"})
    assert twice.status_code == 409
    entry = next(e for e in audit_of(client, number) if e["action"] == "reception_protocol")
    assert entry["before"]["state"] == "checked_in"
    assert entry["after"]["state"] == "received"
    assert entry["after"]["protocol"] == {
        "outcome": "instructions", "decision": "set", "instructions": 2,
        "deadlines": ["2026-12-08", "2026-12-18"], "mark": "с личного приема"}
    assert_no_personal_data([entry], "Омаров")


def test_protocol_without_decision_or_deadline_is_refused_and_nothing_written(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    number = protocol_ready(client, clock)
    url = f"{BASE}/requests/{number}/protocol"
    empty = client.post(url, json={})
    assert empty.status_code == 422
    assert empty.json()["field"] == "decision"
    assert "решение" in empty.json()["text"]["ru"] and "шешім" in empty.json()["text"]["kk"]
    assert client.post(url, json={"decision": "   "}).json()["field"] == "decision"
    no_deadline = client.post(url, json={"instructions": [
        {"text": "Тексеру", "responsible": "Бөлім басшысы"}]})
    assert (no_deadline.status_code, no_deadline.json()["field"]) == (
        422, "instructions.0.due")
    passed = client.post(url, json={"instructions": [
        {"text": "Тексеру", "responsible": "Бөлім басшысы", "due": "2026-12-01"}]})
    assert passed.status_code == 422
    assert "прошедшим" in passed.json()["text"]["ru"]
    saturday = client.post(url, json={"instructions": [
        {"text": "Тексеру", "responsible": "Бөлім басшысы", "due": "2026-12-05"}]})
    assert "нерабочий" in saturday.json()["text"]["ru"]
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "checked_in"
    with hub.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ReceptionProtocolRow)) == 0
    assert "reception_protocol" not in [e["action"] for e in audit_of(client, number)]
    # A decision alone is enough.
    decided = client.post(url, json={"decision": "Разъяснено право на обжалование"})
    assert decided.status_code == 201
    assert decided.json()["outcome"] == "decision"
    assert decided.json()["instructions"] == []


def test_protocol_needs_a_checked_in_booking(client: TestClient, clock: ManualClock) -> None:
    add_akim(client)
    number, _ = booked(client)
    clock.set(at("10:05"))
    response = client.post(f"{BASE}/requests/{number}/protocol", json={"decision": "Шешім"})
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert client.get(f"{BASE}/requests/{number}").json()["state"] == "approved"


@pytest.mark.parametrize(("typed", "code"), [("abcd 2345", "ABCD2345"),
                                              ("ABCD-2345\t", "ABCD2345")])
def test_codes_are_read_as_typed_or_scanned(typed: str, code: str) -> None:
    assert normalise_code(typed) == code
