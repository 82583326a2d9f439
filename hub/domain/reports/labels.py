"""Counts broken down by a code (zone, purpose, language...) with its name in
both languages, in the order the center configured them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.domain.text import Bilingual


@dataclass(frozen=True, slots=True)
class Label:
    code: str
    name: Bilingual


@dataclass(frozen=True, slots=True)
class Share:
    """How many of a report's items carry one code."""

    label: Label
    count: int

    @property
    def code(self) -> str:
        return self.label.code

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.label.name.as_dict(), "count": self.count}


def unknown_label(code: str) -> Label:
    """A code no longer in the configuration (a zone deleted since): named by its code."""
    return Label(code, Bilingual(kk=code, ru=code))


def count_by(codes: Iterable[str], labels: Sequence[Label]) -> list[Share]:
    """Every configured label with its count (zero included, so a quiet zone shows),
    then codes met that are not configured, most frequent first."""
    counted = Counter(codes)
    known = {label.code for label in labels}
    shares = [Share(label, counted.get(label.code, 0)) for label in labels]
    strays = sorted((code for code in counted if code not in known),
                    key=lambda code: (-counted[code], code))
    return shares + [Share(unknown_label(code), counted[code]) for code in strays]


def total(shares: Iterable[Share]) -> int:
    return sum(share.count for share in shares)
