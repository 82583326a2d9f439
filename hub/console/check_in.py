"""Reception day pages: check a booked applicant in by booking code (reception
workers, administrators) and record the protocol of a reception (the official,
administrators; 002 §19)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from hub.api.routes.check_in import RECEPTIONISTS, RECORDERS
from hub.console import forms
from hub.console.web import (
    PREFIX,
    PageRefused,
    checked_form,
    flash,
    hub_of,
    render,
    see_other,
    signed_in,
)
from hub.domain.errors import DomainError
from hub.domain.roles import Role
from hub.domain.text import Bilingual
from hub.services.protocols import InstructionIn
from hub.services.users import Principal

router = APIRouter(include_in_schema=False)
Form = Annotated[FormData, Depends(checked_form)]
INSTRUCTION_ROWS = 3
_INVALID = Bilingual(kk="Күн немесе жұмыс күндерінің саны дұрыс енгізілмеген.",
                     ru="Дата или число рабочих дней введены неверно.")


def _allowed(request: Request, roles: frozenset[Role]) -> Principal:
    principal = signed_in(request)
    if principal.role not in roles:
        raise PageRefused(principal)
    return principal


def _page(request: Request, principal: Principal, **extra: Any) -> Response:
    return render(request, "check_in.html", principal, section="check_in",
                  may_check_in=principal.role in RECEPTIONISTS,
                  may_record=principal.role in RECORDERS, rows=range(INSTRUCTION_ROWS),
                  **({"result": None, "protocol": None} | extra))


@router.get(f"{PREFIX}/check-in")
def check_in_page(request: Request) -> Response:
    principal = _allowed(request, RECEPTIONISTS | RECORDERS)
    return _page(request, principal)


@router.post(f"{PREFIX}/check-in")
def check_in(request: Request, form: Form) -> Response:
    principal = _allowed(request, RECEPTIONISTS)
    try:
        result = hub_of(request).check_in.check_in(
            forms.value(form, "code"), actor=principal.actor, source="reception",
            admit_late=forms.checked(form, "admit_late"))
    except DomainError as exc:
        flash(request, exc.text, "error")
        return see_other(f"{PREFIX}/check-in")
    return _page(request, principal, result=result)


@router.post(f"{PREFIX}/check-in/protocol")
def record_protocol(request: Request, form: Form) -> Response:
    principal = _allowed(request, RECORDERS)
    hub = hub_of(request)
    official = None
    if principal.role is Role.OFFICIAL:
        official = hub.reception.official_of_user(principal.name)
        if official is None:
            raise PageRefused(principal)
    instructions = []
    try:
        for row in range(INSTRUCTION_ROWS):
            text = forms.value(form, f"text_{row}")
            if not text:
                continue
            days = forms.value(form, f"days_{row}")
            due = forms.value(form, f"due_{row}")
            instructions.append(InstructionIn(
                text, forms.value(form, f"responsible_{row}"),
                working_days=int(days) if days else None,
                due=date.fromisoformat(due) if due else None))
        protocol = hub.protocols.record(forms.value(form, "number"), actor=principal.actor,
                                        decision=forms.value(form, "decision") or None,
                                        instructions=instructions, official=official)
    except DomainError as exc:
        flash(request, exc.text, "error")
        return see_other(f"{PREFIX}/check-in")
    except ValueError:
        flash(request, _INVALID, "error")
        return see_other(f"{PREFIX}/check-in")
    return _page(request, principal, protocol=protocol)
