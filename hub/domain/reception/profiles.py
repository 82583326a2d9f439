"""Regulation profiles: every term of the booking procedure as data.

The regulations differ (Karaganda 2021 registers within 3 working days and
answers within 15 calendar days; Almaty 2025 gives the date and time 2 working
days after the answer; the 2023 model regulation answers within 15 working
days with the date and time), so a center picks one profile by name in its
configuration. Each term names the paragraph it comes from; where a seed is
silent, the term is taken from the model regulation and the citation says so.

Seeds: 000 — regulation of the Borodulikha center (2024); 001 — Karaganda
region (2021); 002 — Almaty region (2025), which repeats the text of the
model regulation of 15 March 2023 № 214; 004 — the Government's amendments of
20 June 2023 № 490 to that model regulation.

Offers ``TermUnit``, ``Term``, ``RegulationProfile``, the shipped profiles
``KARAGANDA_2021``, ``ALMATY_2025``, ``MODEL_2023``, ``PROFILES``,
``DEFAULT_PROFILE`` and ``get_profile``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from hub.domain.reception.errors import UnknownProfile
from hub.domain.reception.grounds import RefusalGround
from hub.domain.text import Bilingual

__all__ = [
    "ALMATY_2025",
    "DEFAULT_PROFILE",
    "KARAGANDA_2021",
    "MODEL_2023",
    "PROFILES",
    "RegulationProfile",
    "Term",
    "TermUnit",
    "get_profile",
]


class TermUnit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"


@dataclass(frozen=True, slots=True)
class Term:
    """A length of time fixed by a regulation.

    ``pinned`` is False when the regulation gives no number ("a reasonable
    term") and the amount is Kezek's default, to be set by the center."""

    amount: int
    unit: TermUnit
    citation: str
    pinned: bool = True

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"a term cannot be negative: {self.amount}")
        if not self.citation.strip():
            raise ValueError("every term cites the paragraph it comes from")

    @property
    def in_working_days(self) -> bool:
        return self.unit is TermUnit.WORKING_DAYS


def _wd(amount: int, citation: str, *, pinned: bool = True) -> Term:
    return Term(amount, TermUnit.WORKING_DAYS, citation, pinned)


def _cd(amount: int, citation: str) -> Term:
    return Term(amount, TermUnit.CALENDAR_DAYS, citation)


@dataclass(frozen=True, slots=True)
class RegulationProfile:
    """Terms of the booking procedure under one regulation.

    Terms counted forward from an event: ``registration`` (from receipt; 0
    means on the day of receipt, or the next working day), ``correction``
    (from the request to correct), ``answer`` and ``extension`` and
    ``motivated_extension`` (from registration), ``date_time_notice`` (from
    the answer; 0 means the answer itself gives the date and time),
    ``extension_notice`` (from the motivated decision), ``central_body_notice``
    (from a request to a central state body to take part).

    Terms counted back from a later day: ``reference_note`` and
    ``final_list`` and ``official_cancellation`` (before the reception day),
    ``draft_refusal`` (before the decision).
    """

    name: str
    title: Bilingual
    source: str
    registration: Term
    correction: Term
    reference_note: Term
    draft_refusal: Term
    answer: Term
    date_time_notice: Term
    extension: Term
    motivated_extension: Term | None
    extension_notice: Term | None
    final_list: Term
    official_cancellation: Term
    refusal_grounds: frozenset[RefusalGround]
    grounds_citation: str
    # A term in calendar days or months whose last day is not a working day
    # ends on the next working day.
    calendar_terms_roll_forward: bool = True
    roll_forward_citation: str = (
        "not in the seeds: the general rule that a term ending on a non-working day "
        "ends on the next working day")
    central_body_notice: Term | None = None

    def __post_init__(self) -> None:
        for name in ("registration", "correction", "reference_note", "draft_refusal",
                     "date_time_notice", "extension_notice", "final_list",
                     "official_cancellation", "central_body_notice"):
            term = getattr(self, name)
            if term is not None and term.unit is not TermUnit.WORKING_DAYS:
                raise ValueError(f"{self.name}: the {name} term is counted in working days")
        if not self.refusal_grounds:
            raise ValueError(f"{self.name}: at least one ground for refusal is listed")
        if (self.motivated_extension is None) != (self.extension_notice is None):
            raise ValueError(f"{self.name}: a motivated extension comes with its notice term")

    @property
    def date_time_with_answer(self) -> bool:
        """The answer itself must give the date and time of the reception."""
        return self.date_time_notice.amount == 0

    def terms(self) -> dict[str, Term]:
        """Every term of the profile by field name (absent ones left out)."""
        names = ("registration", "correction", "reference_note", "draft_refusal", "answer",
                 "date_time_notice", "extension", "motivated_extension", "extension_notice",
                 "final_list", "official_cancellation", "central_body_notice")
        return {name: term for name in names if (term := getattr(self, name)) is not None}


_FINAL_LIST = _wd(2, "000 §13 (the center's regulation; 001, 002 and 004 are silent)")
_CORRECTION_NOTE = ("a 'reasonable term' with no number — {n} working days is Kezek's "
                    "default, set by the center")
_MODEL_GROUNDS = frozenset({
    RefusalGround.OUTSIDE_COMPETENCE,
    RefusalGround.DECISION_EXISTS,
    RefusalGround.COURT_ACT_IN_FORCE,
    RefusalGround.APPEAL_RETURNED,
})


KARAGANDA_2021 = RegulationProfile(
    name="karaganda_2021",
    title=Bilingual(
        kk="Қарағанды облысы әкімі аппаратының регламенті (2021)",
        ru="Регламент аппарата акима Карагандинской области (2021)"),
    source="001: resolution of the Karaganda regional akimat of 7 April 2021 № 24/01",
    registration=_wd(3, "001 §27: registered within 3 working days"),
    correction=_wd(5, "001 is silent; from the model: 002 §6, "
                   + _CORRECTION_NOTE.format(n=5), pinned=False),
    reference_note=_wd(5, "001 §28: 5 working days before the reception"),
    draft_refusal=_wd(3, "001 is silent; from the model: 002 §28, at least 3 working days "
                      "before the decision"),
    answer=_cd(15, "001 §31: within 15 calendar days from registration, with the date and "
               "time or a motivated refusal"),
    date_time_notice=_wd(0, "001 §31: the answer gives the date and time"),
    extension=_cd(30, "001 §32: up to 30 calendar days from registration"),
    motivated_extension=Term(2, TermUnit.MONTHS, "001 is silent; from the model: 002 §26, up "
                             "to two months by a motivated decision"),
    extension_notice=_wd(3, "001 is silent; from the model: 002 §26, the applicant told "
                         "within 3 working days of the extension"),
    final_list=_FINAL_LIST,
    official_cancellation=_wd(2, "001 §17: at least 2 working days ahead, or on the day"),
    refusal_grounds=frozenset({RefusalGround.OUTSIDE_COMPETENCE,
                               RefusalGround.ALREADY_RECEIVED_OR_ANSWERED}),
    grounds_citation="001 §16",
    central_body_notice=_wd(2, "001 §21: the applicant told within 2 working days of a "
                            "request to a central state body"),
)

ALMATY_2025 = RegulationProfile(
    name="almaty_2025",
    title=Bilingual(
        kk="Алматы облысы жергілікті атқарушы органдарының регламенті (2025)",
        ru="Регламент местных исполнительных органов Алматинской области (2025)"),
    source="002: resolution of the Almaty regional akimat of 21 April 2025 № 105",
    registration=_wd(0, "002 §21: on the day of receipt; on a non-working day, the next "
                     "working day"),
    correction=_wd(5, "002 §6: " + _CORRECTION_NOTE.format(n=5), pinned=False),
    reference_note=_wd(5, "002 §22: 5 working days before the reception"),
    draft_refusal=_wd(3, "002 §28: at least 3 working days before the decision"),
    answer=_wd(15, "002 §25: within 15 working days from registration, inclusion in the list"),
    date_time_notice=_wd(2, "002 §25: the date and time within 2 further working days"),
    extension=_cd(30, "002 §26: up to 30 calendar days from registration"),
    motivated_extension=Term(2, TermUnit.MONTHS, "002 §26: up to two months by a motivated "
                             "decision of the head"),
    extension_notice=_wd(3, "002 §26: the applicant told within 3 working days of the "
                         "extension"),
    final_list=_FINAL_LIST,
    official_cancellation=_wd(2, "002 §16: at least 2 working days ahead, or on the day"),
    refusal_grounds=_MODEL_GROUNDS,
    grounds_citation="002 §15",
)

MODEL_2023 = RegulationProfile(
    name="model_2023",
    title=Bilingual(
        kk="Жеке қабылдаудың үлгілік регламенті (2023, 2023 жылғы 20 маусымдағы № 490 "
           "өзгерістерімен)",
        ru="Типовой регламент личного приема (2023, с изменениями от 20 июня 2023 года № 490)"),
    source="004: Government resolution of 20 June 2023 № 490 amending the model regulation "
           "of 15 March 2023 № 214; the paragraphs 004 leaves unchanged as in the 2025 text "
           "of 002",
    registration=_wd(0, "004 §25: on the day of receipt; a non-working day → the next "
                     "working day: 002 §21 (text of the model)"),
    correction=_wd(5, "002 §6 (text of the model; 004 leaves it unchanged): "
                   + _CORRECTION_NOTE.format(n=5), pinned=False),
    reference_note=_wd(5, "004 §26: 5 working days before the reception"),
    draft_refusal=_wd(3, "002 §28 (text of the model; 004 leaves it unchanged): at least 3 "
                      "working days before the decision"),
    answer=_wd(15, "004 §29: within 15 working days from registration, with the date and "
               "time"),
    date_time_notice=_wd(0, "004 §29: the answer gives the date and time"),
    extension=_cd(30, "002 §26 (text of the model; 004 leaves it unchanged): up to 30 "
                  "calendar days from registration"),
    motivated_extension=Term(2, TermUnit.MONTHS, "002 §26 (text of the model; 004 leaves it "
                             "unchanged): up to two months by a motivated decision"),
    extension_notice=_wd(3, "002 §26 (text of the model; 004 leaves it unchanged): the "
                         "applicant told within 3 working days of the extension"),
    final_list=_FINAL_LIST,
    official_cancellation=_wd(2, "002 §16 (text of the model; 004 leaves it unchanged): at "
                              "least 2 working days ahead, or on the day"),
    refusal_grounds=_MODEL_GROUNDS,
    grounds_citation="002 §15 (text of the model; 004 leaves it unchanged)",
)

PROFILES: MappingProxyType[str, RegulationProfile] = MappingProxyType({
    profile.name: profile for profile in (MODEL_2023, ALMATY_2025, KARAGANDA_2021)
})

DEFAULT_PROFILE = MODEL_2023


def get_profile(name: str | None = None) -> RegulationProfile:
    """The profile configured by ``name``; the model regulation when None."""
    if name is None:
        return DEFAULT_PROFILE
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise UnknownProfile(
            f"no regulation profile {name!r}; known: {known}",
            Bilingual(kk="Мұндай регламент профилі жоқ: {name}. Барлары: {known}.",
                      ru="Нет профиля регламента {name}. Есть: {known}.").format(
                name=name, known=known),
            field="profile", known=sorted(PROFILES)) from None
