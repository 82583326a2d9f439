"""Languages of the center and texts that exist in both of them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Language(StrEnum):
    """The two languages a visitor may choose (000 §8)."""

    KK = "kk"
    RU = "ru"


@dataclass(frozen=True, slots=True)
class Bilingual:
    """One text written in Kazakh and in Russian."""

    kk: str
    ru: str

    def __post_init__(self) -> None:
        if not self.kk.strip() or not self.ru.strip():
            raise ValueError("both the Kazakh and the Russian text are required")

    def get(self, language: Language | str) -> str:
        return self.kk if Language(language) is Language.KK else self.ru

    def format(self, **values: object) -> Bilingual:
        return Bilingual(kk=self.kk.format(**values), ru=self.ru.format(**values))

    def as_dict(self) -> dict[str, str]:
        return {"kk": self.kk, "ru": self.ru}


def printable(value: str) -> str:
    """Refuse control characters (NUL, escapes): no screen, printer or database wants them."""
    for char in value:
        if unicodedata.category(char) == "Cc":
            raise ValueError(f"control character U+{ord(char):04X} is not allowed")
    return value
