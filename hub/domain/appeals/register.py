"""An appeal as the register keeps it (000 §3, §10; 002 §34).

"обращение – направленное Субъекту или должностному лицу индивидуальное или
коллективное письменное, устное либо в форме электронного документа,
предложение, заявление, жалоба, запрос или отклик" (000 §3 4)).

Offers the kinds, forms, media and channels with labels in both languages,
``AppealDraft`` (what a worker enters, validated as a whole: the IIN, the
subject, the representative of 000 §10 and the notarised translation of a
foreign-language appeal), the reception mark of 002 §34 and
``registration_number``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from hub.domain.appeals.errors import MissingSubject, MissingTranslation
from hub.domain.errors import ValidationFailed
from hub.domain.reception.applicants import Phone, Representative
from hub.domain.reception.iin import Iin
from hub.domain.safe_text import safe_text
from hub.domain.text import Bilingual

__all__ = [
    "CHANNEL_LABELS",
    "FORM_LABELS",
    "KIND_LABELS",
    "MEDIUM_LABELS",
    "RECEPTION_MARK",
    "AppealChannel",
    "AppealDraft",
    "AppealForm",
    "AppealKind",
    "Medium",
    "registration_number",
]

RECEPTION_MARK = Bilingual(kk="жеке қабылдаудан", ru="с личного приема")


class AppealKind(StrEnum):
    PROPOSAL = "proposal"
    STATEMENT = "statement"
    COMPLAINT = "complaint"
    REQUEST = "request"
    RESPONSE = "response"


KIND_LABELS = MappingProxyType({
    AppealKind.PROPOSAL: Bilingual(kk="Ұсыныс", ru="Предложение"),
    AppealKind.STATEMENT: Bilingual(kk="Өтініш", ru="Заявление"),
    AppealKind.COMPLAINT: Bilingual(kk="Шағым", ru="Жалоба"),
    AppealKind.REQUEST: Bilingual(kk="Сұрау салу", ru="Запрос"),
    AppealKind.RESPONSE: Bilingual(kk="Пікір", ru="Отклик"),
})


class AppealForm(StrEnum):
    INDIVIDUAL = "individual"
    COLLECTIVE = "collective"


FORM_LABELS = MappingProxyType({
    AppealForm.INDIVIDUAL: Bilingual(kk="Жеке", ru="Индивидуальное"),
    AppealForm.COLLECTIVE: Bilingual(kk="Ұжымдық", ru="Коллективное"),
})


class Medium(StrEnum):
    WRITTEN = "written"
    ORAL = "oral"
    ELECTRONIC = "electronic"


MEDIUM_LABELS = MappingProxyType({
    Medium.WRITTEN: Bilingual(kk="Жазбаша", ru="Письменное"),
    Medium.ORAL: Bilingual(kk="Ауызша", ru="Устное"),
    Medium.ELECTRONIC: Bilingual(kk="Электрондық құжат", ru="Электронный документ"),
})


class AppealChannel(StrEnum):
    FRONT_OFFICE = "front_office"          # handed in at the center
    CONSULTATION_ZONE = "consultation_zone"  # accepted by a consultation worker (000 §12)
    PERSONAL_RECEPTION = "personal_reception"  # filed at a reception (002 §34)
    E_OTINISH = "e_otinish"                # the state's "e-Өтініш" system
    EGOV_PORTAL = "egov_portal"
    POST = "post"
    PHONE = "phone"


CHANNEL_LABELS = MappingProxyType({
    AppealChannel.FRONT_OFFICE: Bilingual(kk="Орталықта қолма-қол", ru="Нарочно в центре"),
    AppealChannel.CONSULTATION_ZONE: Bilingual(kk="«Консультация» аймағы",
                                               ru="Зона «Консультация»"),
    AppealChannel.PERSONAL_RECEPTION: Bilingual(kk="Жеке қабылдау", ru="Личный прием"),
    AppealChannel.E_OTINISH: Bilingual(kk="«e-Өтініш» жүйесі", ru="Система «e-Өтініш»"),
    AppealChannel.EGOV_PORTAL: Bilingual(kk="«Электрондық үкімет» порталы",
                                         ru="Портал «электронного правительства»"),
    AppealChannel.POST: Bilingual(kk="Пошта арқылы", ru="Почтой"),
    AppealChannel.PHONE: Bilingual(kk="Телефон арқылы", ru="По телефону"),
})


def _text(value: str, name: str, what: Bilingual, *, limit: int,
          required: bool = True, multiline: bool = False) -> str:
    return safe_text(value, field=name, max_length=limit, required=required, what=what,
                     multiline=multiline)


def clean_text(value: str, name: str, what: Bilingual, *, limit: int,
               required: bool = True, multiline: bool = False) -> str:
    """A person's text, trimmed; refused when empty (if required), too long or
    holding characters that do not print as themselves (``safe_text``). A
    ``multiline`` text (a textarea of the console) keeps its line breaks."""
    return _text(value, name, what, limit=limit, required=required, multiline=multiline)


@dataclass(frozen=True, slots=True)
class AppealDraft:
    """What the worker registering an appeal entered. Constructing one checks
    it all; the service gives it a number and a date."""

    kind: AppealKind
    form: AppealForm
    medium: Medium
    channel: AppealChannel
    language: str  # "kk", "ru" or another language's ISO 639-1 code
    iin: Iin
    full_name: str
    subject: str  # the body whose competence the appeal is
    summary: str
    phone: Phone | None = None
    email: str = ""
    address: str = ""
    representative: Representative | None = None
    translation_notarised: bool = False
    from_reception: bool = False
    reception_request: str | None = None  # the booking request number of that reception
    handled_before: tuple[str, ...] = field(default_factory=tuple)  # users it was given to
    co_applicants: int = 0  # further signatories of a collective appeal

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kind", AppealKind(self.kind))
        set_(self, "form", AppealForm(self.form))
        set_(self, "medium", Medium(self.medium))
        set_(self, "channel", AppealChannel(self.channel))
        language = (self.language or "").strip().lower()
        if not (len(language) == 2 and language.isascii() and language.isalpha()):
            raise ValidationFailed(
                f"language must be a two-letter code, got {self.language!r}",
                Bilingual(kk="Өтініш тілі екі әріпті кодпен көрсетіледі (kk, ru, en, …).",
                          ru="Язык обращения указывается двухбуквенным кодом (kk, ru, en, …)."),
                field="language")
        set_(self, "language", language)
        set_(self, "full_name", _text(self.full_name, "full_name",
                                      Bilingual(kk="тегі, аты, әкесінің аты",
                                                ru="фамилия, имя, отчество"), limit=300))
        subject = (self.subject or "").strip()
        if not subject:
            raise MissingSubject(
                "an appeal names the body whose competence it is",
                Bilingual(kk="Өтініш қай органның құзыретіне жататыны көрсетілмеген.",
                          ru="Не указан субъект, к компетенции которого относится обращение."),
                field="subject")
        set_(self, "subject", _text(subject, "subject", Bilingual(kk="субъект", ru="субъект"),
                                    limit=300))
        set_(self, "summary", _text(self.summary, "summary",
                                    Bilingual(kk="өтініштің мәні", ru="суть обращения"),
                                    limit=8000, multiline=True))
        set_(self, "email", _text(self.email, "email", Bilingual(kk="пошта", ru="почта"),
                                  limit=254, required=False))
        set_(self, "address", _text(self.address, "address",
                                    Bilingual(kk="мекенжай", ru="адрес"), limit=500,
                                    required=False))
        if self.language not in ("kk", "ru") and not self.translation_notarised:
            raise MissingTranslation(
                f"an appeal in {self.language!r} needs a notarised translation (000 §10)",
                Bilingual(kk="Шет тіліндегі өтінішке нотариус куәландырған қазақ немесе "
                             "орыс тіліндегі аударма қоса берілуі керек.",
                          ru="К обращению на иностранном языке прилагается перевод на "
                             "казахский или русский язык, заверенный нотариусом."),
                field="translation_notarised")
        if self.representative is not None and self.representative.iin == self.iin:
            raise ValidationFailed(
                "the representative must be another person than the applicant",
                Bilingual(kk="Өкіл өтініш берушінің өзі бола алмайды.",
                          ru="Представителем не может быть сам заявитель."),
                field="representative.iin")
        if self.form is AppealForm.INDIVIDUAL and self.co_applicants:
            raise ValidationFailed(
                "an individual appeal has no co-applicants",
                Bilingual(kk="Жеке өтініште басқа қол қоюшылар болмайды.",
                          ru="У индивидуального обращения нет других подписантов."),
                field="co_applicants")
        if not 0 <= self.co_applicants <= 100000:
            raise ValidationFailed("co_applicants out of range",
                                   Bilingual(kk="Қол қоюшылар саны дұрыс емес.",
                                             ru="Неверное число подписантов."),
                                   field="co_applicants")
        if self.channel is AppealChannel.PERSONAL_RECEPTION:
            set_(self, "from_reception", True)
        set_(self, "handled_before", tuple(
            h.strip() for h in self.handled_before if h and h.strip()))

    @property
    def mark(self) -> Bilingual | None:
        """"с личного приема" / "жеке қабылдаудан" for an appeal from a reception (002 §34)."""
        return RECEPTION_MARK if self.from_reception else None


def registration_number(year: int, sequence: int) -> str:
    """The register's number: the year and the appeal's place in it, ``AP-2026-00017``
    (ASCII, so it travels unchanged through URLs, CSV files and e-Өтініш)."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"AP-{year}-{sequence:05d}"
