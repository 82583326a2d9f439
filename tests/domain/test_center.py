"""The center's configuration and its checks: hub.domain.center."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.center import (
    MAX_NUMBER,
    MIN_RANGE_SIZE,
    SERVING_KINDS,
    CenterConfig,
    Desk,
    DeskKind,
    NumberRange,
    OutOfTurnCategory,
    Purpose,
    QueuePolicy,
    Zone,
    ZoneKind,
)
from hub.domain.errors import DomainError, NotFound, ValidationFailed
from hub.domain.text import Bilingual

# --------------------------------------------------------------------------- builders


def text(name: str) -> Bilingual:
    return Bilingual(kk=f"{name} kk", ru=f"{name} ru")


def zone(code: str, kind: ZoneKind = ZoneKind.CONSULTATION,
         number_range: tuple[int, int] | None = (100, 199), **extra: Any) -> Zone:
    span = NumberRange(*number_range) if number_range is not None else None
    return Zone(code=code, kind=kind, name=Bilingual(kk=f"{code}-аймақ", ru=f"{code}-зона"),
                number_range=span, **extra)


def desk(code: str, *zones: str, label: Bilingual | None = None, active: bool = True) -> Desk:
    return Desk(code=code, label=label or Bilingual(kk=f"{code} орын", ru=f"{code} место"),
                zones=zones, active=active)


def purpose(code: str, zone_code: str) -> Purpose:
    return Purpose(code=code, name=text(code), zone=zone_code)


def category(code: str) -> OutOfTurnCategory:
    return OutOfTurnCategory(code=code, name=text(code))


def config(zones: tuple[Zone, ...] | None = None, desks: tuple[Desk, ...] | None = None,
           purposes: tuple[Purpose, ...] | None = None,
           out_of_turn: tuple[OutOfTurnCategory, ...] | None = None) -> CenterConfig:
    """A small sound center; each argument replaces one part of it."""
    return CenterConfig(
        name=text("center"),
        zones=zones if zones is not None else (
            zone("reception", ZoneKind.RECEPTION, None),
            zone("consult", ZoneKind.CONSULTATION, (100, 199)),
            zone("personal", ZoneKind.PERSONAL_RECEPTION, (500, 599)),
        ),
        desks=desks if desks is not None else (
            desk("w1", "consult"), desk("w2", "consult"), desk("o1", "personal"),
        ),
        purposes=purposes if purposes is not None else (
            purpose("complaint", "consult"), purpose("booked", "personal"),
        ),
        out_of_turn=out_of_turn if out_of_turn is not None else (
            category("veteran"), category("pregnant"),
        ),
    )


def refused(build: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        build()
    error = caught.value
    assert error.code == "invalid_value"
    assert error.status == 422
    assert error.text.kk.strip()
    assert error.text.ru.strip()
    assert error.text.kk != error.text.ru
    assert error.detail == str(error)
    return error


# --------------------------------------------------------------------------- NumberRange


def test_number_range_basics() -> None:
    span = NumberRange(100, 399)
    assert span.size == 300
    assert 100 in span
    assert 399 in span
    assert 250 in span
    assert 99 not in span
    assert 400 not in span
    assert "150" not in span
    assert 150.0 not in span
    assert None not in span


@pytest.mark.parametrize(("first", "last"), [(1, 10), (9990, 9999), (1, MAX_NUMBER), (500, 509)])
def test_number_range_accepts_the_edges(first: int, last: int) -> None:
    span = NumberRange(first, last)
    assert span.size == last - first + 1
    assert span.size >= MIN_RANGE_SIZE


@pytest.mark.parametrize(("first", "last"), [(0, 100), (-5, 100), (10000, 10020),
                                             (MAX_NUMBER + 1, MAX_NUMBER + 1)])
def test_number_range_start_out_of_bounds(first: int, last: int) -> None:
    error = refused(lambda: NumberRange(first, last))
    assert error.field == "range.first"
    assert str(MAX_NUMBER) in error.text.kk
    assert str(MAX_NUMBER) in error.text.ru


@pytest.mark.parametrize(("first", "last"), [(100, 99), (100, 10000), (5, 1), (9990, 10005)])
def test_number_range_end_out_of_bounds(first: int, last: int) -> None:
    error = refused(lambda: NumberRange(first, last))
    assert error.field == "range.last"
    assert str(first) in error.text.kk
    assert str(first) in error.text.ru


@pytest.mark.parametrize(("first", "last"), [(1, 1), (100, 108), (9991, 9999), (7, 15)])
def test_number_range_too_small_for_a_day(first: int, last: int) -> None:
    error = refused(lambda: NumberRange(first, last))
    assert error.field == "range"
    assert str(MIN_RANGE_SIZE) in error.text.kk
    assert str(MIN_RANGE_SIZE) in error.text.ru
    assert f"{last - first + 1} numbers" in error.detail


def test_min_range_size_is_ten() -> None:
    assert MIN_RANGE_SIZE == 10
    assert MAX_NUMBER == 9999
    NumberRange(1, 10)
    with pytest.raises(ValidationFailed):
        NumberRange(1, 9)


@given(first=st.integers(-3, MAX_NUMBER + 3), last=st.integers(-3, MAX_NUMBER + 3))
@settings(max_examples=300)
def test_number_range_validation_matches_the_rules(first: int, last: int) -> None:
    if not 1 <= first <= MAX_NUMBER:
        expected: str | None = "range.first"
    elif not first <= last <= MAX_NUMBER:
        expected = "range.last"
    elif last - first + 1 < MIN_RANGE_SIZE:
        expected = "range"
    else:
        expected = None
    if expected is None:
        span = NumberRange(first, last)
        assert span.size == last - first + 1
    else:
        with pytest.raises(ValidationFailed) as caught:
            NumberRange(first, last)
        assert caught.value.field == expected


def test_overlaps_examples() -> None:
    a = NumberRange(100, 199)
    assert a.overlaps(NumberRange(199, 299))
    assert NumberRange(199, 299).overlaps(a)
    assert a.overlaps(NumberRange(1, 100))
    assert a.overlaps(NumberRange(120, 140))
    assert NumberRange(120, 140).overlaps(a)
    assert a.overlaps(a)
    assert not a.overlaps(NumberRange(200, 299))
    assert not NumberRange(200, 299).overlaps(a)
    assert not a.overlaps(NumberRange(1, 99))


ranges = st.builds(lambda first, size: NumberRange(first, first + size - 1),
                   st.integers(1, 400), st.integers(MIN_RANGE_SIZE, 150))


@given(a=ranges, b=ranges)
@settings(max_examples=200)
def test_overlaps_means_a_shared_number(a: NumberRange, b: NumberRange) -> None:
    shared = set(range(a.first, a.last + 1)) & set(range(b.first, b.last + 1))
    assert a.overlaps(b) is bool(shared)
    assert b.overlaps(a) is a.overlaps(b)
    assert all(n in a and n in b for n in shared)


# --------------------------------------------------------------------------- the shipped center


def test_borodulikha_loads(borodulikha: CenterConfig) -> None:
    assert [z.code for z in borodulikha.zones] == [
        "reception", "waiting", "consultation", "personal", "self_service"]
    assert [z.code for z in borodulikha.zones if z.serving] == [
        "consultation", "personal", "self_service"]
    assert borodulikha.zone("consultation").number_range == NumberRange(100, 399)
    assert borodulikha.zone("personal").number_range == NumberRange(500, 699)
    assert borodulikha.zone("self_service").number_range == NumberRange(800, 899)
    assert borodulikha.zone("reception").number_range is None
    assert borodulikha.zone("consultation").default_service_minutes == 15
    assert borodulikha.zone("personal").default_service_minutes == 20
    assert [d.code for d in borodulikha.desks] == [
        "window-1", "window-2", "window-3", "office-105", "office-106", "office-107", "self-1"]
    assert borodulikha.desk("office-105").kind is DeskKind.OFFICE
    assert borodulikha.desk("window-1").kind is DeskKind.WORKPLACE
    assert borodulikha.desk("window-1").label.ru == "Окно 1"
    assert [p.code for p in borodulikha.purposes] == [
        "appeal_help", "appeal_paper", "book_reception", "complaint", "booked_reception"]
    assert borodulikha.purpose("appeal_help").calls_staff is True
    assert borodulikha.purpose("complaint").calls_staff is False
    assert borodulikha.purpose("booked_reception").zone == "personal"
    assert len(borodulikha.out_of_turn) == 9
    assert borodulikha.out_of_turn_category("pregnant").name.ru == "Беременная женщина"
    assert borodulikha.policy == QueuePolicy(transfer_keeps_arrival=True,
                                             next_finishes_serving=True,
                                             unstaffed_alert_hours=3.0)
    assert borodulikha.name.ru == "Центр приема граждан акимата Бородулихинского района"


def test_desks_of_zone(borodulikha: CenterConfig) -> None:
    assert [d.code for d in borodulikha.desks_of_zone("consultation")] == [
        "window-1", "window-2", "window-3"]
    assert [d.code for d in borodulikha.desks_of_zone("personal")] == [
        "office-105", "office-106", "office-107"]
    assert borodulikha.desks_of_zone("reception") == ()
    assert borodulikha.desks_of_zone("nowhere") == ()


def test_desks_of_zone_leaves_out_inactive_desks() -> None:
    center = config(desks=(desk("w1", "consult"), desk("w2", "consult", active=False),
                           desk("both", "consult", "personal")))
    assert [d.code for d in center.desks_of_zone("consult")] == ["w1", "both"]
    assert [d.code for d in center.desks_of_zone("personal")] == ["both"]


def test_serving_kinds() -> None:
    assert frozenset({ZoneKind.CONSULTATION, ZoneKind.PERSONAL_RECEPTION,
                      ZoneKind.SELF_SERVICE}) == SERVING_KINDS
    assert zone("r", ZoneKind.RECEPTION, None).serving is False
    assert zone("w", ZoneKind.WAITING, None).serving is False
    assert zone("c", ZoneKind.CONSULTATION).serving is True


def test_the_default_config_builder_is_sound() -> None:
    center = config()
    assert len(center.zones) == 3
    assert center.policy == QueuePolicy()
    assert center.policy.unstaffed_alert_hours == 3.0


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize(
    ("lookup", "field"),
    [("zone", "zone"), ("desk", "desk"), ("purpose", "purpose"),
     ("out_of_turn_category", "out_of_turn")],
)
def test_unknown_lookups_raise_not_found(borodulikha: CenterConfig, lookup: str,
                                         field: str) -> None:
    with pytest.raises(NotFound) as caught:
        getattr(borodulikha, lookup)("no-such-thing")
    error = caught.value
    assert error.code == "not_found"
    assert error.status == 404
    assert error.field == field
    assert isinstance(error, DomainError)
    assert "'no-such-thing'" in error.detail
    assert "«no-such-thing»" in error.text.kk
    assert "«no-such-thing»" in error.text.ru


def test_lookups_are_exact(borodulikha: CenterConfig) -> None:
    assert borodulikha.zone("personal").kind is ZoneKind.PERSONAL_RECEPTION
    assert borodulikha.desk("self-1").zones == ("self_service",)
    with pytest.raises(NotFound):
        borodulikha.zone("Personal")
    with pytest.raises(NotFound):
        borodulikha.desk("window-1 ")


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize("kind", ["zones", "desks", "purposes", "out_of_turn"])
def test_duplicate_codes_are_refused(kind: str) -> None:
    builds = {
        "zones": lambda: config(zones=(zone("consult", number_range=(100, 199)),
                                       zone("consult", number_range=(200, 299)))),
        "desks": lambda: config(desks=(desk("w1", "consult"),
                                       desk("w1", "personal", label=text("other")))),
        "purposes": lambda: config(purposes=(purpose("complaint", "consult"),
                                             purpose("complaint", "personal"))),
        "out_of_turn": lambda: config(out_of_turn=(category("veteran"), category("veteran"))),
    }
    error = refused(builds[kind])
    assert error.field is not None
    assert error.field.endswith(".code")
    assert "duplicate" in error.detail
    assert "повторяется" in error.text.ru
    assert "қайталанады" in error.text.kk


@pytest.mark.parametrize(
    ("kind", "field"),
    [("zones", "zones.code"), ("desks", "desks.code"), ("purposes", "purposes.code")],
)
def test_duplicate_code_field_names_the_list(kind: str, field: str) -> None:
    builds = {
        "zones": lambda: config(zones=(zone("consult", number_range=(100, 199)),
                                       zone("consult", number_range=(200, 299)))),
        "desks": lambda: config(desks=(desk("w1", "consult"), desk("w1", "consult",
                                                                   label=text("x")))),
        "purposes": lambda: config(purposes=(purpose("p", "consult"), purpose("p", "consult"))),
    }
    error = refused(builds[kind])
    assert error.field == field
    assert "«" in error.text.ru


def test_out_of_turn_code_errors_name_the_out_of_turn_field() -> None:
    error = refused(lambda: config(out_of_turn=(category("veteran"), category("veteran"))))
    assert error.field == "out_of_turn.code"


def test_same_code_in_different_lists_is_fine() -> None:
    center = config(desks=(desk("consult", "consult"),),
                    purposes=(purpose("consult", "consult"),),
                    out_of_turn=(category("consult"),))
    assert center.desk("consult").zones == ("consult",)
    assert center.purpose("consult").zone == "consult"


@pytest.mark.parametrize("code", ["", " ", "a b", "a/b", "a.b", "a:b", "a+b", "_", "-", "__-",
                                  "w1\n", "#1", "a\tb", "desk*"])
def test_bad_code_characters_are_refused(code: str) -> None:
    error = refused(lambda: config(desks=(desk(code, "consult"),)))
    assert error.field == "desks.code"
    assert f"«{code}»" in error.text.kk
    assert f"«{code}»" in error.text.ru


@pytest.mark.parametrize("code", ["w", "W1", "window-1", "self_service", "a-b_c-9", "9"])
def test_good_codes_are_accepted(code: str) -> None:
    center = config(desks=(desk(code, "consult"),))
    assert center.desk(code).code == code


@pytest.mark.parametrize(
    ("where", "field"),
    [("zone", "zones.code"), ("purpose", "purposes.code")],
)
def test_bad_code_is_named_for_its_list(where: str, field: str) -> None:
    if where == "zone":
        error = refused(lambda: config(zones=(zone("con sult"),), desks=(), purposes=()))
    else:
        error = refused(lambda: config(purposes=(purpose("com/plaint", "consult"),)))
    assert error.field == field


# --------------------------------------------------------------------------- desk labels


def test_duplicate_desk_label_is_refused_case_insensitively() -> None:
    error = refused(lambda: config(desks=(
        desk("w1", "consult", label=Bilingual(kk="1-терезе", ru="Окно 1")),
        desk("w2", "consult", label=Bilingual(kk="2-терезе", ru="  окно 1 ")),
    )))
    assert error.field == "desks.label.ru"
    assert "окно 1" in error.text.ru
    assert "окно 1" in error.text.kk


def test_duplicate_kazakh_desk_label_is_refused() -> None:
    error = refused(lambda: config(desks=(
        desk("w1", "consult", label=Bilingual(kk="1-ТЕРЕЗЕ", ru="Окно 1")),
        desk("w2", "consult", label=Bilingual(kk="1-терезе", ru="Окно 2")),
    )))
    assert error.field == "desks.label.kk"
    assert "1-терезе" in error.text.kk


def test_labels_are_compared_per_language() -> None:
    # The same word as one desk's Kazakh and another's Russian label is no clash.
    center = config(desks=(
        desk("w1", "consult", label=Bilingual(kk="Окно", ru="Окно 1")),
        desk("w2", "consult", label=Bilingual(kk="Окно 2", ru="Окно")),
    ))
    assert [d.code for d in center.desks] == ["w1", "w2"]


# --------------------------------------------------------------------------- zones and ranges


def test_overlapping_ranges_are_refused() -> None:
    error = refused(lambda: config(zones=(
        zone("consult", number_range=(100, 199)),
        zone("personal", ZoneKind.PERSONAL_RECEPTION, (150, 250)),
    )))
    assert error.field == "zones.personal.range"
    assert "consult-зона" in error.text.ru
    assert "personal-зона" in error.text.ru
    assert "consult-аймақ" in error.text.kk
    assert "personal-аймақ" in error.text.kk


def test_adjacent_ranges_are_fine() -> None:
    center = config(zones=(
        zone("consult", number_range=(100, 199)),
        zone("personal", ZoneKind.PERSONAL_RECEPTION, (200, 299)),
    ))
    assert center.zone("personal").number_range == NumberRange(200, 299)


def test_a_non_serving_zone_with_a_range_still_must_not_overlap() -> None:
    error = refused(lambda: config(zones=(
        zone("reception", ZoneKind.RECEPTION, (100, 150)),
        zone("consult", number_range=(140, 199)),
        zone("personal", ZoneKind.PERSONAL_RECEPTION, (500, 599)),
    )))
    assert error.field == "zones.consult.range"


@given(spans=st.lists(st.tuples(st.integers(1, 300), st.integers(MIN_RANGE_SIZE, 60)),
                      min_size=1, max_size=5))
@settings(max_examples=150)
def test_a_center_is_accepted_iff_no_two_ranges_share_a_number(
        spans: list[tuple[int, int]]) -> None:
    zones = tuple(zone(f"z{i}", number_range=(first, first + size - 1))
                  for i, (first, size) in enumerate(spans))
    numbers = [set(range(first, first + size)) for first, size in spans]
    # Pairs in the order the zones are listed: the first clashing one is named.
    clashes = [(i, j) for i in range(len(numbers)) for j in range(i + 1, len(numbers))
               if numbers[i] & numbers[j]]

    def build() -> CenterConfig:
        return CenterConfig(name=text("c"), zones=zones, desks=(), purposes=(), out_of_turn=())

    if not clashes:
        assert len(build().zones) == len(spans)
    else:
        with pytest.raises(ValidationFailed) as caught:
            build()
        first_pair = clashes[0]
        assert caught.value.field == f"zones.z{first_pair[1]}.range"


@pytest.mark.parametrize("kind", sorted(SERVING_KINDS))
def test_serving_zone_without_range_is_refused(kind: ZoneKind) -> None:
    error = refused(lambda: config(zones=(zone("serves", kind, None),), desks=(), purposes=()))
    assert error.field == "zones.serves.range"
    assert "serves-зона" in error.text.ru
    assert "serves-аймақ" in error.text.kk


@pytest.mark.parametrize("kind", [ZoneKind.RECEPTION, ZoneKind.WAITING])
def test_routing_zone_needs_no_range(kind: ZoneKind) -> None:
    center = config(zones=(zone("routes", kind, None), zone("consult")), desks=(), purposes=())
    assert center.zone("routes").number_range is None


@pytest.mark.parametrize("minutes", [0, -1, -0.5])
def test_default_service_minutes_must_be_positive(minutes: float) -> None:
    error = refused(lambda: config(zones=(zone("consult", default_service_minutes=minutes),),
                                   desks=(), purposes=()))
    assert error.field == "zones.consult.default_service_minutes"


@pytest.mark.parametrize("minutes", [math.nan, math.inf])
def test_default_service_minutes_must_be_a_finite_number(minutes: float) -> None:
    with pytest.raises(ValidationFailed) as caught:
        config(zones=(zone("consult", default_service_minutes=minutes),), desks=(), purposes=())
    assert caught.value.field == "zones.consult.default_service_minutes"


# --------------------------------------------------------------------------- desks and purposes


def test_desk_without_zones_is_refused() -> None:
    error = refused(lambda: config(desks=(desk("w1"),)))
    assert error.field == "desks.w1.zones"


def test_desk_with_unknown_zone_is_refused() -> None:
    error = refused(lambda: config(desks=(desk("w1", "consult", "atlantis"),)))
    assert error.field == "desks.w1.zones"
    assert "«atlantis»" in error.text.kk
    assert "«atlantis»" in error.text.ru


@pytest.mark.parametrize("zone_code", ["reception"])
def test_desk_in_a_non_serving_zone_is_refused(zone_code: str) -> None:
    error = refused(lambda: config(desks=(desk("w1", zone_code),)))
    assert error.field == "desks.w1.zones"
    assert f"«{zone_code}»" in error.text.ru


def test_inactive_desk_is_still_checked() -> None:
    error = refused(lambda: config(desks=(desk("w1", "atlantis", active=False),)))
    assert error.field == "desks.w1.zones"


def test_purpose_to_unknown_zone_is_refused() -> None:
    error = refused(lambda: config(purposes=(purpose("complaint", "atlantis"),)))
    assert error.field == "purposes.complaint.zone"
    assert "«atlantis»" in error.text.kk
    assert "«atlantis»" in error.text.ru


def test_purpose_to_non_serving_zone_is_refused() -> None:
    error = refused(lambda: config(purposes=(purpose("lost", "reception"),)))
    assert error.field == "purposes.lost.zone"


def test_config_is_frozen(borodulikha: CenterConfig) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        borodulikha.zones = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        borodulikha.zone("consultation").number_range = None  # type: ignore[misc]


def test_every_shipped_zone_and_desk_refers_to_a_serving_zone(borodulikha: CenterConfig) -> None:
    for d in borodulikha.desks:
        assert all(borodulikha.zone(code).serving for code in d.zones)
    for p in borodulikha.purposes:
        assert borodulikha.zone(p.zone).serving
