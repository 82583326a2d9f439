"""Officials who receive citizens, their approved schedules and receptions by
order, and the final list of persons for a reception day (000 §13): pages for
administrators and reception workers.

Every change goes through ``ReceptionService``; the forms only read the fields,
check the contact phone and e-mail, and put each error next to its field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from hub.api.routes.reception import MANAGERS
from hub.console import forms
from hub.console.i18n import text
from hub.console.web import (
    PREFIX,
    PageRefused,
    checked_form,
    flash,
    flash_key,
    hub_of,
    render,
    see_other,
    signed_in,
)
from hub.domain.center import DeskKind
from hub.domain.errors import DomainError
from hub.domain.reception.contacts import contact_errors
from hub.domain.text import Bilingual
from hub.services.users import Principal

router = APIRouter(include_in_schema=False)
Form = Annotated[FormData, Depends(checked_form)]
BASE = f"{PREFIX}/officials"

OFFICIAL_FIELDS = ("code", "full_name", "position_kk", "position_ru", "state_body_kk",
                   "state_body_ru", "location_kk", "location_ru", "desk", "languages",
                   "phone", "email", "username", "active", "order")
SCHEDULE_FIELDS = ("approved_by", "approved_on", "valid_from", "valid_to", "weekdays",
                   "starts", "ends", "slot_minutes", "video_link")
EXTRA_FIELDS = ("order_number", "order_date", "day", "starts", "ends", "video_link")
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

def _manager(request: Request) -> Principal:
    principal = signed_in(request)
    if principal.role not in MANAGERS:
        raise PageRefused(principal)
    return principal


def _desks(request: Request) -> list[tuple[str, Bilingual]]:
    config = hub_of(request).centers.snapshot().config
    return [(d.code, d.label) for d in config.desks if d.kind is DeskKind.OFFICE]


def _official_values(request: Request, code: str) -> dict[str, Any]:
    info = hub_of(request).reception.get_official(code)
    return {"code": info.code, "full_name": info.full_name,
            "position_kk": info.position["kk"], "position_ru": info.position["ru"],
            "state_body_kk": info.state_body["kk"], "state_body_ru": info.state_body["ru"],
            "location_kk": info.location["kk"], "location_ru": info.location["ru"],
            "desk": info.desk or "", "languages": info.languages, "phone": info.phone,
            "email": info.email, "username": info.username or "", "active": info.active,
            "order": str(info.order)}


def _form_page(request: Request, principal: Principal, *, code: str | None,
               values: dict[str, Any], errors: forms.Errors | None = None,
               schedule_values: dict[str, Any] | None = None,
               schedule_errors: forms.Errors | None = None,
               extra_values: dict[str, Any] | None = None,
               extra_errors: forms.Errors | None = None,
               cancel_values: dict[str, Any] | None = None,
               cancel_errors: forms.Errors | None = None,
               place_values: dict[str, Any] | None = None,
               place_errors: forms.Errors | None = None, status: int = 200) -> Response:
    schedules: list[Any] = []
    extras: list[Any] = []
    absences: list[dict[str, Any]] = []
    if code is not None:
        hub = hub_of(request)
        schedules, extras = hub.reception.list_schedules(code)
        today = hub.centers.snapshot().calendar.local(hub.clock.now()).date()
        absences = hub.reception.absences(code, since=today)
    return render(request, "officials_edit.html", principal, status=status,
                  section="officials", code=code, desks=_desks(request), values=values,
                  errors=errors or {}, schedules=schedules, extras=extras,
                  weekday_keys=WEEKDAY_KEYS,
                  schedule_values=schedule_values or {"slot_minutes": "30", "weekdays": []},
                  schedule_errors=schedule_errors or {}, extra_values=extra_values or {},
                  extra_errors=extra_errors or {}, absences=absences,
                  cancel_values=cancel_values or {},
                  cancel_errors=cancel_errors or {}, place_values=place_values or {},
                  place_errors=place_errors or {})


@router.get(BASE)
def officials_page(request: Request) -> Response:
    principal = _manager(request)
    desks = dict(_desks(request))
    return render(request, "officials.html", principal, section="officials",
                  officials=hub_of(request).reception.list_officials(), desks=desks)


@router.get(f"{BASE}/new")
def new_official_page(request: Request) -> Response:
    principal = _manager(request)
    return _form_page(request, principal, code=None,
                      values={"languages": ["kk", "ru"], "active": True, "order": "0"})


def _read_official(form: FormData) -> tuple[dict[str, Any], forms.Errors]:
    values: dict[str, Any] = {name: forms.value(form, name) for name in OFFICIAL_FIELDS}
    values["languages"] = forms.values(form, "languages")
    values["active"] = forms.checked(form, "active")
    errors: forms.Errors = dict(contact_errors(phone=values["phone"], email=values["email"]))
    return values, errors


def _save_official(request: Request, principal: Principal, code: str | None,
                   form: FormData) -> Response:
    values, errors = _read_official(form)
    target = code if code is not None else values["code"]
    if code is None:
        forms.require(target, "code", errors)
    order = forms.to_int(values["order"], "order", errors)
    if not errors:
        try:
            hub_of(request).reception.put_official(
                target, actor=principal.actor, full_name=values["full_name"],
                position_kk=values["position_kk"], position_ru=values["position_ru"],
                state_body_kk=values["state_body_kk"], state_body_ru=values["state_body_ru"],
                location_kk=values["location_kk"], location_ru=values["location_ru"],
                desk=values["desk"] or None, languages=values["languages"],
                phone=values["phone"], email=values["email"],
                username=values["username"] or None, active=values["active"],
                order=order or 0)
        except DomainError as exc:
            # "position.kk" and the like name the fields position_kk, ...
            errors = forms.from_domain(exc, OFFICIAL_FIELDS, own=())
    if errors:
        return _form_page(request, principal, code=code, values=values, errors=errors,
                          status=422)
    flash_key(request, "officials.saved", name=values["full_name"])
    return see_other(f"{BASE}/{target}")


@router.post(f"{BASE}/new")
def add_official(request: Request, form: Form) -> Response:
    return _save_official(request, _manager(request), None, form)


@router.get(f"{BASE}/{{code}}")
def official_page(request: Request, code: str) -> Response:
    principal = _manager(request)
    try:
        values = _official_values(request, code)
    except DomainError:
        return _not_found(request, principal)
    return _form_page(request, principal, code=code, values=values)


def _not_found(request: Request, principal: Principal) -> Response:
    flash_key(request, "officials.not_found", "error")
    return see_other(BASE)


def _known(request: Request, code: str) -> bool:
    return any(o.code == code for o in hub_of(request).reception.list_officials())


@router.post(f"{BASE}/{{code}}")
def edit_official(request: Request, code: str, form: Form) -> Response:
    principal = _manager(request)
    if not _known(request, code):
        return _not_found(request, principal)
    return _save_official(request, principal, code, form)


@router.post(f"{BASE}/{{code}}/schedules")
def add_schedule(request: Request, code: str, form: Form) -> Response:
    principal = _manager(request)
    if not _known(request, code):
        return _not_found(request, principal)
    values: dict[str, Any] = {name: forms.value(form, name) for name in SCHEDULE_FIELDS}
    values["weekdays"] = forms.values(form, "weekdays")
    values["video_link"] = forms.checked(form, "video_link")
    errors: forms.Errors = {}
    forms.require(values["approved_by"], "approved_by", errors)
    approved_on = forms.to_date(values["approved_on"], "approved_on", errors)
    valid_from = forms.to_date(values["valid_from"], "valid_from", errors)
    valid_to = (forms.to_date(values["valid_to"], "valid_to", errors)
                if values["valid_to"] else None)
    slot = forms.to_int(values["slot_minutes"], "slot_minutes", errors)
    weekdays: list[int] = []
    for raw in values["weekdays"]:
        day = forms.to_int(raw, "weekdays", errors)
        if day is not None:
            weekdays.append(day)
    if not weekdays and "weekdays" not in errors:
        errors["weekdays"] = text("err.select_weekday")
    if not errors and approved_on is not None and valid_from is not None:
        try:
            hub_of(request).reception.add_schedule(
                code, actor=principal.actor, approved_by=values["approved_by"],
                approved_on=approved_on, valid_from=valid_from, valid_to=valid_to,
                weekdays=weekdays, starts=values["starts"], ends=values["ends"],
                slot_minutes=slot if slot is not None else 30,
                video_link=values["video_link"])
        except DomainError as exc:
            errors = forms.from_domain(exc, SCHEDULE_FIELDS, own=())
    if errors:
        return _form_page(request, principal, code=code, values=_official_values(request, code),
                          schedule_values=values, schedule_errors=errors, status=422)
    flash_key(request, "officials.schedule_added")
    return see_other(f"{BASE}/{code}")


@router.post(f"{BASE}/{{code}}/extra")
def add_extra(request: Request, code: str, form: Form) -> Response:
    principal = _manager(request)
    if not _known(request, code):
        return _not_found(request, principal)
    values: dict[str, Any] = {name: forms.value(form, name) for name in EXTRA_FIELDS}
    values["video_link"] = forms.checked(form, "video_link")
    errors: forms.Errors = {}
    forms.require(values["order_number"], "order_number", errors)
    order_date = forms.to_date(values["order_date"], "order_date", errors)
    day = forms.to_date(values["day"], "day", errors)
    if not errors and order_date is not None and day is not None:
        try:
            hub_of(request).reception.add_extra(
                code, actor=principal.actor, day=day, starts=values["starts"],
                ends=values["ends"], order_number=values["order_number"],
                order_date=order_date, video_link=values["video_link"])
        except DomainError as exc:
            errors = forms.from_domain(exc, EXTRA_FIELDS, own=())
    if errors:
        return _form_page(request, principal, code=code, values=_official_values(request, code),
                          extra_values=values, extra_errors=errors, status=422)
    flash_key(request, "officials.extra_added")
    return see_other(f"{BASE}/{code}")


@router.get(f"{PREFIX}/final-list")
def final_list_page(request: Request, day: Annotated[str | None, Query()] = None,
                    official: Annotated[str | None, Query()] = None) -> Response:
    principal = _manager(request)
    hub = hub_of(request)
    calendar = hub.centers.snapshot().calendar
    errors: forms.Errors = {}
    chosen = calendar.local(hub.clock.now()).date() if not day else forms.to_date(
        day, "day", errors)
    officials = hub.reception.list_officials()
    found: dict[str, Any] | None = None
    groups: list[tuple[str, list[Any]]] = []
    if chosen is not None:
        known = {o.code for o in officials}
        found = hub.reception.final_list(chosen, official if official in known else None)
        for entry in found["entries"]:
            if not groups or groups[-1][0] != entry.official_name:
                groups.append((entry.official_name, []))
            groups[-1][1].append(entry)
    return render(request, "final_list.html", principal, section="officials",
                  day=chosen.isoformat() if isinstance(chosen, date) else (day or ""),
                  official=official or "", officials=officials, found=found, groups=groups,
                  errors=errors)


# Removing what was entered by mistake, and the official's unavailable day --------------

@router.post(f"{BASE}/{{code}}/delete")
def delete_official(request: Request, code: str) -> Response:
    """Only an official nobody asked for can go; one with requests is made inactive."""
    principal = _manager(request)
    if not _known(request, code):
        return _not_found(request, principal)
    try:
        hub_of(request).reception.delete_official(code, actor=principal.actor)
    except DomainError as exc:
        flash(request, exc.text, "error")
        return see_other(f"{BASE}/{code}")
    flash_key(request, "officials.deleted", code=code)
    return see_other(BASE)


@router.post(f"{BASE}/{{code}}/schedules/{{schedule_id}}/delete")
def delete_schedule(request: Request, code: str, schedule_id: int) -> Response:
    principal = _manager(request)
    if not _known(request, code):
        return _not_found(request, principal)
    schedules, _ = hub_of(request).reception.list_schedules(code)
    if all(s.id != schedule_id for s in schedules):  # not this official's schedule
        flash_key(request, "officials.schedule_not_found", "error")
        return see_other(f"{BASE}/{code}#schedules")
    hub_of(request).reception.delete_schedule(schedule_id, actor=principal.actor)
    flash_key(request, "officials.schedule_deleted")
    return see_other(f"{BASE}/{code}#schedules")


@router.post(f"{BASE}/{{code}}/cancel-day")
def cancel_day(request: Request, code: str, form: Form) -> Response:
    """002 §16: the official cannot receive that day; the day's bookings are moved and
    their applicants told (letters of kind "move")."""
    principal = _manager(request)
    if not _known(request, code):
        return _not_found(request, principal)
    errors: forms.Errors = {}
    day = forms.to_date(forms.value(form, "day"), "day", errors)
    reason = forms.require(forms.value(form, "reason"), "reason", errors)
    if errors or day is None:
        return _form_page(request, principal, code=code, values=_official_values(request, code),
                          cancel_values={"day": forms.value(form, "day"), "reason": reason},
                          cancel_errors=errors, status=422)
    moved = hub_of(request).reception.cancel_day(code, day, actor=principal.actor,
                                                 reason=reason)
    flash_key(request, "officials.day_cancelled", day=day.strftime("%d.%m.%Y"),
              count=len(moved))
    return see_other(f"{BASE}/{code}#availability")


@router.post(f"{BASE}/{{code}}/place")
def place_requests(request: Request, code: str, form: Form) -> Response:
    """004 §28: approved and moved requests waiting for a slot are booked into the
    schedule in order of arrival."""
    principal = _manager(request)
    if not _known(request, code):
        return _not_found(request, principal)
    errors: forms.Errors = {}
    first = forms.to_date(forms.value(form, "first_day"), "first_day", errors)
    last = forms.to_date(forms.value(form, "last_day"), "last_day", errors)
    if first is not None and last is not None and last < first:
        errors["last_day"] = text("officials.err_period")
    if errors or first is None or last is None:
        return _form_page(request, principal, code=code, values=_official_values(request, code),
                          place_values={name: forms.value(form, name)
                                        for name in ("first_day", "last_day")},
                          place_errors=errors, status=422)
    placed = hub_of(request).reception.place(code, actor=principal.actor, first_day=first,
                                             last_day=last)
    flash_key(request, "officials.placed", count=len(placed["assigned"]),
              left=len(placed["unplaced"]))
    return see_other(f"{BASE}/{code}#availability")
