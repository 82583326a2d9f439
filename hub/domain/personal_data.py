"""Who may read an applicant's personal data, and how it is shown otherwise.

The rule: "Personal data of citizens that became known in the work of the
Center are not to be disclosed to third parties" (000 §2, per the Law "On
personal data and their protection"). Inside the center, too, a worker reads
a person's IIN, name, phone and address only when their work on that person
needs it. Which work needs it comes from the regulations:

- **reception** (the front office) registers appeals and hands them to e-Өтініш
  (000 §4: appeals are received through the "e-Өтініш" system; 002 §34: an
  appeal from a reception is registered with its mark), gives them for
  consideration and keeps them on control (002 §32–§33, the subdivision that
  controls appeals): it reads every record in full and exports the register;
- **the administrator** answers for the center's register (000 §5, the office
  that organises the center): reads and exports in full, each read and export
  written to the audit log with its purpose;
- **whoever an appeal is given to** for consideration (an operator, an
  official or any employee: 002 §35 names "the employee the consideration is
  given to") reads that appeal in full — one cannot answer a person one may not
  see — and every other appeal masked;
- **operators** (consultation workers) otherwise see the register masked: they
  recognise a record (the last digits of the IIN, the initials) but do not
  learn whose it is; they never export;
- **officials** read in full what their own receptions need — the requests
  and final lists of the receptions they hold (002 §22–§24: the list of
  persons to be received goes to them) — and appeals masked unless given to
  them;
- **analysts** read aggregates only (issue 8, ``Permission.VIEW_REPORTS``):
  the register masked, no scans, no call list, no export.

The survey's call list (phones in full) is for the front-office workers who
make the calls (002 §36, 004 §38): administrators, reception and operators.

Adapters never decide this themselves: they ask the functions below.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.domain.errors import ValidationFailed
from hub.domain.roles import Role
from hub.domain.text import Bilingual

__all__ = [
    "PURPOSE_MAX",
    "Grant",
    "Reading",
    "appeal_reading",
    "booking_reading",
    "export_purpose",
    "mask_address",
    "mask_email",
    "mask_iin",
    "mask_name",
    "mask_phone",
    "may_export",
    "reads_call_list",
]

MASK = "•"
PURPOSE_MAX = 300


class Reading(StrEnum):
    FULL = "full"
    MASKED = "masked"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Grant:
    """How a viewer reads a record, and the rule that grants it (kept in the
    audit row of a full read as its basis)."""

    reading: Reading
    basis: str

    @property
    def full(self) -> bool:
        return self.reading is Reading.FULL


_REGISTER_KEEPERS: dict[Role, str] = {
    Role.ADMINISTRATOR: "administrator of the center's register (000 §5)",
    Role.RECEPTION: "front office registers and controls appeals (000 §4, 002 §32-§34)",
}
_EXPORTERS = frozenset(_REGISTER_KEEPERS)
_CALL_LIST_READERS = frozenset({Role.ADMINISTRATOR, Role.RECEPTION, Role.OPERATOR})
_BOOKING_KEEPERS = frozenset({Role.ADMINISTRATOR, Role.RECEPTION})


def appeal_reading(role: Role, *, viewer: str | None, holder: str | None) -> Grant:
    """How ``viewer`` (a console user's name, None for a service token) of
    ``role`` reads an appeal held by ``holder`` (the employee it is given to,
    None if nobody holds it)."""
    if role in _REGISTER_KEEPERS:
        return Grant(Reading.FULL, _REGISTER_KEEPERS[role])
    if viewer is not None and holder is not None and viewer == holder:
        return Grant(Reading.FULL, "the appeal is given to this employee (002 §35)")
    return Grant(Reading.MASKED, f"{role.value} sees other appeals masked (000 §2)")


def may_export(role: Role) -> bool:
    """The whole register with personal data leaves the hub only for e-Өтініш,
    in the hands of the register's keepers (000 §4)."""
    return role in _EXPORTERS


def reads_call_list(role: Role) -> bool:
    """The survey's call list carries phones in full (002 §36)."""
    return role in _CALL_LIST_READERS


def booking_reading(role: Role, *, own_reception: bool) -> Reading:
    """A booking request of a personal reception: the front office keeps them
    (002 §4, §21); an official reads the requests of their own receptions
    (002 §22–§24); nobody else."""
    if role in _BOOKING_KEEPERS:
        return Reading.FULL
    if role is Role.OFFICIAL and own_reception:
        return Reading.FULL
    return Reading.NONE


def export_purpose(text: str | None) -> str:
    """The purpose an exporter types (for the audit log): required, one line,
    at most ``PURPOSE_MAX`` characters."""
    purpose = " ".join((text or "").split())
    if not purpose:
        raise ValidationFailed("an export needs its purpose", Bilingual(
            kk="Экспорттың мақсатын жазыңыз: дербес деректер мақсатсыз берілмейді.",
            ru="Укажите цель выгрузки: персональные данные без цели не выдаются."),
            field="purpose")
    if len(purpose) > PURPOSE_MAX or not purpose.isprintable():
        raise ValidationFailed("the export's purpose is too long or not plain text", Bilingual(
            kk=f"Мақсат — {PURPOSE_MAX} таңбадан аспайтын қарапайым мәтін.",
            ru=f"Цель — обычный текст не длиннее {PURPOSE_MAX} символов."),
            field="purpose")
    return purpose


# ------------------------------------------------------------------ masking
# A masked record still lets a worker recognise it with the person in front of
# them ("the last four digits of your IIN?", the initials) without telling who
# it is: no birth date (the IIN's first six digits), no surname, no street.


def mask_iin(iin: str) -> str:
    """``850101300024`` → ``••••••••0024``: the serial's last digits only; the
    first six are the birth date and the seventh the sex."""
    if len(iin) != 12:
        return MASK * len(iin)
    return MASK * 8 + iin[-4:]


def mask_phone(phone: str) -> str:
    """``+77012345678`` → ``+7 ••• ••• •• 78``: the last two digits only."""
    digits = phone.removeprefix("+7")
    if len(digits) != 10:
        return MASK * 4
    return f"+7 {MASK * 3} {MASK * 3} {MASK * 2} {digits[-2:]}"


def mask_name(full_name: str) -> str:
    """``Сейітқали Ерлан Бауыржанұлы`` → ``С. Е. Б.``: the initials."""
    return " ".join(f"{word[0]}." for word in full_name.split() if word[:1].isalpha())


def mask_email(email: str) -> str:
    """``erlan@mail.kz`` → ``e•••@mail.kz``."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}{MASK * 3}{at}{domain}" if local else ""


def mask_address(address: str) -> str:
    """An address says where a person lives: nothing of it is shown."""
    return MASK * 3 if address.strip() else ""
