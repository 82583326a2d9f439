"""Who asks to be received, and how the request arrived.

Offers ``Channel`` (002 §4, 004 §4 and the center's own consultation zone,
000 §13) with labels in both languages, ``Phone`` (a Kazakhstan number
+7 7XX XXX XX XX), ``Representative`` (000 §10) and ``Applicant``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from hub.domain.errors import ValidationFailed
from hub.domain.reception.errors import InvalidPhone
from hub.domain.reception.iin import Iin
from hub.domain.safe_text import safe_text
from hub.domain.text import Bilingual, Language

__all__ = ["CHANNEL_LABELS", "Applicant", "Channel", "Phone", "Representative"]


class Channel(StrEnum):
    EGOV_PORTAL = "egov_portal"
    E_APPEALS = "e_appeals"
    PAPER = "paper"
    ORAL_FRONT_OFFICE = "oral_front_office"
    PHONE = "phone"
    CONSULTATION_ZONE = "consultation_zone"

    @property
    def label(self) -> Bilingual:
        return CHANNEL_LABELS[self]

    @property
    def oral_protocol(self) -> bool:
        """Recorded in the separate protocol of oral requests (002 §21): the
        applicant spoke in person or by phone. A request told to a worker of
        the consultation zone is oral too."""
        return self in _ORAL


_ORAL = frozenset({Channel.ORAL_FRONT_OFFICE, Channel.PHONE, Channel.CONSULTATION_ZONE})

CHANNEL_LABELS: MappingProxyType[Channel, Bilingual] = MappingProxyType({
    Channel.EGOV_PORTAL: Bilingual(kk="«Электрондық үкімет» веб-порталы",
                                   ru="Веб-портал «электронного правительства»"),
    Channel.E_APPEALS: Bilingual(kk="«Электрондық өтініштер» ақпараттық-талдау жүйесі",
                                 ru="ИАС «Электронные обращения»"),
    Channel.PAPER: Bilingual(kk="Қағаз түрінде, оның ішінде қолма-қол",
                             ru="В бумажном виде, в том числе нарочно"),
    Channel.ORAL_FRONT_OFFICE: Bilingual(kk="Фронт-офис қызметкеріне ауызша",
                                         ru="Устно работнику фронт-офиса"),
    Channel.PHONE: Bilingual(kk="Телефон арқылы (call-орталық)",
                             ru="По телефону (call-центр)"),
    Channel.CONSULTATION_ZONE: Bilingual(kk="Орталықтың «Консультация» аймағы",
                                         ru="Зона «Консультация» центра"),
})


@dataclass(frozen=True, slots=True)
class Phone:
    """A Kazakhstan phone number kept as ``+77XXXXXXXXX``.

    ``Phone.parse`` accepts the usual ways of writing one: ``+7 701 234 56 78``,
    ``8 (701) 234-56-78``, ``87012345678``, ``77012345678``."""

    value: str

    def __post_init__(self) -> None:
        value = self.value
        if not (len(value) == 12 and value.startswith("+77") and value[1:].isascii()
                and value[1:].isdigit()):
            raise InvalidPhone(
                f"a Kazakhstan phone number +7 7XX XXX XX XX is expected, got {value!r}",
                Bilingual(kk="Телефон нөмірі +7 7XX XXX XX XX түрінде болуы керек.",
                          ru="Номер телефона должен быть в виде +7 7XX XXX XX XX."),
                field="phone")

    @classmethod
    def parse(cls, text: str) -> Phone:
        digits = "".join(char for char in text if char not in " -()\t")
        if digits.startswith("+7"):
            national = digits[2:]
        elif len(digits) == 11 and digits[0] in "78":
            national = digits[1:]
        else:
            national = ""
        return cls("+7" + national if national else digits)

    @property
    def display(self) -> str:
        v = self.value
        return f"+7 {v[2:5]} {v[5:8]} {v[8:10]} {v[10:12]}"

    def __str__(self) -> str:
        return self.display


def _required(value: str, field: str, what: Bilingual) -> str:
    return safe_text(value, field=field, max_length=None, required=True, what=what)


_NAME = Bilingual(kk="Тегі, аты, әкесінің аты", ru="фамилия, имя, отчество")


@dataclass(frozen=True, slots=True)
class Representative:
    """A legal representative acting for the applicant (000 §10): the
    representative's data is recorded with the request."""

    full_name: str
    iin: Iin
    basis: str  # the document giving the authority: power of attorney, guardianship decision, …

    def __post_init__(self) -> None:
        object.__setattr__(self, "full_name",
                           _required(self.full_name, "representative.full_name", _NAME))
        object.__setattr__(self, "basis", _required(
            self.basis, "representative.basis",
            Bilingual(kk="Өкілеттігін растайтын құжат",
                      ru="документ, подтверждающий полномочия")))


@dataclass(frozen=True, slots=True)
class Applicant:
    """The person to be received (or the legal entity's representative)."""

    iin: Iin
    full_name: str
    phone: Phone
    language: Language
    representative: Representative | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "full_name", _required(self.full_name, "full_name", _NAME))
        object.__setattr__(self, "language", Language(self.language))
        if self.representative is not None and self.representative.iin == self.iin:
            raise ValidationFailed(
                "the representative must be another person than the applicant",
                Bilingual(kk="Өкіл өтініш берушінің өзі бола алмайды.",
                          ru="Представителем не может быть сам заявитель."),
                field="representative.iin")
