"""The FastAPI application factory: collaborators come in, nothing is global."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from hub import __version__
from hub.api import docs, openapi, problems
from hub.api.body_limits import BodyLimitMiddleware, BodyLimits, RouteLimit
from hub.api.cache_control import NoStoreMiddleware
from hub.api.routes import (
    appeals,
    center,
    check_in,
    desks,
    letters,
    nodes,
    queue,
    reception,
    reports,
    tickets,
    users,
)
from hub.services.clock import Clock, real_seconds
from hub.settings import HubSettings
from hub.wiring import Hub, build_hub

log = logging.getLogger("kezek.api")
ABSENTEES_EVERY_SECONDS = 60.0
SESSION_COOKIE = "kezek_session"
# Routes that take a scan of an appeal (the API's and the console's form): the one
# place bodies may be larger than the default limit.
UPLOAD_ROUTES = (r"/api/v1/appeals/[^/]+/attachments", r"/console/appeals/[^/]+/attachments")

DESCRIPTION = """\
The hub of a Citizens' Reception Center: the electronic queue (tickets, desks,
zones with number ranges), its working calendar, users and the audit log.

Errors are `application/problem+json` with a machine `code`, the `field` at
fault and a `text` in Kazakh (`kk`) and Russian (`ru`).

Authenticate with a console session cookie (changes then need the
`X-CSRF-Token` header) or with `Authorization: Bearer <service token>`.
"""


async def _mark_absentees_every_minute(hub: Hub) -> None:
    """Bookings past their late window with no check-in become absent (issue 7)."""
    while True:
        await asyncio.sleep(real_seconds(hub.clock, ABSENTEES_EVERY_SECONDS))
        try:
            await asyncio.to_thread(hub.check_in.mark_absentees)
        except Exception:
            log.exception("marking absent bookings failed")


def body_limits(settings: HubSettings) -> BodyLimits:
    upload = settings.max_upload_body_bytes
    return BodyLimits(settings.max_body_bytes,
                      tuple(RouteLimit(re.compile(p), upload) for p in UPLOAD_ROUTES))


def create_app(settings: HubSettings, hub: Hub | None = None, *,
               clock: Clock | None = None) -> FastAPI:
    """Build the web application around `hub`, or around a hub built from `settings`."""
    owned = hub is None
    the_hub = hub if hub is not None else build_hub(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        messaging = None
        if settings.mqtt_enabled:
            from hub.mqtt.messaging import start_messaging

            messaging = start_messaging(the_hub)
        app.state.messaging = messaging
        absentees = asyncio.create_task(_mark_absentees_every_minute(the_hub))
        the_hub.letter_sender.start()  # letters to applicants, from the outbox
        yield
        absentees.cancel()
        await asyncio.to_thread(the_hub.letter_sender.stop)
        if messaging is not None:
            messaging.stop()
        if owned:
            the_hub.close()

    # Forms parsed by FastAPI itself (the API's scan upload) take one file and a few
    # fields; the body limit below bounds their total size.
    app = FastAPI(title="Kezek hub", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", swagger_ui_parameters={
                      "syntaxHighlight": False},
                  form_limits={"max_files": 1, "max_fields": 20,
                               "max_part_size": settings.max_body_bytes})
    app.state.hub = the_hub
    app.state.settings = settings
    # Middleware added last runs first: the body limit is the outermost layer, so an
    # oversized body is refused before the session, the route or authentication.
    app.add_middleware(SessionMiddleware, secret_key=settings.session_secret(),
                       session_cookie=SESSION_COOKIE,
                       max_age=int(timedelta(hours=settings.session_hours).total_seconds()),
                       same_site="strict", https_only=settings.secure_cookies)
    app.add_middleware(NoStoreMiddleware, private_prefixes=("/api", "/console"),
                       static_prefixes=("/console/static/", f"{docs.ASSETS_URL}/"),
                       session_cookie=SESSION_COOKIE)
    app.add_middleware(BodyLimitMiddleware, limits=body_limits(settings))
    problems.install(app)
    docs.install(app)
    openapi.install(app)  # the document made true to the answers
    for router in (tickets.router, desks.router, queue.router, center.router, users.router,
                   nodes.router, reception.router, check_in.router, letters.router):
        app.include_router(router)
    app.include_router(appeals.router)  # the appeals register (issue 8)
    app.include_router(reports.router)

    @app.get("/api/v1/health", tags=["health"], summary="Liveness and database reachability")
    def health() -> dict[str, str]:
        the_hub.centers.snapshot()
        return {"status": "ok", "version": __version__}

    from hub.console import install as install_console

    install_console(app)
    return app
