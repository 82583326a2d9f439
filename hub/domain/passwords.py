"""What a console password must be, and how the hub makes one.

One rule for every path that sets a password (creating a user, changing one, the
first administrator from the command line; issue 17 found `aaaaaaaaaa`, the user's
own name and twelve spaces accepted because length was the only check):
- at least MIN_LENGTH characters, and not whitespace alone;
- at least MIN_DISTINCT different characters (no `aaaaaaaaaa`, `1212121212`);
- not containing the user name (the first thing a guesser tries);
- not one of the 19,640 most common passwords (the list Django ships, compiled from
  breach corpora by Royce Williams; `common-passwords.LICENSE` beside it), compared
  without case, as guessers try them.
Length beats composition rules (NIST SP 800-63B §5.1.1.2): no "one digit, one
capital" demands.
"""

from __future__ import annotations

import gzip
import secrets
from functools import cache
from pathlib import Path

from hub.domain.errors import ValidationFailed
from hub.domain.text import Bilingual

MIN_LENGTH = 10
MIN_DISTINCT = 5
MIN_NAME_TO_MATCH = 3  # a two-letter name inside a password is chance, not a hint
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _refused(detail: str, kk: str, ru: str) -> ValidationFailed:
    return ValidationFailed(detail, Bilingual(kk=kk, ru=ru), field="password")


def check_password(password: str, *, username: str) -> None:
    """Raise ValidationFailed (bilingual, field "password") unless `password` may be
    the password of `username`."""
    if not password.strip():
        raise _refused("the password cannot be only spaces",
                       "Құпиясөз тек бос орындардан тұрмауы керек",
                       "Пароль не может состоять только из пробелов")
    if len(password) < MIN_LENGTH:
        raise _refused(f"the password must have at least {MIN_LENGTH} characters",
                       f"Құпиясөз кемінде {MIN_LENGTH} таңбадан тұруы керек",
                       f"Пароль должен содержать не менее {MIN_LENGTH} символов")
    if len(set(password)) < MIN_DISTINCT:
        raise _refused(f"the password must have at least {MIN_DISTINCT} different characters",
                       f"Құпиясөзде кемінде {MIN_DISTINCT} түрлі таңба болуы керек",
                       f"В пароле должно быть не менее {MIN_DISTINCT} разных символов")
    folded = password.casefold()
    name = username.strip().casefold()
    if len(name) >= MIN_NAME_TO_MATCH and name in folded:
        raise _refused("the password must not contain the user name",
                       "Құпиясөзде пайдаланушы аты болмауы керек",
                       "Пароль не должен содержать имя пользователя")
    if folded.strip() in common_passwords():
        raise _refused("the password is one of the most common passwords",
                       "Бұл құпиясөз ең жиі қолданылатындар тізімінде бар: басқасын "
                       "ойлап табыңыз",
                       "Этот пароль есть в списке самых распространённых: придумайте "
                       "другой")


def new_password(username: str) -> str:
    """A random password that passes `check_password` (16 URL-safe characters, about
    96 bits), for the first administrator."""
    while True:
        candidate = secrets.token_urlsafe(12)
        try:
            check_password(candidate, username=username)
        except ValidationFailed:
            continue
        return candidate
