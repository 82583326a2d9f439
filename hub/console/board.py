"""The live board: every serving zone's queue, the desks and the latest calls,
pushed to the page over Server-Sent Events whenever the queue changes; and,
for reception workers, the form that issues a ticket."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response, StreamingResponse

from hub.console import forms
from hub.console.i18n import translate
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
from hub.domain.errors import DomainError
from hub.domain.roles import Permission, allows
from hub.domain.text import Bilingual, Language
from hub.domain.tickets import STATE_NAMES, TicketState
from hub.services.events import QueueEvent
from hub.services.users import Principal
from hub.wiring import Hub

router = APIRouter(prefix=PREFIX, include_in_schema=False)

# A comment line keeps proxies and the browser from closing an idle stream.
KEEPALIVE_SECONDS = 15.0
# Bursts of changes (a call finishing the previous visitor) become one push.
COALESCE_SECONDS = 0.2
# A stream ends by itself now and then (the page reconnects at once and gets
# the whole board again), so boards that never disconnect cannot hold a
# stopping server open for longer than this.
STREAM_SECONDS = 55.0
RETRY_MILLISECONDS = 1000
# The board shows each zone's next visitors only, so 200 waiting stay one screen:
# twelve is more than the desks of a zone call in the next half hour (three
# desks, 15-minute visits: six), and the count says how many follow.
NEXT_SHOWN = 12

Viewer = Annotated[Principal, Depends(need(Permission.VIEW_QUEUE))]
Issuer = Annotated[Principal, Depends(need(Permission.ISSUE_TICKETS))]
Form = Annotated[FormData, Depends(checked_form)]


def _state_name(state: str, language: Language) -> str:
    try:
        return STATE_NAMES[TicketState(state)].get(language)
    except ValueError:
        return state


def whole_zone(request: Request, hub: Hub) -> str | None:
    """The zone whose whole waiting list is open (?all=<zone>), if it is one."""
    code = request.query_params.get("all")
    zones = {z.code for z in hub.centers.snapshot().config.zones if z.serving}
    return code if code in zones else None


def _with_whole(url: str, zone: str | None) -> str:
    return f"{url}?all={zone}" if zone else url


def board_context(hub: Hub, language: Language, whole: str | None = None) -> dict[str, Any]:
    """What the board fragment shows (besides the layout's translator): each zone's
    next NEXT_SHOWN visitors, or all of them for the zone `whole`."""
    closed_days = hub.day_close.closed_today()
    state = hub.queue.state()
    snap = hub.centers.snapshot()
    full_names = {u.username: u.full_name or u.username for u in hub.users.list_users()}
    calendar = snap.calendar
    unstaffed = {u.desk: u for u in hub.staffing.unstaffed()}
    return {
        "board": state,
        "unstaffed": unstaffed,
        "alert_hours": f"{snap.config.policy.unstaffed_alert_hours:g}",
        "long_empty": [d.label.get(language) for d in snap.config.desks
                       if d.code in unstaffed and unstaffed[d.code].alert],
        "desk_labels": {d.code: d.label.get(language) for d in snap.config.desks},
        "zone_names": {z.code: z.name.get(language) for z in snap.config.zones},
        "categories": {c.code: c.name.get(language) for c in snap.config.out_of_turn},
        "operator_name": lambda username: full_names.get(username, username),
        "state_name": lambda value: _state_name(value, language),
        "clock": lambda moment: calendar.local(moment).strftime("%H:%M"),
        "updated_at": calendar.local(state.at).strftime("%H:%M:%S"),
        "next_shown": NEXT_SHOWN,
        "whole_zone": whole,
        "board_url": f"{PREFIX}/",
        "closed_days": [d for d in closed_days if d.not_served],
        "range_alerts": hub.leases.range_alerts(),
    }


def render_board(hub: Hub, language: Language, whole: str | None = None) -> str:
    translator = Translator(language)
    return render_fragment("_board.html", board_context(hub, language, whole) | {
        "lang": language.value, "_": translator, "pick": translator.pick})


def _form_key(submitted: str | None) -> str:
    if submitted and len(submitted) <= 64 and submitted.replace("-", "").replace("_", "").isalnum():
        return submitted
    return secrets.token_urlsafe(16)


def _issue_defaults(hub: Hub) -> dict[str, Any]:
    purposes = hub.centers.snapshot().config.purposes
    return {"language": "kk", "purpose": purposes[0].code if purposes else "",
            "out_of_turn": "", "needs_escort": False, "key": secrets.token_urlsafe(16)}


def _board_page(request: Request, principal: Principal, *, status: int = 200,
                issue_values: dict[str, Any] | None = None,
                issue_error: Bilingual | None = None) -> Response:
    hub = hub_of(request)
    language = language_of(request, principal)
    whole = whole_zone(request, hub)
    context = board_context(hub, language, whole)
    can_issue = allows(principal.role, Permission.ISSUE_TICKETS)
    snap = hub.centers.snapshot()
    return render(request, "board.html", principal, status=status, section="board",
                  can_issue=can_issue, purposes=snap.config.purposes,
                  out_of_turn=snap.config.out_of_turn,
                  issue=issue_values or _issue_defaults(hub), issue_error=issue_error,
                  events_url=_with_whole(f"{PREFIX}/board/events", whole),
                  fragment_url=_with_whole(f"{PREFIX}/board/fragment", whole),
                  **context)


@router.get("/")
def board_page(request: Request, principal: Viewer) -> Response:
    return _board_page(request, principal)


@router.get("/board")
def board_alias(_: Viewer) -> Response:
    return see_other(f"{PREFIX}/")


@router.get("/board/fragment")
def board_fragment(request: Request, principal: Viewer) -> Response:
    hub = hub_of(request)
    html = render_board(hub, language_of(request, principal), whole_zone(request, hub))
    return HTMLResponse(html, headers=SECURITY_HEADERS)


def _sse(event: str, data: str) -> str:
    lines = data.splitlines() or [""]
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


async def queue_stream(hub: Hub, render: Callable[[], str]) -> AsyncIterator[str]:
    """Server-sent events of a live page: `render()` at once, then again (at most every
    COALESCE_SECONDS) after each change of the queue; console.js swaps the HTML in."""
    loop = asyncio.get_running_loop()
    changes: asyncio.Queue[QueueEvent] = asyncio.Queue(maxsize=256)

    def offer(event: QueueEvent) -> None:
        # A full queue already means "render again"; dropping more changes nothing.
        if not changes.full():
            changes.put_nowait(event)

    def listener(event: QueueEvent) -> None:
        # Called from the service's worker thread: hand over to this stream's loop.
        with contextlib.suppress(RuntimeError):  # a closed loop: the stream is gone
            loop.call_soon_threadsafe(offer, event)

    unsubscribe = hub.bus.subscribe(listener)
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        yield _sse("board", await run_in_threadpool(render))
        started = last_push = loop.time()
        while True:
            remaining = STREAM_SECONDS - (loop.time() - started)
            if remaining <= 0:
                yield _sse("bye", "")
                return
            try:
                await asyncio.wait_for(changes.get(), timeout=min(KEEPALIVE_SECONDS, remaining))
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            pause = COALESCE_SECONDS - (loop.time() - last_push)
            if pause > 0:
                await asyncio.sleep(pause)
            while not changes.empty():
                changes.get_nowait()
            yield _sse("board", await run_in_threadpool(render))
            last_push = loop.time()
    finally:
        unsubscribe()


@router.get("/board/events")
async def board_events(request: Request) -> Response:
    """Server-Sent Events: the re-rendered board after every change of the queue."""
    principal = await run_in_threadpool(current_user, request)
    if principal is None:
        return Response(status_code=401)
    if not allows(principal.role, Permission.VIEW_QUEUE):
        return Response(status_code=403)
    hub = hub_of(request)
    language = language_of(request, principal)
    whole = whole_zone(request, hub)
    return StreamingResponse(queue_stream(hub, lambda: render_board(hub, language, whole)),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.post("/board/issue")
def issue_ticket(request: Request, principal: Issuer, form: Form) -> Response:
    hub = hub_of(request)
    values: dict[str, Any] = {
        "language": forms.value(form, "language") or "kk",
        "purpose": forms.value(form, "purpose"),
        "out_of_turn": forms.value(form, "out_of_turn"),
        "needs_escort": forms.checked(form, "needs_escort"),
        # The key comes back from our own hidden field; anything odd gets a fresh one.
        "key": _form_key(forms.value(form, "key")),
    }
    try:
        issued = hub.queue.issue(language=values["language"], purpose=values["purpose"] or None,
                                 out_of_turn=values["out_of_turn"] or None,
                                 needs_escort=values["needs_escort"],
                                 idempotency_key=f"console:{values['key']}",
                                 source="console", actor=principal.actor)
    except DomainError as exc:
        return _board_page(request, principal, status=exc.status, issue_values=values,
                           issue_error=exc.text)
    ticket = issued.ticket
    zone = hub.centers.snapshot().config.zone(ticket.zone).name
    flash(request, Bilingual(**{
        lang: translate(lang, "issue.done", number=ticket.number, zone=zone.get(lang),
                        ahead=issued.estimate.people_ahead, minutes=issued.estimate.minutes)
        for lang in ("kk", "ru")}))
    if issued.note is not None:
        flash(request, issued.note, "info")
    return see_other(f"{PREFIX}/")
