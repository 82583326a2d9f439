"""The public page of one ticket, opened from the QR code printed on it: its number,
zone, state, the people ahead and the estimated wait, in Kazakh and Russian side
by side, refreshing itself. No login; the address carries an unguessable token
(hub.services.ticket_links); the page shows numbers only, never a name (000 §2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from hub.console.web import SECURITY_HEADERS, Translator, hub_of, static_url, templates
from hub.domain.errors import NotFound
from hub.domain.text import Language
from hub.domain.tickets import WAITING_STATES

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 30
_WAITING = {state.value for state in WAITING_STATES}


@dataclass(frozen=True, slots=True)
class TicketSide:
    """What one language column of the page says."""

    lang: str
    say: Translator
    title: str
    zone: str
    state: str
    ahead: str | None
    wait: str | None
    desk: str | None
    other_day: str | None


@router.get("/t/{key}")
def ticket_status(request: Request, key: str) -> Response:
    hub = hub_of(request)
    ticket_id = hub.links.ticket_of(key)
    info = None
    if ticket_id is not None:
        try:
            info = hub.queue.get(ticket_id)
        except NotFound:
            info = None
    snap = hub.centers.snapshot()
    context: dict[str, Any] = {"request": request, "lang": "kk", "static": static_url,
                               "kk": Translator(Language.KK), "ru": Translator(Language.RU),
                               "refresh": REFRESH_SECONDS,
                               "center": snap.document.name, "sides": [], "number": None}
    if info is None:
        context["sides"] = None
        return _page(context, 404)
    today = snap.calendar.service_day(hub.clock.now())
    waiting = info.state in _WAITING and info.service_day == today
    estimate = hub.queue.estimate(info.id) if waiting else None
    desk = next((d for d in snap.config.desks if d.code == info.desk), None)
    # A ticket of an earlier day may name a zone removed from the configuration since.
    zone = next((z for z in snap.config.zones if z.code == info.zone), None)
    sides = []
    for language in Language:
        say = Translator(language)
        sides.append(TicketSide(
            lang=language.value, say=say, title=say("ticket_page.title", number=info.number),
            zone=zone.name.get(language) if zone is not None else info.zone,
            state=say(f"ticket_state.{info.state}"),
            ahead=say("ticket_page.people", n=estimate.people_ahead) if estimate else None,
            wait=say("ticket_page.minutes", n=estimate.minutes) if estimate else None,
            desk=(say("ticket_page.desk", desk=desk.label.get(language))
                  if desk is not None and info.service_day == today else None),
            other_day=(say("ticket_page.other_day", day=info.service_day.strftime("%d.%m.%Y"))
                       if info.service_day != today else None)))
    context.update(sides=sides, number=info.number)
    return _page(context, 200)


def _page(context: dict[str, Any], status: int) -> Response:
    response = templates.TemplateResponse(context["request"], "ticket_status.html", context,
                                          status_code=status)
    response.headers.update(SECURITY_HEADERS)
    # Tickets are not for search engines; the token is not for other sites' logs.
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
