"""Letters of every kind in both languages, built from plain data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

import pytest

from hub.domain.reception.grounds import RefusalGround
from hub.domain.reception.requests import ExtensionKind
from hub.domain.text import Bilingual, Language
from hub.letters import (
    Booking,
    BookingConfirmed,
    BookingMoved,
    CorrectionRequested,
    DraftRefusal,
    LeftWithoutConsideration,
    Letter,
    LetterContent,
    LetterKind,
    Refusal,
    Signatory,
    TermExtended,
)

CENTER = Bilingual(kk="Бородулиха ауданы әкімі аппаратының Азаматтарды қабылдау орталығы",
                   ru="Центр приема граждан аппарата акима Бородулихинского района")
BOOKING = Booking(
    official_name="Әбішев Нұрлан Қайратұлы",
    official_position=Bilingual(kk="аудан әкімінің орынбасары", ru="заместитель акима района"),
    day=date(2026, 12, 3), time=time(10, 30),
    place=Bilingual(kk="Бородулиха ауылы, Молодёжная к., 14, 205-кабинет",
                    ru="с. Бородулиха, ул. Молодёжная, 14, кабинет 205"),
    code="LP7K2Q9M")
NEW_BOOKING = Booking(
    official_name="Әбішев Нұрлан Қайратұлы",
    official_position=Bilingual(kk="аудан әкімінің орынбасары", ru="заместитель акима района"),
    day=date(2026, 12, 10), time=time(15, 0),
    place=Bilingual(kk="Бородулиха ауылы, Молодёжная к., 14, 205-кабинет",
                    ru="с. Бородулиха, ул. Молодёжная, 14, кабинет 205"),
    code="LP9X4T2A")

CONTENTS: dict[LetterKind, LetterContent] = {
    LetterKind.CONFIRMATION: BookingConfirmed(BOOKING),
    LetterKind.CORRECTION: CorrectionRequested(
        defects="Не указаны фамилия, имя, отчество и почтовый адрес заявителя.",
        correct_by=date(2026, 12, 4)),
    LetterKind.DRAFT_REFUSAL: DraftRefusal(
        grounds=(RefusalGround.OUTSIDE_COMPETENCE, RefusalGround.COURT_ACT_IN_FORCE),
        object_by=date(2026, 11, 26),
        explanation="Вопрос о размере пенсии решается органами социального обеспечения."),
    LetterKind.REFUSAL: Refusal(
        grounds=(RefusalGround.DECISION_EXISTS,),
        explanation="По тому же вопросу принято решение от 02.10.2026 № 45."),
    LetterKind.EXTENSION: TermExtended(
        extension=ExtensionKind.MOTIVATED, new_term=date(2027, 1, 20),
        reason="Нужен ответ областного управления земельных отношений.",
        decision_number="12-р", decision_date=date(2026, 11, 25)),
    LetterKind.MOVE: BookingMoved(cancelled=BOOKING, reason="служебная командировка"),
    LetterKind.LEFT_WITHOUT_CONSIDERATION: LeftWithoutConsideration(),
}

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


@pytest.fixture
def make_letter() -> Callable[..., Letter]:
    def make(content: LetterContent | None = None, language: Language | str = Language.KK,
             *, letter_id: str = "req-17/letter-1", addressee: str = "Сәрсенбаева Гүлнұр "
             "Өмірзаққызы") -> Letter:
        return Letter(
            id=letter_id, language=Language(language), center=CENTER, addressee=addressee,
            registration_number="ЛП-2026-00017", registration_date=date(2026, 11, 20),
            issued_on=date(2026, 11, 23),
            content=content if content is not None else CONTENTS[LetterKind.CONFIRMATION],
            signatory=Signatory(Bilingual(kk="Орталық басшысы", ru="Руководитель центра"),
                                "Қ. Тоқтаров"))
    return make
