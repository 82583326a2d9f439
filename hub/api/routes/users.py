"""Users, service tokens and the audit log: administrators only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from hub.api.deps import Auditor, HubDep, UserManager
from hub.api.schemas import MAX_ID, AuditOut, FilterKey, TokenIn, TokenOut, UserIn, UserPatch
from hub.services import audit
from hub.services.users import UserInfo

router = APIRouter(prefix="/api/v1", tags=["people"])


@router.get("/users", response_model=list[UserInfo], summary="All users")
def list_users(hub: HubDep, _: UserManager) -> list[UserInfo]:
    return hub.users.list_users()


@router.post("/users", response_model=UserInfo, status_code=status.HTTP_201_CREATED,
             summary="Create a user")
def create_user(body: UserIn, hub: HubDep, who: UserManager) -> UserInfo:
    return hub.users.create_user(username=body.username, full_name=body.full_name,
                                 role=body.role, password=body.password,
                                 language=body.language, actor=who.actor)


@router.patch("/users/{username}", response_model=UserInfo, summary="Change a user")
def update_user(username: str, body: UserPatch, hub: HubDep, who: UserManager) -> UserInfo:
    return hub.users.update_user(username, actor=who.actor, full_name=body.full_name,
                                 role=body.role, language=body.language, active=body.active,
                                 password=body.password)


@router.post("/tokens", response_model=TokenOut, status_code=status.HTTP_201_CREATED,
             summary="Create a service token (shown once)")
def create_token(body: TokenIn, hub: HubDep, who: UserManager) -> TokenOut:
    token = hub.users.create_token(name=body.name, role=body.role, actor=who.actor)
    return TokenOut(name=body.name.strip().lower(), role=body.role, token=token)


@router.delete("/tokens/{name}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Revoke a service token")
def revoke_token(name: str, hub: HubDep, who: UserManager) -> None:
    hub.users.revoke_token(name, actor=who.actor)


@router.get("/audit", response_model=list[AuditOut], summary="The audit log, newest first")
def audit_log(hub: HubDep, _: Auditor, entity: FilterKey = None, entity_id: FilterKey = None,
              before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
              limit: int = Query(100, ge=1, le=1000)) -> list[AuditOut]:
    with hub.db.read() as session:
        rows = audit.recent(session, limit=limit, entity=entity, entity_id=entity_id,
                            before_id=before_id)
        return [AuditOut(id=r.id, at=r.at, actor=r.actor, action=r.action, entity=r.entity,
                         entity_id=r.entity_id, before=r.before, after=r.after) for r in rows]
