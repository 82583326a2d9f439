"""Errors of the domain: each has a stable machine code, the field at fault
and, because a visitor or an operator may read it, a text in both languages."""

from __future__ import annotations

from hub.domain.text import Bilingual


class KezekError(Exception):
    """Root of every error raised by the hub's own code."""


class DomainError(KezekError, ValueError):
    """A rule of the center refused the request; nothing was changed."""

    code = "domain_error"
    status = 422

    def __init__(self, detail: str, text: Bilingual, *, field: str | None = None,
                 **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.text = text
        self.field = field
        self.extra = extra


class ValidationFailed(DomainError):
    """A value is malformed or out of range."""

    code = "invalid_value"


class NotFound(DomainError):
    """The zone, desk, ticket or other record named does not exist."""

    code = "not_found"
    status = 404


class Conflict(DomainError):
    """The request contradicts the current state (a duplicate, a busy desk)."""

    code = "conflict"
    status = 409


class IllegalTransition(Conflict):
    """A ticket cannot go from its current state to the requested one."""

    code = "illegal_transition"


class CenterClosed(DomainError):
    """A ticket was asked for outside working hours."""

    code = "center_closed"
    status = 409


class RangeExhausted(Conflict):
    """Every number of a zone's range is held by a ticket still in the queue."""

    code = "range_exhausted"


class NothingWaiting(Conflict):
    """A desk asked for the next visitor and nobody is waiting for it."""

    code = "queue_empty"


class DeskBusy(Conflict):
    """The desk still has a visitor called or being served."""

    code = "desk_busy"


class DeskClosed(Conflict):
    """The desk is switched off in the configuration."""

    code = "desk_closed"


class Forbidden(DomainError):
    """The signed-in user's role does not allow the action."""

    code = "forbidden"
    status = 403


def not_at_desk(detail: str) -> Forbidden:
    return Forbidden(detail, Bilingual(kk="Алдымен осы жұмыс орнына кіріңіз",
                                       ru="Сначала войдите на это рабочее место"),
                     field="desk")


class DeskEmpty(Conflict):
    """A button acted on the desk's visitor and the desk has none."""

    code = "desk_empty"


class NodeNotAllowed(Forbidden):
    """A device asked for something outside its role or its desk."""

    code = "not_allowed"
