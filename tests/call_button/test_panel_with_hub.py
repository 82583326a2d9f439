"""The call-button application on MockFactory pins against the hub's real MQTT bridge,
through a Mosquitto with per-node passwords and the contract's ACL (SQLite and
PostgreSQL): presses act once, lamps show the hub's answer and follow the desk when it
changes by other means, and every bad press gets a clear answer and changes nothing."""

from __future__ import annotations

from pathlib import Path

from contract.mqtt import ButtonAction
from firmware.call_button.app import CallButtonApp
from firmware.call_button.desk_model import LampMode
from hub.mqtt.bridge import MqttBridge
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, wait_until
from tests.call_button.conftest import (
    DONE,
    NEXT,
    TRANSFER,
    WAITING,
    AppFactory,
    start_bridge,
    tap,
)

DESK = "window-1"


def issue(hub: Hub, *, escort: bool = False, language: str = "kk") -> int:
    return hub.queue.issue(language=language, zone="consultation", needs_escort=escort,
                           actor="test").ticket.id


def known(app: CallButtonApp) -> None:
    """The hub has the node's status and has pushed its desk."""
    wait_until(lambda: app.model.state is not None, what="the desk state from the hub")


def lamp(app: CallButtonApp, name: str, mode: LampMode) -> None:
    wait_until(lambda: app.panel.mode(name) is mode, what=f"the {name} lamp {mode.value}")


def test_next_with_nobody_waiting_beeps_once_and_changes_nothing(
        hub: Hub, bridge: MqttBridge, panel: AppFactory) -> None:
    app = panel()
    known(app)
    tap(app, NEXT)
    wait_until(lambda: app.panel.beeps == 1, what="the buzzer")
    assert app.model.problem is not None and app.model.problem.code == "queue_empty"
    assert app.panel.mode("waiting") is LampMode.OFF
    assert app.panel.factory.pin(WAITING).state is False
    assert hub.queue.desk_current(DESK) is None


def test_a_visit_by_buttons_and_by_the_console_shows_on_the_lamps(
        hub: Hub, bridge: MqttBridge, panel: AppFactory) -> None:
    app = panel()
    known(app)
    escorted = issue(hub, escort=True)
    second = issue(hub)
    lamp(app, "waiting", LampMode.ON)  # pushed: nobody pressed anything
    assert app.panel.factory.pin(WAITING).state is True

    tap(app, NEXT)
    lamp(app, "serving", LampMode.BLINK)  # called, waiting for the visitor
    lamp(app, "fault", LampMode.BLINK)  # this visitor needs escort
    current = hub.queue.desk_current(DESK)
    assert current is not None and current.id == escorted

    tap(app, DONE)  # no Start button: Done starts and ends the visit
    lamp(app, "serving", LampMode.OFF)
    assert hub.queue.get(escorted).state == "done"
    assert hub.desks.figures(DESK).served == 1

    # The operator's page calls the next visitor: the lamps follow within the push.
    hub.queue.call_next(DESK, actor="operator-1")
    lamp(app, "serving", LampMode.BLINK)
    lamp(app, "fault", LampMode.OFF)
    lamp(app, "waiting", LampMode.OFF)
    hub.queue.start(second, actor="operator-1", at_desk=DESK)
    lamp(app, "serving", LampMode.ON)

    before = hub.queue.get(second)
    tap(app, TRANSFER)  # configured to send the visitor on to the personal zone
    lamp(app, "serving", LampMode.OFF)
    after = hub.queue.get(second)
    assert (after.state, after.zone, after.desk) == ("transferred", "personal", None)
    assert after.queued_at == before.queued_at  # keeps the arrival time
    assert app.panel.beeps == 0


def test_a_bouncing_button_is_one_press(hub: Hub, bridge: MqttBridge,
                                        panel: AppFactory) -> None:
    app = panel()
    known(app)
    first, second = issue(hub), issue(hub)
    pin = app.panel.factory.pin(NEXT)
    for _ in range(5):  # contact bounce: five edges within microseconds
        pin.drive_low()
        pin.drive_high()
    lamp(app, "serving", LampMode.BLINK)
    wait_until(lambda: not app.model.in_flight(), what="the press answered")
    assert app.panel.bounced + app.ignored_presses == 4
    current = hub.queue.desk_current(DESK)
    assert current is not None and current.id == first
    assert hub.queue.get(second).state == "waiting"
    assert app.panel.beeps == 0


def test_holding_next_is_a_no_show_where_the_desk_has_no_such_button(
        hub: Hub, bridge: MqttBridge, panel: AppFactory) -> None:
    app = panel(buttons={"no_show": None, "hold_seconds": 0.1})
    known(app)
    first, second = issue(hub), issue(hub)
    tap(app, NEXT)  # a short press: Next, on release
    lamp(app, "serving", LampMode.BLINK)
    pin = app.panel.factory.pin(NEXT)
    pin.drive_low()
    wait_until(lambda: hub.queue.get(first).state == "no_show", what="the no-show")
    pin.drive_high()  # letting go of a held Next calls nobody
    lamp(app, "serving", LampMode.OFF)
    wait_until(lambda: not app.model.in_flight(), what="every press answered")
    assert hub.queue.get(second).state == "waiting"
    assert hub.queue.desk_current(DESK) is None


def test_done_without_a_visitor_and_a_transfer_to_an_unknown_desk_are_refused(
        hub: Hub, bridge: MqttBridge, panel: AppFactory) -> None:
    app = panel(buttons={"transfer_zone": None, "transfer_desk": "no-such-desk"})
    known(app)
    tap(app, DONE)
    wait_until(lambda: app.panel.beeps == 1, what="the buzzer")
    assert app.model.problem is not None and app.model.problem.code == "desk_empty"

    ticket = issue(hub)
    lamp(app, "waiting", LampMode.ON)
    tap(app, NEXT)
    lamp(app, "serving", LampMode.BLINK)
    tap(app, TRANSFER)
    wait_until(lambda: app.panel.beeps == 2, what="the second beep")
    assert app.model.problem is not None and app.model.problem.code == "not_found"
    current = hub.queue.desk_current(DESK)
    assert current is not None and current.id == ticket  # still at the desk


def test_a_break_stops_calls_and_shows_on_the_waiting_lamp(
        hub: Hub, bridge: MqttBridge, panel: AppFactory) -> None:
    app = panel()
    known(app)
    ticket = issue(hub)
    lamp(app, "waiting", LampMode.ON)
    hub.breaks.start(DESK, "operator-1")
    lamp(app, "waiting", LampMode.BLINK)
    tap(app, NEXT)
    wait_until(lambda: app.panel.beeps == 1, what="the buzzer")
    assert app.model.problem is not None and app.model.problem.code == "desk_on_break"
    assert hub.queue.get(ticket).state == "waiting"
    hub.breaks.end(DESK, "operator-1")
    lamp(app, "waiting", LampMode.ON)


def test_a_press_while_the_hub_is_away_is_applied_once_when_it_returns(
        hub: Hub, broker: PrivateMosquitto, panel: AppFactory, tmp_path: Path) -> None:
    bridge = start_bridge(hub, broker)
    try:
        app = panel()
        known(app)
        first, second = issue(hub), issue(hub)
        lamp(app, "waiting", LampMode.ON)
        bridge.stop()
        tap(app, NEXT)
        assert app.model.in_flight() == [ButtonAction.NEXT]
        assert app.panel.mode("serving") is LampMode.OFF  # no guess while unanswered
        bridge = start_bridge(hub, broker)
        lamp(app, "serving", LampMode.BLINK)
        wait_until(lambda: not app.model.in_flight(), what="the press answered")
        assert hub.queue.get(first).state == "called"
        assert hub.queue.get(second).state == "waiting"
    finally:
        bridge.stop()
