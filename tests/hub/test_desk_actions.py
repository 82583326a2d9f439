"""One desk-action service for the call-button panel, the console page and the API
(hub.services.desk_actions), on SQLite and PostgreSQL: the same refusal on a break and
on an empty desk whichever way the operator asks, a resent press acting once, and a
visit a panel finishes without Start measured from its last call, so the desk's
figures, the report and the estimate see real service times."""

from __future__ import annotations

from datetime import UTC, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from contract.mqtt import ButtonAction, ButtonPress, NodeRole, NodeStatus, Presence, Reply
from hub.domain.reports.periods import parse_period
from hub.mqtt.requests import handle_button
from hub.services.clock import ManualClock
from hub.services.nodes import NodeInfo
from hub.services.reports import ReportService
from hub.storage.models import AuditRow
from hub.wiring import Hub
from tests.hub.test_console_operator import act, at_desk, flash_errors, token

DESK = "window-1"
NODE = "buttons-1"
ON_BREAK = {"kk": "Үзіліс: келушілер шақырылмайды", "ru": "Перерыв: посетители не вызываются"}
EMPTY = {"kk": "Жұмыс орнында келуші жоқ", "ru": "У рабочего места нет посетителя"}


def panel(hub: Hub) -> NodeInfo:
    info, _ = hub.nodes.record_status(NodeStatus(
        node=NODE, state=Presence.ONLINE, role=NodeRole.CALL_BUTTON, software="test",
        desk=DESK))
    return info


def press(hub: Hub, node: NodeInfo, action: ButtonAction, request_id: str | None = None
          ) -> Reply:
    pressed = ButtonPress(node=NODE, desk=DESK, action=action)
    if request_id is not None:
        pressed = pressed.model_copy(update={"id": request_id})
    return handle_button(hub, node, NODE, pressed)


def issue(hub: Hub) -> int:
    return hub.queue.issue(language="kk", zone="consultation", actor="test").ticket.id


def problem_text(reply: Reply) -> dict[str, str]:
    assert not reply.ok and reply.problem is not None
    return {"kk": reply.problem.text.kk, "ru": reply.problem.text.ru}


def console_errors(browser: TestClient, action: str) -> dict[str, str]:
    texts = {}
    for language in ("kk", "ru"):
        browser.cookies.set("kezek_lang", language)
        texts[language] = " ".join(flash_errors(act(browser, action))).strip()
    return texts


def test_a_break_refuses_a_call_the_same_way_from_panel_console_and_api(
        hub: Hub, client: TestClient) -> None:
    node = panel(hub)
    ticket = issue(hub)
    browser = at_desk(hub, "operator.one")
    hub.breaks.start(DESK, "operator.one")

    from_panel = press(hub, node, ButtonAction.NEXT)
    assert from_panel.problem is not None and from_panel.problem.code == "desk_on_break"
    assert problem_text(from_panel) == ON_BREAK
    assert console_errors(browser, "next") == ON_BREAK
    browser.cookies.set("kezek_lang", "kk")
    page = browser.get("/console/desk").text
    called = browser.post("/console/desk/action", data={
        "action": "call", "ticket_id": str(ticket),
        "csrf_token": token(page)})
    assert flash_errors(called.text) == [ON_BREAK["kk"]]
    for refused in (client.post(f"/api/v1/desks/{DESK}/next"),
                    client.post(f"/api/v1/tickets/{ticket}/call", json={"desk": DESK})):
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "desk_on_break"
        assert refused.json()["text"] == ON_BREAK
    assert hub.queue.get(ticket).state == "waiting"

    hub.breaks.end(DESK, "operator.one")
    assert press(hub, node, ButtonAction.NEXT).ok
    assert hub.queue.get(ticket).state == "called"


def test_an_empty_desk_is_refused_the_same_way_from_panel_and_console(hub: Hub) -> None:
    node = panel(hub)
    browser = at_desk(hub, "operator.one")
    for action in (ButtonAction.DONE, ButtonAction.RECALL, ButtonAction.NO_SHOW):
        reply = press(hub, node, action)
        assert reply.problem is not None and reply.problem.code == "desk_empty"
        assert problem_text(reply) == EMPTY
    for action in ("done", "recall", "start", "no_show"):
        assert console_errors(browser, action) == EMPTY


def test_a_resent_next_calls_once(hub: Hub) -> None:
    node = panel(hub)
    first, second = issue(hub), issue(hub)
    assert press(hub, node, ButtonAction.NEXT, "press-1").ok
    assert press(hub, node, ButtonAction.START, "press-2").ok
    # The panel never heard back and sends the same Next again: with the Next policy
    # finishing a visit being served, acting twice would end the visit and call another.
    again = press(hub, node, ButtonAction.NEXT, "press-1")
    assert again.ok and again.desk is not None and again.desk.current is not None
    assert again.desk.current.number == hub.queue.get(first).number
    assert hub.queue.get(first).state == "serving"
    assert hub.queue.get(second).state == "waiting"


def test_a_done_resent_after_a_restart_gets_its_first_answer(hub: Hub) -> None:
    """The bridge's memory of recent replies is gone after a restart of the hub; the
    stored reply answers the resent press, not a judgement of the desk as it is now
    (nobody is at it any more: that would be "no visitor at the desk")."""
    node = panel(hub)
    ticket = issue(hub)
    assert press(hub, node, ButtonAction.NEXT, "press-1").ok
    done = press(hub, node, ButtonAction.DONE, "press-2")
    assert done.ok
    hub.nodes.remember_replies([(NODE, "press-2", "button", done.model_dump(mode="json"))])
    again = press(hub, node, ButtonAction.DONE, "press-2")
    assert again.ok and again == done
    assert hub.queue.get(ticket).state == "done"


def test_the_first_press_of_a_morning_does_not_end_yesterdays_visitor(
        hub: Hub, clock: ManualClock) -> None:
    node = panel(hub)
    yesterday = issue(hub)
    assert press(hub, node, ButtonAction.NEXT).ok  # called, never finished
    clock.advance(days=1)
    refused = press(hub, node, ButtonAction.DONE)
    assert problem_text(refused) == EMPTY  # the desk is free: yesterday was closed
    left = hub.queue.get(yesterday)
    assert left.state == "no_show" and left.finished_at is not None
    assert left.finished_at < clock.now() - timedelta(hours=12)  # at its day's closing


def test_a_visit_a_panel_finishes_began_at_its_last_call(hub: Hub, clock: ManualClock) -> None:
    node = panel(hub)
    tickets = [issue(hub) for _ in range(6)]
    began = clock.now()
    # Visit 1: called, recalled two minutes on, done seven minutes after the recall.
    assert press(hub, node, ButtonAction.NEXT).ok
    clock.advance(minutes=2)
    assert press(hub, node, ButtonAction.RECALL).ok
    clock.advance(minutes=7)
    assert press(hub, node, ButtonAction.DONE).ok
    first = hub.queue.get(tickets[0])
    assert first.called_at == began  # the wait is measured to the first call
    assert first.started_at == began + timedelta(minutes=2)
    assert first.finished_at == began + timedelta(minutes=9)
    # Visits 2 and 3: five and six minutes from the call to Done.
    for minutes in (5, 6):
        assert press(hub, node, ButtonAction.NEXT).ok
        called = clock.now()
        clock.advance(minutes=minutes)
        assert press(hub, node, ButtonAction.DONE).ok
    visits = [hub.queue.get(t) for t in tickets[:3]]
    spans = [(v.finished_at - v.started_at).total_seconds() / 60  # type: ignore[operator]
             for v in visits]
    assert spans == [7, 5, 6]
    assert visits[2].started_at == called

    assert hub.desks.figures(DESK).average_minutes == 6.0
    report = ReportService(hub.db, hub.centers, hub.clock).report(parse_period("2026-11-23"))
    assert report.queue.service.count == 3
    assert report.queue.service.mean == 6 * 60
    # Two waiting ahead of the last visitor, one desk kept by its panel: no longer "0 min".
    estimate = hub.queue.estimate(tickets[5])
    assert estimate.people_ahead == 2 and estimate.staffed_desks == 1
    assert estimate.service_minutes > 0 and estimate.minutes > 0


def test_a_panel_transfer_of_a_called_visitor_starts_it_at_the_call(
        hub: Hub, clock: ManualClock) -> None:
    node = panel(hub)
    ticket = issue(hub)
    assert press(hub, node, ButtonAction.NEXT).ok
    called = clock.now()
    clock.advance(minutes=4)
    moved = handle_button(hub, node, NODE, ButtonPress(
        node=NODE, desk=DESK, action=ButtonAction.TRANSFER, to_desk="office-105"))
    assert moved.ok
    assert hub.queue.get(ticket).state == "transferred"
    with hub.db.read() as session:
        start = session.scalars(select(AuditRow).where(
            AuditRow.entity == "ticket", AuditRow.entity_id == str(ticket),
            AuditRow.action == "start")).one()
    assert start.at.astimezone(UTC) == called.astimezone(UTC)
