"""Request bodies are refused above a size before anything reads them.

The hub's outermost layer (issue 17): an anonymous 400 MB JSON body once grew the
hub by 1.2 GB before the 401, because the body was parsed before the route's
authentication ran. This middleware answers 413 from the Content-Length alone
without calling the application, and for a body without a length (chunked) counts
the chunks as the application reads them and answers 413 at the first byte over the
limit; the rest is never read (the server pauses the socket, then closes it).
Uploads (scans of appeals) get their own, larger limit by route.

Within the limit, a stranger's body is still not read: the routes that take a large
body ask who is calling first. The console refuses an unsafe request without a
signed-in user before parsing its form (hub/console/web.py, `csrf_protected`); the
API's scan upload reads its form itself, after its authentication dependency
(hub/api/routes/appeals.py), since FastAPI reads a declared body before any
dependency. This layer cannot tell a valid token or session from a made-up one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.problems import problem
from hub.domain.text import Bilingual


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """A larger (or smaller) limit for the paths `pattern` matches in full."""

    pattern: re.Pattern[str]
    max_bytes: int


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """The default limit and the routes that differ from it."""

    default_bytes: int
    routes: Sequence[RouteLimit] = ()

    def for_path(self, path: str) -> int:
        for route in self.routes:
            if route.pattern.fullmatch(path):
                return route.max_bytes
        return self.default_bytes


def too_large_text(limit: int) -> Bilingual:
    size = _human_size(limit)
    return Bilingual(kk=f"Сұрау тым үлкен: ең көбі {size}",
                     ru=f"Слишком большой запрос: не более {size}")


def _human_size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} МБ"
    return f"{max(1, limit // 1024)} КБ"


class _BodyTooLarge(Exception):
    """Raised into the application when its next read would pass the limit."""


class BodyLimitMiddleware:
    """Pure ASGI: no request object, no body buffering, nothing read ahead."""

    def __init__(self, app: ASGIApp, limits: BodyLimits, *, console_prefix: str = "/console"
                 ) -> None:
        self.app = app
        self.limits = limits
        self.console_prefix = console_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit)
            return

        received = 0
        over = False  # the body passed the limit: whatever the application says, 413
        answered = False
        started = False  # the application began its answer before the body ran over

        async def counted_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise _BodyTooLarge
            return message

        async def limited_send(message: Message) -> None:
            nonlocal answered, started
            if not over or started:
                started = started or message["type"] == "http.response.start"
                await send(message)
            elif not answered:
                # The application's answer to the cut body (FastAPI: 400 "error parsing
                # the body") is replaced by the 413; its further messages are dropped.
                answered = True
                await self._refuse(scope, send, limit)

        try:
            await self.app(scope, counted_receive, limited_send)
        except Exception:
            if not over or started:
                raise
            # The application failed on the cut body; the person gets the 413.
        if over and not answered and not started:
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        message = too_large_text(limit)
        response: Response
        if scope["path"].startswith(self.console_prefix) and _wants_html(scope):
            response = HTMLResponse(_html_page(message), status_code=413)
        else:
            response = problem(413, "payload_too_large",
                               f"the request body exceeds {limit} bytes",
                               text=message.as_dict(), max_bytes=limit)
        response.headers["cache-control"] = "no-store"
        # Connection: close tells the server not to wait for the unread rest of the body.
        response.headers["connection"] = "close"
        await response(scope, _nothing_more, send)


async def _nothing_more() -> Message:
    return {"type": "http.disconnect"}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _wants_html(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            return b"text/html" in value
    return False


def _html_page(message: Bilingual) -> str:
    kk, ru = html.escape(message.kk), html.escape(message.ru)
    return ("<!doctype html><html lang=\"kk\"><head><meta charset=\"utf-8\">"
            f"<title>{kk} / {ru}</title></head><body>"
            f"<h1>{kk}</h1><p lang=\"ru\">{ru}</p>"
            "<p><a href=\"/console/\">←</a></p></body></html>")
