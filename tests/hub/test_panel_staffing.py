"""A desk worked from its call-button panel, where nobody signs in, is staffed
(hub.domain.staffing through the hub, SQLite and PostgreSQL): the three-hour alert
leaves it alone while its panel is pressed, the estimate counts it among the working
desks, the board names it in Kazakh and Russian, and once nobody presses for thirty
working minutes it is empty since its last press."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract.mqtt import ButtonAction, ButtonPress, NodeRole, NodeStatus, Presence
from hub.domain.roles import Role
from hub.mqtt.requests import handle_button, reply_json
from hub.services.clock import ManualClock
from hub.services.nodes import NodeInfo
from hub.wiring import Hub
from tests.hub.test_console_check_in import signed_in

DESK = "window-1"
NODE = "buttons-1"
OPENING = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # Monday 09:00 in Almaty


def local(hour: int, minute: int = 0) -> datetime:
    return OPENING + timedelta(hours=hour - 9, minutes=minute)


def panel(hub: Hub) -> NodeInfo:
    info, _ = hub.nodes.record_status(NodeStatus(
        node=NODE, state=Presence.ONLINE, role=NodeRole.CALL_BUTTON, software="test",
        desk=DESK))
    return info


def press(hub: Hub, node: NodeInfo, action: ButtonAction) -> bool:
    return handle_button(hub, node, NODE, ButtonPress(node=NODE, desk=DESK, action=action)).ok


def unstaffed(hub: Hub) -> dict[str, tuple[datetime, bool]]:
    return {u.desk: (u.since, u.alert) for u in hub.staffing.unstaffed()}


def test_a_desk_worked_from_its_panel_is_staffed_and_not_alerted(
        hub: Hub, clock: ManualClock) -> None:
    clock.set(OPENING)
    node = panel(hub)
    # The whole morning the operator calls and finishes visitors from the panel only.
    while clock.now() < local(12, 40):
        hub.queue.issue(language="kk", zone="consultation", actor="test")
        assert press(hub, node, ButtonAction.NEXT)
        clock.advance(minutes=10)
        assert press(hub, node, ButtonAction.DONE)
        clock.advance(minutes=10)
    assert clock.now() == local(12, 40)
    gaps = unstaffed(hub)
    assert DESK not in gaps
    assert gaps["window-2"] == (OPENING, True)  # nobody ever touched it: alerted
    state = hub.queue.state()
    desk = next(d for d in state.desks if d.code == DESK)
    assert desk.operator is None and desk.panel
    waiting = hub.queue.issue(language="kk", zone="consultation", actor="test").ticket
    assert hub.queue.estimate(waiting.id).staffed_desks == 1
    zone = next(z for z in state.zones if z.code == "consultation")
    assert zone.estimate_for_next.staffed_desks == 1

    browser = signed_in(hub, "reception.one", Role.ADMINISTRATOR)
    for language, words in (("kk", "Шақыру батырмаларымен жұмыс істейді"),
                            ("ru", "Работает с кнопок вызова")):
        browser.cookies.set("kezek_lang", language)
        board = browser.get("/console/board/fragment").text
        assert f'data-panel="{DESK}"' in board and words in board
        assert 'data-unstaffed="window-1"' not in board

    operator = signed_in(hub, "operator.one", Role.OPERATOR)
    operator.cookies.set("kezek_lang", "ru")
    assert "сейчас: кнопки вызова" in operator.get("/console/desk").text  # choosing a desk

    # The last press was the Done at 12:30. Lunch does not count: 30 working minutes
    # run out at 14:30 + 0:00, so at 14:31 the desk is empty since that press.
    clock.set(local(14, 30))
    assert DESK not in unstaffed(hub)
    clock.set(local(14, 31))
    assert unstaffed(hub)[DESK] == (local(12, 30), False)
    assert not next(d for d in hub.queue.state().desks if d.code == DESK).panel
    # Three working hours after the press (30 min before lunch, 2 h 30 after it).
    clock.set(local(17, 0))
    assert unstaffed(hub)[DESK] == (local(12, 30), False)
    clock.set(local(17, 1))
    assert unstaffed(hub)[DESK] == (local(12, 30), True)


def test_a_refused_press_is_a_sign_of_the_operator_too(hub: Hub, clock: ManualClock) -> None:
    clock.set(local(10))
    node = panel(hub)
    # Nobody is waiting: the press is refused, and the bridge stores its answer.
    pressed = ButtonPress(node=NODE, desk=DESK, action=ButtonAction.NEXT)
    reply = handle_button(hub, node, NODE, pressed)
    assert reply.problem is not None and reply.problem.code == "queue_empty"
    hub.nodes.remember_replies([(NODE, pressed.id, pressed.kind, reply_json(reply))])
    clock.set(local(10, 20))
    assert DESK not in unstaffed(hub)
    assert next(d for d in hub.queue.state().desks if d.code == DESK).panel
    clock.set(local(10, 31))
    assert unstaffed(hub)[DESK][0] == local(10)


def test_a_sign_in_still_wins(hub: Hub, clock: ManualClock) -> None:
    clock.set(local(10))
    node = panel(hub)
    hub.staffing.sign_in(DESK, "operator.one")
    hub.queue.issue(language="kk", zone="consultation", actor="test")
    assert press(hub, node, ButtonAction.NEXT)
    desk = next(d for d in hub.queue.state().desks if d.code == DESK)
    assert desk.operator == "operator.one" and not desk.panel

