"""Grounds on which no booking for a personal reception is made
(002 §15; 001 §16), each with its label in both languages.

Which grounds apply depends on the regulation: a profile lists its own
(``RegulationProfile.refusal_grounds``).
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from hub.domain.text import Bilingual

__all__ = ["GROUND_CITATIONS", "GROUND_LABELS", "RefusalGround"]


class RefusalGround(StrEnum):
    OUTSIDE_COMPETENCE = "outside_competence"
    DECISION_EXISTS = "decision_exists"
    COURT_ACT_IN_FORCE = "court_act_in_force"
    APPEAL_RETURNED = "appeal_returned"
    ALREADY_RECEIVED_OR_ANSWERED = "already_received_or_answered"


GROUND_LABELS: MappingProxyType[RefusalGround, Bilingual] = MappingProxyType({
    RefusalGround.OUTSIDE_COMPETENCE: Bilingual(
        kk="Мәселе жергілікті атқарушы органдардың құзыретіне кірмейді",
        ru="Вопрос не входит в компетенцию местных исполнительных органов"),
    RefusalGround.DECISION_EXISTS: Bilingual(
        kk="Сол мәселе бойынша және сол негіздермен әкімшілік органның, лауазымды адамның "
           "шешімі бар",
        ru="Имеется решение административного органа, должностного лица о том же предмете "
           "и по тем же основаниям"),
    RefusalGround.COURT_ACT_IN_FORCE: Bilingual(
        kk="Сол тұлғаға қатысты сол мәселе бойынша және сол негіздермен заңды күшіне енген "
           "сот актісі бар",
        ru="Имеется вступивший в законную силу судебный акт в отношении того же лица, о том "
           "же предмете и по тем же основаниям"),
    RefusalGround.APPEAL_RETURNED: Bilingual(
        kk="Өтінішті әкімшілік орган, лауазымды адам қайтарған",
        ru="Обращение возвращено административным органом, должностным лицом"),
    RefusalGround.ALREADY_RECEIVED_OR_ANSWERED: Bilingual(
        kk="Өтініш беруші бұрын қабылданған немесе сол мәселе бойынша өтінішіне жауап алған",
        ru="Заявитель ранее принят или имеет ответ на обращение по тому же вопросу"),
})

GROUND_CITATIONS: MappingProxyType[RefusalGround, str] = MappingProxyType({
    RefusalGround.OUTSIDE_COMPETENCE: "002 §15 1); 001 §16 1)",
    RefusalGround.DECISION_EXISTS: "002 §15 2)",
    RefusalGround.COURT_ACT_IN_FORCE: "002 §15 3)",
    RefusalGround.APPEAL_RETURNED: "002 §15 4)",
    RefusalGround.ALREADY_RECEIVED_OR_ANSWERED: "001 §16 2)",
})
