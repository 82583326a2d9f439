"""The queue ticket and its state machine.

waiting → called → serving → done; called → recalled (any number of times);
called/recalled → no-show; serving → transferred (waits again at another zone
or desk); waiting/transferred → cancelled. Every transition is timestamped and
an illegal one raises `IllegalTransition` without changing the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from hub.domain.errors import Conflict, IllegalTransition, ValidationFailed
from hub.domain.text import Bilingual, Language


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    RECALLED = "recalled"
    SERVING = "serving"
    TRANSFERRED = "transferred"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


# Named groups, so callers never list states by hand.
WAITING_STATES = frozenset({TicketState.WAITING, TicketState.TRANSFERRED})
CALLED_STATES = frozenset({TicketState.CALLED, TicketState.RECALLED})
AT_DESK_STATES = CALLED_STATES | {TicketState.SERVING}
ACTIVE_STATES = WAITING_STATES | AT_DESK_STATES
FINAL_STATES = frozenset({TicketState.DONE, TicketState.NO_SHOW, TicketState.CANCELLED})

_ALLOWED: dict[TicketState, frozenset[TicketState]] = {
    TicketState.WAITING: frozenset({TicketState.CALLED, TicketState.CANCELLED}),
    TicketState.TRANSFERRED: frozenset({TicketState.CALLED, TicketState.CANCELLED}),
    TicketState.CALLED: frozenset({TicketState.RECALLED, TicketState.SERVING,
                                   TicketState.NO_SHOW}),
    TicketState.RECALLED: frozenset({TicketState.RECALLED, TicketState.SERVING,
                                     TicketState.NO_SHOW}),
    TicketState.SERVING: frozenset({TicketState.DONE, TicketState.TRANSFERRED}),
    TicketState.DONE: frozenset(),
    TicketState.NO_SHOW: frozenset(),
    TicketState.CANCELLED: frozenset(),
}

STATE_NAMES: dict[TicketState, Bilingual] = {
    TicketState.WAITING: Bilingual(kk="күтуде", ru="ожидает"),
    TicketState.CALLED: Bilingual(kk="шақырылды", ru="вызван"),
    TicketState.RECALLED: Bilingual(kk="қайта шақырылды", ru="вызван повторно"),
    TicketState.SERVING: Bilingual(kk="қызмет көрсетілуде", ru="обслуживается"),
    TicketState.TRANSFERRED: Bilingual(kk="басқа орынға жіберілді", ru="переадресован"),
    TicketState.DONE: Bilingual(kk="қызмет көрсетілді", ru="обслужен"),
    TicketState.NO_SHOW: Bilingual(kk="келмеді", ru="не явился"),
    TicketState.CANCELLED: Bilingual(kk="жойылды", ru="отменён"),
}


def can_transition(source: TicketState, target: TicketState) -> bool:
    return target in _ALLOWED[source]


@dataclass(frozen=True, slots=True)
class Transition:
    source: TicketState | None
    target: TicketState
    at: datetime
    desk: str | None = None
    zone: str | None = None
    actor: str | None = None
    note: str | None = None


@dataclass(slots=True)
class Ticket:
    """A visitor's place in the queue. Holds ticket numbers and flags, never a name."""

    number: int
    zone: str
    issued_zone: str
    service_day: date
    language: Language
    issued_at: datetime
    purpose: str | None = None
    out_of_turn: str | None = None
    needs_escort: bool = False
    # The order within a class; a transfer keeps it so the visitor does not lose their place.
    queued_at: datetime | None = None
    # When set, only this desk may call the ticket (a transfer to a desk, a booked official).
    target_desk: str | None = None
    # A booked reception: the time the official expects the visitor (a later issue fills it).
    booked_for: datetime | None = None
    state: TicketState = TicketState.WAITING
    desk: str | None = None
    recalls: int = 0
    transfers: int = 0
    id: int | None = None
    history: list[Transition] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None:
            raise ValidationFailed("issued_at must carry a time zone",
                                   Bilingual(kk="Уақыт белдеуі көрсетілмеген",
                                             ru="Не указан часовой пояс"), field="issued_at")
        if self.queued_at is None:
            self.queued_at = self.issued_at
        if not self.history:
            self.history.append(Transition(None, self.state, self.issued_at, zone=self.zone))

    @property
    def arrival(self) -> datetime:
        assert self.queued_at is not None
        return self.queued_at

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    def _move(self, target: TicketState, at: datetime, *, actor: str | None,
              desk: str | None = None, zone: str | None = None,
              note: str | None = None) -> Transition:
        if not can_transition(self.state, target):
            raise IllegalTransition(
                f"ticket {self.number} is {self.state.value} and cannot become {target.value}",
                Bilingual(
                    kk=f"{self.number} талоны «{STATE_NAMES[self.state].kk}» күйінде, "
                       f"«{STATE_NAMES[target].kk}» күйіне өте алмайды",
                    ru=f"Талон {self.number} в состоянии «{STATE_NAMES[self.state].ru}» "
                       f"и не может перейти в «{STATE_NAMES[target].ru}»"),
                field="state", state=self.state.value, requested=target.value)
        step = Transition(self.state, target, at, desk=desk or self.desk, zone=zone or self.zone,
                          actor=actor, note=note)
        self.state = target
        self.history.append(step)
        return step

    def call(self, desk: str, at: datetime, *, actor: str | None = None) -> Transition:
        # The state is checked first: a finished ticket is refused as finished.
        if (can_transition(self.state, TicketState.CALLED) and self.target_desk is not None
                and desk != self.target_desk):
            raise Conflict(
                f"ticket {self.number} waits for desk {self.target_desk!r}, not {desk!r}",
                Bilingual(kk=f"{self.number} талоны басқа жұмыс орнын күтуде",
                          ru=f"Талон {self.number} ожидает другое рабочее место"),
                field="desk", target_desk=self.target_desk)
        step = self._move(TicketState.CALLED, at, actor=actor, desk=desk)
        self.desk = desk
        return step

    def recall(self, at: datetime, *, actor: str | None = None) -> Transition:
        step = self._move(TicketState.RECALLED, at, actor=actor)
        self.recalls += 1
        return step

    def start(self, at: datetime, *, actor: str | None = None) -> Transition:
        return self._move(TicketState.SERVING, at, actor=actor)

    def finish(self, at: datetime, *, actor: str | None = None) -> Transition:
        return self._move(TicketState.DONE, at, actor=actor)

    def no_show(self, at: datetime, *, actor: str | None = None) -> Transition:
        return self._move(TicketState.NO_SHOW, at, actor=actor)

    def cancel(self, at: datetime, *, actor: str | None = None,
               note: str | None = None) -> Transition:
        return self._move(TicketState.CANCELLED, at, actor=actor, note=note)

    def transfer(self, at: datetime, *, zone: str, desk: str | None = None,
                 keep_arrival: bool = True, actor: str | None = None,
                 note: str | None = None) -> Transition:
        """Send the visitor on to another zone, or to one desk of it, to wait again."""
        step = self._move(TicketState.TRANSFERRED, at, actor=actor, zone=zone, note=note)
        self.zone = zone
        self.target_desk = desk
        self.desk = None
        self.recalls = 0
        self.transfers += 1
        if not keep_arrival:
            self.queued_at = at
        return step

    def time_in(self, state: TicketState) -> datetime | None:
        """When the ticket last entered `state`, if it did."""
        for step in reversed(self.history):
            if step.target is state:
                return step.at
        return None
