"""What every console page shares: who is signed in, the language, CSRF checks,
flash messages, the page layout's context and rendering with Jinja2."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from hub import __version__
from hub.api.deps import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, csrf_matches, csrf_token
from hub.console.i18n import DEFAULT_LANGUAGE, parse_language, text, translate
from hub.domain.roles import ROLE_NAMES, Permission, allows
from hub.domain.text import Bilingual, Language
from hub.services.users import Principal
from hub.wiring import Hub

HERE = Path(__file__).parent
LANG_COOKIE = "kezek_lang"
PREFIX = "/console"
LOGIN_URL = f"{PREFIX}/login"

# Pages are our own markup and our own static files only: no inline script, no CDN.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; "
                                "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_environment)


# Who is asking ------------------------------------------------------------------


class LoginRequired(Exception):
    """The page needs a signed-in user; the handler redirects to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageRefused(Exception):
    """The page is refused (403): the role may not see it, or a form failed the CSRF check."""

    def __init__(self, principal: Principal | None, reason: str = "forbidden") -> None:
        super().__init__(reason)
        self.principal = principal
        self.reason = reason


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def current_user(request: Request) -> Principal | None:
    """The user of the console session, if signed in and still active."""
    sid = request.session.get("sid")
    if not isinstance(sid, str):
        return None
    principal = hub_of(request).users.session_principal(sid)
    if principal is None:
        request.session.pop("sid", None)
    return principal


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def signed_in(request: Request) -> Principal:
    principal = current_user(request)
    if principal is None:
        raise LoginRequired(_here(request) if request.method == "GET" else f"{PREFIX}/")
    return principal


def need(permission: Permission) -> Callable[[Request], Principal]:
    """A dependency: the signed-in user, whose role must allow `permission`."""

    def check(request: Request) -> Principal:
        principal = signed_in(request)
        if not allows(principal.role, permission):
            raise PageRefused(principal)
        return principal

    return check


# A console form has one file at most (a scan) and a few dozen fields; the body limit
# (hub/api/body_limits.py) bounds the whole, these bound the parser's work inside it.
FORM_LIMITS = {"max_files": 1, "max_fields": 300}


async def _posted_form(request: Request) -> FormData:
    # Starlette keeps the parsed form on the request: parsed once, read by the check
    # and by the handler alike.
    return await request.form(**FORM_LIMITS)


async def csrf_protected(request: Request) -> None:
    """Every console request that changes something carries the session's anti-forgery
    token, in the form's `csrf_token` field or the X-CSRF-Token header; otherwise it is
    refused (403) before the handler runs. Installed once, on every console router
    (hub/console/__init__.py), so no handler can forget it (issue 17: two delete forms
    had no check).

    Nor is the body of a stranger read: every unsafe console request but the login
    form needs a signed-in user, so one without is sent to the login page (as its
    handler would) before its form is parsed. Otherwise anyone who had loaded the
    login page had a token, and an anonymous upload of up to the scan limit was
    spooled to disk before the handler found nobody signed in (issue 17)."""
    if request.method in SAFE_METHODS or getattr(request.state, "csrf_checked", False):
        return
    if request.url.path != LOGIN_URL and await run_in_threadpool(current_user, request) is None:
        raise LoginRequired(f"{PREFIX}/")
    if not isinstance(request.session.get("csrf"), str):
        # No page of ours was ever shown to this session: nothing can match, and the
        # body (perhaps a large upload) is not worth parsing.
        raise PageRefused(None, "csrf")
    if not csrf_matches(request, request.headers.get(CSRF_HEADER)):
        token = (await _posted_form(request)).get(CSRF_FIELD)
        if not isinstance(token, str) or not csrf_matches(request, token):
            raise PageRefused(None, "csrf")
    # Checked once per request: `checked_form` asks again, and the user is looked up
    # only once.
    request.state.csrf_checked = True


async def checked_form(request: Request) -> FormData:
    """The posted form, its CSRF token checked (again: a handler mounted without the
    console's routers still gets the check)."""
    await csrf_protected(request)
    return await _posted_form(request)


def safe_next(value: object) -> str:
    """Where to go after login: only a path of the console itself."""
    if (isinstance(value, str) and value.startswith(PREFIX) and not value.startswith("//")
            and "\\" not in value and "\n" not in value and "\r" not in value):
        return value
    return f"{PREFIX}/"


def login_redirect(next_url: str) -> RedirectResponse:
    return RedirectResponse(f"{LOGIN_URL}?next={quote(next_url, safe='/')}", status_code=303)


# Language ------------------------------------------------------------------------


def language_of(request: Request, principal: Principal | None = None) -> Language:
    """The chosen language: the cookie, else the user's own preference, else Kazakh."""
    chosen = parse_language(request.cookies.get(LANG_COOKIE))
    if chosen is not None:
        return chosen
    if principal is not None:
        return principal.language
    return DEFAULT_LANGUAGE


class Translator:
    """`_("id", name=value)` in templates."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def __call__(self, key: str, **values: object) -> str:
        return translate(self.language, key, **values)

    def pick(self, value: Any) -> str:
        """The text of a bilingual value (domain `Bilingual` or a document's names)."""
        if isinstance(value, Bilingual):
            return value.get(self.language)
        if isinstance(value, Mapping):
            return str(value.get(self.language.value, ""))
        return str(getattr(value, self.language.value))


# Flash messages -------------------------------------------------------------------


def flash(request: Request, message: Bilingual, kind: str = "ok") -> None:
    """A message shown once on the next page (after a POST-redirect-GET)."""
    pending = request.session.get("flash")
    messages = pending if isinstance(pending, list) else []
    messages.append({"kind": kind, "kk": message.kk, "ru": message.ru})
    request.session["flash"] = messages


def flash_key(request: Request, key: str, kind: str = "ok", **values: object) -> None:
    flash(request, text(key).format(**values), kind)


def _take_flashes(request: Request, language: Language) -> list[dict[str, str]]:
    pending = request.session.pop("flash", None)
    if not isinstance(pending, list):
        return []
    return [{"kind": str(m.get("kind", "ok")), "text": str(m.get(language.value, ""))}
            for m in pending if isinstance(m, dict)]


# Rendering -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    href: str
    section: str


NAV: tuple[tuple[Permission, NavItem], ...] = (
    (Permission.VIEW_QUEUE, NavItem("nav.board", f"{PREFIX}/", "board")),
    (Permission.VIEW_QUEUE, NavItem("nav.fleet", f"{PREFIX}/fleet", "fleet")),
    (Permission.SERVE_AT_DESK, NavItem("nav.desk", f"{PREFIX}/desk", "desk")),
    (Permission.ISSUE_TICKETS, NavItem("nav.reception", f"{PREFIX}/reception", "reception")),
    (Permission.ISSUE_TICKETS, NavItem("nav.check_in", f"{PREFIX}/check-in", "check_in")),
    (Permission.ISSUE_TICKETS, NavItem("nav.issue", f"{PREFIX}/issue", "issue")),
    (Permission.ISSUE_TICKETS, NavItem("nav.officials", f"{PREFIX}/officials", "officials")),
    (Permission.CONFIGURE_CENTER, NavItem("nav.settings", f"{PREFIX}/config/zones", "config")),
    (Permission.MANAGE_USERS, NavItem("nav.users", f"{PREFIX}/users", "users")),
    (Permission.READ_AUDIT, NavItem("nav.audit", f"{PREFIX}/audit", "audit")),
    # The appeals register (issue 8): every role reads it, masked as its role needs.
    (Permission.VIEW_QUEUE, NavItem("nav.appeals", f"{PREFIX}/appeals", "appeals")),
    (Permission.VIEW_QUEUE, NavItem("nav.control", f"{PREFIX}/control", "control")),
    (Permission.VIEW_REPORTS, NavItem("nav.reports", f"{PREFIX}/reports", "reports")),
)


def nav_for(principal: Principal | None) -> list[NavItem]:
    if principal is None:
        return []
    return [item for permission, item in NAV if allows(principal.role, permission)]


def static_url(name: str) -> str:
    return f"{PREFIX}/static/{name}?v={__version__}"


def local_time(request: Request, moment: datetime | None, pattern: str = "%H:%M") -> str:
    if moment is None:
        return ""
    calendar = hub_of(request).centers.snapshot().calendar
    return calendar.local(moment).strftime(pattern)


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                      default=str)


def page_context(request: Request, principal: Principal | None,
                 **extra: Any) -> dict[str, Any]:
    language = language_of(request, principal)
    translator = Translator(language)
    snapshot = hub_of(request).centers.snapshot()
    role = ROLE_NAMES[principal.role].get(language) if principal is not None else ""
    context: dict[str, Any] = {
        "lang": language.value,
        "_": translator,
        "pick": translator.pick,
        "principal": principal,
        "role_name": role,
        "nav": nav_for(principal),
        "section": "",
        "center_name": snapshot.document.name.kk if language is Language.KK
        else snapshot.document.name.ru,
        "csrf": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "flashes": _take_flashes(request, language),
        "here": _here(request),
        "static": static_url,
        "local_time": lambda moment, pattern="%H:%M": local_time(request, moment, pattern),
        "errors": {},
        "values": {},
    }
    context["printer_trouble"] = _printer_trouble(request, principal)
    context.update(extra)
    return context


def _printer_trouble(request: Request, principal: Principal | None) -> Callable[[], str]:
    """The banner of ticket terminals whose printer is in fault (issue 4), for those
    who issue tickets; read only when the layout shows it."""
    def banner() -> str:
        if principal is None or not allows(principal.role, Permission.ISSUE_TICKETS):
            return ""
        nodes = sorted({alert.node_id for alert in hub_of(request).printing.alerts()
                        if alert.state == "fault"})
        if not nodes:
            return ""
        return translate(language_of(request, principal), "printing.banner",
                         nodes=", ".join(nodes))

    return banner


def render(request: Request, template: str, principal: Principal | None, *,
           status: int = 200, headers: Mapping[str, str] | None = None,
           **extra: Any) -> HTMLResponse:
    context = page_context(request, principal, **extra)
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    if headers:
        response.headers.update(headers)
    return response


def render_fragment(template: str, context: dict[str, Any]) -> str:
    return _environment.get_template(template).render(context)


def see_other(url: str) -> RedirectResponse:
    """The redirect of POST-redirect-GET."""
    return RedirectResponse(url, status_code=303)


def refused(request: Request, principal: Principal | None, reason: str) -> Response:
    if principal is None:
        principal = current_user(request)
    key = "error.csrf" if reason == "csrf" else "error.forbidden"
    return render(request, "error.html", principal, status=403,
                  title_key=f"{key}.title", text_key=f"{key}.text")
