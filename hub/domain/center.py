"""A center's configuration: zones with their number ranges, desks, visit
purposes and the out-of-turn categories, with the checks that keep it sound."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NoReturn

from hub.domain.errors import NotFound, ValidationFailed
from hub.domain.text import Bilingual

# A range smaller than this would wrap within the first hour of a busy day.
MIN_RANGE_SIZE = 10
# Codes travel in URLs, MQTT topics and file names: plain ASCII only.
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
MAX_NUMBER = 9999


class ZoneKind(StrEnum):
    """The zones of the center (000 §4)."""

    RECEPTION = "reception"
    WAITING = "waiting"
    CONSULTATION = "consultation"
    PERSONAL_RECEPTION = "personal_reception"
    SELF_SERVICE = "self_service"


# Zones where visitors are called by number; reception and waiting only route.
SERVING_KINDS = frozenset({ZoneKind.CONSULTATION, ZoneKind.PERSONAL_RECEPTION,
                           ZoneKind.SELF_SERVICE})


class DeskKind(StrEnum):
    WORKPLACE = "workplace"
    OFFICE = "office"


@dataclass(frozen=True, slots=True)
class NumberRange:
    """The ticket numbers a zone hands out, first..last inclusive (000 §9)."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if not 1 <= self.first <= MAX_NUMBER:
            raise ValidationFailed(
                f"range start {self.first} must be between 1 and {MAX_NUMBER}",
                Bilingual(kk=f"Ауқымның басы 1 мен {MAX_NUMBER} аралығында болуы керек",
                          ru=f"Начало диапазона должно быть от 1 до {MAX_NUMBER}"),
                field="range.first")
        if not self.first <= self.last <= MAX_NUMBER:
            raise ValidationFailed(
                f"range end {self.last} must be between {self.first} and {MAX_NUMBER}",
                Bilingual(kk=f"Ауқымның соңы {self.first} мен {MAX_NUMBER} аралығында болуы керек",
                          ru=f"Конец диапазона должен быть от {self.first} до {MAX_NUMBER}"),
                field="range.last")
        if self.size < MIN_RANGE_SIZE:
            raise ValidationFailed(
                f"range {self.first}–{self.last} has {self.size} numbers, "
                f"fewer than the {MIN_RANGE_SIZE} a working day needs",
                Bilingual(kk=f"Ауқым тым кіші: кемінде {MIN_RANGE_SIZE} нөмір қажет",
                          ru=f"Диапазон слишком мал: нужно не меньше {MIN_RANGE_SIZE} номеров"),
                field="range")

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def overlaps(self, other: NumberRange) -> bool:
        return self.first <= other.last and other.first <= self.last

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and self.first <= number <= self.last


@dataclass(frozen=True, slots=True)
class Zone:
    code: str
    kind: ZoneKind
    name: Bilingual
    number_range: NumberRange | None = None
    # Used for wait estimates until the zone has served enough visitors today.
    default_service_minutes: float = 10.0

    @property
    def serving(self) -> bool:
        return self.kind in SERVING_KINDS


@dataclass(frozen=True, slots=True)
class Desk:
    """A workplace or an office where visitors are called to."""

    code: str
    label: Bilingual
    zones: tuple[str, ...]
    kind: DeskKind = DeskKind.WORKPLACE
    active: bool = True


@dataclass(frozen=True, slots=True)
class Purpose:
    """A reason for the visit stated at reception (000 §8) and the zone it leads to."""

    code: str
    name: Bilingual
    zone: str
    # Purposes like "file an appeal with no text" call a worker over instead of queueing.
    calls_staff: bool = False


@dataclass(frozen=True, slots=True)
class OutOfTurnCategory:
    """A group received out of turn (001 §13, 002 §12)."""

    code: str
    name: Bilingual


@dataclass(frozen=True, slots=True)
class QueuePolicy:
    # A transfer keeps the visitor's place by arrival time unless this is off.
    transfer_keeps_arrival: bool = True
    # "Next" on a desk whose visitor is being served finishes that visitor first.
    next_finishes_serving: bool = True
    # A desk unstaffed longer than this, in working hours, raises an alert (000 §6).
    unstaffed_alert_hours: float = 3.0


@dataclass(frozen=True, slots=True)
class CenterConfig:
    name: Bilingual
    zones: tuple[Zone, ...]
    desks: tuple[Desk, ...]
    purposes: tuple[Purpose, ...]
    out_of_turn: tuple[OutOfTurnCategory, ...]
    policy: QueuePolicy = field(default_factory=QueuePolicy)

    def __post_init__(self) -> None:
        validate_center(self)

    def zone(self, code: str) -> Zone:
        for zone in self.zones:
            if zone.code == code:
                return zone
        raise NotFound(f"unknown zone {code!r}",
                       Bilingual(kk=f"«{code}» аймағы жоқ", ru=f"Зона «{code}» не найдена"),
                       field="zone")

    def desk(self, code: str) -> Desk:
        for desk in self.desks:
            if desk.code == code:
                return desk
        raise NotFound(f"unknown desk {code!r}",
                       Bilingual(kk=f"«{code}» жұмыс орны жоқ",
                                 ru=f"Рабочее место «{code}» не найдено"),
                       field="desk")

    def purpose(self, code: str) -> Purpose:
        for purpose in self.purposes:
            if purpose.code == code:
                return purpose
        raise NotFound(f"unknown visit purpose {code!r}",
                       Bilingual(kk=f"«{code}» келу мақсаты жоқ",
                                 ru=f"Цель визита «{code}» не найдена"),
                       field="purpose")

    def out_of_turn_category(self, code: str) -> OutOfTurnCategory:
        for category in self.out_of_turn:
            if category.code == code:
                return category
        raise NotFound(f"unknown out-of-turn category {code!r}",
                       Bilingual(kk=f"«{code}» кезектен тыс санаты жоқ",
                                 ru=f"Категория внеочередности «{code}» не найдена"),
                       field="out_of_turn")

    def desks_of_zone(self, zone_code: str) -> tuple[Desk, ...]:
        return tuple(d for d in self.desks if zone_code in d.zones and d.active)


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def _refuse(detail: str, kk: str, ru: str, field: str) -> NoReturn:
    raise ValidationFailed(detail, Bilingual(kk=kk, ru=ru), field=field)


def validate_center(center: CenterConfig) -> None:
    """Refuse a configuration a working day could not run on; name the field at fault."""
    for section, codes in (("zones", [z.code for z in center.zones]),
                           ("desks", [d.code for d in center.desks]),
                           ("purposes", [p.code for p in center.purposes]),
                           ("out_of_turn", [c.code for c in center.out_of_turn])):
        for code in codes:
            if not CODE_PATTERN.fullmatch(code):
                _refuse(f"{section} code {code!r} must be Latin letters, digits, '-' or '_'",
                        f"«{code}» коды тек латын әріптерінен, цифрлардан, «-» мен «_» "
                        "тұруы керек",
                        f"Код «{code}» может содержать только латинские буквы, цифры, «-» и «_»",
                        f"{section}.code")
        for code in _duplicates(codes):
            _refuse(f"duplicate {section} code {code!r}",
                    f"«{code}» коды қайталанады", f"Код «{code}» повторяется", f"{section}.code")

    zones = {z.code: z for z in center.zones}
    ranged = [z for z in center.zones if z.number_range is not None]
    for zone in center.zones:
        if zone.serving and zone.number_range is None:
            _refuse(f"zone {zone.code!r} serves visitors and needs a number range",
                    f"«{zone.name.kk}» аймағына нөмірлер ауқымы қажет",
                    f"Для зоны «{zone.name.ru}» нужен диапазон номеров",
                    f"zones.{zone.code}.range")
        if not (math.isfinite(zone.default_service_minutes)
                and zone.default_service_minutes > 0):
            _refuse(f"zone {zone.code!r}: default service time must be positive",
                    "Қызмет көрсету уақыты оң сан болуы керек",
                    "Время обслуживания должно быть положительным",
                    f"zones.{zone.code}.default_service_minutes")
    for i, first in enumerate(ranged):
        for second in ranged[i + 1:]:
            assert first.number_range is not None and second.number_range is not None
            if first.number_range.overlaps(second.number_range):
                _refuse(f"number ranges of zones {first.code!r} and {second.code!r} overlap",
                        f"«{first.name.kk}» мен «{second.name.kk}» нөмір ауқымдары қиылысады",
                        f"Диапазоны номеров зон «{first.name.ru}» и «{second.name.ru}» "
                        "пересекаются",
                        f"zones.{second.code}.range")

    for label_lang in ("kk", "ru"):
        labels = [getattr(d.label, label_lang).strip().casefold() for d in center.desks]
        for label in _duplicates(labels):
            _refuse(f"duplicate desk label {label!r}",
                    f"«{label}» жұмыс орнының атауы қайталанады",
                    f"Название рабочего места «{label}» повторяется",
                    f"desks.label.{label_lang}")
    for desk in center.desks:
        if len(set(desk.zones)) != len(desk.zones):
            _refuse(f"desk {desk.code!r} lists a zone twice",
                    "Жұмыс орнының аймақтары қайталанады",
                    "Зоны рабочего места повторяются", f"desks.{desk.code}.zones")
        if not desk.zones:
            _refuse(f"desk {desk.code!r} belongs to no zone",
                    "Жұмыс орны ешбір аймаққа тіркелмеген",
                    "Рабочее место не привязано ни к одной зоне", f"desks.{desk.code}.zones")
        for zone_code in desk.zones:
            named = zones.get(zone_code)
            if named is None or not named.serving:
                _refuse(f"desk {desk.code!r} names zone {zone_code!r}, which is not a serving zone",
                        f"«{zone_code}» қызмет көрсету аймағы емес",
                        f"«{zone_code}» не является зоной обслуживания",
                        f"desks.{desk.code}.zones")
    for purpose in center.purposes:
        led_to = zones.get(purpose.zone)
        if led_to is None or not led_to.serving:
            _refuse(f"purpose {purpose.code!r} leads to {purpose.zone!r}, not a serving zone",
                    f"«{purpose.zone}» қызмет көрсету аймағы емес",
                    f"«{purpose.zone}» не является зоной обслуживания",
                    f"purposes.{purpose.code}.zone")
