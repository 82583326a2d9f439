"""Reception issuing on a ticket terminal (000 §8: the reception worker issues the
tickets): pick an online terminal, the visitor's language, purpose, out-of-turn
category and escort; the hub issues the ticket and the terminal prints it. The
same page reprints today's tickets, lists tickets whose printing failed and the
terminals' printer faults (paper low or out, cover open, printer offline)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from hub.console import forms
from hub.console.i18n import MESSAGES, translate
from hub.console.web import (
    PREFIX,
    checked_form,
    flash,
    flash_key,
    hub_of,
    language_of,
    need,
    render,
    see_other,
)
from hub.domain.errors import DomainError, ValidationFailed
from hub.domain.roles import Permission
from hub.domain.text import Bilingual, Language
from hub.services.terminal_printing import PrinterAlert
from hub.services.users import Principal

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Issuer = Annotated[Principal, Depends(need(Permission.ISSUE_TICKETS))]
Form = Annotated[FormData, Depends(checked_form)]
PAGE = f"{PREFIX}/issue"
_BAD_TICKET = ValidationFailed("ticket id must be a number",
                               Bilingual(kk="Талон дұрыс көрсетілмеген",
                                         ru="Талон указан неверно"), field="ticket_id")


@router.get("/issue")
def issue_page(request: Request, principal: Issuer) -> Response:
    hub = hub_of(request)
    snap = hub.centers.snapshot()
    printing = hub.printing
    alerts = printing.alerts()
    language = language_of(request, principal)
    context: dict[str, Any] = {
        "terminals": printing.terminals(),
        "available": printing.available,
        "purposes": snap.config.purposes,
        "categories": snap.config.out_of_turn,
        "zones": {z.code: z.name for z in snap.config.zones},
        "alerts": alerts,
        # An option of a terminal with a printer problem says which.
        "troubles": {alert.node_id: _trouble(language, alert) for alert in alerts},
        "unprinted": printing.unprinted(),
        "today": printing.todays_tickets(),
    }
    return render(request, "terminal_issue.html", principal, section="issue", **context)


@router.post("/issue")
def issue(request: Request, principal: Issuer, form: Form) -> Response:
    hub = hub_of(request)
    node = forms.value(form, "node")
    try:
        issued = hub.printing.issue_on(
            node, language=forms.value(form, "language"),
            purpose=forms.value(form, "purpose") or None,
            out_of_turn=forms.value(form, "out_of_turn") or None,
            needs_escort=forms.checked(form, "needs_escort"), actor=principal.actor)
    except DomainError as exc:
        flash(request, exc.text, "error")
        return see_other(PAGE)
    flash_key(request, "printing.issued", number=issued.ticket.number, node=node)
    return see_other(PAGE)


@router.post("/issue/reprint")
def reprint(request: Request, principal: Issuer, form: Form) -> Response:
    hub = hub_of(request)
    node = forms.value(form, "node")
    try:
        raw = forms.value(form, "ticket_id")
        if not raw.isdigit():
            raise _BAD_TICKET
        info = hub.printing.reprint(int(raw), node, actor=principal.actor)
    except DomainError as exc:
        flash(request, exc.text, "error")
        return see_other(PAGE)
    flash_key(request, "printing.reprinted", number=info.number, node=node)
    return see_other(PAGE)


def _trouble(language: Language, alert: PrinterAlert) -> str:
    """A printer problem in words; an unknown machine word is shown as it is."""
    key = f"fleet.detail.{alert.detail}"
    if alert.detail and key in MESSAGES:
        return translate(language, key)
    state = translate(language, f"fleet.state.{alert.state}")
    return f"{state} ({alert.detail})" if alert.detail else state
