"""Ticket numbers from a zone's range.

Each zone counts its tickets per service day (the sequence, from 1). The number
is the sequence mapped into the zone's range, so numbering restarts every
working day and wraps when the range is used up. A number still held by an
active ticket is skipped when the range wraps; when every number is held the
range is too small for the day and the ticket is refused.
"""

from __future__ import annotations

from collections.abc import Container

from hub.domain.center import NumberRange
from hub.domain.errors import RangeExhausted
from hub.domain.text import Bilingual


def number_for(number_range: NumberRange, sequence: int) -> int:
    """The number the `sequence`-th ticket of the day gets (sequence counts from 1)."""
    if sequence < 1:
        raise ValueError("a day's ticket sequence starts at 1")
    return number_range.first + (sequence - 1) % number_range.size


def allocate_number(number_range: NumberRange, last_sequence: int,
                    numbers_in_use: Container[int]) -> tuple[int, int]:
    """Return (sequence, number) of the next ticket after `last_sequence`."""
    for step in range(1, number_range.size + 1):
        sequence = last_sequence + step
        number = number_for(number_range, sequence)
        if number not in numbers_in_use:
            return sequence, number
    raise RangeExhausted(
        f"all {number_range.size} numbers {number_range.first}–{number_range.last} "
        "are held by visitors still in the queue",
        Bilingual(kk="Бұл аймақтың бос нөмірлері таусылды. Ресепшнге жүгініңіз.",
                  ru="Свободные номера этой зоны закончились. Обратитесь на ресепшн."),
        field="zone.range")


def range_exhausted_text(zone_name: Bilingual, number_range: NumberRange) -> Bilingual:
    """What staff read when a visitor was refused because every number is held."""
    first, last = number_range.first, number_range.last
    return Bilingual(
        kk=f"«{zone_name.kk}» аймағының {first}–{last} нөмірлерінің бәрін кезектегі "
           "келушілер ұстап тұр: келушіге талон берілмеді. Баптауларда нөмірлер "
           "ауқымын кеңейтіңіз.",
        ru=f"Все номера {first}–{last} зоны «{zone_name.ru}» заняты посетителями в "
           "очереди: посетителю талон не выдан. Расширьте диапазон номеров в "
           "настройках.")
