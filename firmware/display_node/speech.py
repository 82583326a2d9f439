"""What a display node says aloud for a call, in Kazakh or Russian (000 §9): plain text
built from the ticket number and the desk, with numbers spelled out properly.

num2words spells cardinals in both languages (`lang="kz"`, `lang="ru"`) but has no
Kazakh ordinals (`to="ordinal"` raises NotImplementedError), so they are made here: the
ordinal suffix goes on the last word of the cardinal (жүз бес → жүз бесінші) and follows
vowel harmony, with the three irregular tens (жиырма, қырық, елу). The desk noun then
takes the dative (үшінші терезеге, жүз бесінші кабинетке).

Numbers go up to 99,999, above the hub's largest ticket number (hub/domain/center.py
MAX_NUMBER, 9999). num2words' thousands are kept as it writes them in Kazakh: 1000 "бір
мың", 1105 "бір мың жүз бес" (the hundred bare, as in 105 "жүз бес"; "бір жүз" is the
form of amounts written out on documents), ordinals on the last word (бір мыңыншы, бір мың
жүз бесінші). In Russian the leading "одна тысяча" of 1000..1999 is said "тысяча" (тысяча
сто пять), as people say a number aloud; "одна тысяча" is the form of written amounts.

Only numbers and desks: nothing here can carry a visitor's name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from num2words import num2words  # type: ignore[import-untyped]

MAX_SPOKEN_NUMBER = 99_999

BACK_VOWELS = frozenset("аоұыя")
FRONT_VOWELS = frozenset("әөүіеэ")
VOWELS = BACK_VOWELS | FRONT_VOWELS | frozenset("иуюё")
VOICELESS = frozenset("кқпстфхцчшщ")

# Ordinals that are not the regular suffix on the word as it stands.
IRREGULAR_KAZAKH_ORDINALS = {
    "жиырма": "жиырмасыншы",  # not *жиырманшы
    "қырық": "қырқыншы",  # the second ы drops before the suffix
    "елу": "елуінші",  # final у is a glide: the connecting vowel stays
}


class SpeechError(ValueError):
    """A number or a language the phrase builder cannot say."""


def kazakh_cardinal(number: int) -> str:
    _check(number)
    return str(num2words(number, lang="kz"))


def russian_cardinal(number: int) -> str:
    _check(number)
    words = str(num2words(number, lang="ru"))
    return words.removeprefix("одна ") if words.startswith("одна тысяча") else words


def _check(number: int) -> None:
    if not 0 <= number <= MAX_SPOKEN_NUMBER:
        raise SpeechError(f"cannot say {number}: numbers 0..{MAX_SPOKEN_NUMBER} only")


def _last_vowel(word: str) -> str | None:
    for letter in reversed(word):
        if letter in BACK_VOWELS or letter in FRONT_VOWELS:
            return letter
    return None


def kazakh_ordinal_word(word: str) -> str:
    """The ordinal of one Kazakh number word: бес → бесінші, алты → алтыншы."""
    if word in IRREGULAR_KAZAKH_ORDINALS:
        return IRREGULAR_KAZAKH_ORDINALS[word]
    vowel = _last_vowel(word)
    if vowel is None:
        raise SpeechError(f"{word!r} has no vowel to harmonise with")
    back = vowel in BACK_VOWELS
    if word[-1] in VOWELS:
        return word + ("ншы" if back else "нші")
    return word + ("ыншы" if back else "інші")


def kazakh_ordinal(number: int) -> str:
    """үшінші, жүз бесінші, мыңыншы: the ordinal is the cardinal with its last word
    made ordinal."""
    if number < 1:
        raise SpeechError("ordinals start at 1")
    *head, last = kazakh_cardinal(number).split()
    return " ".join([*head, kazakh_ordinal_word(last)])


def kazakh_dative(word: str) -> str:
    """терезе → терезеге, кабинет → кабинетке, орын → орынға: the dative of a noun."""
    vowel = _last_vowel(word)
    back = vowel in BACK_VOWELS if vowel is not None else False
    if word[-1] in VOICELESS:
        return word + ("қа" if back else "ке")
    # After vowels and voiced consonants the suffix is voiced.
    return word + ("ға" if back else "ге")


class DeskKind(StrEnum):
    WINDOW = "window"  # a workplace: терезе / окно
    OFFICE = "office"  # an official's office: кабинет
    SEAT = "seat"  # a self-service place: орын / место


# Words in desk codes and labels that say what kind of desk it is.
_KIND_WORDS: tuple[tuple[DeskKind, tuple[str, ...]], ...] = (
    (DeskKind.OFFICE, ("office", "кабинет", "cabinet")),
    (DeskKind.WINDOW, ("window", "терезе", "окно", "desk")),
    (DeskKind.SEAT, ("self", "seat", "орын", "место")),
)
_KAZAKH_NOUN = {DeskKind.WINDOW: "терезе", DeskKind.OFFICE: "кабинет", DeskKind.SEAT: "орын"}
_RUSSIAN_PLACE = {DeskKind.WINDOW: "пройдите к окну номер",
                  DeskKind.OFFICE: "пройдите в кабинет номер",
                  DeskKind.SEAT: "пройдите к месту номер"}


@dataclass(frozen=True, slots=True)
class SpokenDesk:
    """A desk as the voice names it: its kind and number, or only its label when the
    label says neither (then the label is read as written)."""

    kind: DeskKind | None
    number: int | None
    label_kk: str
    label_ru: str


def spoken_desk(code: str, label_kk: str, label_ru: str) -> SpokenDesk:
    """What kind of desk and which number, from its code (window-3, office-105) and its
    labels (3-терезе / Окно 3, 105 кабинет / Кабинет 105)."""
    texts = " ".join((code, label_kk, label_ru)).casefold()
    kind = next((kind for kind, words in _KIND_WORDS
                 if any(word in texts for word in words)), None)
    number = None
    for source in (label_ru, label_kk, code):
        digits = re.findall(r"\d+", source)
        if digits:
            number = int(digits[-1])
            break
    if number is not None and number > MAX_SPOKEN_NUMBER:
        number = None
    return SpokenDesk(kind=kind, number=number, label_kk=label_kk, label_ru=label_ru)


def kazakh_parts(ticket: int, desk: SpokenDesk) -> tuple[str, str, str]:
    """The phrase in three pieces, each synthesized and cached on its own: the opening,
    the ticket's number words, and the desk (the part shared by every call to it)."""
    if desk.kind is not None and desk.number is not None and desk.number >= 1:
        place = f"{kazakh_ordinal(desk.number)} {kazakh_dative(_KAZAKH_NOUN[desk.kind])} өтіңіз."
    else:
        place = f"{desk.label_kk}."
    return "Талон нөмірі", kazakh_cardinal(ticket), place


def russian_parts(ticket: int, desk: SpokenDesk) -> tuple[str, str, str]:
    if desk.kind is not None and desk.number is not None:
        place = f"{_RUSSIAN_PLACE[desk.kind]} {russian_cardinal(desk.number)}."
    else:
        place = f"{desk.label_ru}."
    return "Талон номер", russian_cardinal(ticket), place


def parts(language: str, ticket: int, desk: SpokenDesk) -> tuple[str, str, str]:
    if language == "kk":
        return kazakh_parts(ticket, desk)
    if language == "ru":
        return russian_parts(ticket, desk)
    raise SpeechError(f"no phrase in language {language!r}")


def phrase(language: str, ticket: int, desk: SpokenDesk) -> str:
    """«Талон нөмірі жүз бес, үшінші терезеге өтіңіз.» /
    «Талон номер сто пять, пройдите к окну номер три.»"""
    opening, number, place = parts(language, ticket, desk)
    return f"{opening} {number}, {place}"
