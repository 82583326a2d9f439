"""What a call-button node knows of its desk, and what its lamps and display show.

Plain Python, no hardware and no network: the node feeds in what the hub said (the
desk view in a reply to a press, the retained `down/desk` state) and asks what to
light. The lamps show the hub's answer, never a guess: a press changes nothing here
until the hub has answered it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum

from contract.mqtt import ButtonAction, DeskState, DeskView, Problem, Reply

CALLED = frozenset({"called", "recalled"})


class LampMode(StrEnum):
    OFF = "off"
    ON = "on"
    BLINK = "blink"


@dataclass(frozen=True, slots=True)
class Lamps:
    serving: LampMode  # blinking: called, waiting for the visitor; lit: being served
    waiting: LampMode  # lit: visitors wait for this desk; blinking: on a break
    fault: LampMode  # lit: the hub cannot be reached; blinking: the visitor needs escort


class DeskModel:
    """Thread-safe: presses come from gpiozero's threads, answers from the runtime's."""

    def __init__(self, desk: str) -> None:
        self.desk = desk
        self._lock = threading.Lock()
        self._state: DeskState | None = None
        self._in_flight: dict[str, ButtonAction] = {}  # request id -> action
        self._problem: Problem | None = None

    @property
    def state(self) -> DeskState | None:
        with self._lock:
            return self._state

    @property
    def problem(self) -> Problem | None:
        """The hub's refusal of the last press, until a press succeeds or the desk changes."""
        with self._lock:
            return self._problem

    # Presses ----------------------------------------------------------------------

    def press(self, action: ButtonAction, request_id: str) -> bool:
        """Note a press about to be sent; False when the same button's earlier press is
        still unanswered (an impatient second press, a bounce): it is not sent again."""
        with self._lock:
            if action in self._in_flight.values():
                return False
            self._in_flight[request_id] = action
            return True

    def in_flight(self) -> list[ButtonAction]:
        with self._lock:
            return list(self._in_flight.values())

    def answered(self, request_id: str, reply: Reply | None, problem: Problem | None) -> None:
        """The hub answered press `request_id`: with a reply (maybe refused) or an error."""
        with self._lock:
            self._in_flight.pop(request_id, None)
            if reply is not None and reply.desk is not None:
                self._take(self._from_view(reply.desk, reply))
            self._problem = problem if problem is not None else (
                reply.problem if reply is not None else None)

    # What the hub sends ---------------------------------------------------------------

    def update(self, state: DeskState) -> bool:
        """Take the hub's pushed state if it is newer than what we show; True if taken."""
        if state.desk != self.desk:
            return False
        with self._lock:
            return self._take(state)

    def _take(self, state: DeskState) -> bool:
        if self._state is not None and state.at < self._state.at:
            return False  # built before the state we show: stale
        if self._state is not None and _content(self._state) != _content(state):
            self._problem = None  # the desk moved on: an old refusal no longer applies
        self._state = state
        return True

    def _from_view(self, view: DeskView, reply: Reply) -> DeskState:
        # A reply knows the desk's visitor and queue; staffing and breaks come only
        # with the pushed state, so they are kept as last pushed.
        staffed = self._state.staffed if self._state is not None else True
        paused = self._state.paused if self._state is not None else False
        return DeskState(desk=view.desk, current=view.current, waiting=view.waiting,
                         staffed=staffed, paused=paused, at=reply.at)

    # What to show ---------------------------------------------------------------------

    def lamps(self, connected: bool) -> Lamps:
        with self._lock:
            state = self._state
        current = state.current if state is not None else None
        if current is None:
            serving = LampMode.OFF
        else:
            serving = LampMode.BLINK if current.state in CALLED else LampMode.ON
        if state is None:
            waiting = LampMode.OFF
        elif state.paused:
            waiting = LampMode.BLINK
        else:
            waiting = LampMode.ON if state.waiting > 0 else LampMode.OFF
        if not connected:
            fault = LampMode.ON
        elif current is not None and current.needs_escort:
            fault = LampMode.BLINK
        else:
            fault = LampMode.OFF
        return Lamps(serving=serving, waiting=waiting, fault=fault)

    def display_line(self, width: int, connected: bool) -> str:
        """One ASCII line for a small serial display: the ticket, how many wait, and
        marks for a break (P), escort (E), no hub (X) or the last refusal (!code)."""
        with self._lock:
            state, problem = self._state, self._problem
        if state is None:
            line = "----"
        else:
            number = f"{state.current.number}" if state.current is not None else "---"
            line = f"{number} Q{state.waiting}"
            if state.paused:
                line += " P"
            if state.current is not None and state.current.needs_escort:
                line += " E"
        if not connected:
            line += " X"
        if problem is not None:
            line += f" !{problem.code}"
        return line[:width]


def _content(state: DeskState) -> tuple[object, ...]:
    return (state.current, state.waiting, state.staffed, state.paused)
