"""Console pages of the appeals register (issue 8): the register (IIN masked),
registering an appeal, one appeal with its control and scans, the control work
list, the consultation form of the consultation zone and the survey's call
list. A refused form comes back with what was typed and the reason by the
field, in the console's language; the refusal is in the audit log."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from hub.api.routes.appeals import CONSULTANTS, CONTROLLERS, REGISTRARS
from hub.console import forms
from hub.console.web import (
    PREFIX,
    SECURITY_HEADERS,
    PageRefused,
    checked_form,
    flash,
    flash_key,
    hub_of,
    render,
    see_other,
    signed_in,
)
from hub.domain.appeals.consultations import OUTCOME_LABELS
from hub.domain.appeals.control import SIGNAL_LABELS, STATE_LABELS
from hub.domain.appeals.register import (
    CHANNEL_LABELS,
    FORM_LABELS,
    KIND_LABELS,
    MEDIUM_LABELS,
)
from hub.domain.appeals.surveys import RESULT_LABELS
from hub.domain.errors import DomainError
from hub.domain.personal_data import may_export, reads_call_list
from hub.services.appeals import AppealInput
from hub.services.consultations import ConsultationInput
from hub.services.users import Principal

router = APIRouter(include_in_schema=False)
Form = Annotated[FormData, Depends(checked_form)]
Who = Annotated[Principal, Depends(signed_in)]

APPEAL_FIELDS = ("kind", "form", "medium", "channel", "language", "iin", "full_name",
                 "phone", "email", "address", "representative_name", "representative_iin",
                 "representative_basis", "co_applicants", "subject", "summary",
                 "reception_request", "handled_before")
CONSULTATION_FIELDS = ("ticket_id", "question", "applied_before", "answer_before",
                       "court_decision", "advice", "outcome", "iin", "full_name", "phone",
                       "appeal_number")


def _labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "form_labels": FORM_LABELS,
            "medium_labels": MEDIUM_LABELS, "channel_labels": CHANNEL_LABELS,
            "state_labels": STATE_LABELS, "signal_labels": SIGNAL_LABELS,
            "outcome_labels": OUTCOME_LABELS, "result_labels": RESULT_LABELS}


def _allow(principal: Principal, roles: frozenset[Any]) -> None:
    if principal.role not in roles:
        raise PageRefused(principal)


# --------------------------------------------------------------------- register


@router.get(f"{PREFIX}/appeals")
def register_page(request: Request, principal: Who, state: str = "open") -> Response:
    hub = hub_of(request)
    items = hub.appeals.register.list_appeals(principal, state=state or None)
    return render(request, "appeals_list.html", principal, section="appeals", items=items,
                  state=state, may_export=may_export(principal.role),
                  may_call=reads_call_list(principal.role),
                  may_register=principal.role in REGISTRARS,
                  may_consult=principal.role in CONSULTANTS, **_labels())


def _new_page(request: Request, principal: Principal, values: dict[str, str],
              errors: dict[str, Any], status: int = 200) -> Response:
    return render(request, "appeals_new.html", principal, section="appeals", values=values,
                  errors=errors, status=status, **_labels())


@router.get(f"{PREFIX}/appeals/new")
def new_page(request: Request, principal: Who) -> Response:
    _allow(principal, REGISTRARS)
    return _new_page(request, principal, {"kind": "statement", "form": "individual",
                                          "medium": "written", "channel": "front_office",
                                          "language": "kk"}, {})


@router.post(f"{PREFIX}/appeals/new")
def register_appeal(request: Request, principal: Who, form: Form) -> Response:
    _allow(principal, REGISTRARS)
    values = {name: forms.value(form, name) for name in APPEAL_FIELDS}
    flags = {name: forms.checked(form, name)
             for name in ("translation_notarised", "from_reception")}
    try:
        given = AppealInput(
            kind=values["kind"], form=values["form"], medium=values["medium"],
            channel=values["channel"], language=values["language"], iin=values["iin"],
            full_name=values["full_name"], subject=values["subject"],
            summary=values["summary"], phone=values["phone"], email=values["email"],
            address=values["address"], representative_name=values["representative_name"],
            representative_iin=values["representative_iin"],
            representative_basis=values["representative_basis"],
            translation_notarised=flags["translation_notarised"],
            from_reception=flags["from_reception"],
            reception_request=values["reception_request"],
            handled_before=tuple(h.strip() for h in values["handled_before"].split(",")
                                 if h.strip()),
            co_applicants=int(values["co_applicants"] or 0))
        record = hub_of(request).appeals.register.register(given, actor=principal.actor)
    except DomainError as exc:
        field = exc.field or ""
        return _new_page(request, principal, values | {k: "on" for k, v in flags.items() if v},
                         {field if field in APPEAL_FIELDS or field in flags else "": exc.text},
                         status=exc.status)
    except ValueError:
        flash_key(request, "err.invalid", "error")
        return _new_page(request, principal, values, {}, status=422)
    flash_key(request, "appeals.registered", number=record.number)
    return see_other(f"{PREFIX}/appeals/{record.number}")


# ------------------------------------------------------------------ one appeal


def _appeal_page(request: Request, principal: Principal, number: str, *,
                 errors: dict[str, Any] | None = None, values: dict[str, str] | None = None,
                 status: int = 200, purpose: str = "") -> Response:
    hub = hub_of(request)
    try:
        record = hub.appeals.register.get(number, principal, purpose=purpose)
    except DomainError as exc:
        flash(request, exc.text, "error")
        return see_other(f"{PREFIX}/appeals")
    holds = principal.kind == "user" and record.assignee == principal.name
    return render(request, "appeals_detail.html", principal, section="appeals",
                  record=record, errors=errors or {}, values=values or {}, status=status,
                  may_control=principal.role in CONTROLLERS,
                  may_answer=principal.role in CONTROLLERS or holds,
                  may_attach=principal.role in REGISTRARS,
                  users=hub.appeals.register.users_for_assignment(),
                  default_days=hub.appeals.register.settings.answer_working_days, **_labels())


@router.get(f"{PREFIX}/appeals/{{number}}")
def appeal_page(request: Request, principal: Who, number: str, purpose: str = "") -> Response:
    """``purpose`` (optional) goes into the audit row of a full read."""
    return _appeal_page(request, principal, number, purpose=purpose[:300])


@router.post(f"{PREFIX}/appeals/{{number}}/assign")
def assign(request: Request, principal: Who, number: str, form: Form) -> Response:
    _allow(principal, CONTROLLERS)
    values = {"assignee": forms.value(form, "assignee"), "days": forms.value(form, "days")}
    try:
        days = int(values["days"]) if values["days"] else None
        hub_of(request).appeals.register.assign(number, values["assignee"],
                                                actor=principal.actor, working_days=days)
    except DomainError as exc:
        return _appeal_page(request, principal, number, values=values,
                            errors={exc.field or "assignee": exc.text}, status=exc.status)
    except ValueError:
        flash_key(request, "err.invalid", "error")
        return see_other(f"{PREFIX}/appeals/{number}")
    flash_key(request, "appeals.assigned", assignee=values["assignee"])
    return see_other(f"{PREFIX}/appeals/{number}")


@router.post(f"{PREFIX}/appeals/{{number}}/close")
def close(request: Request, principal: Who, number: str, form: Form) -> Response:
    hub = hub_of(request)
    if principal.role not in CONTROLLERS and hub.appeals.register.holder(number) != (
            principal.name if principal.kind == "user" else None):
        raise PageRefused(principal)
    values = {"answer": forms.value(form, "answer"), "motivation": forms.value(form, "motivation")}
    final = forms.value(form, "final") != "interim"
    try:
        if final:
            hub.appeals.register.close(number, values["answer"], values["motivation"],
                                       actor=principal.actor)
        else:
            hub.appeals.register.answer(number, values["answer"], actor=principal.actor)
    except DomainError as exc:
        return _appeal_page(request, principal, number, values=values,
                            errors={exc.field or "answer": exc.text}, status=exc.status)
    flash_key(request, "appeals.closed" if final else "appeals.answered")
    return see_other(f"{PREFIX}/appeals/{number}")


@router.post(f"{PREFIX}/appeals/{{number}}/attachments")
def attach(request: Request, principal: Who, number: str, form: Form) -> Response:
    _allow(principal, REGISTRARS)
    upload = form.get("file")
    service = hub_of(request).appeals.register
    limit = int(service.settings.max_attachment_mb * 1024 * 1024)
    try:
        if not isinstance(upload, UploadFile):
            raise ValueError("no file")
        upload.file.seek(0)
        content = upload.file.read(limit + 1)
        service.attach(number, upload.filename or "", content, actor=principal.actor)
    except DomainError as exc:
        return _appeal_page(request, principal, number, errors={"file": exc.text},
                            status=exc.status)
    except ValueError:
        flash_key(request, "err.invalid", "error")
        return see_other(f"{PREFIX}/appeals/{number}")
    flash_key(request, "appeals.attached")
    return see_other(f"{PREFIX}/appeals/{number}")


@router.get(f"{PREFIX}/appeals/{{number}}/attachments/{{attachment_id}}")
def attachment(request: Request, principal: Who, number: str, attachment_id: int) -> Response:
    try:
        info, content = hub_of(request).appeals.register.attachment(number, attachment_id,
                                                                    principal)
    except DomainError as exc:
        if exc.status == 403:
            raise PageRefused(principal) from exc
        flash(request, exc.text, "error")
        return see_other(f"{PREFIX}/appeals/{number}")
    headers = dict(SECURITY_HEADERS) | {
        "Content-Disposition": f'inline; filename="{number}-{info.id}"'}
    return Response(content, media_type=info.media_type, headers=headers)


@router.get(f"{PREFIX}/appeals-export.{{kind}}")
def export(request: Request, principal: Who, kind: str, start: str = "",
           end: str = "", purpose: str = "") -> Response:
    if kind not in ("json", "csv") or not may_export(principal.role):
        raise PageRefused(principal)
    import json

    service = hub_of(request).appeals.register
    try:
        exported = service.export(principal, purpose=purpose,
                                  start=date.fromisoformat(start) if start else None,
                                  end=date.fromisoformat(end) if end else None)
    except DomainError as exc:
        flash(request, exc.text, "error")
        return see_other(f"{PREFIX}/appeals")
    except ValueError:
        flash_key(request, "err.invalid", "error")
        return see_other(f"{PREFIX}/appeals")
    body = (json.dumps(exported, ensure_ascii=False, indent=1) if kind == "json"
            else service.export_csv(exported))
    media = "application/json" if kind == "json" else "text/csv; charset=utf-8"
    return Response(body, media_type=media, headers=dict(SECURITY_HEADERS) | {
        "Content-Disposition": f'attachment; filename="appeals.{kind}"'})


# ---------------------------------------------------------------------- control


@router.get(f"{PREFIX}/control")
def control_page(request: Request, principal: Who) -> Response:
    items = hub_of(request).appeals.control.work_list()
    counts = {s: sum(1 for i in items if i.signal is not None and i.signal.value == s)
              for s in ("overdue", "reminder")}
    return render(request, "appeals_control.html", principal, section="control",
                  items=items, counts=counts, may_close=principal.role in CONTROLLERS,
                  **_labels())


@router.post(f"{PREFIX}/control/{{number}}/{{position}}/done")
def instruction_done(request: Request, principal: Who, number: str, position: int,
                     form: Form) -> Response:
    _allow(principal, CONTROLLERS)
    try:
        hub_of(request).appeals.control.mark_done(number, position,
                                                  forms.value(form, "report"),
                                                  actor=principal.actor)
    except DomainError as exc:
        flash(request, exc.text, "error")
    else:
        flash_key(request, "control.done")
    return see_other(f"{PREFIX}/control")


# ---------------------------------------------------------------- consultations


def _consultation_page(request: Request, principal: Principal, values: dict[str, str],
                       errors: dict[str, Any], status: int = 200) -> Response:
    hub = hub_of(request)
    desk = hub.staffing.desk_of(principal.actor) if principal.role.value != "administrator" \
        else None
    today = hub.centers.snapshot().calendar.service_day(hub.clock.now())
    return render(request, "appeals_consultation.html", principal, section="consultations",
                  tickets=hub.appeals.consultations.called_tickets(desk), desk=desk,
                  recent=hub.appeals.consultations.list_consultations(today, today),
                  values=values, errors=errors, status=status, **_labels())


@router.get(f"{PREFIX}/consultations")
def consultation_page(request: Request, principal: Who) -> Response:
    _allow(principal, CONSULTANTS)
    return _consultation_page(request, principal, {"outcome": "enough"}, {})


@router.post(f"{PREFIX}/consultations")
def record_consultation(request: Request, principal: Who, form: Form) -> Response:
    _allow(principal, CONSULTANTS)
    hub = hub_of(request)
    values = {name: forms.value(form, name) for name in CONSULTATION_FIELDS}
    desk = hub.staffing.desk_of(principal.actor) if principal.role.value != "administrator" \
        else None
    try:
        ticket = int(values["ticket_id"]) if values["ticket_id"].isdigit() else 0
        hub.appeals.consultations.record(ticket, ConsultationInput(
            **{k: v for k, v in values.items() if k != "ticket_id"}), actor=principal.actor,
            desk=desk)
    except DomainError as exc:
        field = exc.field if exc.field in CONSULTATION_FIELDS else "ticket_id"
        if exc.field == "ticket":
            field = "ticket_id"
        return _consultation_page(request, principal, values, {field: exc.text},
                                  status=exc.status)
    flash_key(request, "consultations.saved")
    return see_other(f"{PREFIX}/consultations")


# ---------------------------------------------------------------------- survey


@router.get(f"{PREFIX}/surveys")
def survey_page(request: Request, principal: Who) -> Response:
    hub = hub_of(request)
    if not reads_call_list(principal.role):
        raise PageRefused(principal)
    today = hub.centers.snapshot().calendar.service_day(hub.clock.now())
    start = today.replace(day=1)
    entries = hub.appeals.consultations.call_list(principal, start, today)
    figures = hub.appeals.consultations.figures(start, today)
    return render(request, "appeals_surveys.html", principal, section="surveys",
                  entries=entries, figures=figures, start=start, end=today, **_labels())


@router.post(f"{PREFIX}/surveys/{{consultation_id}}")
def record_survey(request: Request, principal: Who, consultation_id: int,
                  form: Form) -> Response:
    _allow(principal, REGISTRARS)
    raw = forms.value(form, "score")
    try:
        hub_of(request).appeals.consultations.record_survey(
            consultation_id, result=forms.value(form, "result"),
            score=int(raw) if raw.isdigit() else None,
            comment=forms.value(form, "comment"), actor=principal.actor)
    except DomainError as exc:
        flash(request, exc.text, "error")
    else:
        flash_key(request, "surveys.saved")
    return see_other(f"{PREFIX}/surveys")
