"""`Cache-Control: no-store` on every answer that may carry personal data.

The rule is deliberately coarse, so that no page or route can forget it (issue 17,
002 ch.4: personal data must not linger in a browser's or a proxy's cache on a
shared reception computer): every answer to a request that carries credentials (a
session cookie or a bearer token) and every answer under /api and /console is
marked no-store, except static assets (style sheets, scripts, the API docs' files),
which hold no data and are worth caching.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = b"no-store"


class NoStoreMiddleware:
    def __init__(self, app: ASGIApp, *, private_prefixes: Sequence[str],
                 static_prefixes: Sequence[str], session_cookie: str) -> None:
        self.app = app
        self.private_prefixes = tuple(private_prefixes)
        self.static_prefixes = tuple(static_prefixes)
        self.session_cookie = session_cookie.encode()

    def _private(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if path.startswith(self.static_prefixes):
            return False
        if path.startswith(self.private_prefixes):
            return True
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                return True
            if name == b"cookie" and self.session_cookie + b"=" in value:
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._private(scope):
            await self.app(scope, receive, send)
            return

        async def no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers", ())
                           if name.lower() != b"cache-control"]
                headers.append((b"cache-control", NO_STORE))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, no_store)
