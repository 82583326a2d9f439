"""Figures of the electronic queue over a period (issue 8, item 5).

Visitors are counted by the zone they were issued to, their purpose,
language and out-of-turn category (001 §13, 002 §12). Waiting is the time
from issuing a ticket to its (last) call; service is from the start of
service to its end, for visitors actually served. Both are summarised by the
zone and the desk that served the ticket last (a visitor transferred from a
consultation window to an office counts where they ended), since that is
where the visitor's time was finally spent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from hub.domain.reports.labels import Label, Share, count_by, unknown_label
from hub.domain.reports.stats import Durations
from hub.domain.text import Bilingual
from hub.domain.tickets import ACTIVE_STATES, TicketState

GENERAL_ORDER = Label("general", Bilingual(kk="Жалпы кезек", ru="В общем порядке"))
NO_PURPOSE = Label("none", Bilingual(kk="Мақсаты көрсетілмеген", ru="Цель не указана"))
LANGUAGES = (Label("kk", Bilingual(kk="Қазақ тілі", ru="Казахский язык")),
             Label("ru", Bilingual(kk="Орыс тілі", ru="Русский язык")))
_ACTIVE = frozenset(state.value for state in ACTIVE_STATES)


@dataclass(frozen=True, slots=True)
class TicketFact:
    """What a report needs of one ticket; no personal data exists on a ticket."""

    service_day: date
    issued_zone: str
    zone: str
    purpose: str | None
    language: str
    out_of_turn: str | None
    needs_escort: bool
    state: str
    desk: str | None
    issued_hour: int  # local hour of issue
    issued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def waiting_seconds(self) -> float | None:
        if self.called_at is None:
            return None
        return max(0.0, (self.called_at - self.issued_at).total_seconds())

    @property
    def service_seconds(self) -> float | None:
        if (self.state != TicketState.DONE or self.started_at is None
                or self.finished_at is None):
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())


@dataclass(frozen=True, slots=True)
class Outcomes:
    served: int
    no_show: int
    cancelled: int
    unfinished: int  # still waiting or at a desk when the report was made

    def as_dict(self) -> dict[str, int]:
        return {"served": self.served, "no_show": self.no_show, "cancelled": self.cancelled,
                "unfinished": self.unfinished}


@dataclass(frozen=True, slots=True)
class Times:
    """Waiting and service times of one zone or desk, and what happened there."""

    label: Label
    waiting: Durations
    service: Durations
    served: int
    no_show: int

    def as_dict(self) -> dict[str, object]:
        return {"code": self.label.code, "name": self.label.name.as_dict(),
                "waiting": self.waiting.as_dict(), "service": self.service.as_dict(),
                "served": self.served, "no_show": self.no_show}


@dataclass(frozen=True, slots=True)
class QueueFigures:
    visitors: int
    by_zone: list[Share]
    by_purpose: list[Share]
    by_language: list[Share]
    by_out_of_turn: list[Share]
    escorted: int
    outcomes: Outcomes
    waiting: Durations
    service: Durations
    times_by_zone: list[Times]
    times_by_desk: list[Times]
    by_hour: list[tuple[int, int]]
    by_day: list[tuple[date, int]]

    @property
    def out_of_turn_total(self) -> int:
        return sum(s.count for s in self.by_out_of_turn if s.code != GENERAL_ORDER.code)

    def as_dict(self) -> dict[str, object]:
        return {
            "visitors": self.visitors,
            "by_zone": [s.as_dict() for s in self.by_zone],
            "by_purpose": [s.as_dict() for s in self.by_purpose],
            "by_language": [s.as_dict() for s in self.by_language],
            "by_out_of_turn": [s.as_dict() for s in self.by_out_of_turn],
            "escorted": self.escorted,
            "outcomes": self.outcomes.as_dict(),
            "waiting": self.waiting.as_dict(),
            "service": self.service.as_dict(),
            "times_by_zone": [t.as_dict() for t in self.times_by_zone],
            "times_by_desk": [t.as_dict() for t in self.times_by_desk],
            "by_hour": [{"hour": hour, "count": count} for hour, count in self.by_hour],
            "by_day": [{"day": day.isoformat(), "count": count} for day, count in self.by_day],
        }


def _times(facts: Sequence[TicketFact], key: Callable[[TicketFact], str | None],
           labels: Sequence[Label], *, keep_quiet: bool) -> list[Times]:
    groups: dict[str, list[TicketFact]] = defaultdict(list)
    for fact in facts:
        code = key(fact)
        if code is not None:
            groups[code].append(fact)
    known = {label.code for label in labels}
    ordered = [label for label in labels if keep_quiet or label.code in groups]
    ordered += [unknown_label(code) for code in sorted(groups) if code not in known]
    result = []
    for label in ordered:
        members = groups.get(label.code, [])
        result.append(Times(
            label,
            Durations.of(s for f in members if (s := f.waiting_seconds) is not None),
            Durations.of(s for f in members if (s := f.service_seconds) is not None),
            served=sum(1 for f in members if f.state == TicketState.DONE),
            no_show=sum(1 for f in members if f.state == TicketState.NO_SHOW)))
    return result


def summarize_queue(facts: Iterable[TicketFact], *, zones: Sequence[Label],
                    desks: Sequence[Label], purposes: Sequence[Label],
                    out_of_turn: Sequence[Label], hours: range,
                    days: Sequence[date]) -> QueueFigures:
    """The queue's figures. `zones` are the serving zones, `hours` the local hours
    shown in the by-hour chart (widened to any hour a ticket was issued in) and
    `days` the working days of the period (a ticket on another day adds its day)."""
    tickets = list(facts)
    states = Counter(fact.state for fact in tickets)
    per_hour = Counter(fact.issued_hour for fact in tickets)
    shown_hours = sorted(set(hours) | set(per_hour))
    per_day = Counter(fact.service_day for fact in tickets)
    shown_days = sorted(set(days) | set(per_day))
    return QueueFigures(
        visitors=len(tickets),
        by_zone=count_by((f.issued_zone for f in tickets), zones),
        by_purpose=[s for s in count_by((f.purpose or NO_PURPOSE.code for f in tickets),
                                        [*purposes, NO_PURPOSE])
                    if s.count or s.code != NO_PURPOSE.code],
        by_language=count_by((f.language for f in tickets), LANGUAGES),
        by_out_of_turn=count_by((f.out_of_turn or GENERAL_ORDER.code for f in tickets),
                                [GENERAL_ORDER, *out_of_turn]),
        escorted=sum(1 for f in tickets if f.needs_escort),
        outcomes=Outcomes(served=states[TicketState.DONE], no_show=states[TicketState.NO_SHOW],
                          cancelled=states[TicketState.CANCELLED],
                          unfinished=sum(n for s, n in states.items() if s in _ACTIVE)),
        waiting=Durations.of(s for f in tickets if (s := f.waiting_seconds) is not None),
        service=Durations.of(s for f in tickets if (s := f.service_seconds) is not None),
        times_by_zone=_times(tickets, lambda f: f.zone, zones, keep_quiet=True),
        times_by_desk=_times(tickets, lambda f: f.desk, desks, keep_quiet=False),
        by_hour=[(hour, per_hour.get(hour, 0)) for hour in shown_hours],
        by_day=[(day, per_day.get(day, 0)) for day in shown_days],
    )
