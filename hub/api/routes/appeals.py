"""The appeals register over HTTP (issue 8): appeals with their control and
attachments, the export for e-Өтініш, consultations of the consultation zone,
the satisfaction survey's call list and the control work list.

Who may do what: reception workers, consultation workers (operators) and
administrators register appeals; reception and administrators give them for
consideration and take them off control (the employee holding an appeal may
answer it too); every role reads the lists. Who reads personal data in full,
who masked, and who exports is ``hub.domain.personal_data``'s alone (the
service asks it); an export needs the purpose the exporter types.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import Response
from pydantic import Field
from starlette.datastructures import UploadFile

from hub.api.deps import HubDep, current_principal, desk_binding
from hub.api.schemas import MAX_ID, Body, MultilineText, PlainText
from hub.domain.appeals.consultations import Outcome
from hub.domain.appeals.register import AppealChannel, AppealForm, AppealKind, Medium
from hub.domain.appeals.surveys import SurveyResult
from hub.domain.errors import ValidationFailed
from hub.domain.roles import Role
from hub.domain.text import Bilingual
from hub.services.appeals import AppealFigures, AppealInput, AppealRecord, AppealSummary
from hub.services.consultations import (
    CalledTicket,
    CallListEntry,
    ConsultationInfo,
    ConsultationInput,
    SurveyFigures,
)
from hub.services.control import ControlItem
from hub.services.users import Principal
from hub.wiring import Hub

router = APIRouter(prefix="/api/v1", tags=["appeals"])

REGISTRARS = frozenset({Role.ADMINISTRATOR, Role.RECEPTION, Role.OPERATOR})
CONTROLLERS = frozenset({Role.ADMINISTRATOR, Role.RECEPTION})
CONSULTANTS = frozenset({Role.ADMINISTRATOR, Role.OPERATOR})

Who = Annotated[Principal, Depends(current_principal)]


def allow(principal: Principal, roles: frozenset[Role], what: str) -> None:
    if principal.role not in roles:
        raise HTTPException(403, f"role {principal.role.value} may not {what}")


def _role_in(roles: frozenset[Role], what: str) -> Any:
    """A dependency: the role is checked before the body is validated, so a
    role that may not do this hears 403 whatever it sent."""
    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        allow(principal, roles, what)
        return principal
    return Depends(check)


def may_answer(number: str, hub: HubDep,
               principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """Controllers answer any appeal; the employee holding it answers their own."""
    if principal.role in CONTROLLERS:
        return principal
    if principal.kind == "user" and hub.appeals.register.holder(number) == principal.name:
        return principal
    raise HTTPException(403, f"{principal.actor} does not hold appeal {number}")


Registrar = Annotated[Principal, _role_in(REGISTRARS, "register appeals, scans or survey calls")]
Controller = Annotated[Principal, _role_in(CONTROLLERS, "give appeals or close instructions")]
Consultant = Annotated[Principal, _role_in(CONSULTANTS, "record consultations")]
Answerer = Annotated[Principal, Depends(may_answer)]


# --------------------------------------------------------------------------- bodies


class AppealIn(Body):
    kind: AppealKind = Field(description="proposal, statement, complaint, request, response")
    form: AppealForm = AppealForm.INDIVIDUAL
    medium: Medium = Medium.WRITTEN
    channel: AppealChannel = AppealChannel.FRONT_OFFICE
    language: str = Field("kk", min_length=2, max_length=2,
                          description="kk, ru, or another language's ISO 639-1 code")
    translation_notarised: bool = Field(False, description="000 §10, foreign languages")
    iin: str = Field(max_length=20)
    full_name: PlainText = Field(max_length=300)
    phone: PlainText = Field("", max_length=40)
    email: PlainText = Field("", max_length=254)
    address: PlainText = Field("", max_length=500)
    representative_name: PlainText = Field("", max_length=300)
    representative_iin: str = Field("", max_length=20)
    representative_basis: PlainText = Field("", max_length=300)
    co_applicants: int = Field(0, ge=0, le=100000)
    subject: PlainText = Field("", max_length=300,
                               description="the body whose competence the appeal is")
    summary: MultilineText = Field(max_length=8000)
    from_reception: bool = Field(False, description='the mark "с личного приема" (002 §34)')
    reception_request: PlainText = Field("", max_length=40)
    handled_before: list[PlainText] = Field(
        default_factory=list, max_length=50,
        description="console users who handled the matter before (002 §35)")


class AssignIn(Body):
    assignee: PlainText = Field(min_length=1, max_length=120,
                                description="the employee's console username")
    due: date | None = None
    working_days: int | None = Field(None, ge=1, le=60)


class AnswerIn(Body):
    text: MultilineText = Field(max_length=8000)


class CloseIn(Body):
    answer: MultilineText = Field("", max_length=8000)
    motivation: MultilineText = Field("", max_length=8000)


class ConsultationIn(Body):
    ticket_id: int = Field(ge=1, le=MAX_ID)
    question: MultilineText = Field(max_length=4000)
    applied_before: MultilineText = Field("", max_length=2000)
    answer_before: MultilineText = Field("", max_length=2000)
    court_decision: MultilineText = Field("", max_length=2000)
    advice: MultilineText = Field(max_length=4000)
    outcome: Outcome
    iin: str = Field("", max_length=20)
    full_name: PlainText = Field("", max_length=300)
    phone: PlainText = Field("", max_length=40)
    appeal_number: PlainText = Field("", max_length=40)


class SurveyIn(Body):
    result: SurveyResult
    score: int | None = Field(None, ge=1, le=5)
    comment: PlainText = Field("", max_length=2000)


class DoneIn(Body):
    report: PlainText = Field(max_length=4000)


Period = Annotated[date | None, Query()]
Purpose = Annotated[str | None, Query(max_length=300, description=(
    "why the personal data are read (kept in the audit log; required for an export)"))]


def _period(hub: Hub, start: date | None, end: date | None) -> tuple[date, date]:
    today = hub.centers.snapshot().calendar.service_day(hub.clock.now())
    return start or today.replace(day=1), end or today


# --------------------------------------------------------------------------- appeals


@router.post("/appeals", response_model=AppealRecord, status_code=status.HTTP_201_CREATED,
             summary="Register an appeal")
def register(body: AppealIn, hub: HubDep, who: Registrar) -> AppealRecord:
    return hub.appeals.register.register(AppealInput(**body.model_dump(
        mode="json") | {"handled_before": tuple(body.handled_before)}), actor=who.actor)


@router.get("/appeals", response_model=list[AppealSummary],
            summary="The register, newest first (IIN masked)")
def list_appeals(hub: HubDep, who: Who, state: str | None = None,
                 subject: str | None = None) -> list[AppealSummary]:
    return hub.appeals.register.list_appeals(who, state=state, subject=subject)


@router.get("/appeals/export.json", summary="Export for e-Өтініш (docs/appeals-export.md)")
def export_json(hub: HubDep, who: Who, purpose: Purpose = None, start: Period = None,
                end: Period = None) -> Response:
    import json

    exported = hub.appeals.register.export(who, purpose=purpose, start=start, end=end)
    return Response(json.dumps(exported, ensure_ascii=False, indent=1),
                    media_type="application/json", headers={
                        "Content-Disposition": 'attachment; filename="appeals.json"',
                        "Cache-Control": "no-store"})


@router.get("/appeals/export.csv", summary="The same export as CSV",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_csv(hub: HubDep, who: Who, purpose: Purpose = None, start: Period = None,
               end: Period = None) -> Response:
    service = hub.appeals.register
    return Response(service.export_csv(service.export(who, purpose=purpose, start=start,
                                                      end=end)),
                    media_type="text/csv; charset=utf-8", headers={
                        "Content-Disposition": 'attachment; filename="appeals.csv"',
                        "Cache-Control": "no-store"})


@router.get("/appeals/figures", response_model=AppealFigures,
            summary="Appeals of a period by kind, channel and state")
def appeal_figures(hub: HubDep, who: Who, start: Period = None,
                   end: Period = None) -> AppealFigures:
    return hub.appeals.register.figures(*_period(hub, start, end))


@router.get("/appeals/{number}", response_model=AppealRecord,
            summary="One appeal (whole or masked by hub.domain.personal_data; a whole "
                    "read is audited)")
def get_appeal(number: str, hub: HubDep, who: Who, purpose: Purpose = None) -> AppealRecord:
    return hub.appeals.register.get(number, who, purpose=purpose or "")


@router.post("/appeals/{number}/assign", response_model=AppealRecord,
             summary="Give the appeal for consideration; it goes on control")
def assign(number: str, body: AssignIn, hub: HubDep, who: Controller) -> AppealRecord:
    return hub.appeals.register.assign(number, body.assignee, actor=who.actor, due=body.due,
                                       working_days=body.working_days)


@router.post("/appeals/{number}/answer", response_model=AppealRecord,
             summary="An interim answer; the appeal stays on control")
def answer(number: str, body: AnswerIn, hub: HubDep, who: Answerer) -> AppealRecord:
    return hub.appeals.register.answer(number, body.text, actor=who.actor)


@router.post("/appeals/{number}/close", response_model=AppealRecord,
             summary="Take off control with the final motivated answer (002 §33)")
def close(number: str, body: CloseIn, hub: HubDep, who: Answerer) -> AppealRecord:
    return hub.appeals.register.close(number, body.answer, body.motivation, actor=who.actor)


# The scan is a multipart form, read by the route itself: FastAPI reads a declared
# body (an `UploadFile` parameter) before the route's dependencies run, so a
# stranger's upload was spooled to disk before the 401 (issue 17). Read here, after
# `Registrar` has checked who is asking, a body is read only for those who may send it.
_SCAN_FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "the scan: PDF, JPEG, PNG or TIFF"}}}}}}}


@router.post("/appeals/{number}/attachments", status_code=status.HTTP_201_CREATED,
             summary="Attach a scan (PDF, JPEG, PNG or TIFF; checked by content)",
             openapi_extra=_SCAN_FORM)
async def attach(number: str, request: Request, hub: HubDep,
                 who: Registrar) -> dict[str, object]:
    from fastapi.concurrency import run_in_threadpool

    limit = int(hub.appeals.register.settings.max_attachment_mb * 1024 * 1024)
    # Closed on leaving: the spooled file is removed at once.
    async with request.form(max_files=1, max_fields=20,
                            max_part_size=request.app.state.settings.max_body_bytes) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise ValidationFailed(
                "a multipart form with the scan in its 'file' field is expected",
                Bilingual(kk="Сканерленген құжат файлын таңдаңыз.",
                          ru="Выберите файл скана документа."), field="file")
        file_name = file.filename or ""
        content = await file.read(limit + 1)  # one byte more tells "too large" unread
    info = await run_in_threadpool(hub.appeals.register.attach, number, file_name,
                                   content, actor=who.actor)
    return {"id": info.id, "file_name": info.file_name, "media_type": info.media_type,
            "size": info.size, "sha256": info.sha256}


@router.get("/appeals/{number}/attachments/{attachment_id}",
            summary="A scan's content (personal data; audited)", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/*": {}}}})
def attachment(number: str, attachment_id: int, hub: HubDep, who: Who) -> Response:
    info, content = hub.appeals.register.attachment(number, attachment_id, who)
    return Response(content, media_type=info.media_type, headers={
        "Content-Disposition": f'inline; filename="{number}-{info.id}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


# ---------------------------------------------------------------- consultations


@router.get("/consultations/tickets", response_model=list[CalledTicket],
            summary="Today's tickets called at my desk that have no consultation yet")
def called_tickets(hub: HubDep, who: Consultant) -> list[CalledTicket]:
    return hub.appeals.consultations.called_tickets(desk_binding(hub, who))


@router.post("/consultations", response_model=ConsultationInfo,
             status_code=status.HTTP_201_CREATED, summary="Record a consultation (000 §12)")
def record_consultation(body: ConsultationIn, hub: HubDep,
                        who: Consultant) -> ConsultationInfo:
    values = body.model_dump(mode="json", exclude={"ticket_id"})
    return hub.appeals.consultations.record(body.ticket_id, ConsultationInput(**values),
                                            actor=who.actor, desk=desk_binding(hub, who))


@router.get("/consultations", response_model=list[ConsultationInfo],
            summary="Consultations of a period (no names or phones)")
def list_consultations(hub: HubDep, who: Who, start: Period = None,
                       end: Period = None) -> list[ConsultationInfo]:
    return hub.appeals.consultations.list_consultations(*_period(hub, start, end))


@router.get("/surveys/figures", response_model=SurveyFigures,
            summary="Consultations' outcomes and the survey's results of a period")
def survey_figures(hub: HubDep, who: Who, start: Period = None,
                   end: Period = None) -> SurveyFigures:
    return hub.appeals.consultations.figures(*_period(hub, start, end))


@router.get("/surveys/call-list", response_model=list[CallListEntry],
            summary="Whom to call for the satisfaction survey (002 §36; audited)")
def call_list(hub: HubDep, who: Who, start: Period = None,
              end: Period = None) -> list[CallListEntry]:
    return hub.appeals.consultations.call_list(who, *_period(hub, start, end))


@router.post("/surveys/{consultation_id:int}", status_code=status.HTTP_204_NO_CONTENT,
             summary="Record the result of a survey call")
def record_survey(consultation_id: int, body: SurveyIn, hub: HubDep,
                  who: Registrar) -> Response:
    hub.appeals.consultations.record_survey(consultation_id, result=body.result.value,
                                            score=body.score, comment=body.comment,
                                            actor=who.actor)
    return Response(status_code=204)


# ---------------------------------------------------------------------- control


@router.get("/control", response_model=list[ControlItem],
            summary="Instructions and appeals on control, overdue first")
def control_list(hub: HubDep, who: Who) -> list[ControlItem]:
    return hub.appeals.control.work_list()


@router.post("/control/instructions/{number}/{position}/done",
             status_code=status.HTTP_204_NO_CONTENT,
             summary="Report an instruction of a reception protocol as carried out")
def instruction_done(number: str, position: int, body: DoneIn, hub: HubDep,
                     who: Controller) -> Response:
    hub.appeals.control.mark_done(number, position, body.report, actor=who.actor)
    return Response(status_code=204)
