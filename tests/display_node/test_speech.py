"""The spoken phrase: the issue's examples word for word, Kazakh ordinals for every desk
number 1..999 against a table written out by hand, numbers above 999 (to the hub's
largest ticket number and beyond) in both languages, and desks read from codes and
labels."""

from __future__ import annotations

import pytest
from num2words import num2words  # type: ignore[import-untyped]

from firmware.display_node.speech import (
    MAX_SPOKEN_NUMBER,
    DeskKind,
    SpeechError,
    kazakh_cardinal,
    kazakh_dative,
    kazakh_ordinal,
    phrase,
    russian_cardinal,
    spoken_desk,
)
from hub.domain.center import MAX_NUMBER

# The ordinal of every word num2words ends a Kazakh number with, as a Kazakh grammar
# book gives it; written here, not computed.
ORDINAL_OF_LAST_WORD = {
    "бір": "бірінші", "екі": "екінші", "үш": "үшінші", "төрт": "төртінші",
    "бес": "бесінші", "алты": "алтыншы", "жеті": "жетінші", "сегіз": "сегізінші",
    "тоғыз": "тоғызыншы", "он": "оныншы", "жиырма": "жиырмасыншы", "отыз": "отызыншы",
    "қырық": "қырқыншы", "елу": "елуінші", "алпыс": "алпысыншы", "жетпіс": "жетпісінші",
    "сексен": "сексенінші", "тоқсан": "тоқсаныншы", "жүз": "жүзінші",
}
WINDOW_3 = spoken_desk("window-3", "3-терезе", "Окно 3")
OFFICE_105 = spoken_desk("office-105", "105 кабинет", "Кабинет 105")


def test_the_issue_examples_word_for_word() -> None:
    assert phrase("kk", 105, WINDOW_3) == "Талон нөмірі жүз бес, үшінші терезеге өтіңіз."
    assert phrase("ru", 105, WINDOW_3) == "Талон номер сто пять, пройдите к окну номер три."


def test_offices_and_self_service_places() -> None:
    assert phrase("kk", 512, OFFICE_105) == (
        "Талон нөмірі бес жүз он екі, жүз бесінші кабинетке өтіңіз.")
    assert phrase("ru", 512, OFFICE_105) == (
        "Талон номер пятьсот двенадцать, пройдите в кабинет номер сто пять.")
    seat = spoken_desk("self-1", "Өзіне-өзі қызмет көрсету, 1-орын",
                       "Самообслуживание, место 1")
    assert phrase("kk", 801, seat) == "Талон нөмірі сегіз жүз бір, бірінші орынға өтіңіз."
    assert phrase("ru", 801, seat) == "Талон номер восемьсот один, пройдите к месту номер один."


def test_a_desk_the_voice_cannot_classify_is_read_by_its_label() -> None:
    desk = spoken_desk("front", "Ресепшн", "Ресепшн")
    assert desk.kind is None
    assert phrase("kk", 7, desk) == "Талон нөмірі жеті, Ресепшн."


@pytest.mark.parametrize("number", range(1, 1000))
def test_kazakh_ordinals_1_to_999(number: int) -> None:
    *head, last = num2words(number, lang="kz").split()
    assert kazakh_ordinal(number) == " ".join([*head, ORDINAL_OF_LAST_WORD[last]])


def test_ordinals_of_round_numbers_and_the_irregular_tens() -> None:
    assert kazakh_ordinal(3) == "үшінші"
    assert kazakh_ordinal(20) == "жиырмасыншы"
    assert kazakh_ordinal(40) == "қырқыншы"
    assert kazakh_ordinal(50) == "елуінші"
    assert kazakh_ordinal(105) == "жүз бесінші"
    assert kazakh_ordinal(999) == "тоғыз жүз тоқсан тоғызыншы"


def test_dative_follows_vowel_harmony_and_voicing() -> None:
    assert kazakh_dative("терезе") == "терезеге"
    assert kazakh_dative("кабинет") == "кабинетке"
    assert kazakh_dative("орын") == "орынға"
    assert kazakh_dative("бөлме") == "бөлмеге"
    assert kazakh_dative("зал") == "залға"
    assert kazakh_dative("мектеп") == "мектепке"
    assert kazakh_dative("бақ") == "баққа"


def test_desks_from_codes_and_labels() -> None:
    assert (WINDOW_3.kind, WINDOW_3.number) == (DeskKind.WINDOW, 3)
    assert (OFFICE_105.kind, OFFICE_105.number) == (DeskKind.OFFICE, 105)
    assert spoken_desk("d7", "7-терезе", "Окно 7").kind is DeskKind.WINDOW
    assert spoken_desk("b", "Кабинет", "Кабинет").number is None


def test_numbers_it_cannot_say_are_refused() -> None:
    with pytest.raises(SpeechError):
        kazakh_ordinal(0)
    with pytest.raises(SpeechError):
        phrase("kk", -1, WINDOW_3)
    with pytest.raises(SpeechError):
        phrase("en", 1, WINDOW_3)


# Above 999: written out by hand in both languages (num2words' Kazakh thousands checked
# word for word; its Russian "одна тысяча" said "тысяча", as a number is said aloud).
THOUSANDS = {
    1000: ("бір мың", "тысяча"),
    1001: ("бір мың бір", "тысяча один"),
    1105: ("бір мың жүз бес", "тысяча сто пять"),
    1999: ("бір мың тоғыз жүз тоқсан тоғыз", "тысяча девятьсот девяносто девять"),
    2000: ("екі мың", "две тысячи"),
    2024: ("екі мың жиырма төрт", "две тысячи двадцать четыре"),
    4040: ("төрт мың қырық", "четыре тысячи сорок"),
    5000: ("бес мың", "пять тысяч"),
    9999: ("тоғыз мың тоғыз жүз тоқсан тоғыз",
           "девять тысяч девятьсот девяносто девять"),
    10000: ("он мың", "десять тысяч"),
    11000: ("он бір мың", "одиннадцать тысяч"),
    21000: ("жиырма бір мың", "двадцать одна тысяча"),
    20021: ("жиырма мың жиырма бір", "двадцать тысяч двадцать один"),
    99999: ("тоқсан тоғыз мың тоғыз жүз тоқсан тоғыз",
            "девяносто девять тысяч девятьсот девяносто девять"),
}


@pytest.mark.parametrize("number", sorted(THOUSANDS))
def test_numbers_above_999_in_both_languages(number: int) -> None:
    kazakh, russian = THOUSANDS[number]
    assert kazakh_cardinal(number) == kazakh
    assert russian_cardinal(number) == russian
    assert phrase("kk", number, WINDOW_3) == f"Талон нөмірі {kazakh}, үшінші терезеге өтіңіз."
    assert phrase("ru", number, WINDOW_3) == (
        f"Талон номер {russian}, пройдите к окну номер три.")


def test_desks_above_999_take_kazakh_ordinals_on_the_last_word() -> None:
    assert kazakh_ordinal(1000) == "бір мыңыншы"
    assert kazakh_ordinal(1105) == "бір мың жүз бесінші"
    assert kazakh_ordinal(2000) == "екі мыңыншы"
    assert kazakh_ordinal(1040) == "бір мың қырқыншы"
    assert kazakh_ordinal(1020) == "бір мың жиырмасыншы"
    assert kazakh_ordinal(10050) == "он мың елуінші"
    office = spoken_desk("office-1105", "1105 кабинет", "Кабинет 1105")
    assert phrase("kk", 7, office) == "Талон нөмірі жеті, бір мың жүз бесінші кабинетке өтіңіз."
    assert phrase("ru", 7, office) == (
        "Талон номер семь, пройдите в кабинет номер тысяча сто пять.")


def test_every_ticket_number_the_hub_can_issue_can_be_said() -> None:
    assert MAX_SPOKEN_NUMBER >= MAX_NUMBER
    assert phrase("kk", MAX_NUMBER, WINDOW_3).startswith("Талон нөмірі тоғыз мың")
    with pytest.raises(SpeechError):
        kazakh_cardinal(MAX_SPOKEN_NUMBER + 1)
    assert spoken_desk("office-123456", "123456", "123456").number is None  # read as label
