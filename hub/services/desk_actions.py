"""Every action at a desk, whoever asks: the call-button panel (through the MQTT
bridge), the operator's console page and the API only translate their request into
`DeskActions.act`, so the desk's rules live here once:

* Nobody is called to a desk whose operator is on a break (`DeskOnBreak`).
* An action on "the visitor at the desk" with nobody there is refused (`DeskEmpty`).
* A desk panel has no Start button, so its Done and Transfer start a visit that was
  only called, in the same transaction as their own change (a refused transfer starts
  nothing). Such a visit began at its last call, not at the Done: the visitor walks
  up within a minute of being called (a recall calls again and moves that moment),
  so its service time is the time from the last call to the Done.

Yesterday's visitors are closed before any action of a new day (`DayCloseService`, the
one rule for leftovers): a Done as the first press of the morning must not finish
yesterday's visitor still called at the desk.

A node's request id rides along as the `claim`, run first inside the action's own
transaction, so a resent press finds its claim and changes nothing.
"""

from __future__ import annotations

from hub.domain.desk_actions import DeskAction
from hub.domain.errors import DeskEmpty, ValidationFailed
from hub.domain.text import Bilingual
from hub.services.day_close import DayCloseService
from hub.services.desk_breaks import DeskBreaks
from hub.services.queue import Claim, QueueService
from hub.services.views import TicketInfo


def desk_empty(desk: str) -> DeskEmpty:
    return DeskEmpty(f"no visitor at desk {desk}",
                     Bilingual(kk="Жұмыс орнында келуші жоқ",
                               ru="У рабочего места нет посетителя"), field="desk")


def _no_desk(action: DeskAction) -> ValidationFailed:
    return ValidationFailed(f"{action.value} needs a desk",
                            Bilingual(kk="Жұмыс орнын таңдаңыз",
                                      ru="Выберите рабочее место"), field="desk")


class DeskActions:
    def __init__(self, queue: QueueService, breaks: DeskBreaks,
                 day_close: DayCloseService) -> None:
        self._queue = queue
        self._breaks = breaks
        self._day_close = day_close

    def act(self, desk: str | None, action: DeskAction, *, actor: str,
            ticket_id: int | None = None, target_zone: str | None = None,
            target_desk: str | None = None, note: str | None = None,
            claim: Claim | None = None, panel: bool = False) -> TicketInfo:
        """Do `action` at `desk` and return the ticket it moved.

        `ticket_id` names the ticket: the one to call (CALL), or, for the actions on
        the visitor, that ticket, which must then be at `desk` (None: the visitor at
        the desk). `desk` is None only for a caller bound to no desk acting on a
        ticket by its id (an administrator through the API). `target_zone` and
        `target_desk` say where a TRANSFER sends the visitor, with its `note`.
        `panel`: asked from the desk's call-button panel, which has no Start button.
        """
        self._day_close.catch_up()  # once a day; a date comparison after that
        if action.calls:
            if desk is None:
                raise _no_desk(action)
            self._breaks.ensure_open(desk)
            if action is DeskAction.NEXT:
                return self._queue.call_next(desk, actor=actor, claim=claim)
            if ticket_id is None:
                raise ValidationFailed("call needs the ticket to call",
                                       Bilingual(kk="Талонды таңдаңыз",
                                                 ru="Выберите талон"), field="ticket_id")
            return self._queue.call(ticket_id, desk, actor=actor, claim=claim)
        if ticket_id is None:
            if desk is None:
                raise _no_desk(action)
            current = self._queue.desk_current(desk)
            if current is None:
                raise desk_empty(desk)
            ticket_id = current.id
        queue = self._queue
        match action:
            case DeskAction.RECALL:
                return queue.recall(ticket_id, actor=actor, at_desk=desk, claim=claim)
            case DeskAction.START:
                return queue.start(ticket_id, actor=actor, at_desk=desk, claim=claim)
            case DeskAction.DONE:
                return queue.finish(ticket_id, actor=actor, at_desk=desk, claim=claim,
                                    start_if_called=panel)
            case DeskAction.NO_SHOW:
                return queue.no_show(ticket_id, actor=actor, at_desk=desk, claim=claim)
            case DeskAction.TRANSFER:
                return queue.transfer(ticket_id, zone=target_zone, desk=target_desk,
                                      note=note, actor=actor, at_desk=desk, claim=claim,
                                      start_if_called=panel)
        raise AssertionError(f"unhandled desk action {action}")  # pragma: no cover
