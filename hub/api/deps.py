"""Dependencies of the routes: the hub's services and who is asking."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from hub.domain.errors import not_at_desk
from hub.domain.roles import Permission, Role, allows
from hub.services.users import Principal
from hub.wiring import Hub

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


# Dependencies that do no I/O are async: a plain `def` would cost a worker-thread
# hop on every request.
async def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


def csrf_token(request: Request) -> str:
    """The session's anti-forgery token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_matches(request: Request, presented: str | None) -> bool:
    expected = request.session.get("csrf")
    return (isinstance(expected, str) and presented is not None
            and hmac.compare_digest(expected, presented))


async def optional_principal(request: Request, hub: HubDep) -> Principal | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        # A device's token is usually remembered: no worker-thread hop for the lookup.
        principal = hub.users.remembered_token(token)
        if principal is None:
            principal = await run_in_threadpool(hub.users.token_principal, token)
        if principal is None:
            raise HTTPException(401, "invalid or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        return principal
    sid = request.session.get("sid")
    if not isinstance(sid, str):
        return None
    principal = await run_in_threadpool(hub.users.session_principal, sid)
    if principal is None:
        request.session.clear()
        return None
    # Cookie-authenticated changes must prove they come from our own pages.
    if request.method not in SAFE_METHODS and not csrf_matches(
            request, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, "missing or wrong CSRF token (send the X-CSRF-Token header)")
    return principal


async def current_principal(principal: Annotated[Principal | None,
                                           Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise HTTPException(401, "sign in or send a bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not allows(principal.role, permission):
            raise HTTPException(403, f"role {principal.role.value} may not {permission.value}")
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Permission.VIEW_QUEUE))]
Issuer = Annotated[Principal, Depends(require(Permission.ISSUE_TICKETS))]
DeskWorker = Annotated[Principal, Depends(require(Permission.SERVE_AT_DESK))]
Configurator = Annotated[Principal, Depends(require(Permission.CONFIGURE_CENTER))]
UserManager = Annotated[Principal, Depends(require(Permission.MANAGE_USERS))]
Auditor = Annotated[Principal, Depends(require(Permission.READ_AUDIT))]


# People who serve at a desk act only at the desk they signed in to. Administrators
# are not bound; nor are service tokens here (binding a device to its desk is
# provisioning's part).
DESK_BOUND_ROLES = frozenset({Role.OPERATOR, Role.OFFICIAL})


def desk_binding(hub: Hub, principal: Principal) -> str | None:
    """The desk a desk-bound user must act at; None for those not bound."""
    if principal.kind != "user" or principal.role not in DESK_BOUND_ROLES:
        return None
    mine = hub.staffing.desk_of(principal.actor)
    if mine is None:
        raise not_at_desk(f"{principal.actor} is signed in to no desk")
    return mine


def ensure_at_desk(hub: Hub, principal: Principal, desk: str) -> None:
    bound = desk_binding(hub, principal)
    if bound is not None and bound != desk:
        raise not_at_desk(f"{principal.actor} is signed in to {bound}, not {desk}")
