"""The operator's desk page through the app factory (SQLite and PostgreSQL): sign in to
a desk (a second operator is refused by name), every action, the escort alert on the
desk and on the reception board, breaks, transfers keeping the arrival, today's figures,
and the bad cases each answered in Kazakh and Russian with nothing changed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from contract.mqtt import AnnouncementKind
from hub.domain.roles import Role
from hub.mqtt.desk_states import transfer_announcement
from hub.services.events import QueueEvent
from hub.wiring import Hub
from tests.hub.test_console_check_in import CSRF, signed_in

DESK = "window-1"


def token(page_text: str) -> str:
    found = CSRF.search(page_text)
    assert found is not None
    return found.group(1)


def at_desk(hub: Hub, username: str, desk: str = DESK) -> TestClient:
    browser = signed_in(hub, username, Role.OPERATOR)
    page = browser.get("/console/desk")
    assert 'action="/console/desk/sign-in"' in page.text
    done = browser.post("/console/desk/sign-in", data={"desk": desk,
                                                       "csrf_token": token(page.text)})
    assert done.status_code == 200
    assert f'data-desk="{desk}"' in done.text
    return browser


def act(browser: TestClient, action: str, **fields: str) -> str:
    page = browser.get("/console/desk")
    result = browser.post("/console/desk/action",
                          data={"action": action, "csrf_token": token(page.text)} | fields)
    assert result.status_code == 200
    return result.text


def flash_errors(page_text: str) -> list[str]:
    return re.findall(r'class="flash flash-error"[^>]*>\s*([^<]+)', page_text)


def issue(hub: Hub, *, escort: bool = False, out_of_turn: str | None = None) -> int:
    return hub.queue.issue(language="ru", zone="consultation", needs_escort=escort,
                           out_of_turn=out_of_turn, actor="test").ticket.id


def test_a_visit_from_the_page(hub: Hub) -> None:
    browser = at_desk(hub, "operator.one")
    first = issue(hub, escort=True, out_of_turn="disability")
    second = issue(hub)
    page = browser.get("/console/desk").text
    assert re.findall(r'data-ticket="(\d+)"', page) == [
        str(hub.queue.get(first).number), str(hub.queue.get(second).number)]
    assert "вне очереди" not in page and "кезектен тыс" in page  # Kazakh by default

    page = act(browser, "next")
    number = hub.queue.get(first).number
    assert f'data-current="{number}"' in page
    assert f'data-escort-alert="{number}"' in page  # the desk is told
    board = browser.get("/console/board/fragment").text
    assert f'data-escort-alert="{number}"' in board  # and so is reception
    assert "ертіп жүру қажет" in board

    act(browser, "recall")
    assert hub.queue.get(first).recalls == 1
    act(browser, "start")
    page = act(browser, "done")
    assert hub.queue.get(first).state == "done"
    assert 'data-served>1<' in page
    assert 'data-escort-alert' not in browser.get("/console/board/fragment").text

    act(browser, "call", ticket_id=str(second))
    act(browser, "start")
    arrival = hub.queue.get(second).queued_at
    act(browser, "transfer", target="desk:office-105", note="құжаттар бар")
    moved = hub.queue.get(second)
    assert (moved.state, moved.zone, moved.target_desk) == ("transferred", "personal",
                                                           "office-105")
    assert moved.queued_at == arrival
    spoken = transfer_announcement(hub, QueueEvent(
        kind="transferred", at=moved.issued_at, zone=moved.zone, number=moved.number,
        ticket_id=moved.id, language=moved.language), hub.centers.snapshot().config)
    assert spoken is not None
    assert (spoken.kind, spoken.desk, spoken.number, spoken.language) == (
        AnnouncementKind.TRANSFER, "office-105", moved.number, "ru")


def test_two_operators_on_one_desk_the_second_is_refused_by_name(hub: Hub) -> None:
    at_desk(hub, "operator.one")
    other = signed_in(hub, "operator.two", Role.OPERATOR)
    page = other.get("/console/desk")
    answer = other.post("/console/desk/sign-in", data={"desk": DESK,
                                                       "csrf_token": token(page.text)})
    assert flash_errors(answer.text) == ["«1-терезе» жұмыс орнында operator.one отыр"]
    assert 'action="/console/desk/sign-in"' in answer.text  # still choosing a desk
    assert hub.staffing.desk_of("operator.two") is None
    assert hub.staffing.desk_of("operator.one") == DESK


def test_bad_actions_get_a_clear_answer_and_change_nothing(hub: Hub) -> None:
    browser = at_desk(hub, "operator.one")
    assert flash_errors(act(browser, "next")) == ["Кезекте ешкім жоқ"]
    assert flash_errors(act(browser, "done")) == ["Жұмыс орнында келуші жоқ"]
    ticket = issue(hub)
    act(browser, "next")
    act(browser, "start")
    assert flash_errors(act(browser, "transfer", target="desk:no-such-desk"))
    assert flash_errors(act(browser, "transfer", target="zone:")) == [
        "Қайда жіберетінін таңдаңыз."]
    assert hub.queue.get(ticket).state == "serving"
    errors = flash_errors(act(browser, "transfer", target="zone:consultation", note="x" * 201))
    assert errors == ["Ескертпе 200 таңбадан аспауы керек."]
    assert flash_errors(act(browser, "teleport")) == ["Белгісіз әрекет."]
    assert hub.queue.get(ticket).state == "serving"
    assert flash_errors(act(browser, "break")) == [
        f"Алдымен {hub.queue.get(ticket).number} талонын аяқтаңыз"]


def test_a_break_stops_calls_until_resumed(hub: Hub) -> None:
    browser = at_desk(hub, "operator.one")
    ticket = issue(hub)
    page = act(browser, "break")
    assert "data-break" in page
    assert flash_errors(act(browser, "next")) == ["Үзіліс: келушілер шақырылмайды"]
    assert flash_errors(act(browser, "call", ticket_id=str(ticket))) == [
        "Үзіліс: келушілер шақырылмайды"]
    assert hub.queue.get(ticket).state == "waiting"
    page = act(browser, "resume")
    assert "data-break" not in page
    act(browser, "next")
    assert hub.queue.get(ticket).state == "called"


def test_the_page_is_for_desk_workers_only(hub: Hub) -> None:
    reception = signed_in(hub, "reception.one", Role.RECEPTION)
    assert reception.get("/console/desk").status_code == 403
    assert reception.get("/console/desk/events").status_code == 403
    assert 'data-nav="desk"' not in reception.get("/console/").text
