"""Signing in and out, and the language switch."""

from __future__ import annotations

import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from hub.console import forms
from hub.console.i18n import parse_language
from hub.console.web import (
    LANG_COOKIE,
    LOGIN_URL,
    PREFIX,
    checked_form,
    current_user,
    flash_key,
    hub_of,
    render,
    safe_next,
    see_other,
)

router = APIRouter(prefix=PREFIX, include_in_schema=False)

LANG_COOKIE_SECONDS = 365 * 24 * 3600
NextParam = Annotated[str, Query(alias="next")]


def _login_page(request: Request, *, username: str = "", next_url: str = "",
                error_key: str | None = None, minutes: int = 0, status: int = 200,
                headers: dict[str, str] | None = None) -> Response:
    return render(request, "login.html", None, status=status, headers=headers,
                  username=username, next_url=safe_next(next_url), error_key=error_key,
                  minutes=minutes)


@router.get("/login")
def login_form(request: Request, next_url: NextParam = "") -> Response:
    if current_user(request) is not None:
        return see_other(safe_next(next_url))
    return _login_page(request, next_url=next_url)


def expired_login(request: Request) -> Response:
    """The answer to a login form whose CSRF token is missing or stale: the form again."""
    return _login_page(request, error_key="login.expired", status=403)


@router.post("/login")
async def login(request: Request, form: Annotated[FormData, Depends(checked_form)]
                ) -> Response:
    username = forms.value(form, "username")
    password = form.get("password")
    next_url = forms.value(form, "next")
    hub = hub_of(request)
    client = request.client.host if request.client else "unknown"
    wait = hub.login_limiter.retry_after(username, client)
    if wait > 0:
        return _limited(request, username, next_url, wait)
    principal = None
    sid = None
    if username and isinstance(password, str) and password:
        principal = await run_in_threadpool(hub.users.authenticate, username, password)
    if principal is not None:
        # None if the password was changed while this one was being checked.
        sid = await run_in_threadpool(hub.users.open_session, principal,
                                      request.app.state.settings.session_hours)
    if principal is None or sid is None:
        for lockout in hub.login_limiter.failed(username, client):
            await run_in_threadpool(hub.users.record_lockout, lockout)
        wait = hub.login_limiter.retry_after(username, client)
        if wait > 0:
            return _limited(request, username, next_url, wait)
        return _login_page(request, username=username, next_url=next_url,
                           error_key="login.failed", status=401)
    hub.login_limiter.succeeded(username, client)
    # A fresh session: nothing from before signing in survives, the CSRF token rotates.
    request.session.clear()
    request.session["sid"] = sid
    request.session["csrf"] = secrets.token_urlsafe(32)
    flash_key(request, "login.welcome", name=principal.full_name or principal.name)
    return see_other(safe_next(next_url))


def _limited(request: Request, username: str, next_url: str, wait: float) -> Response:
    minutes = max(1, math.ceil(wait / 60))
    return _login_page(request, username=username, next_url=next_url,
                       error_key="login.limited", minutes=minutes, status=429,
                       headers={"Retry-After": str(math.ceil(wait))})


@router.post("/logout")
def logout(request: Request, _: Annotated[FormData, Depends(checked_form)]) -> Response:
    sid = request.session.get("sid")
    if isinstance(sid, str):
        hub_of(request).users.close_session(sid)
    request.session.clear()
    flash_key(request, "login.signed_out")
    return see_other(LOGIN_URL)


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next_url: NextParam = "") -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    response: Response = RedirectResponse(safe_next(next_url), status_code=303)
    language = parse_language(code)
    if language is not None:
        response.set_cookie(LANG_COOKIE, language.value, max_age=LANG_COOKIE_SECONDS,
                            path="/", samesite="lax", httponly=True,
                            secure=request.app.state.settings.secure_cookies)
    return response
