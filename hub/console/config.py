"""The center's configuration pages: zones, desks, visit purposes, out-of-turn
categories, hours with the queue policy, and the calendar.

Every change goes through `CenterStore.edit`, so the whole document is
validated again; on an error nothing is stored and the form comes back with
what was typed and the message next to the field it is about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from hub.center_schema import WEEKDAYS
from hub.console import forms
from hub.console.forms import GENERAL, Errors
from hub.console.i18n import text
from hub.console.web import (
    PREFIX,
    checked_form,
    flash,
    flash_key,
    hub_of,
    need,
    render,
    see_other,
)
from hub.domain.center import DeskKind, ZoneKind
from hub.domain.errors import DomainError, ValidationFailed
from hub.domain.roles import Permission
from hub.services.center_store import DocumentChange, put_item, remove_item
from hub.services.users import Principal

router = APIRouter(prefix=f"{PREFIX}/config", include_in_schema=False)

Configurator = Annotated[Principal, Depends(need(Permission.CONFIGURE_CENTER))]
Form = Annotated[FormData, Depends(checked_form)]

SECTIONS = (("zones", "config.zones"), ("desks", "config.desks"),
            ("purposes", "config.purposes"), ("out-of-turn", "config.out_of_turn"),
            ("hours", "config.hours"), ("calendar", "config.calendar"))


def _config_page(request: Request, principal: Principal, template: str, page: str, *,
                 status: int = 200, **extra: Any) -> Response:
    snap = hub_of(request).centers.snapshot()
    return render(request, template, principal, status=status, section="config",
                  config_sections=SECTIONS, page=page, document=snap.document, **extra)


def _apply(request: Request, principal: Principal, change: DocumentChange, action: str, *,
           fields: frozenset[str], own: frozenset[str],
           aliases: dict[str, str] | None = None) -> Errors:
    """Store the changed document; the errors by field if it was refused."""
    try:
        hub_of(request).centers.edit(change, actor=principal.actor, action=action)
    except DomainError as exc:
        return forms.from_domain(exc, fields, own=own, aliases=aliases)
    except ValidationError as exc:
        return forms.from_validation(exc, fields, own=own, aliases=aliases)
    return {}


# Zones, desks, purposes and categories: a list with an add/edit form ---------------


@dataclass(frozen=True, slots=True)
class Collection:
    """One list of the center document edited through the console."""

    slug: str  # in the URL
    key: str  # in the document
    template: str
    fields: frozenset[str]
    noun: str  # the action names of the audit log: put_<noun>, delete_<noun>
    parse: Callable[[FormData], tuple[dict[str, Any], dict[str, Any], Errors]]
    values_of: Callable[[dict[str, Any]], dict[str, Any]]
    blank: Callable[[], dict[str, Any]]


def _parse_zone(form: FormData) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    errors: Errors = {}
    shown = {name: forms.value(form, name) for name in (
        "code", "kind", "name_kk", "name_ru", "range_first", "range_last",
        "default_service_minutes")}
    first = forms.to_int(shown["range_first"], "range_first", errors)
    last = forms.to_int(shown["range_last"], "range_last", errors)
    if (first is None) != (last is None) and not errors:
        errors["range"] = text("err.range_pair")
    minutes = forms.to_float(shown["default_service_minutes"], "default_service_minutes",
                             errors)
    item = {"code": shown["code"], "kind": shown["kind"],
            "name": {"kk": shown["name_kk"], "ru": shown["name_ru"]},
            "range": [first, last] if first is not None and last is not None else None,
            "default_service_minutes": minutes if minutes is not None else 10.0}
    return shown, item, errors


def _zone_values(item: dict[str, Any]) -> dict[str, Any]:
    span = item.get("range")
    minutes = float(item["default_service_minutes"])
    return {"code": item["code"], "kind": item["kind"], "name_kk": item["name"]["kk"],
            "name_ru": item["name"]["ru"],
            "range_first": str(span[0]) if span else "", "range_last": str(span[1]) if span else "",
            "default_service_minutes": f"{minutes:g}"}


def _parse_desk(form: FormData) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    shown: dict[str, Any] = {name: forms.value(form, name)
                             for name in ("code", "label_kk", "label_ru", "kind")}
    shown["zones"] = forms.values(form, "zones")
    shown["active"] = forms.checked(form, "active")
    item = {"code": shown["code"], "label": {"kk": shown["label_kk"], "ru": shown["label_ru"]},
            "zones": shown["zones"], "kind": shown["kind"], "active": shown["active"]}
    return shown, item, {}


def _desk_values(item: dict[str, Any]) -> dict[str, Any]:
    return {"code": item["code"], "label_kk": item["label"]["kk"], "label_ru": item["label"]["ru"],
            "kind": item["kind"], "zones": list(item["zones"]), "active": bool(item["active"])}


def _parse_purpose(form: FormData) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    shown: dict[str, Any] = {name: forms.value(form, name)
                             for name in ("code", "name_kk", "name_ru", "zone")}
    shown["calls_staff"] = forms.checked(form, "calls_staff")
    item = {"code": shown["code"], "name": {"kk": shown["name_kk"], "ru": shown["name_ru"]},
            "zone": shown["zone"], "calls_staff": shown["calls_staff"]}
    return shown, item, {}


def _purpose_values(item: dict[str, Any]) -> dict[str, Any]:
    return {"code": item["code"], "name_kk": item["name"]["kk"], "name_ru": item["name"]["ru"],
            "zone": item["zone"], "calls_staff": bool(item["calls_staff"])}


def _parse_category(form: FormData) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    shown = {name: forms.value(form, name) for name in ("code", "name_kk", "name_ru")}
    item = {"code": shown["code"], "name": {"kk": shown["name_kk"], "ru": shown["name_ru"]}}
    return dict(shown), item, {}


def _category_values(item: dict[str, Any]) -> dict[str, Any]:
    return {"code": item["code"], "name_kk": item["name"]["kk"], "name_ru": item["name"]["ru"]}


COLLECTIONS: tuple[Collection, ...] = (
    Collection(slug="zones", key="zones", template="config/zones.html", noun="zone",
               fields=frozenset({"code", "kind", "name_kk", "name_ru", "range", "range_first",
                                 "range_last", "default_service_minutes"}),
               parse=_parse_zone, values_of=_zone_values,
               blank=lambda: {"code": "", "kind": ZoneKind.CONSULTATION.value, "name_kk": "",
                              "name_ru": "", "range_first": "", "range_last": "",
                              "default_service_minutes": "10"}),
    Collection(slug="desks", key="desks", template="config/desks.html", noun="desk",
               fields=frozenset({"code", "label_kk", "label_ru", "zones", "kind", "active"}),
               parse=_parse_desk, values_of=_desk_values,
               blank=lambda: {"code": "", "label_kk": "", "label_ru": "", "zones": [],
                              "kind": DeskKind.WORKPLACE.value, "active": True}),
    Collection(slug="purposes", key="purposes", template="config/purposes.html", noun="purpose",
               fields=frozenset({"code", "name_kk", "name_ru", "zone", "calls_staff"}),
               parse=_parse_purpose, values_of=_purpose_values,
               blank=lambda: {"code": "", "name_kk": "", "name_ru": "", "zone": "",
                              "calls_staff": False}),
    Collection(slug="out-of-turn", key="out_of_turn", template="config/out_of_turn.html",
               noun="out_of_turn", fields=frozenset({"code", "name_kk", "name_ru"}),
               parse=_parse_category, values_of=_category_values,
               blank=lambda: {"code": "", "name_kk": "", "name_ru": ""}),
)


def _delete(key: str, code: str) -> DocumentChange:
    remove = remove_item(key, code)

    def change(doc: dict[str, Any]) -> None:
        if key == "zones":
            _refuse_if_used(doc, code)
        remove(doc)

    return change


def _refuse_if_used(doc: dict[str, Any], zone: str) -> None:
    """A zone still named by desks or purposes cannot go: say which ones name it."""
    users = [d["code"] for d in doc["desks"] if zone in d["zones"]]
    users += [p["code"] for p in doc["purposes"] if p["zone"] == zone]
    if users:
        message = text("zones.in_use").format(code=zone, users=", ".join(users))
        raise ValidationFailed(f"zone {zone!r} is used by {', '.join(users)}", message,
                               field="code")


def _collection_page(request: Request, principal: Principal, spec: Collection, *,
                     original: str, values: dict[str, Any], errors: Errors,
                     status: int = 200) -> Response:
    snap = hub_of(request).centers.snapshot()
    serving = [z for z in snap.config.zones if z.serving]
    return _config_page(request, principal, spec.template, spec.slug, status=status,
                        items=snap.document.model_dump(mode="json")[spec.key],
                        original=original, values=values, errors=errors,
                        serving_zones=serving, zone_kinds=list(ZoneKind),
                        desk_kinds=list(DeskKind),
                        form_url=f"{PREFIX}/config/{spec.slug}",
                        zone_names={z.code: z.name for z in snap.config.zones})


def _add_collection_routes(spec: Collection) -> None:
    base = f"/{spec.slug}"

    def show(request: Request, principal: Configurator, edit: str = "") -> Response:
        items = hub_of(request).centers.snapshot().document.model_dump(mode="json")[spec.key]
        existing = next((i for i in items if i["code"] == edit), None) if edit else None
        values = spec.values_of(existing) if existing is not None else spec.blank()
        return _collection_page(request, principal, spec,
                                original=existing["code"] if existing else "",
                                values=values, errors={})

    def save(request: Request, principal: Configurator, form: Form) -> Response:
        original = forms.value(form, "original")
        values, item, errors = spec.parse(form)
        if not errors:
            put = put_item(spec.key, item, replacing=original or None)
            errors = _apply(request, principal, put,
                            f"put_{spec.noun}", fields=spec.fields,
                            own=frozenset({spec.key}))
        if errors:
            return _collection_page(request, principal, spec, original=original,
                                    values=values, errors=errors, status=422)
        flash_key(request, "config.saved")
        return see_other(f"{PREFIX}/config/{spec.slug}")

    def delete(request: Request, principal: Configurator, form: Form) -> Response:
        code = forms.value(form, "code")
        errors = _apply(request, principal, _delete(spec.key, code), f"delete_{spec.noun}",
                        fields=frozenset(), own=frozenset({spec.key}))
        if errors:
            for message in errors.values():
                flash(request, message, "error")
        else:
            flash_key(request, "config.deleted", code=code)
        return see_other(f"{PREFIX}/config/{spec.slug}")

    name = spec.key
    router.add_api_route(base, show, methods=["GET"], name=f"console_{name}")
    router.add_api_route(base, save, methods=["POST"], name=f"console_{name}_save")
    router.add_api_route(f"{base}/delete", delete, methods=["POST"],
                         name=f"console_{name}_delete")


for _spec in COLLECTIONS:
    _add_collection_routes(_spec)


@router.get("")
def config_home(_: Configurator) -> Response:
    return see_other(f"{PREFIX}/config/zones")


# Name, hours and policy -------------------------------------------------------------

HOURS_FIELDS = frozenset({"name_kk", "name_ru", "opens", "closes", "lunch_starts", "lunch_ends",
                          "weekdays", "transfer_keeps_arrival", "next_finishes_serving",
                          "unstaffed_alert_hours"})


def _hours_values(doc: dict[str, Any]) -> dict[str, Any]:
    hours, policy = doc["hours"], doc["policy"]

    def hhmm(value: str | None) -> str:
        return value[:5] if value else ""

    return {"name_kk": doc["name"]["kk"], "name_ru": doc["name"]["ru"],
            "opens": hhmm(hours["opens"]), "closes": hhmm(hours["closes"]),
            "lunch_starts": hhmm(hours["lunch_starts"]), "lunch_ends": hhmm(hours["lunch_ends"]),
            "weekdays": list(hours["weekdays"]),
            "transfer_keeps_arrival": bool(policy["transfer_keeps_arrival"]),
            "next_finishes_serving": bool(policy["next_finishes_serving"]),
            "unstaffed_alert_hours": f"{float(policy['unstaffed_alert_hours']):g}"}


def _hours_page(request: Request, principal: Principal, *, values: dict[str, Any],
                errors: Errors, status: int = 200) -> Response:
    return _config_page(request, principal, "config/hours.html", "hours", status=status,
                        values=values, errors=errors, weekdays=WEEKDAYS,
                        timezone=hub_of(request).centers.snapshot().document.timezone)


@router.get("/hours")
def hours_form(request: Request, principal: Configurator) -> Response:
    doc = hub_of(request).centers.snapshot().document.model_dump(mode="json")
    return _hours_page(request, principal, values=_hours_values(doc), errors={})


@router.post("/hours")
def hours_save(request: Request, principal: Configurator, form: Form) -> Response:
    errors: Errors = {}
    shown: dict[str, Any] = {name: forms.value(form, name) for name in (
        "name_kk", "name_ru", "opens", "closes", "lunch_starts", "lunch_ends",
        "unstaffed_alert_hours")}
    shown["weekdays"] = forms.values(form, "weekdays")
    shown["transfer_keeps_arrival"] = forms.checked(form, "transfer_keeps_arrival")
    shown["next_finishes_serving"] = forms.checked(form, "next_finishes_serving")
    forms.require(shown["opens"], "opens", errors)
    forms.require(shown["closes"], "closes", errors)
    alert = forms.to_float(forms.require(shown["unstaffed_alert_hours"], "unstaffed_alert_hours",
                                         errors), "unstaffed_alert_hours", errors)
    if not errors:
        def change(doc: dict[str, Any]) -> None:
            doc["name"] = {"kk": shown["name_kk"], "ru": shown["name_ru"]}
            doc["hours"] = {"opens": shown["opens"], "closes": shown["closes"],
                            "lunch_starts": shown["lunch_starts"] or None,
                            "lunch_ends": shown["lunch_ends"] or None,
                            "weekdays": shown["weekdays"]}
            doc["policy"] = {"transfer_keeps_arrival": shown["transfer_keeps_arrival"],
                             "next_finishes_serving": shown["next_finishes_serving"],
                             "unstaffed_alert_hours": alert}

        errors = _apply(request, principal, change, "set_hours", fields=HOURS_FIELDS,
                        own=frozenset({"name", "hours", "policy"}))
    if errors:
        return _hours_page(request, principal, values=shown, errors=errors, status=422)
    flash_key(request, "config.saved")
    return see_other(f"{PREFIX}/config/hours")


# Calendar ----------------------------------------------------------------------------

CALENDAR_KINDS = {"closed": "closed_days", "working": "working_days"}
CALENDAR_FIELDS = frozenset({"day", "kind"})
CALENDAR_ALIASES = {"working_days": "day", "closed_days": "day"}


def _calendar_page(request: Request, principal: Principal, *, values: dict[str, Any],
                   errors: Errors, status: int = 200) -> Response:
    return _config_page(request, principal, "config/calendar.html", "calendar", status=status,
                        values=values, errors=errors)


@router.get("/calendar")
def calendar_page(request: Request, principal: Configurator) -> Response:
    return _calendar_page(request, principal, values={"day": "", "kind": "closed"}, errors={})


@router.post("/calendar")
def calendar_add(request: Request, principal: Configurator, form: Form) -> Response:
    errors: Errors = {}
    shown = {"day": forms.value(form, "day"), "kind": forms.value(form, "kind")}
    day = forms.to_date(forms.require(shown["day"], "day", errors), "day", errors)
    section = CALENDAR_KINDS.get(shown["kind"])
    if section is None:
        errors.setdefault("kind", text("err.choice"))
    if day is not None and section is not None and not errors:
        chosen = day.isoformat()

        def change(doc: dict[str, Any]) -> None:
            listed: list[str] = doc["calendar"][section]
            if chosen in listed:
                raise _Duplicate()
            doc["calendar"][section] = sorted([*listed, chosen])

        try:
            errors = _apply(request, principal, change, "set_calendar", fields=CALENDAR_FIELDS,
                            own=frozenset({"calendar"}), aliases=CALENDAR_ALIASES)
        except _Duplicate:
            errors = {"day": text("calendar.duplicate")}
    if errors:
        return _calendar_page(request, principal, values=shown, errors=errors, status=422)
    flash_key(request, "config.saved")
    return see_other(f"{PREFIX}/config/calendar")


class _Duplicate(Exception):
    pass


@router.post("/calendar/remove")
def calendar_remove(request: Request, principal: Configurator, form: Form) -> Response:
    day = forms.value(form, "day")
    section = CALENDAR_KINDS.get(forms.value(form, "kind"))

    def change(doc: dict[str, Any]) -> None:
        if section is not None:
            doc["calendar"][section] = [d for d in doc["calendar"][section] if d != day]

    errors = _apply(request, principal, change, "set_calendar", fields=frozenset(),
                    own=frozenset({"calendar"}))
    if errors:
        flash(request, errors.get(GENERAL, text("err.invalid")), "error")
    else:
        flash_key(request, "calendar.removed", day=day)
    return see_other(f"{PREFIX}/config/calendar")
