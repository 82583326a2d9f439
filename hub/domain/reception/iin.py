"""The individual identification number (ЖСН / ИИН) of Kazakhstan.

Twelve digits: the birth date as YYMMDD, a 7th digit giving the century of
birth and the sex (1, 2: 1800s; 3, 4: 1900s; 5, 6: 2000s; odd for men, even
for women), four digits of the registration number and a check digit.

The check digit is the weighted sum of the first eleven digits modulo 11 with
weights 1..11; when that gives 10 a second pass uses the weights
3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2; when the second pass also gives 10 the
number is never issued. The first pass weighs the 11th digit by 11 ≡ 0, so a
mistake in that digit alone is caught only when the second pass is in use;
a mistake in any one of the first ten digits is always caught unless one of
the two numbers needs the second pass.

Offers ``Iin`` (a validated value), ``parse_iin`` and ``check_digit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hub.domain.reception.errors import InvalidIin
from hub.domain.text import Bilingual

__all__ = ["FIRST_WEIGHTS", "SECOND_WEIGHTS", "Iin", "Sex", "check_digit", "parse_iin"]

FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

_CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11


def check_digit(first_eleven: str) -> int | None:
    """The check digit for the first eleven digits, or None when both passes
    give 10 (such a number is never issued)."""
    if len(first_eleven) != 11 or not first_eleven.isascii() or not first_eleven.isdigit():
        raise ValueError(f"eleven ASCII digits expected, got {first_eleven!r}")
    result = _weighted(first_eleven, FIRST_WEIGHTS)
    if result == 10:
        result = _weighted(first_eleven, SECOND_WEIGHTS)
    return None if result == 10 else result


def _fail(detail: str, text: Bilingual, **extra: object) -> InvalidIin:
    return InvalidIin(detail, text, field="iin", **extra)


@dataclass(frozen=True, slots=True)
class Iin:
    """A valid IIN; constructing one from a bad string raises ``InvalidIin``."""

    value: str

    def __post_init__(self) -> None:
        value = self.value
        if len(value) != 12 or not value.isascii() or not value.isdigit():
            raise _fail(
                f"an IIN has 12 digits, got {value!r}",
                Bilingual(kk="ЖСН 12 цифрдан тұруы керек.",
                          ru="ИИН должен состоять из 12 цифр."),
                reason="format")
        marker = int(value[6])
        if marker not in _CENTURY:
            raise _fail(
                f"the 7th digit of an IIN (century and sex) is 1 to 6, got {marker}",
                Bilingual(kk="ЖСН-ның 7-цифры (ғасыр мен жыныс) 1-ден 6-ға дейін болуы керек.",
                          ru="7-я цифра ИИН (век и пол) должна быть от 1 до 6."),
                reason="century")
        year = _CENTURY[marker] + int(value[0:2])
        try:
            date(year, int(value[2:4]), int(value[4:6]))
        except ValueError:
            raise _fail(
                # Details go to logs: they never repeat the IIN or the birth date in it.
                "the IIN encodes no real birth date",
                Bilingual(kk="ЖСН-дағы туған күн нақты күн емес: {day}.",
                          ru="Дата рождения в ИИН не существует: {day}.").format(
                    day=f"{value[4:6]}.{value[2:4]}.{year}"),
                reason="birth_date") from None
        expected = check_digit(value[:11])
        if expected is None:
            raise _fail(
                "no such IIN is issued: both passes of the check digit give 10",
                Bilingual(kk="Мұндай ЖСН берілмейді: бақылау цифрын есептеу мүмкін емес.",
                          ru="Такой ИИН не выдаётся: контрольную цифру вычислить нельзя."),
                reason="unissuable")
        if expected != int(value[11]):
            raise _fail(
                "the check digit of the IIN does not match",
                Bilingual(kk="ЖСН-ның бақылау цифры сәйкес келмейді — нөмірді тексеріңіз.",
                          ru="Контрольная цифра ИИН не совпадает — проверьте номер."),
                reason="check_digit")

    @property
    def birth_date(self) -> date:
        year = _CENTURY[int(self.value[6])] + int(self.value[0:2])
        return date(year, int(self.value[2:4]), int(self.value[4:6]))

    @property
    def sex(self) -> Sex:
        return Sex.MALE if int(self.value[6]) % 2 else Sex.FEMALE

    def __str__(self) -> str:
        return self.value


def parse_iin(text: str, *, today: date | None = None) -> Iin:
    """An ``Iin`` from what a person typed: surrounding blanks and the spaces
    people put between groups are dropped. With ``today``, a birth date in the
    future is refused as well."""
    iin = Iin("".join(text.split()))
    if today is not None and iin.birth_date > today:
        raise _fail(
            "the IIN gives a birth date in the future",
            Bilingual(kk="ЖСН-дағы туған күн әлі келмеген күн.",
                      ru="Дата рождения в ИИН ещё не наступила."),
            reason="future")
    return iin
