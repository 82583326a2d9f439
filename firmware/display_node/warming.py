"""What a display node warms in its voice cache, and in which order: plain functions.

First the pieces every call uses (the opening, then each desk), then the ticket numbers
the center's ranges can produce for the zones this node follows, in issuing order: every
zone restarts its range each day, so the first numbers of all zones come before the later
numbers of any (100, 500, 800, 101, 501, 801, ... for 100-399, 500-699 and 800-899).
Numbers go in batches, each batch in one language then the other: one synthesis worker
(one loaded voice) runs at a time, and switching voice for every piece would reload a
model every piece."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from contract.mqtt import ZoneNumbers
from firmware.display_node.speech import (
    MAX_SPOKEN_NUMBER,
    kazakh_cardinal,
    parts,
    russian_cardinal,
    spoken_desk,
)

# Numbers per language before switching to the other. A switch starts a worker and loads
# a voice (0.6-0.7 s here, a few seconds on a Pi 4); a batch of 100 numbers is ~60 s of
# a Pi 4 core (RTF 0.5-0.8): a few per cent. Borodulikha's first 33 numbers of every zone
# are warm in both languages after the first two batches.
WARM_BATCH = 100


@dataclass(frozen=True, slots=True)
class WarmPiece:
    language: str
    text: str
    number: int | None = None  # the ticket number whose words these are


def issuing_order(ranges: Iterable[ZoneNumbers], zones: Collection[str] = ()) -> list[int]:
    """The numbers of the ranges of `zones` (every zone when empty), round-robin over the
    zones: each zone's k-th number before any zone's (k+1)-th; a number shared by two
    zones comes once, where it first comes."""
    spans = [range(r.first, min(r.last, MAX_SPOKEN_NUMBER) + 1)
             for r in ranges if not zones or r.zone in zones]
    seen: set[int] = set()
    order: list[int] = []
    for k in range(max((len(span) for span in spans), default=0)):
        for span in spans:
            if k < len(span) and span[k] not in seen:
                seen.add(span[k])
                order.append(span[k])
    return order


@functools.lru_cache(maxsize=2 * 10_000)
def number_words(language: str, number: int) -> str:
    """The piece a ticket number is said with (the middle of speech.parts); kept, as
    each warming plan and each change of ranges (the warmth count) asks for every number
    of the ranges again."""
    return kazakh_cardinal(number) if language == "kk" else russian_cardinal(number)


def warm_plan(languages: Sequence[str], desks: Iterable[tuple[str, str, str]],
              numbers: Sequence[int], batch: int = WARM_BATCH) -> list[WarmPiece]:
    """(language, piece) in warming order: per language the opening and the desks, then
    the numbers in batches of `batch`, each batch in every language."""
    desks = list(desks)
    plan: list[WarmPiece] = []
    for language in languages:
        plan.append(WarmPiece(language, parts(language, 1, spoken_desk("x", "x", "x"))[0]))
        for code, label_kk, label_ru in desks:
            plan.append(WarmPiece(language, parts(language, 1,
                                                  spoken_desk(code, label_kk, label_ru))[2]))
    for start in range(0, len(numbers), batch):
        for language in languages:
            plan.extend(WarmPiece(language, number_words(language, number), number)
                        for number in numbers[start:start + batch])
    return plan
