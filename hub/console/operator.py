"""The operator's desk page (000 §13: the monoblock in an official's office, the
consultation windows): sign in to a desk, the visitor at the desk with its flags,
the visitors the desk may call (numbers and flags only), every desk action, a break,
and today's figures. The live part follows the queue over Server-Sent Events, so a
press of the desk's hardware button shows here within the push, and the page's
actions reach the button's lamps the same way (the bridge pushes `down/desk`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response, StreamingResponse

from hub.api.deps import CSRF_FIELD, csrf_token
from hub.console import forms
from hub.console.board import queue_stream
from hub.console.i18n import text
from hub.console.web import (
    PREFIX,
    SECURITY_HEADERS,
    Translator,
    checked_form,
    current_user,
    flash,
    hub_of,
    language_of,
    need,
    render,
    render_fragment,
    see_other,
)
from hub.domain.desk_actions import DeskAction
from hub.domain.errors import DomainError, NotFound, ValidationFailed
from hub.domain.roles import Permission, allows
from hub.domain.text import Bilingual, Language
from hub.domain.tickets import STATE_NAMES, TicketState
from hub.services.users import Principal
from hub.wiring import Hub

router = APIRouter(prefix=f"{PREFIX}/desk", include_in_schema=False)
DESK_URL = f"{PREFIX}/desk"
NOTE_LENGTH = 200

Operator = Annotated[Principal, Depends(need(Permission.SERVE_AT_DESK))]
Form = Annotated[FormData, Depends(checked_form)]


def _state_name(state: str, language: Language) -> str:
    try:
        return STATE_NAMES[TicketState(state)].get(language)
    except ValueError:
        return state


def desk_context(hub: Hub, desk: str, language: Language, csrf: str) -> dict[str, Any]:
    """What the live part of the page shows; also the fragment pushed over SSE."""
    snap = hub.centers.snapshot()
    situation = hub.desks.situation(desk)
    translator = Translator(language)
    calendar = snap.calendar
    return {
        "lang": language.value, "_": translator, "pick": translator.pick,
        "csrf": csrf, "csrf_field": CSRF_FIELD,
        "desk": situation, "figures": hub.desks.figures(desk),
        "categories": {c.code: c.name.get(language) for c in snap.config.out_of_turn},
        "zone_names": {z.code: z.name.get(language) for z in snap.config.zones},
        "state_name": lambda value: _state_name(value, language),
        "clock": lambda moment: calendar.local(moment).strftime("%H:%M"),
        "updated_at": calendar.local(hub.clock.now()).strftime("%H:%M:%S"),
    }


def render_desk(hub: Hub, desk: str, language: Language, csrf: str) -> str:
    return render_fragment("_operator_desk.html", desk_context(hub, desk, language, csrf))


# Pages -------------------------------------------------------------------------------


@router.get("")
def desk_page(request: Request, principal: Operator) -> Response:
    hub = hub_of(request)
    desk = hub.staffing.desk_of(principal.actor)
    config = hub.centers.snapshot().config
    if desk is None:
        state = hub.queue.state()
        return render(request, "operator_sign_in.html", principal, section="desk",
                      desks=[d for d in state.desks if d.active])
    language = language_of(request, principal)
    label = config.desk(desk).label
    targets = [(f"zone:{z.code}", text("desk.transfer_zone").get(language).format(
                    name=z.name.get(language))) for z in config.zones if z.serving] + [
               (f"desk:{d.code}", text("desk.transfer_desk").get(language).format(
                    name=d.label.get(language)))
               for d in config.desks if d.active and d.code != desk]
    return render(request, "operator.html", principal, section="desk", desk_code=desk,
                  desk_label=label, targets=targets,
                  events_url=f"{DESK_URL}/events", fragment_url=f"{DESK_URL}/fragment",
                  **desk_context(hub, desk, language, csrf_token(request)))


@router.post("/sign-in")
def sign_in(request: Request, principal: Operator, form: Form) -> Response:
    hub = hub_of(request)
    code = forms.value(form, "desk")
    try:
        desk = next((d for d in hub.centers.snapshot().config.desks if d.code == code), None)
        if desk is None:
            raise NotFound(f"no desk {code!r}", text("desk.unknown_desk"), field="desk")
        hub.staffing.sign_in(desk.code, principal.actor)
    except DomainError as error:  # another operator is there: say who
        flash(request, error.text, "error")
        return see_other(DESK_URL)
    flash(request, Bilingual(kk=text("desk.signed_in").kk.format(desk=desk.label.kk),
                             ru=text("desk.signed_in").ru.format(desk=desk.label.ru)))
    return see_other(DESK_URL)


@router.post("/sign-out")
def sign_out(request: Request, principal: Operator, form: Form) -> Response:
    hub_of(request).staffing.sign_out(principal.actor)
    flash(request, text("desk.signed_out"))
    return see_other(DESK_URL)


@router.post("/action")
def act(request: Request, principal: Operator, form: Form) -> Response:
    """Every button of the page: one action on the operator's own desk."""
    hub = hub_of(request)
    desk = hub.staffing.desk_of(principal.actor)
    if desk is None:
        return see_other(DESK_URL)
    try:
        _act(hub, desk, principal.actor, form)
    except DomainError as error:
        flash(request, error.text, "error")
    return see_other(DESK_URL)


def _act(hub: Hub, desk: str, actor: str, form: FormData) -> None:
    """The page's form as a desk action (or a break, which is the desk's, not a visitor's)."""
    action = forms.value(form, "action")
    if action == "break":
        hub.breaks.start(desk, actor)
        return
    if action == "resume":
        hub.breaks.end(desk, actor)
        return
    try:
        chosen = DeskAction(action)
    except ValueError:
        raise ValidationFailed(f"unknown action {action!r}", text("desk.unknown_action"),
                               field="action") from None
    ticket_id: int | None = None
    if chosen is DeskAction.CALL:
        ticket = forms.value(form, "ticket_id")
        if not ticket.isdigit():
            raise ValidationFailed("ticket_id must be a number", text("err.integer"),
                                   field="ticket_id")
        ticket_id = int(ticket)
    zone = target_desk = note = None
    if chosen is DeskAction.TRANSFER:
        target = forms.value(form, "target")
        kind, _, code = target.partition(":")
        if kind not in ("zone", "desk") or not code:
            raise ValidationFailed("choose where to transfer", text("desk.bad_target"),
                                   field="target")
        zone, target_desk = (code, None) if kind == "zone" else (None, code)
        note = forms.value(form, "note")
        if len(note) > NOTE_LENGTH:
            raise ValidationFailed("note too long", text("desk.note_too_long"), field="note")
    hub.desk_actions.act(desk, chosen, actor=actor, ticket_id=ticket_id, target_zone=zone,
                         target_desk=target_desk, note=note or None)


@router.get("/fragment")
def desk_fragment(request: Request, principal: Operator) -> Response:
    hub = hub_of(request)
    desk = hub.staffing.desk_of(principal.actor)
    if desk is None:
        return Response(status_code=409)
    html = render_desk(hub, desk, language_of(request, principal), csrf_token(request))
    return HTMLResponse(html, headers=SECURITY_HEADERS)


@router.get("/events")
async def desk_events(request: Request) -> Response:
    """Server-Sent Events: the desk's live part after every change of the queue."""
    principal = await run_in_threadpool(current_user, request)
    if principal is None:
        return Response(status_code=401)
    if not allows(principal.role, Permission.SERVE_AT_DESK):
        return Response(status_code=403)
    hub = hub_of(request)
    desk = await run_in_threadpool(hub.staffing.desk_of, principal.actor)
    if desk is None:
        return Response(status_code=409)
    language = language_of(request, principal)
    csrf = csrf_token(request)
    return StreamingResponse(queue_stream(hub, lambda: render_desk(hub, desk, language, csrf)),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
