"""Bilingual texts, domain errors and roles: hub.domain.text, .errors, .roles."""

from __future__ import annotations

import dataclasses

import pytest

from hub.domain import errors
from hub.domain.errors import (
    CenterClosed,
    Conflict,
    DeskBusy,
    DeskClosed,
    DeskEmpty,
    DomainError,
    Forbidden,
    IllegalTransition,
    KezekError,
    NodeNotAllowed,
    NotFound,
    NothingWaiting,
    RangeExhausted,
    ValidationFailed,
)
from hub.domain.roles import PERMISSIONS, ROLE_NAMES, Permission, Role, allows
from hub.domain.text import Bilingual, Language

# --------------------------------------------------------------------------- text


def test_bilingual_get_and_as_dict() -> None:
    text = Bilingual(kk="Сәлем", ru="Привет")
    assert text.get(Language.KK) == "Сәлем"
    assert text.get(Language.RU) == "Привет"
    assert text.get("kk") == "Сәлем"
    assert text.get("ru") == "Привет"
    assert text.as_dict() == {"kk": "Сәлем", "ru": "Привет"}


def test_bilingual_get_refuses_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="en"):
        Bilingual(kk="a", ru="b").get("en")


@pytest.mark.parametrize(("kk", "ru"), [("", "текст"), ("мәтін", ""), ("  ", "текст"),
                                        ("мәтін", "\n\t")])
def test_bilingual_needs_both_texts(kk: str, ru: str) -> None:
    with pytest.raises(ValueError, match="both"):
        Bilingual(kk=kk, ru=ru)


def test_bilingual_format() -> None:
    text = Bilingual(kk="{n} талон", ru="Талон {n}").format(n=105)
    assert text == Bilingual(kk="105 талон", ru="Талон 105")


def test_bilingual_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Bilingual(kk="a", ru="b").kk = "c"  # type: ignore[misc]


def test_languages() -> None:
    assert [language.value for language in Language] == ["kk", "ru"]


# --------------------------------------------------------------------------- errors

ERRORS = [
    (DomainError, "domain_error", 422), (ValidationFailed, "invalid_value", 422),
    (NotFound, "not_found", 404), (Conflict, "conflict", 409),
    (IllegalTransition, "illegal_transition", 409), (CenterClosed, "center_closed", 409),
    (RangeExhausted, "range_exhausted", 409), (NothingWaiting, "queue_empty", 409),
    (DeskBusy, "desk_busy", 409), (DeskClosed, "desk_closed", 409),
    (Forbidden, "forbidden", 403), (DeskEmpty, "desk_empty", 409),
    (NodeNotAllowed, "not_allowed", 403),
]


@pytest.mark.parametrize(("kind", "code", "status"), ERRORS, ids=lambda v: str(v))
def test_error_codes_and_statuses(kind: type[DomainError], code: str, status: int) -> None:
    error = kind("what happened", Bilingual(kk="не болды", ru="что случилось"), field="f",
                 extra_value=3)
    assert error.code == code
    assert error.status == status
    assert error.detail == "what happened"
    assert str(error) == "what happened"
    assert error.field == "f"
    assert error.extra == {"extra_value": 3}
    assert isinstance(error, KezekError)
    assert isinstance(error, ValueError)


def test_error_codes_are_unique() -> None:
    codes = [code for _, code, _ in ERRORS]
    assert len(codes) == len(set(codes))
    declared = [v for v in vars(errors).values()
                if isinstance(v, type) and issubclass(v, DomainError)]
    assert {v.code for v in declared} == set(codes)


def test_conflicts() -> None:
    for kind in (IllegalTransition, RangeExhausted, NothingWaiting, DeskBusy, DeskClosed):
        assert issubclass(kind, Conflict)
    assert not issubclass(CenterClosed, Conflict)
    assert not issubclass(NotFound, Conflict)


def test_field_defaults_to_none() -> None:
    error = NotFound("x", Bilingual(kk="x", ru="x"))
    assert error.field is None
    assert error.extra == {}


# --------------------------------------------------------------------------- roles


def test_every_role_has_names_and_permissions() -> None:
    assert set(ROLE_NAMES) == set(Role)
    assert set(PERMISSIONS) == set(Role)
    assert ROLE_NAMES[Role.OPERATOR].ru == "Оператор"


@pytest.mark.parametrize(
    ("role", "granted"),
    [
        (Role.ADMINISTRATOR, set(Permission)),
        (Role.RECEPTION, {Permission.VIEW_QUEUE, Permission.ISSUE_TICKETS}),
        (Role.OPERATOR, {Permission.VIEW_QUEUE, Permission.SERVE_AT_DESK}),
        (Role.OFFICIAL, {Permission.VIEW_QUEUE, Permission.SERVE_AT_DESK}),
        (Role.ANALYST, {Permission.VIEW_QUEUE, Permission.VIEW_REPORTS}),
    ],
)
def test_permissions(role: Role, granted: set[Permission]) -> None:
    for permission in Permission:
        assert allows(role, permission) is (permission in granted)


def test_only_the_administrator_configures_and_reads_the_audit() -> None:
    for permission in (Permission.CONFIGURE_CENTER, Permission.MANAGE_USERS,
                       Permission.READ_AUDIT):
        assert [role for role in Role if allows(role, permission)] == [Role.ADMINISTRATOR]
