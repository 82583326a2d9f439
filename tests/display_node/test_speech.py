"""The spoken phrase: the issue's examples word for word, Kazakh ordinals for every desk
number 1..999 against a table written out by hand, and desks read from codes and labels."""

from __future__ import annotations

import pytest
from num2words import num2words  # type: ignore[import-untyped]

from firmware.display_node.speech import (
    DeskKind,
    SpeechError,
    kazakh_dative,
    kazakh_ordinal,
    phrase,
    spoken_desk,
)

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
