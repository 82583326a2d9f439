"""Reading posted forms and putting errors next to the field they are about.

Errors are `dict[str, Bilingual]` keyed by the form's field name; the key
`GENERAL` holds a message that belongs to no field of the form.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from hub.console.i18n import text
from hub.domain.errors import DomainError
from hub.domain.text import Bilingual

GENERAL = ""
Errors = dict[str, Bilingual]

# Top-level parts of the center document; a path in another form's part is not ours.
SECTIONS = frozenset({"name", "timezone", "hours", "calendar", "policy", "zones", "desks",
                      "purposes", "out_of_turn"})


def value(form: FormData, name: str) -> str:
    raw = form.get(name)
    return raw.strip() if isinstance(raw, str) else ""


def values(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def checked(form: FormData, name: str) -> bool:
    return value(form, name) in ("on", "1", "true", "yes")


def to_int(raw: str, field: str, errors: Errors) -> int | None:
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        errors.setdefault(field, text("err.integer"))
        return None


def to_float(raw: str, field: str, errors: Errors) -> float | None:
    if raw == "":
        return None
    try:
        number = float(raw.replace(",", "."))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):  # "nan" and "inf" parse as floats but are no answer
        errors.setdefault(field, text("err.number"))
        return None
    return number


def to_date(raw: str, field: str, errors: Errors) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.setdefault(field, text("err.date"))
        return None


def require(raw: str, field: str, errors: Errors) -> str:
    if raw == "":
        errors.setdefault(field, text("err.required"))
    return raw


def locate(path: Sequence[object], fields: Collection[str], *, own: Collection[str],
           aliases: Mapping[str, str] | None = None) -> str | None:
    """The form field an error path names, or None when it is not on this form.

    `path` is a domain error's dotted field split on dots ("zones.consultation.range")
    or a pydantic location (("zones", 3, "range", 0)); `own` are the document
    sections this form edits.
    """
    parts = [str(p) for p in path]
    if not parts:
        return None
    if parts[0] in SECTIONS and parts[0] not in own:
        return None
    named: list[str] = []
    for i, part in enumerate(parts):
        if i > 0 and parts[i - 1] == "range" and part in ("0", "1"):
            named.append("first" if part == "0" else "last")
        else:
            named.append(part)
    while named and named[-1].isdigit():
        named.pop()
    aliases = aliases or {}
    for start in range(len(named)):
        candidate = "_".join(named[start:])
        candidate = aliases.get(candidate, candidate)
        if candidate in fields:
            return candidate
    return None


def from_domain(exc: DomainError, fields: Collection[str], *, own: Collection[str],
                aliases: Mapping[str, str] | None = None) -> Errors:
    field = locate(exc.field.split("."), fields, own=own, aliases=aliases) if exc.field else None
    return {field if field is not None else GENERAL: exc.text}


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _pydantic_text(error: Mapping[str, Any], field: str | None) -> Bilingual:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, DomainError):  # a field's own check said it in both languages
        return cause.text
    message = str(error.get("msg", ""))
    if kind == "too_short" and field == "zones":
        return text("err.select_zone")
    if kind == "too_short" and field == "weekdays":
        return text("err.select_weekday")
    if kind in ("missing", "string_too_short", "too_short") or "blank" in message:
        return text("err.required")
    if kind == "string_pattern_mismatch":
        return text("err.pattern")
    if kind in ("string_too_long", "too_long"):
        return text("err.too_long")
    if kind in ("greater_than", "greater_than_equal"):
        limit = ctx.get("gt", ctx.get("ge", ""))
        return text("err.greater_than").format(limit=_number(limit))
    if kind in ("less_than", "less_than_equal"):
        limit = ctx.get("lt", ctx.get("le", ""))
        return text("err.at_most").format(limit=_number(limit))
    if kind in ("enum", "literal_error"):
        return text("err.choice")
    if kind.startswith(("int_", "float_")):
        return text("err.number")
    if kind.startswith("time_"):
        return text("err.time")
    if kind.startswith(("date_", "datetime_")):
        return text("err.date")
    return text("err.invalid")


def from_validation(exc: ValidationError, fields: Collection[str], *, own: Collection[str],
                    aliases: Mapping[str, str] | None = None) -> Errors:
    errors: Errors = {}
    for error in exc.errors():
        field = locate(tuple(error.get("loc", ())), fields, own=own, aliases=aliases)
        errors.setdefault(field if field is not None else GENERAL,
                          _pydantic_text(error, field))
    return errors
