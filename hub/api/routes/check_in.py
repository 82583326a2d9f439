"""The day of a personal reception: check-in by booking code (at reception or
the terminal), marking absentees, and the protocol of a reception (002 §19).

Reception workers and administrators check visitors in; the official (for
their own bookings) and administrators record protocols.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import Field, model_validator

from hub.api.deps import HubDep, current_principal
from hub.api.schemas import Body, MultilineText, PlainText
from hub.domain.roles import Role
from hub.services.check_in import CheckInResult
from hub.services.protocols import InstructionIn, ProtocolInfo
from hub.services.users import Principal
from hub.wiring import Hub

router = APIRouter(prefix="/api/v1/reception", tags=["reception"])

RECEPTIONISTS = frozenset({Role.ADMINISTRATOR, Role.RECEPTION})
RECORDERS = frozenset({Role.ADMINISTRATOR, Role.OFFICIAL})
READERS = RECEPTIONISTS | RECORDERS


def _allowing(roles: frozenset[Role],
              what: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise HTTPException(403, f"role {principal.role.value} may not {what}")
        return principal
    return check


Receptionist = Annotated[Principal, Depends(_allowing(RECEPTIONISTS, "check visitors in"))]
Recorder = Annotated[Principal, Depends(_allowing(RECORDERS, "record protocols"))]
Reader = Annotated[Principal, Depends(_allowing(READERS, "read protocols"))]


def _own_official(hub: Hub, principal: Principal) -> str | None:
    """An official records and reads their own receptions only; None for others."""
    if principal.role is not Role.OFFICIAL:
        return None
    mine = hub.reception.official_of_user(principal.name)
    if mine is None:
        raise HTTPException(403, f"{principal.actor} is no official of the schedule")
    return mine


class CheckInIn(Body):
    code: PlainText = Field(min_length=1, max_length=64,
                            description="the booking code, typed or scanned from the QR")
    source: Literal["reception", "terminal"] = "reception"
    admit_late: bool = Field(False, description="reception lets in a visitor who came after "
                                                "the check-in window (the official agreed)")

    @model_validator(mode="after")
    def _only_reception_admits_late(self) -> CheckInIn:
        if self.admit_late and self.source != "reception":
            raise ValueError("only reception admits a late visitor")
        return self


class InstructionBody(Body):
    text: PlainText = Field(min_length=1, max_length=2000)
    responsible: PlainText = Field(min_length=1, max_length=300,
                                   description="who carries it out")
    working_days: int | None = Field(None, ge=1, le=60,
                                     description="deadline in working days from today")
    due: date | None = Field(None, description="or the deadline as a date (a working day)")


class ProtocolIn(Body):
    decision: MultilineText | None = Field(None, max_length=4000,
                                       description="the decision taken at the reception")
    instructions: list[InstructionBody] = Field(default_factory=list, max_length=30)


@router.post("/check-in", response_model=CheckInResult, status_code=status.HTTP_201_CREATED,
             summary="Check a booked applicant in by booking code: their ticket")
def check_in(body: CheckInIn, hub: HubDep, who: Receptionist) -> CheckInResult:
    return hub.check_in.check_in(body.code, actor=who.actor, source=body.source,
                                 admit_late=body.admit_late)


@router.post("/absentees", response_model=list[str],
             summary="Mark absent the bookings past their late window (also run every minute)")
def absentees(hub: HubDep, who: Receptionist) -> list[str]:
    return hub.check_in.mark_absentees(actor=who.actor)


@router.post("/requests/{number}/protocol", response_model=ProtocolInfo,
             status_code=status.HTTP_201_CREATED,
             summary="Record the protocol of the reception (002 §19); the booking is received")
def record_protocol(number: str, body: ProtocolIn, hub: HubDep, who: Recorder) -> ProtocolInfo:
    return hub.protocols.record(
        number, actor=who.actor, decision=body.decision, official=_own_official(hub, who),
        instructions=[InstructionIn(i.text, i.responsible, i.working_days, i.due)
                      for i in body.instructions])


@router.get("/requests/{number}/protocol", response_model=ProtocolInfo,
            summary="The protocol of a reception")
def get_protocol(number: str, hub: HubDep, who: Reader) -> ProtocolInfo:
    found = hub.protocols.get(number)
    mine = _own_official(hub, who)
    if mine is not None and found.official != mine:
        raise HTTPException(403, "another official's reception")
    return found


@router.get("/protocols", response_model=list[ProtocolInfo],
            summary="Protocols of receptions, for the appeals register (mark: с личного приема)")
def list_protocols(hub: HubDep, who: Reader,
                   official: Annotated[str | None, Query(max_length=40)] = None,
                   ) -> list[ProtocolInfo]:
    mine = _own_official(hub, who)
    return hub.protocols.register_entries(official=mine or official)
