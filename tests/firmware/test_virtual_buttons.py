"""The virtual center's desk: the real call-button application whose MockFactory pins the
load driver presses. A press becomes one request in the node's durable outbox, its lamps
and buzzer are the application's own, an impatient second press of the same button is not
sent and says so, and a button the panel does not have is refused. No broker: the
requests wait in the outbox as on a desk whose hub is away."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract.mqtt import ButtonAction, ButtonPress, NodeRole
from firmware.call_button.desk_model import LampMode
from firmware.virtual.nodes import node_settings
from firmware.virtual.real_buttons import LAMP_PINS, PressNotSent, RealButtons


def desk(tmp_path: Path) -> RealButtons:
    return RealButtons(node_settings(node_id="buttons-window-1", role=NodeRole.CALL_BUTTON,
                                     center="virtual", broker_url="mqtt://127.0.0.1:9",
                                     data_dir=tmp_path, desk="window-1"))


def test_pins_pressed_become_requests_in_the_outbox(tmp_path: Path) -> None:
    buttons = desk(tmp_path)
    try:
        next_press = buttons.press(ButtonAction.NEXT)
        again = buttons.press(ButtonAction.NEXT)  # the first is still unanswered
        done = buttons.press(ButtonAction.DONE)
        assert not next_press.done() and not done.done()
        with pytest.raises(PressNotSent):
            again.result(0)
        outbox = buttons.runtime.outbox
        assert len(outbox) == 2
        first = outbox.head()
        assert isinstance(first, ButtonPress)
        assert (first.action, first.desk, first.node) == (
            ButtonAction.NEXT, "window-1", "buttons-window-1")
        assert buttons.app.ignored_presses == 1
        # The lamps are the application's, on the same fake pins: no hub, so fault is lit.
        buttons.app.refresh()
        assert buttons.app.panel.mode("fault") is LampMode.ON
        assert buttons.pins.pin(LAMP_PINS["fault"]).state is True
        with pytest.raises(ValueError, match="no transfer button"):
            buttons.press(ButtonAction.TRANSFER)
    finally:
        buttons.stop()
