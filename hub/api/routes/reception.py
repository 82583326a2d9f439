"""Personal reception with officials: officials and their schedules, booking
requests and each step of their procedure, the final list of a day, and the
public schedule (no login).

Administrators and reception workers manage; an official signed in reads the
requests and lists of their own receptions only. Who reads a request (it
carries the applicant's IIN, name and phone) is ``hub.domain.personal_data``'s
``booking_reading``; ``reads_request`` asks it for the API and the console.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import Field

from hub.api.deps import HubDep, current_principal
from hub.api.schemas import MAX_ID, Body, Code, MultilineText, PlainText
from hub.domain.errors import ValidationFailed
from hub.domain.personal_data import Reading, booking_reading
from hub.domain.roles import Role
from hub.domain.text import Bilingual, Language
from hub.services.reception import (
    ExtraInfo,
    FinalListEntry,
    OfficialInfo,
    PublicEntry,
    RequestInfo,
    ScheduleInfo,
)
from hub.services.users import Principal
from hub.wiring import Hub

router = APIRouter(prefix="/api/v1/reception", tags=["reception"])

MANAGERS = frozenset({Role.ADMINISTRATOR, Role.RECEPTION})
# Roles that read some requests: those the personal-data rule lets read their own.
READERS = frozenset(role for role in Role
                    if booking_reading(role, own_reception=True) is not Reading.NONE)


async def _manager(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role not in MANAGERS:
        raise HTTPException(403, f"role {principal.role.value} may not manage receptions")
    return principal


async def _reader(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role not in READERS:
        raise HTTPException(403, f"role {principal.role.value} may not read receptions")
    return principal


Manager = Annotated[Principal, Depends(_manager)]
Reader = Annotated[Principal, Depends(_reader)]


def own_official(hub: Hub, principal: Principal) -> str | None:
    """The official a signed-in official may read; None for managers (they read all)."""
    if principal.role in MANAGERS:
        return None
    mine = hub.reception.official_of_user(principal.name)
    if mine is None:
        raise HTTPException(403, f"{principal.actor} is no official of the schedule")
    return mine


def reads_request(hub: Hub, principal: Principal, info: RequestInfo) -> bool:
    """Whether ``principal`` may read this request with its applicant's data:
    an official's own reception is the one asked for, decided or booked."""
    mine = hub.reception.official_of_user(principal.name) if principal.kind == "user" else None
    own = mine is not None and mine in (info.official, info.official_asked,
                                        info.booking.official if info.booking else None)
    return booking_reading(principal.role, own_reception=own) is not Reading.NONE


# --------------------------------------------------------------------------- bodies


class BilingualIn(Body):
    kk: PlainText = Field(min_length=1, max_length=300)
    ru: PlainText = Field(min_length=1, max_length=300)


class OfficialIn(Body):
    full_name: PlainText = Field(min_length=1, max_length=300)
    position: BilingualIn
    state_body: BilingualIn
    location: BilingualIn | None = None
    desk: Code | None = Field(None, description="the office desk where the official receives")
    languages: list[Language] = Field(default_factory=lambda: [Language.KK, Language.RU])
    phone: PlainText = Field("", max_length=40, description="contact phone of the office")
    email: PlainText = Field("", max_length=254)
    username: PlainText | None = Field(None, max_length=80,
                                       description="the official's console user")
    active: bool = True
    order: int = Field(0, ge=0, le=10_000, description="order in the printed schedule")


class ScheduleIn(Body):
    approved_by: PlainText = Field(min_length=1, max_length=300,
                                   description="the akim who approved it (002 §7)")
    approved_on: date
    valid_from: date
    valid_to: date | None = None
    weekdays: list[int] = Field(default_factory=list, description="Monday = 0")
    dates: list[date] = Field(default_factory=list)
    starts: str = Field(pattern=r"^\d\d:\d\d$")
    ends: str = Field(pattern=r"^\d\d:\d\d$")
    slot_minutes: int = Field(30, ge=5, le=480)
    video_link: bool = Field(False, description="video link with the applicant's consent "
                                                "(002 §13)")
    video_only: bool = Field(False, description="only by video link (002 §14)")


class ExtraIn(Body):
    day: date = Field(description="the date stated in the order (002 §9)")
    starts: str = Field(pattern=r"^\d\d:\d\d$")
    ends: str = Field(pattern=r"^\d\d:\d\d$")
    order_number: PlainText = Field(min_length=1, max_length=80)
    order_date: date
    video_link: bool = False


class CancelDayIn(Body):
    day: date
    reason: PlainText = Field(min_length=1, max_length=2000)


class PlaceIn(Body):
    first_day: date
    last_day: date


class RepresentativeIn(Body):
    full_name: PlainText = Field(max_length=300)
    iin: str = Field(max_length=40)
    basis: PlainText = Field(max_length=300)


class RegisterIn(Body):
    channel: str = Field(description="egov_portal, e_appeals, paper, oral_front_office, "
                                     "phone or consultation_zone (002 §4, 004 §4)")
    received_at: datetime | None = Field(None, description="when it arrived; now if absent")
    iin: str = Field(max_length=40, description="the applicant's IIN, checked with its "
                                                "check digit")
    full_name: PlainText = Field(max_length=300)
    phone: str = Field(max_length=40)
    language: Language
    email: PlainText | None = Field(None, max_length=254)
    representative: RepresentativeIn | None = None
    essence: PlainText = Field("", max_length=4000)
    official_asked: Code | None = None
    interpreter_language: PlainText | None = Field(None, max_length=40)
    video_link: bool = False


class NoteIn(Body):
    note: MultilineText | None = Field(None, max_length=2000)


class ReasonNoteIn(Body):
    note: MultilineText = Field("", max_length=2000, description="the reason (required)")


class DefectsIn(Body):
    defects: MultilineText = Field("", max_length=2000)


class CorrectionIn(Body):
    essence: PlainText | None = Field(None, max_length=4000)
    note: MultilineText | None = Field(None, max_length=2000)


class ReviewIn(Body):
    considered_for: date | None = Field(None, description="the reception day it is prepared for")


class ReferenceNoteIn(Body):
    proposal: str = Field(description="date or refusal (002 §22)")
    proposed_day: date | None = None
    official: Code | None = None
    grounds: list[str] = Field(default_factory=list)
    note: MultilineText | None = Field(None, max_length=2000)


class ExtendIn(Body):
    kind: str = Field(description="thirty_days or motivated (002 §26)")
    reason: MultilineText = Field("", max_length=2000)
    decision: PlainText | None = Field(None, max_length=300)


class DraftRefusalIn(Body):
    grounds: list[str] | None = None
    note: MultilineText | None = Field(None, max_length=2000)


class RefuseIn(Body):
    explanation: MultilineText = Field("", max_length=4000)
    grounds: list[str] | None = None


class ApproveIn(Body):
    official: Code | None = None
    starts_at: datetime | None = Field(None, description="the slot; local time if no offset")
    note: MultilineText | None = Field(None, max_length=2000)


class BookIn(Body):
    official: Code | None = None
    starts_at: datetime


class MoveIn(Body):
    reason: MultilineText = Field("", max_length=2000)


class SchedulesOut(Body):
    schedules: list[ScheduleInfo]
    extra: list[ExtraInfo]


class FinalListOut(Body):
    day: date
    due: date
    entries: list[FinalListEntry]


class PlacementOut(Body):
    assigned: dict[str, str]
    unplaced: list[str]


# --------------------------------------------------------------------------- officials


@router.get("/officials", response_model=list[OfficialInfo], summary="Officials who receive")
def list_officials(hub: HubDep, _: Reader) -> list[OfficialInfo]:
    return hub.reception.list_officials()


@router.get("/officials/{code}", response_model=OfficialInfo, summary="One official")
def get_official(code: str, hub: HubDep, _: Reader) -> OfficialInfo:
    return hub.reception.get_official(code)


@router.put("/officials/{code}", response_model=OfficialInfo,
            summary="Add or change an official")
def put_official(code: str, body: OfficialIn, hub: HubDep, who: Manager) -> OfficialInfo:
    location = body.location
    return hub.reception.put_official(
        code, actor=who.actor, full_name=body.full_name, position_kk=body.position.kk,
        position_ru=body.position.ru, state_body_kk=body.state_body.kk,
        state_body_ru=body.state_body.ru, location_kk=location.kk if location else "",
        location_ru=location.ru if location else "", desk=body.desk,
        languages=[lang.value for lang in body.languages], phone=body.phone, email=body.email,
        username=body.username, active=body.active, order=body.order)


@router.delete("/officials/{code}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove an official who has no requests")
def delete_official(code: str, hub: HubDep, who: Manager) -> None:
    hub.reception.delete_official(code, actor=who.actor)


@router.get("/officials/{code}/schedules", response_model=SchedulesOut,
            summary="An official's approved schedules and receptions by order")
def get_schedules(code: str, hub: HubDep, _: Reader) -> SchedulesOut:
    schedules, extra = hub.reception.list_schedules(code)
    return SchedulesOut(schedules=schedules, extra=extra)


@router.post("/officials/{code}/schedules", response_model=ScheduleInfo,
             status_code=status.HTTP_201_CREATED,
             summary="Add a schedule approved by the akim (002 §7, 004 §7-1)")
def add_schedule(code: str, body: ScheduleIn, hub: HubDep, who: Manager) -> ScheduleInfo:
    return hub.reception.add_schedule(
        code, actor=who.actor, approved_by=body.approved_by, approved_on=body.approved_on,
        valid_from=body.valid_from, valid_to=body.valid_to, weekdays=body.weekdays,
        dates=body.dates, starts=body.starts, ends=body.ends, slot_minutes=body.slot_minutes,
        video_link=body.video_link, video_only=body.video_only)


@router.delete("/schedules/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a schedule")
def delete_schedule(schedule_id: Annotated[int, Path(ge=1, le=MAX_ID)], hub: HubDep,
                    who: Manager) -> None:
    hub.reception.delete_schedule(schedule_id, actor=who.actor)


@router.post("/officials/{code}/extra", response_model=ExtraInfo,
             status_code=status.HTTP_201_CREATED,
             summary="A reception outside the schedule by order (002 §9)")
def add_extra(code: str, body: ExtraIn, hub: HubDep, who: Manager) -> ExtraInfo:
    return hub.reception.add_extra(code, actor=who.actor, day=body.day, starts=body.starts,
                                   ends=body.ends, order_number=body.order_number,
                                   order_date=body.order_date, video_link=body.video_link)


@router.post("/officials/{code}/cancel-day", response_model=list[str],
             summary="The official cannot receive that day: move its bookings (002 §16)")
def cancel_day(code: str, body: CancelDayIn, hub: HubDep, who: Manager) -> list[str]:
    return hub.reception.cancel_day(code, body.day, actor=who.actor, reason=body.reason)


@router.post("/officials/{code}/place", response_model=PlacementOut,
             summary="Book waiting approved requests in order of arrival (004 §28)")
def place(code: str, body: PlaceIn, hub: HubDep, who: Manager) -> PlacementOut:
    found = hub.reception.place(code, actor=who.actor, first_day=body.first_day,
                                last_day=body.last_day)
    return PlacementOut(assigned=found["assigned"], unplaced=found["unplaced"])


# --------------------------------------------------------------------------- requests


@router.post("/requests", response_model=RequestInfo, status_code=status.HTTP_201_CREATED,
             summary="Register a request to be received")
def register(body: RegisterIn, hub: HubDep, who: Manager) -> RequestInfo:
    rep = body.representative.model_dump() if body.representative else None
    return hub.reception.register(
        actor=who.actor, channel=body.channel, iin=body.iin, full_name=body.full_name,
        phone=body.phone, language=body.language.value, essence=body.essence,
        received_at=body.received_at, email=body.email, representative=rep,
        official_asked=body.official_asked, interpreter_language=body.interpreter_language,
        video_link=body.video_link)


@router.get("/requests", response_model=list[RequestInfo],
            summary="Requests with their next deadline (overdue and due soon flagged)")
def list_requests(hub: HubDep, who: Reader,
                  state: Annotated[list[str] | None, Query()] = None,
                  official: str | None = None, overdue: bool | None = None,
                  due_soon: bool | None = None) -> list[RequestInfo]:
    mine = own_official(hub, who)
    try:
        return hub.reception.list_requests(states=state or (), official=mine or official,
                                           overdue=overdue, due_soon=due_soon)
    except ValueError as error:
        raise ValidationFailed(f"unknown state: {error}",
                               Bilingual(kk="Белгісіз күй.", ru="Неизвестное состояние."),
                               field="state") from error


@router.get("/requests/{number}", response_model=RequestInfo,
            summary="One request with its history")
def get_request(number: str, hub: HubDep, who: Reader) -> RequestInfo:
    found = hub.reception.get(number)
    own_official(hub, who)  # an official who is no official of the schedule: 403
    if not reads_request(hub, who, found):
        raise HTTPException(404, "no such request among your receptions")
    return found


def _step(hub: Hub, number: str, action: str, who: Principal, body: Body) -> RequestInfo:
    return hub.reception.decide(number, action, actor=who.actor,
                                **body.model_dump(exclude_none=False))


@router.post("/requests/{number}/leave-without-consideration", response_model=RequestInfo,
             summary="No essence of the question: left without consideration (002 §5)")
def leave(number: str, body: ReasonNoteIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "leave-without-consideration", who, body)


@router.post("/requests/{number}/ask-correction", response_model=RequestInfo,
             summary="Not in order: a term to correct it (002 §6)")
def ask_correction(number: str, body: DefectsIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "ask-correction", who, body)


@router.post("/requests/{number}/accept-correction", response_model=RequestInfo,
             summary="Corrected in time: to review")
def accept_correction(number: str, body: CorrectionIn, hub: HubDep,
                      who: Manager) -> RequestInfo:
    return _step(hub, number, "accept-correction", who, body)


@router.post("/requests/{number}/return-uncorrected", response_model=RequestInfo,
             summary="Not corrected in time: returned (002 §6)")
def return_uncorrected(number: str, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "return-uncorrected", who, NoteIn())


@router.post("/requests/{number}/start-review", response_model=RequestInfo,
             summary="To the responsible worker for preliminary review (002 §21)")
def start_review(number: str, body: ReviewIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "start-review", who, body)


@router.post("/requests/{number}/note", response_model=RequestInfo,
             summary="The reference note proposing a date or a refusal (002 §22)")
def note(number: str, body: ReferenceNoteIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "note", who, body)


@router.post("/requests/{number}/extend", response_model=RequestInfo,
             summary="Extend the term (002 §26)")
def extend(number: str, body: ExtendIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "extend", who, body)


@router.post("/requests/{number}/extension-notice", response_model=RequestInfo,
             summary="The applicant was told of the motivated extension")
def extension_notice(number: str, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "extension-notice", who, NoteIn())


@router.post("/requests/{number}/draft-refusal", response_model=RequestInfo,
             summary="The draft refusal sent for a hearing (002 §28)")
def draft_refusal(number: str, body: DraftRefusalIn, hub: HubDep,
                  who: Manager) -> RequestInfo:
    return _step(hub, number, "draft-refusal", who, body)


@router.post("/requests/{number}/refuse", response_model=RequestInfo,
             summary="The motivated refusal with its grounds (002 §15)")
def refuse(number: str, body: RefuseIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "refuse", who, body)


@router.post("/requests/{number}/approve", response_model=RequestInfo,
             summary="Included in the list, with the date and time (004 §29)")
def approve(number: str, body: ApproveIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "approve", who, body)


@router.post("/requests/{number}/book", response_model=RequestInfo,
             summary="Book an approved or moved request into a slot")
def book(number: str, body: BookIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "book", who, body)


@router.post("/requests/{number}/move", response_model=RequestInfo,
             summary="The official cannot receive: the booking is moved (002 §16)")
def move(number: str, body: MoveIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "move", who, body)


@router.post("/requests/{number}/check-in", response_model=RequestInfo,
             summary="The applicant came on the booked day")
def check_in(number: str, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "check-in", who, NoteIn())


@router.post("/requests/{number}/received", response_model=RequestInfo,
             summary="The applicant was received")
def received(number: str, body: NoteIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "received", who, body)


@router.post("/requests/{number}/absent", response_model=RequestInfo,
             summary="The applicant did not come")
def absent(number: str, body: NoteIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "absent", who, body)


@router.post("/requests/{number}/close", response_model=RequestInfo, summary="Close")
def close(number: str, body: NoteIn, hub: HubDep, who: Manager) -> RequestInfo:
    return _step(hub, number, "close", who, body)


# --------------------------------------------------------------------------- lists


@router.get("/final-list", response_model=FinalListOut,
            summary="The final list of persons to be received on a day (000 §13)")
def final_list(day: date, hub: HubDep, who: Reader, official: str | None = None) -> FinalListOut:
    mine = own_official(hub, who)
    found = hub.reception.final_list(day, mine or official)
    return FinalListOut(day=found["day"], due=found["due"], entries=found["entries"])


@router.get("/oral-protocol", response_model=list[dict[str, Any]],
            summary="The protocol of oral and phone requests (002 §21)")
def oral_protocol(hub: HubDep, _: Manager) -> list[dict[str, Any]]:
    return hub.reception.oral_protocol()


def parse_month(month: str | None, today: date) -> date:
    if not month:
        return today.replace(day=1)
    try:
        year, number = month.split("-")
        return date(int(year), int(number), 1)
    except ValueError as error:
        raise ValidationFailed(f"month {month!r}: YYYY-MM expected",
                               Bilingual(kk="Айды ЖЖЖЖ-АА түрінде көрсетіңіз.",
                                         ru="Укажите месяц в виде ГГГГ-ММ."),
                               field="month") from error


@router.get("/public/schedule", response_model=list[PublicEntry],
            summary="The published schedule of a month (no login; 002 §8, appendix of 004)")
def public_schedule(hub: HubDep, month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$")
                    ) -> list[PublicEntry]:
    today = hub.reception.calendar.service_day(hub.clock.now())
    return hub.reception.public_schedule(parse_month(month, today))
