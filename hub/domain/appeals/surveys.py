"""The satisfaction survey (002 §36, 004 §38): "проводить посредством
телефонной связи выборочный опрос заявителей, получивших консультации и
отказавшихся от записи на личный прием".

Who is on the call list: a consultation with a phone number whose outcome was
not a request for a reception, picked by a sample that is the same every time
it is computed (a hash of the consultation's id and the configured seed), so
two workers see the same list and a reload does not reshuffle it.

Offers ``SurveyResult`` with labels, ``eligible``, ``sampled`` and
``SurveyAnswer``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from hub.domain.appeals.consultations import Outcome
from hub.domain.appeals.register import clean_text
from hub.domain.errors import ValidationFailed
from hub.domain.text import Bilingual

__all__ = ["RESULT_LABELS", "SurveyAnswer", "SurveyResult", "eligible", "sampled"]


class SurveyResult(StrEnum):
    SATISFIED = "satisfied"
    PARTLY = "partly"
    NOT_SATISFIED = "not_satisfied"
    NOT_REACHED = "not_reached"
    DECLINED = "declined"  # reached, did not want to answer


RESULT_LABELS = MappingProxyType({
    SurveyResult.SATISFIED: Bilingual(kk="Қанағаттанды", ru="Удовлетворён"),
    SurveyResult.PARTLY: Bilingual(kk="Ішінара қанағаттанды", ru="Частично удовлетворён"),
    SurveyResult.NOT_SATISFIED: Bilingual(kk="Қанағаттанбады", ru="Не удовлетворён"),
    SurveyResult.NOT_REACHED: Bilingual(kk="Хабарласу мүмкін болмады", ru="Не дозвонились"),
    SurveyResult.DECLINED: Bilingual(kk="Жауап беруден бас тартты", ru="Отказался отвечать"),
})

ANSWERED = frozenset({SurveyResult.SATISFIED, SurveyResult.PARTLY,
                      SurveyResult.NOT_SATISFIED})


def eligible(outcome: Outcome, has_phone: bool) -> bool:
    """Got a consultation and did not ask for a reception, and can be called."""
    return has_phone and outcome is not Outcome.BOOKING_REQUESTED


def sampled(consultation_id: int, rate: float, seed: str = "") -> bool:
    """Whether the consultation falls into a sample of `rate` (0..1)."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"a sampling rate is between 0 and 1, got {rate}")
    digest = hashlib.sha256(f"{seed}:{consultation_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") < rate * 2**64


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    result: SurveyResult
    score: int | None = None  # 1..5 when the applicant answered
    comment: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "result", SurveyResult(self.result))
        if self.result in ANSWERED:
            if self.score is None or not 1 <= self.score <= 5:
                raise ValidationFailed(
                    "an answered survey has a score from 1 to 5",
                    Bilingual(kk="Бағаны 1-ден 5-ке дейін көрсетіңіз.",
                              ru="Укажите оценку от 1 до 5."), field="score")
        elif self.score is not None:
            raise ValidationFailed(
                "no score without an answer",
                Bilingual(kk="Жауап болмаса, баға қойылмайды.",
                          ru="Без ответа оценка не ставится."), field="score")
        object.__setattr__(self, "comment", clean_text(
            self.comment, "comment", Bilingual(kk="пікір", ru="комментарий"), limit=2000,
            required=False))
