"""The web console: server-rendered pages in Kazakh and Russian for the staff of
the center (live queue board, configuration, users, audit log)."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from hub.console.web import (
    HERE,
    LOGIN_URL,
    PREFIX,
    LoginRequired,
    PageRefused,
    csrf_protected,
    login_redirect,
    refused,
)


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return login_redirect(exc.next_url)


async def _page_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRefused)
    if exc.reason == "csrf" and request.url.path == LOGIN_URL:
        from hub.console.auth import expired_login

        return await run_in_threadpool(expired_login, request)
    return await run_in_threadpool(refused, request, exc.principal, exc.reason)


def install(app: FastAPI) -> None:
    """Mount the console's pages and static files on `app`."""
    from hub.console import (
        appeals,
        auth,
        board,
        check_in,
        config,
        fleet,
        officials,
        operator,
        people,
        reception,
        reports,
        terminal_issue,
        ticket_page,
    )

    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"),
              name="console-static")
    # The one place CSRF is enforced for the console: every unsafe request of every
    # console router, before its handler (tests/security/test_csrf_everywhere.py walks
    # the routes to keep it so).
    for module in (auth, board, config, fleet, people, reception, check_in, officials,
                   operator, appeals, terminal_issue, ticket_page, reports):
        app.include_router(module.router, dependencies=[Depends(csrf_protected)])
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageRefused, _page_refused)

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=307)
