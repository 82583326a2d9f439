"""Users of the console and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from hub.api.schemas import MAX_ID
from hub.console import forms
from hub.console.forms import Errors
from hub.console.i18n import text, translate
from hub.console.web import (
    PREFIX,
    checked_form,
    compact_json,
    flash,
    flash_key,
    hub_of,
    language_of,
    need,
    render,
    see_other,
)
from hub.domain.errors import DomainError, NotFound
from hub.domain.roles import ROLE_NAMES, Permission, Role
from hub.domain.text import Language
from hub.services import audit
from hub.services.users import Principal

router = APIRouter(prefix=PREFIX, include_in_schema=False)

UserManager = Annotated[Principal, Depends(need(Permission.MANAGE_USERS))]
Auditor = Annotated[Principal, Depends(need(Permission.READ_AUDIT))]
Form = Annotated[FormData, Depends(checked_form)]

USER_FIELDS = frozenset({"username", "full_name", "role", "language", "password"})
EDIT_FIELDS = frozenset({"full_name", "role", "language", "password", "active"})
AUDIT_PAGE = 100


def _users_page(request: Request, principal: Principal, *, create: dict[str, Any],
                create_errors: Errors, editing: str = "", edit: dict[str, Any] | None = None,
                edit_errors: Errors | None = None, status: int = 200) -> Response:
    hub = hub_of(request)
    users = hub.users.list_users()
    if editing and edit is None:
        found = next((u for u in users if u.username == editing), None)
        if found is None:
            editing = ""
        else:
            edit = {"full_name": found.full_name, "role": found.role.value,
                    "language": found.language.value, "active": found.active, "password": ""}
    language = language_of(request, principal)
    role_options = [(role.value, ROLE_NAMES[role].get(language)) for role in Role]
    language_options = [(lang.value, translate(language, f"lang.name.{lang.value}"))
                        for lang in Language]
    return render(request, "users.html", principal, status=status, section="users",
                  users=users, role_names=ROLE_NAMES, role_options=role_options,
                  language_options=language_options, create=create, create_errors=create_errors,
                  editing=editing, edit=edit or {}, edit_errors=edit_errors or {})


def _blank_user() -> dict[str, Any]:
    return {"username": "", "full_name": "", "role": Role.OPERATOR.value, "language": "kk",
            "password": ""}


def _choice(raw: str, kind: type[Role] | type[Language], field: str,
            errors: Errors) -> Any:
    try:
        return kind(raw)
    except ValueError:
        errors.setdefault(field, text("err.choice"))
        return None


@router.get("/users")
def users_page(request: Request, principal: UserManager, edit: str = "") -> Response:
    return _users_page(request, principal, create=_blank_user(), create_errors={},
                       editing=edit)


@router.post("/users")
def create_user(request: Request, principal: UserManager, form: Form) -> Response:
    shown = {name: forms.value(form, name) for name in ("username", "full_name", "role",
                                                          "language")}
    raw_password = form.get("password")
    password = raw_password if isinstance(raw_password, str) else ""
    errors: Errors = {}
    forms.require(shown["username"], "username", errors)
    forms.require(shown["full_name"], "full_name", errors)
    role = _choice(shown["role"], Role, "role", errors)
    language = _choice(shown["language"], Language, "language", errors)
    if not errors:
        try:
            created = hub_of(request).users.create_user(
                username=shown["username"], full_name=shown["full_name"], role=role,
                password=password, language=language, actor=principal.actor)
        except DomainError as exc:
            errors = forms.from_domain(exc, USER_FIELDS, own=())
        else:
            flash_key(request, "users.created", username=created.username)
            return see_other(f"{PREFIX}/users")
    return _users_page(request, principal, create=shown | {"password": ""},
                       create_errors=errors, status=422)


@router.post("/users/{username}")
def update_user(request: Request, principal: UserManager, username: str,
                form: Form) -> Response:
    shown: dict[str, Any] = {name: forms.value(form, name)
                             for name in ("full_name", "role", "language")}
    shown["active"] = forms.checked(form, "active")
    raw_password = form.get("password")
    password = raw_password if isinstance(raw_password, str) and raw_password else None
    errors: Errors = {}
    forms.require(shown["full_name"], "full_name", errors)
    role = _choice(shown["role"], Role, "role", errors)
    language = _choice(shown["language"], Language, "language", errors)
    if username == principal.name and (role is not Role.ADMINISTRATOR or not shown["active"]):
        errors.setdefault("role" if role is not Role.ADMINISTRATOR else "active",
                          text("err.self_lockout"))
    if not errors:
        try:
            updated = hub_of(request).users.update_user(
                username, actor=principal.actor, full_name=shown["full_name"], role=role,
                language=language, active=shown["active"], password=password)
        except NotFound as exc:
            flash(request, exc.text, "error")
            return see_other(f"{PREFIX}/users")
        except DomainError as exc:
            errors = forms.from_domain(exc, EDIT_FIELDS, own=())
        else:
            flash_key(request, "users.updated", username=updated.username)
            return see_other(f"{PREFIX}/users")
    return _users_page(request, principal, create=_blank_user(), create_errors={},
                       editing=username, edit=shown | {"password": ""}, edit_errors=errors,
                       status=422)


def _changed(before: Any, after: Any) -> tuple[Any, Any]:
    """Only what differs: a whole center document shrinks to the part that changed."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
        pairs = {k: _changed(before.get(k), after.get(k)) for k in keys}
        return {k: b for k, (b, _) in pairs.items()}, {k: a for k, (_, a) in pairs.items()}
    if (isinstance(before, list) and isinstance(after, list)
            and all(isinstance(i, dict) and "code" in i for i in [*before, *after])):
        old = {i["code"]: i for i in before}
        new = {i["code"]: i for i in after}
        codes = [c for c in dict.fromkeys([*old, *new]) if old.get(c) != new.get(c)]
        return [old[c] for c in codes if c in old], [new[c] for c in codes if c in new]
    return before, after


@router.get("/audit")
def audit_page(request: Request, principal: Auditor,
               before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:
    hub = hub_of(request)
    with hub.db.read() as session:
        rows = audit.recent(session, limit=AUDIT_PAGE, before_id=before_id)
        entries = []
        for row in rows:
            before, after = row.before, row.after
            if before is not None and after is not None:
                before, after = _changed(before, after)
            entries.append({"id": row.id, "at": row.at, "actor": row.actor,
                            "action": row.action, "entity": row.entity,
                            "entity_id": row.entity_id,
                            "before": compact_json(before) if before is not None else "",
                            "after": compact_json(after) if after is not None else ""})
    older = entries[-1]["id"] if len(entries) == AUDIT_PAGE else None
    return render(request, "audit.html", principal, section="audit", entries=entries,
                  older=older, paged=before_id is not None)
