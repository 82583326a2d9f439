"""Who may do what in the console and the API."""

from __future__ import annotations

from enum import StrEnum

from hub.domain.text import Bilingual


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    RECEPTION = "reception"
    OPERATOR = "operator"
    OFFICIAL = "official"
    ANALYST = "analyst"


class Permission(StrEnum):
    VIEW_QUEUE = "view_queue"
    ISSUE_TICKETS = "issue_tickets"
    SERVE_AT_DESK = "serve_at_desk"
    CONFIGURE_CENTER = "configure_center"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    VIEW_REPORTS = "view_reports"  # aggregates only, no personal data (issue 8)


ROLE_NAMES: dict[Role, Bilingual] = {
    Role.ADMINISTRATOR: Bilingual(kk="Әкімші", ru="Администратор"),
    Role.RECEPTION: Bilingual(kk="Ресепшн қызметкері", ru="Работник ресепшн"),
    Role.OPERATOR: Bilingual(kk="Оператор", ru="Оператор"),
    Role.OFFICIAL: Bilingual(kk="Лауазымды тұлға", ru="Должностное лицо"),
    Role.ANALYST: Bilingual(kk="Талдаушы", ru="Аналитик"),
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.RECEPTION: frozenset({Permission.VIEW_QUEUE, Permission.ISSUE_TICKETS}),
    Role.OPERATOR: frozenset({Permission.VIEW_QUEUE, Permission.SERVE_AT_DESK}),
    Role.OFFICIAL: frozenset({Permission.VIEW_QUEUE, Permission.SERVE_AT_DESK}),
    Role.ANALYST: frozenset({Permission.VIEW_QUEUE, Permission.VIEW_REPORTS}),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]
