"""An official's published contacts (the schedule and the appendix of 004 print
them): a phone number as people write it and an e-mail address, checked loosely
enough for real office numbers ("+7 72351 2 11 00") and strictly enough to catch
typing slips."""

from __future__ import annotations

import re

from hub.domain.errors import ValidationFailed
from hub.domain.text import Bilingual

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,38}$")
BAD_EMAIL = Bilingual(kk="Электрондық пошта мекенжайы дұрыс емес (мысалы: akim@example.kz).",
                      ru="Неверный адрес электронной почты (например: akim@example.kz).")
BAD_PHONE = Bilingual(kk="Телефон нөмірі дұрыс емес: тек цифрлар, «+», бос орын, жақша "
                         "және сызықша (мысалы: +7 72351 2 11 00).",
                      ru="Неверный номер телефона: только цифры, «+», пробелы, скобки "
                         "и дефис (например: +7 72351 2 11 00).")


def contact_errors(*, phone: str, email: str) -> dict[str, Bilingual]:
    """Each contact field that is filled in and malformed, with what to tell the user."""
    errors: dict[str, Bilingual] = {}
    if email and not _EMAIL.match(email):
        errors["email"] = BAD_EMAIL
    if phone and not _PHONE.match(phone):
        errors["phone"] = BAD_PHONE
    return errors


def check_contacts(*, phone: str, email: str) -> None:
    """Raise ValidationFailed naming the first malformed contact field."""
    for field, text in contact_errors(phone=phone, email=email).items():
        raise ValidationFailed(f"{field} is malformed", text, field=field)
