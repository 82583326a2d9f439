"""The IIN and its check digit: hub.domain.reception.iin."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hub.domain.errors import DomainError, ValidationFailed
from hub.domain.reception.errors import InvalidIin
from hub.domain.reception.iin import Iin, Sex, check_digit, parse_iin

KAZAKH_LETTERS = set("әғқңөұүһі")


def oracle(first_eleven: str) -> int | None:
    """The algorithm written out again, independently of the module."""
    digits = [int(c) for c in first_eleven]
    total = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
    if total == 10:
        weights = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]
        total = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    return None if total == 10 else total


def first_pass(first_eleven: str) -> int:
    return sum(int(c) * w for c, w in zip(first_eleven, range(1, 12), strict=True)) % 11


def reason(text: str) -> str:
    with pytest.raises(InvalidIin) as caught:
        Iin(text)
    error = caught.value
    assert error.field == "iin"
    assert error.code == "reception_invalid_iin"
    assert isinstance(error, ValidationFailed)
    assert error.text.kk.strip() and error.text.ru.strip()
    assert KAZAKH_LETTERS & set(error.text.kk.lower()), error.text.kk
    return str(error.extra["reason"])


# --------------------------------------------------------------------------- known examples


def test_known_valid_first_pass() -> None:
    # 9·1 + 0·2 + 0·3 + 1·4 + 0·5 + 1·6 + 3·7 + 0·8 + 0·9 + 1·10 + 2·11 = 72; 72 mod 11 = 6.
    iin = Iin("900101300126")
    assert iin.birth_date == date(1990, 1, 1)
    assert iin.sex is Sex.MALE
    assert str(iin) == "900101300126"


def test_known_valid_second_pass() -> None:
    # First pass: 8+10+0+24+5+30+28+0+0+70+0 = 175 ≡ 10 (mod 11), so the second
    # pass: 24+20+0+36+7+40+36+0+0+7+0 = 170 ≡ 5.
    assert first_pass("85061540070") == 10
    assert check_digit("85061540070") == 5
    iin = Iin("850615400705")
    assert iin.birth_date == date(1985, 6, 15)
    assert iin.sex is Sex.FEMALE


def test_known_unissuable() -> None:
    # First pass 175 + 8·11 = 263 ≡ 10; second pass 170 + 8·2 = 186 ≡ 10.
    assert check_digit("85061540078") is None
    for last in "0123456789":
        assert reason("85061540078" + last) == "unissuable"


@pytest.mark.parametrize(("text", "expected"), [
    ("", "format"),
    ("90010130012", "format"),
    ("9001013001266", "format"),
    ("90010130012a", "format"),
    ("９００１０１３００１２６", "format"),  # full-width digits
    ("900101 30012", "format"),
    ("900101000123", "century"),
    ("900101700123", "century"),
    ("900101900123", "century"),
    ("901301300123", "birth_date"),
    ("900230300123", "birth_date"),
    ("000229300000", "birth_date"),  # 1900 was not a leap year
    ("900101300125", "check_digit"),
])
def test_invalid(text: str, expected: str) -> None:
    assert reason(text) == expected


@pytest.mark.parametrize("text", ["901301300123", "900101300125", "999999999999"])
def test_the_detail_meant_for_logs_never_repeats_the_iin(text: str) -> None:
    with pytest.raises(InvalidIin) as refused:
        Iin(text)
    assert text not in refused.value.detail
    assert text[:6] not in refused.value.detail and text[:11] not in refused.value.detail


def test_leap_day_of_2000() -> None:
    eleven = "0002295" + "0001"
    digit = check_digit(eleven)
    assert digit is not None
    assert Iin(eleven + str(digit)).birth_date == date(2000, 2, 29)


@pytest.mark.parametrize(("marker", "century", "sex"), [
    (1, 1800, Sex.MALE), (2, 1800, Sex.FEMALE), (3, 1900, Sex.MALE),
    (4, 1900, Sex.FEMALE), (5, 2000, Sex.MALE), (6, 2000, Sex.FEMALE),
])
def test_century_and_sex(marker: int, century: int, sex: Sex) -> None:
    for serial in range(20):
        eleven = f"120304{marker}{serial:04d}"
        digit = check_digit(eleven)
        if digit is not None:
            iin = Iin(eleven + str(digit))
            assert iin.birth_date == date(century + 12, 3, 4)
            assert iin.sex is sex
            return
    pytest.fail("no issuable IIN among 20 serials")


def test_parse_drops_blanks() -> None:
    assert parse_iin("  900101 300126\n") == Iin("900101300126")
    assert parse_iin("900 101 300 126").value == "900101300126"


def test_parse_refuses_a_future_birth_date() -> None:
    eleven = "3001015" + "0001"
    digit = check_digit(eleven)
    assert digit is not None
    text = eleven + str(digit)
    assert parse_iin(text).birth_date == date(2030, 1, 1)
    with pytest.raises(InvalidIin) as caught:
        parse_iin(text, today=date(2026, 3, 20))
    assert caught.value.extra["reason"] == "future"
    assert parse_iin(text, today=date(2030, 1, 1)).birth_date == date(2030, 1, 1)


def test_check_digit_wants_eleven_digits() -> None:
    for bad in ("", "1234567890", "123456789012", "1234567890a", "１２３４５６７８９０１"):
        with pytest.raises(ValueError, match="eleven"):
            check_digit(bad)


def test_error_is_a_domain_error() -> None:
    with pytest.raises(DomainError):
        Iin("x")


# --------------------------------------------------------------------------- properties


@st.composite
def valid_iins(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)))
    female = draw(st.booleans())
    marker = {1800: 1, 1900: 3, 2000: 5}[born.year // 100 * 100] + int(female)
    serial = draw(st.integers(0, 9999))
    eleven = f"{born:%y%m%d}{marker}{serial:04d}"
    digit = check_digit(eleven)
    assume(digit is not None)
    return eleven + str(digit)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_check_digit_matches_the_oracle(eleven: str) -> None:
    assert check_digit(eleven) == oracle(eleven)


@settings(max_examples=300)
@given(valid_iins())
def test_generated_iins_are_valid_and_round_trip(text: str) -> None:
    iin = Iin(text)
    assert iin.birth_date.strftime("%y%m%d") == text[:6]
    assert iin.sex is (Sex.FEMALE if int(text[6]) % 2 == 0 else Sex.MALE)
    assert parse_iin(" " + text + " ") == iin


@settings(max_examples=300)
@given(valid_iins(), st.integers(1, 9))
def test_any_change_of_the_check_digit_is_caught(text: str, delta: int) -> None:
    changed = text[:11] + str((int(text[11]) + delta) % 10)
    assert reason(changed) == "check_digit"


@settings(max_examples=500)
@given(valid_iins(), st.integers(0, 9), st.integers(1, 9))
def test_a_single_digit_change_is_caught(text: str, position: int, delta: int) -> None:
    """Weights 1..10 are non-zero modulo 11 (a prime), so changing one of the
    first ten digits always changes the first pass; the change can only slip
    through when one of the two numbers needs the second pass."""
    changed = text[:position] + str((int(text[position]) + delta) % 10) + text[position + 1:]
    if first_pass(text[:11]) != 10 and first_pass(changed[:11]) != 10:
        with pytest.raises(InvalidIin):
            Iin(changed)
    else:
        try:
            Iin(changed)
        except InvalidIin:
            pass
        else:
            assert check_digit(changed[:11]) == int(text[11])


@settings(max_examples=300)
@given(valid_iins(), st.integers(1, 9))
def test_the_eleventh_digit_is_only_checked_by_the_second_pass(text: str, delta: int) -> None:
    """The 11th weight of the first pass is 11 ≡ 0 (mod 11): a change of the
    11th digit alone passes unnoticed unless the second pass is in use."""
    changed = text[:10] + str((int(text[10]) + delta) % 10) + text[11]
    if first_pass(text[:11]) != 10:
        assert Iin(changed).birth_date == Iin(text).birth_date
    else:
        with pytest.raises(InvalidIin):
            Iin(changed)


@settings(max_examples=300)
@given(st.text(max_size=14))
def test_arbitrary_text_is_valid_or_refused_cleanly(text: str) -> None:
    reasons = {"format", "century", "birth_date", "unissuable", "check_digit"}
    outcome: str
    try:
        iin = Iin(text)
    except InvalidIin as error:
        outcome = str(error.extra["reason"])
    else:
        outcome = "valid"
        assert check_digit(iin.value[:11]) == int(iin.value[11])
    assert outcome in reasons | {"valid"}
