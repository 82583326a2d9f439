"""What a worker of the consultation zone records for a called ticket (000 §12).

"Работник идентифицирует личность посетителя, уточняет детали поставленных
вопросов, какие действия по данному вопросу осуществлялись посетителем (куда
обращался, какие ответы получил, имеются ли судебные решения и т. д.) и
предоставляет консультацию в рамках компетенции."

Offers ``Outcome`` (how the consultation ended) with labels, and
``ConsultationDraft`` validated as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from hub.domain.appeals.register import clean_text
from hub.domain.reception.applicants import Phone
from hub.domain.reception.iin import Iin
from hub.domain.text import Bilingual

__all__ = ["OUTCOME_LABELS", "ConsultationDraft", "Outcome"]


class Outcome(StrEnum):
    ENOUGH = "enough"                      # the consultation was enough
    APPEAL_ACCEPTED = "appeal_accepted"    # an appeal was taken into the system
    SELF_SERVICE = "self_service"          # sent to the self-service zone
    BOOKING_REQUESTED = "booking_requested"  # asked for a personal reception
    LAW_ENFORCEMENT = "law_enforcement"    # the front office of law enforcement
    COURT = "court"                        # the front office of the courts


OUTCOME_LABELS = MappingProxyType({
    Outcome.ENOUGH: Bilingual(kk="Консультация жеткілікті болды",
                              ru="Консультации достаточно"),
    Outcome.APPEAL_ACCEPTED: Bilingual(kk="Өтініш жүйеге қабылданды",
                                       ru="Обращение принято в систему"),
    Outcome.SELF_SERVICE: Bilingual(kk="«Өзіне-өзі қызмет көрсету» аймағына жіберілді",
                                    ru="Направлен в зону «Самообслуживание»"),
    Outcome.BOOKING_REQUESTED: Bilingual(kk="Жеке қабылдауға жазылуды сұрады",
                                         ru="Запросил запись на личный прием"),
    Outcome.LAW_ENFORCEMENT: Bilingual(kk="Құқық қорғау органдарының фронт-офисіне "
                                          "түсіндірілді",
                                       ru="Разъяснён порядок фронт-офиса "
                                          "правоохранительных органов"),
    Outcome.COURT: Bilingual(kk="Сот фронт-офисіне түсіндірілді",
                             ru="Разъяснён порядок фронт-офиса суда"),
})


@dataclass(frozen=True, slots=True)
class ConsultationDraft:
    question: str
    advice: str
    outcome: Outcome
    applied_before: str = ""   # where the visitor applied before
    answer_before: str = ""    # what answer they got
    court_decision: str = ""   # any court decision
    iin: Iin | None = None
    full_name: str = ""
    phone: Phone | None = None  # for the satisfaction survey's call (002 §36)
    appeal_number: str | None = None  # the appeal taken into the system, if any

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "outcome", Outcome(self.outcome))
        set_(self, "question", clean_text(self.question, "question",
                                          Bilingual(kk="сұрақ", ru="вопрос"), limit=4000,
                                          multiline=True))
        set_(self, "advice", clean_text(self.advice, "advice",
                                        Bilingual(kk="берілген кеңес",
                                                  ru="данная консультация"), limit=4000,
                                        multiline=True))
        for name, what in (("applied_before", Bilingual(kk="бұрын қайда жүгінді",
                                                        ru="куда обращался ранее")),
                           ("answer_before", Bilingual(kk="қандай жауап алды",
                                                       ru="какой ответ получил")),
                           ("court_decision", Bilingual(kk="сот шешімі",
                                                        ru="решение суда")),
                           ("full_name", Bilingual(kk="аты-жөні", ru="ФИО"))):
            # The visitor's story is typed in textareas; the name is one line.
            set_(self, name, clean_text(getattr(self, name), name, what, limit=2000,
                                        required=False, multiline=name != "full_name"))
        if self.appeal_number is not None:
            set_(self, "appeal_number", self.appeal_number.strip() or None)
