"""The words of the letters: every kind in both languages, dates in words
with Kazakh case endings, SMS texts and their segments, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from hub.domain.reception.grounds import GROUND_LABELS, RefusalGround
from hub.domain.reception.requests import ExtensionKind
from hub.domain.text import Bilingual, Language
from hub.letters import (
    Booking,
    BookingMoved,
    Contacts,
    DraftRefusal,
    InvalidLetter,
    Letter,
    LetterKind,
    Refusal,
    TermExtended,
    letter_text,
    segments,
    sms_text,
)
from hub.letters.texts import Details, Numbered, date_words

from .conftest import BOOKING, CONTENTS, KAZAKH_LETTERS, NEW_BOOKING

MakeLetter = Callable[..., Letter]


@pytest.mark.parametrize("kind", list(LetterKind))
def test_every_kind_has_a_text_in_each_language(make_letter: MakeLetter,
                                                kind: LetterKind) -> None:
    assert set(CONTENTS) == set(LetterKind)
    kk = letter_text(make_letter(CONTENTS[kind], Language.KK))
    ru = letter_text(make_letter(CONTENTS[kind], Language.RU, addressee="Иванов Иван"))
    assert kk.title != ru.title
    assert "ЛП-2026-00017" in kk.plain() and "ЛП-2026-00017" in ru.plain()
    assert kk.subject.endswith("№ ЛП-2026-00017")
    # The Kazakh letter is written in Kazakh letters, the Russian one has none
    # of them in its own words (names and places aside).
    assert KAZAKH_LETTERS & set(kk.title + kk.salutation + kk.plain())
    own_words = ru.title + ru.salutation + ru.reference + ru.plain().replace(
        BOOKING.official_name, "")
    assert not KAZAKH_LETTERS & set(own_words), kind


def test_confirmation_gives_official_date_time_place_and_code(make_letter: MakeLetter) -> None:
    kk = letter_text(make_letter(language="kk"))
    ru = letter_text(make_letter(language="ru"))
    table = next(block for block in kk.blocks if isinstance(block, Details))
    assert table.qr_code == "LP7K2Q9M"
    assert dict(table.rows) == {
        "Қабылдайтын лауазымды адам": "Әбішев Нұрлан Қайратұлы, аудан әкімінің орынбасары",
        "Күні": "2026 жылғы 3 желтоқсан (бейсенбі)",
        "Уақыты": "10:30",
        "Орны": "Бородулиха ауылы, Молодёжная к., 14, 205-кабинет",
        "Жазылу коды": "LP7K2Q9M",
    }
    assert "Принимающее лицо: Әбішев Нұрлан Қайратұлы, заместитель акима района" in ru.plain()
    assert "Дата: 3 декабря 2026 года (четверг)" in ru.plain()
    assert "Место: с. Бородулиха, ул. Молодёжная, 14, кабинет 205" in ru.plain()
    assert ru.reference == "На №\u00a0ЛП-2026-00017 от 20.11.2026"
    assert kk.reference == "2026 жылғы 20 қарашадағы №\u00a0ЛП-2026-00017 өтінішке"
    assert "өтінішіңіз қаралды" in kk.plain()


def test_dates_in_words_take_the_kazakh_case() -> None:
    day = date(2026, 12, 4)
    assert date_words(day, Language.RU) == "4 декабря 2026 года"
    assert date_words(day, Language.KK) == "2026 жылғы 4 желтоқсан"
    assert date_words(day, Language.KK, "dat") == "2026 жылғы 4 желтоқсанға"
    assert date_words(day, Language.KK, "loc") == "2026 жылғы 4 желтоқсанда"
    assert date_words(day, Language.KK, "attr") == "2026 жылғы 4 желтоқсандағы"
    # Front and back vowels, voiced and voiceless endings.
    assert date_words(date(2027, 4, 1), Language.KK, "dat").endswith("сәуірге")
    assert date_words(date(2027, 9, 1), Language.KK, "dat").endswith("қыркүйекке")
    assert date_words(date(2027, 9, 1), Language.KK, "loc").endswith("қыркүйекте")
    assert date_words(date(2027, 7, 1), Language.KK, "attr").endswith("шілдедегі")
    months = {date_words(date(2027, m, 1), Language.RU).split()[1] for m in range(1, 13)}
    assert len(months) == 12


def test_correction_states_defects_and_term(make_letter: MakeLetter) -> None:
    kk = letter_text(make_letter(CONTENTS[LetterKind.CORRECTION], "kk")).plain()
    ru = letter_text(make_letter(CONTENTS[LetterKind.CORRECTION], "ru")).plain()
    assert "63-бабында" in kk and "2026 жылғы 4 желтоқсанға дейін (қоса алғанда)" in kk
    assert "статьей 63" in ru and "до 4 декабря 2026 года включительно" in ru
    assert "Не указаны фамилия" in ru and "подлежит возврату" in ru


def test_draft_refusal_lists_grounds_and_the_day_to_object(make_letter: MakeLetter) -> None:
    content = CONTENTS[LetterKind.DRAFT_REFUSAL]
    kk = letter_text(make_letter(content, "kk"))
    ru = letter_text(make_letter(content, "ru"))
    grounds = next(block for block in ru.blocks if isinstance(block, Numbered))
    assert grounds.items == (
        GROUND_LABELS[RefusalGround.OUTSIDE_COMPETENCE].ru + ".",
        GROUND_LABELS[RefusalGround.COURT_ACT_IN_FORCE].ru + ".")
    assert "до 26 ноября 2026 года включительно" in ru.plain()
    assert "статьей 73" in ru.plain() and "заслушивания" in ru.plain()
    assert "2026 жылғы 26 қарашаға дейін" in kk.plain() and "тыңдау" in kk.plain()
    assert GROUND_LABELS[RefusalGround.OUTSIDE_COMPETENCE].kk in kk.plain()


def test_refusal_gives_grounds_reasons_and_the_right_to_appeal(make_letter: MakeLetter) -> None:
    for language in Language:
        text = letter_text(make_letter(CONTENTS[LetterKind.REFUSAL], language)).plain()
        assert GROUND_LABELS[RefusalGround.DECISION_EXISTS].get(language) in text
        assert "02.10.2026 № 45" in text
        assert ("обжаловать" if language is Language.RU else "шағым") in text


def test_extension_thirty_days_and_motivated(make_letter: MakeLetter) -> None:
    motivated = letter_text(make_letter(CONTENTS[LetterKind.EXTENSION], "ru")).plain()
    assert ("Мотивированным решением руководителя от 25 ноября 2026 года №\u00a012-р"
            in motivated)
    kk_motivated = letter_text(make_letter(CONTENTS[LetterKind.EXTENSION], "kk")).plain()
    assert "Басшының 2026 жылғы 25 қарашадағы №\u00a012-р дәлелді шешімімен" in kk_motivated
    assert "продлен до 20 января 2027 года" in motivated
    simple = TermExtended(ExtensionKind.THIRTY_DAYS, date(2026, 12, 20), "Запрошены документы.")
    kk = letter_text(make_letter(simple, "kk")).plain()
    assert "2026 жылғы 20 желтоқсанға дейін ұзартылды" in kk
    assert "дәлелді шешімімен" not in kk


def test_move_with_and_without_a_new_booking(make_letter: MakeLetter) -> None:
    pending = letter_text(make_letter(CONTENTS[LetterKind.MOVE], "ru"))
    assert "3 декабря 2026 года в 10:30" in pending.plain()
    assert "служебная командировка" in pending.plain()
    assert "будет сообщено дополнительно" in pending.plain()
    assert not any(isinstance(block, Details) for block in pending.blocks)
    moved = BookingMoved(cancelled=BOOKING, reason="іссапар", new_booking=NEW_BOOKING)
    kk = letter_text(make_letter(moved, "kk"))
    table = next(block for block in kk.blocks if isinstance(block, Details))
    assert table.qr_code == "LP9X4T2A"
    assert "2026 жылғы 3 желтоқсанда, сағат 10:30" in kk.plain()
    assert "(LP7K2Q9M) енді жарамсыз" in kk.plain()


def test_left_without_consideration(make_letter: MakeLetter) -> None:
    kk = letter_text(make_letter(CONTENTS[LetterKind.LEFT_WITHOUT_CONSIDERATION], "kk")).plain()
    ru = letter_text(make_letter(CONTENTS[LetterKind.LEFT_WITHOUT_CONSIDERATION], "ru")).plain()
    assert "өтінішіңізде мәселенің мәні баяндалмағандықтан" in kk
    assert "не изложена суть вопроса" in ru


# ---------------------------------------------------------------- SMS


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("kind", list(LetterKind))
def test_sms_fits_one_segment(make_letter: MakeLetter, kind: LetterKind,
                              language: Language) -> None:
    """With a booking code of 8 characters and a registration number like
    ЛП-2026-00017 every SMS is one UCS-2 segment (70 characters)."""
    text = sms_text(make_letter(CONTENTS[kind], language))
    assert len(text) <= 70, (len(text), text)
    assert segments(text) == 1
    if language is Language.KK:
        assert KAZAKH_LETTERS & set(text) or kind is LetterKind.CONFIRMATION


def test_sms_of_a_move_with_a_new_booking(make_letter: MakeLetter) -> None:
    moved = BookingMoved(cancelled=BOOKING, reason="командировка", new_booking=NEW_BOOKING)
    text = sms_text(make_letter(moved, "ru"))
    assert text == "Прием 03.12.2026 перенесен на 10.12.2026 15:00, код LP9X4T2A"
    assert segments(text) == 1


def test_segments() -> None:
    assert segments("") == 0
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("€" * 80) == 1  # an extension character counts twice
    assert segments("€" * 81) == 2
    assert segments("қ" * 70) == 1
    assert segments("қ" * 71) == 2
    assert segments("қ" * 134) == 2
    assert segments("қ" * 135) == 3
    assert segments("a" * 69 + "ә") == 1


# ---------------------------------------------------------------- bad input


def test_bad_letters_are_refused(make_letter: MakeLetter) -> None:
    with pytest.raises(InvalidLetter):
        Refusal(grounds=(), explanation="x")
    with pytest.raises(InvalidLetter):
        Refusal(grounds=(RefusalGround.APPEAL_RETURNED,), explanation="  ")
    with pytest.raises(InvalidLetter):
        DraftRefusal(grounds=(), object_by=date(2026, 12, 1))
    with pytest.raises(InvalidLetter):
        TermExtended(ExtensionKind.MOTIVATED, date(2027, 1, 20), "причина")
    with pytest.raises(InvalidLetter):
        Booking("Иванов", "аким", date(2026, 12, 3), BOOKING.time, "каб. 1", "CODE 1")
    with pytest.raises(InvalidLetter, match="control character"):
        make_letter(addressee="Иванов\x1b[2J")
    with pytest.raises(InvalidLetter):
        Letter(id="", language=Language.RU, center=Bilingual(kk="а", ru="б"), addressee="И",
               registration_number="1", registration_date=date(2026, 1, 5),
               issued_on=date(2026, 1, 5), content=CONTENTS[LetterKind.CONFIRMATION])
    with pytest.raises(InvalidLetter) as caught:
        Contacts(email="not an address")
    assert caught.value.text.kk and caught.value.text.ru
    for bad in ("a@b", "Иван@mail.kz", "x@y.kz\r\nBcc: z@y.kz", "Name <x@y.kz>"):
        with pytest.raises(InvalidLetter):
            Contacts(email=bad)
    assert Contacts(email=" applicant@mail.kz ").email == "applicant@mail.kz"
