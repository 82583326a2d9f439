"""The center's configuration as a document: the TOML file an installer loads,
and the JSON the API and the console exchange. Converts to and from the domain."""

from __future__ import annotations

import tomllib
from datetime import date, time
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from contract.mqtt import TEXT_MAX_LENGTH
from hub.domain.calendar import WorkingHours
from hub.domain.center import (
    CenterConfig,
    Desk,
    DeskKind,
    NumberRange,
    OutOfTurnCategory,
    Purpose,
    QueuePolicy,
    Zone,
    ZoneKind,
)
from hub.domain.safe_text import safe_text
from hub.domain.text import Bilingual

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BilingualText(Strict):
    """A name or label of the configuration. Every one of them travels to the nodes
    (the center's name, zones, desks' labels, purposes, out-of-turn categories in
    NodeConfig, DisplaySnapshot, Announcement, IssuedTicket), so none may be longer
    than the MQTT contract carries: a longer one would make each message holding it
    invalid, and the hub could publish no snapshot at all."""

    kk: str = Field(min_length=1, max_length=TEXT_MAX_LENGTH, description="Kazakh text")
    ru: str = Field(min_length=1, max_length=TEXT_MAX_LENGTH, description="Russian text")

    # Before the length constraints: the person reads safe_text's message naming the
    # limit, and the length counted is that of the stripped, NFC-normalised text.
    @field_validator("kk", "ru", mode="before")
    @classmethod
    def _safe(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value  # pydantic refuses it as "not a string"
        return safe_text(value, field=info.field_name or "text", max_length=TEXT_MAX_LENGTH,
                         required=True)

    def to_domain(self) -> Bilingual:
        return Bilingual(kk=self.kk, ru=self.ru)

    @classmethod
    def of(cls, text: Bilingual) -> BilingualText:
        return cls(kk=text.kk, ru=text.ru)


class ZoneDoc(Strict):
    code: Code
    kind: ZoneKind
    name: BilingualText
    range: tuple[int, int] | None = Field(None, description="first and last ticket number")
    default_service_minutes: float = Field(10.0, gt=0, le=600)

    def to_domain(self) -> Zone:
        number_range = NumberRange(*self.range) if self.range is not None else None
        return Zone(code=self.code, kind=self.kind, name=self.name.to_domain(),
                    number_range=number_range,
                    default_service_minutes=self.default_service_minutes)

    @classmethod
    def of(cls, zone: Zone) -> ZoneDoc:
        span = (zone.number_range.first, zone.number_range.last) if zone.number_range else None
        return cls(code=zone.code, kind=zone.kind, name=BilingualText.of(zone.name), range=span,
                   default_service_minutes=zone.default_service_minutes)


class DeskDoc(Strict):
    code: Code
    label: BilingualText
    zones: list[Code] = Field(min_length=1, max_length=10)
    kind: DeskKind = DeskKind.WORKPLACE
    active: bool = True

    def to_domain(self) -> Desk:
        return Desk(code=self.code, label=self.label.to_domain(), zones=tuple(self.zones),
                    kind=self.kind, active=self.active)

    @classmethod
    def of(cls, desk: Desk) -> DeskDoc:
        return cls(code=desk.code, label=BilingualText.of(desk.label), zones=list(desk.zones),
                   kind=desk.kind, active=desk.active)


class PurposeDoc(Strict):
    code: Code
    name: BilingualText
    zone: Code
    calls_staff: bool = False

    def to_domain(self) -> Purpose:
        return Purpose(code=self.code, name=self.name.to_domain(), zone=self.zone,
                       calls_staff=self.calls_staff)

    @classmethod
    def of(cls, purpose: Purpose) -> PurposeDoc:
        return cls(code=purpose.code, name=BilingualText.of(purpose.name), zone=purpose.zone,
                   calls_staff=purpose.calls_staff)


class OutOfTurnDoc(Strict):
    code: Code
    name: BilingualText

    def to_domain(self) -> OutOfTurnCategory:
        return OutOfTurnCategory(code=self.code, name=self.name.to_domain())

    @classmethod
    def of(cls, category: OutOfTurnCategory) -> OutOfTurnDoc:
        return cls(code=category.code, name=BilingualText.of(category.name))


class HoursDoc(Strict):
    opens: time = time(9, 0)
    closes: time = time(18, 30)
    lunch_starts: time | None = time(13, 0)
    lunch_ends: time | None = time(14, 30)
    weekdays: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)

    @field_validator("weekdays")
    @classmethod
    def _known_days(cls, value: list[str]) -> list[str]:
        unknown = [d for d in value if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown weekday {unknown[0]!r}; use {', '.join(WEEKDAYS)}")
        return sorted(set(value), key=WEEKDAYS.index)

    def to_domain(self) -> WorkingHours:
        return WorkingHours(opens=self.opens, closes=self.closes,
                            lunch_starts=self.lunch_starts, lunch_ends=self.lunch_ends,
                            weekdays=frozenset(WEEKDAYS.index(d) for d in self.weekdays))

    @classmethod
    def of(cls, hours: WorkingHours) -> HoursDoc:
        return cls(opens=hours.opens, closes=hours.closes, lunch_starts=hours.lunch_starts,
                   lunch_ends=hours.lunch_ends,
                   weekdays=[WEEKDAYS[i] for i in sorted(hours.weekdays)])


class CalendarDoc(Strict):
    closed_days: list[date] = Field(default_factory=list, max_length=1000,
                                    description="extra days off (e.g. a local holiday)")
    working_days: list[date] = Field(default_factory=list, max_length=1000,
                                     description="weekend days made working by a transfer")

    @field_validator("closed_days", "working_days")
    @classmethod
    def _each_day_once(cls, days: list[date]) -> list[date]:
        repeated = sorted({d for d in days if days.count(d) > 1})
        if repeated:
            raise ValueError(f"{repeated[0].isoformat()} is listed twice")
        return sorted(days)


class PolicyDoc(Strict):
    transfer_keeps_arrival: bool = True
    next_finishes_serving: bool = True
    unstaffed_alert_hours: float = Field(3.0, gt=0, le=24)

    def to_domain(self) -> QueuePolicy:
        return QueuePolicy(transfer_keeps_arrival=self.transfer_keeps_arrival,
                           next_finishes_serving=self.next_finishes_serving,
                           unstaffed_alert_hours=self.unstaffed_alert_hours)

    @classmethod
    def of(cls, policy: QueuePolicy) -> PolicyDoc:
        return cls(transfer_keeps_arrival=policy.transfer_keeps_arrival,
                   next_finishes_serving=policy.next_finishes_serving,
                   unstaffed_alert_hours=policy.unstaffed_alert_hours)


class CenterDocument(Strict):
    """Everything an installer configures for one center."""

    name: BilingualText
    timezone: str = "Asia/Almaty"
    hours: HoursDoc = Field(default_factory=HoursDoc)
    calendar: CalendarDoc = Field(default_factory=CalendarDoc)
    policy: PolicyDoc = Field(default_factory=PolicyDoc)
    zones: list[ZoneDoc] = Field(min_length=1)
    desks: list[DeskDoc] = Field(default_factory=list)
    purposes: list[PurposeDoc] = Field(default_factory=list)
    out_of_turn: list[OutOfTurnDoc] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def to_domain(self) -> CenterConfig:
        """Build the domain configuration; its checks raise ValidationFailed naming the field."""
        return CenterConfig(name=self.name.to_domain(),
                            zones=tuple(z.to_domain() for z in self.zones),
                            desks=tuple(d.to_domain() for d in self.desks),
                            purposes=tuple(p.to_domain() for p in self.purposes),
                            out_of_turn=tuple(c.to_domain() for c in self.out_of_turn),
                            policy=self.policy.to_domain())


def read_center_file(path: Path) -> CenterDocument:
    with path.open("rb") as handle:
        return CenterDocument.model_validate(tomllib.load(handle))
