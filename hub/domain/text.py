"""Languages of the center and texts that exist in both of them."""

from __future__ import annotations

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
