"""Regulation profiles, refusal grounds, channels and the applicant:
hub.domain.reception.profiles, .grounds, .applicants."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.errors import ValidationFailed
from hub.domain.reception import profiles as profiles_module
from hub.domain.reception.applicants import (
    CHANNEL_LABELS,
    Applicant,
    Channel,
    Phone,
    Representative,
)
from hub.domain.reception.errors import InvalidPhone, UnknownProfile
from hub.domain.reception.grounds import GROUND_CITATIONS, GROUND_LABELS, RefusalGround
from hub.domain.reception.iin import Iin
from hub.domain.reception.profiles import (
    ALMATY_2025,
    DEFAULT_PROFILE,
    KARAGANDA_2021,
    MODEL_2023,
    PROFILES,
    RegulationProfile,
    Term,
    TermUnit,
    get_profile,
)
from hub.domain.text import Language

WD, CD, MONTHS = TermUnit.WORKING_DAYS, TermUnit.CALENDAR_DAYS, TermUnit.MONTHS
KAZAKH_LETTERS = set("әғқңөұүһі")

# (field, amount, unit, a string the citation must contain) for each profile.
EXPECTED: dict[str, list[tuple[str, int, TermUnit, str]]] = {
    "model_2023": [
        ("registration", 0, WD, "004 §25"), ("correction", 5, WD, "002 §6"),
        ("reference_note", 5, WD, "004 §26"), ("draft_refusal", 3, WD, "002 §28"),
        ("answer", 15, WD, "004 §29"), ("date_time_notice", 0, WD, "004 §29"),
        ("extension", 30, CD, "002 §26"), ("motivated_extension", 2, MONTHS, "002 §26"),
        ("extension_notice", 3, WD, "002 §26"), ("final_list", 2, WD, "000 §13"),
        ("official_cancellation", 2, WD, "002 §16"),
    ],
    "almaty_2025": [
        ("registration", 0, WD, "002 §21"), ("correction", 5, WD, "002 §6"),
        ("reference_note", 5, WD, "002 §22"), ("draft_refusal", 3, WD, "002 §28"),
        ("answer", 15, WD, "002 §25"), ("date_time_notice", 2, WD, "002 §25"),
        ("extension", 30, CD, "002 §26"), ("motivated_extension", 2, MONTHS, "002 §26"),
        ("extension_notice", 3, WD, "002 §26"), ("final_list", 2, WD, "000 §13"),
        ("official_cancellation", 2, WD, "002 §16"),
    ],
    "karaganda_2021": [
        ("registration", 3, WD, "001 §27"), ("correction", 5, WD, "001 is silent"),
        ("reference_note", 5, WD, "001 §28"), ("draft_refusal", 3, WD, "001 is silent"),
        ("answer", 15, CD, "001 §31"), ("date_time_notice", 0, WD, "001 §31"),
        ("extension", 30, CD, "001 §32"), ("motivated_extension", 2, MONTHS, "001 is silent"),
        ("extension_notice", 3, WD, "001 is silent"), ("final_list", 2, WD, "000 §13"),
        ("official_cancellation", 2, WD, "001 §17"), ("central_body_notice", 2, WD, "001 §21"),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_term_with_its_citation(name: str) -> None:
    profile = PROFILES[name]
    terms = profile.terms()
    assert set(terms) == {field for field, *_ in EXPECTED[name]}
    for field, amount, unit, cited in EXPECTED[name]:
        term = terms[field]
        assert (term.amount, term.unit) == (amount, unit), field
        assert cited in term.citation, (field, term.citation)
    # Only the "reasonable term" of 002 §6 is Kezek's own number.
    assert [f for f, t in terms.items() if not t.pinned] == ["correction"]


def test_silent_seeds_say_where_the_term_comes_from() -> None:
    for term in KARAGANDA_2021.terms().values():
        if "001 is silent" in term.citation:
            assert "model" in term.citation
    for field in ("draft_refusal", "extension", "motivated_extension", "extension_notice",
                  "official_cancellation", "correction"):
        assert "004 leaves it unchanged" in getattr(MODEL_2023, field).citation


def test_default_and_selection_by_name() -> None:
    assert DEFAULT_PROFILE is MODEL_2023
    assert get_profile() is MODEL_2023
    assert get_profile(None) is MODEL_2023
    assert set(PROFILES) == {"model_2023", "almaty_2025", "karaganda_2021"}
    for name, profile in PROFILES.items():
        assert get_profile(name) is profile
        assert profile.name == name
        assert profile.title.kk.strip() and profile.title.ru.strip()


def test_unknown_profile() -> None:
    with pytest.raises(UnknownProfile) as caught:
        get_profile("astana_2030")
    error = caught.value
    assert error.code == "reception_unknown_profile"
    assert error.field == "profile"
    assert "model_2023" in error.text.ru
    assert "astana_2030" in error.text.kk


def test_answer_gives_date_and_time() -> None:
    assert MODEL_2023.date_time_with_answer
    assert KARAGANDA_2021.date_time_with_answer
    assert not ALMATY_2025.date_time_with_answer


def test_refusal_grounds() -> None:
    assert set(GROUND_LABELS) == set(RefusalGround) == set(GROUND_CITATIONS)
    for label in GROUND_LABELS.values():
        assert KAZAKH_LETTERS & set(label.kk.lower())
    assert KARAGANDA_2021.refusal_grounds == {RefusalGround.OUTSIDE_COMPETENCE,
                                              RefusalGround.ALREADY_RECEIVED_OR_ANSWERED}
    assert MODEL_2023.refusal_grounds == ALMATY_2025.refusal_grounds == {
        RefusalGround.OUTSIDE_COMPETENCE, RefusalGround.DECISION_EXISTS,
        RefusalGround.COURT_ACT_IN_FORCE, RefusalGround.APPEAL_RETURNED}


def test_profiles_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        MODEL_2023.answer = Term(1, WD, "x")  # type: ignore[misc]


@pytest.mark.parametrize(("change", "message"), [
    ({"answer": Term(15, WD, "x"), "registration": Term(1, CD, "x")}, "working days"),
    ({"refusal_grounds": frozenset()}, "ground"),
    ({"extension_notice": None}, "motivated"),
])
def test_profile_validation(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(MODEL_2023, **change)  # type: ignore[arg-type]


def test_term_validation() -> None:
    with pytest.raises(ValueError, match="negative"):
        Term(-1, WD, "x")
    with pytest.raises(ValueError, match="cites"):
        Term(1, WD, "  ")
    assert Term(1, WD, "x").in_working_days
    assert not Term(1, CD, "x").in_working_days


def test_module_exports() -> None:
    assert isinstance(profiles_module.DEFAULT_PROFILE, RegulationProfile)


# --------------------------------------------------------------------------- channels


def test_channels() -> None:
    assert set(CHANNEL_LABELS) == set(Channel)
    oral = {channel for channel in Channel if channel.oral_protocol}
    assert oral == {Channel.ORAL_FRONT_OFFICE, Channel.PHONE, Channel.CONSULTATION_ZONE}
    assert Channel.E_APPEALS.label.ru == "ИАС «Электронные обращения»"
    for channel in Channel:
        assert channel.label.kk.strip() and channel.label.ru.strip()


# --------------------------------------------------------------------------- phone


@pytest.mark.parametrize("text", [
    "+7 701 234 56 78", "+77012345678", "8 (701) 234-56-78", "87012345678", "77012345678",
    "+7 (701) 234 56 78", "+7 7172 55 66 77",
])
def test_phone_forms(text: str) -> None:
    phone = Phone.parse(text)
    assert phone.value.startswith("+77")
    assert len(phone.value) == 12
    assert str(phone) == phone.display


def test_phone_display() -> None:
    assert Phone.parse("87012345678").display == "+7 701 234 56 78"


@pytest.mark.parametrize("text", [
    "", "+7 901 234 56 78", "+7 495 123 45 67", "+7 701 234 56 7", "+7 701 234 56 789",
    "7012345678", "+77O12345678", "+998 90 123 45 67", "++77012345678", "+7７01234567８",
])
def test_bad_phones(text: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        Phone.parse(text)
    assert caught.value.field == "phone"
    assert caught.value.code == "reception_invalid_phone"
    assert "+7 7XX" in caught.value.text.ru


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_kazakh_number_round_trips(rest: str) -> None:
    phone = Phone.parse("8 7" + rest)
    assert phone == Phone.parse(phone.display) == Phone.parse(phone.value)


# --------------------------------------------------------------------------- applicant

IIN = Iin("900101300126")
OTHER = Iin("850615400705")


def test_applicant() -> None:
    applicant = Applicant(IIN, "  Серікбаев Нұрлан  ", Phone.parse("87012345678"), "kk")  # type: ignore[arg-type]
    assert applicant.full_name == "Серікбаев Нұрлан"
    assert applicant.language is Language.KK
    assert applicant.representative is None


def test_applicant_needs_a_name() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Applicant(IIN, "  ", Phone.parse("87012345678"), Language.RU)
    assert caught.value.field == "full_name"


def test_applicant_name_without_control_characters() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Applicant(IIN, "Ал\x00ма", Phone.parse("87012345678"), Language.RU)
    assert caught.value.field == "full_name"


def test_representative() -> None:
    agent = Representative("Ахметова Әсел", OTHER, "сенімхат № 15, 02.03.2026")
    applicant = Applicant(IIN, "Серікбаев Нұрлан", Phone.parse("87012345678"), Language.RU,
                          representative=agent)
    assert applicant.representative == agent
    with pytest.raises(ValidationFailed) as caught:
        Representative("Ахметова Әсел", OTHER, " ")
    assert caught.value.field == "representative.basis"
    with pytest.raises(ValidationFailed) as caught:
        Representative("", OTHER, "сенімхат")
    assert caught.value.field == "representative.full_name"
    with pytest.raises(ValidationFailed) as caught:
        Applicant(IIN, "Серікбаев Нұрлан", Phone.parse("87012345678"), Language.RU,
                  representative=Representative("Серікбаев Нұрлан", IIN, "сенімхат"))
    assert caught.value.field == "representative.iin"
