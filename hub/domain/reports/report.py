"""A whole report: its period, when it was made, the working days it covers,
and the figures of the queue and of personal reception. Holds only
aggregates: no names, IINs or phones ever enter it (000 §2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hub.domain.reports.appeals import AppealsFigures, InstructionControl, Satisfaction
from hub.domain.reports.periods import ReportPeriod
from hub.domain.reports.queue import QueueFigures
from hub.domain.reports.reception import ReceptionFigures
from hub.domain.text import Bilingual

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Report:
    center: Bilingual
    period: ReportPeriod
    made_at: datetime
    working_days: list[date]
    queue: QueueFigures
    reception: ReceptionFigures
    # From the appeals register (issue 8); None where a hub runs without it.
    appeals: AppealsFigures | None = None
    control: InstructionControl | None = None
    satisfaction: Satisfaction | None = None

    @property
    def visitors_per_working_day(self) -> float | None:
        if not self.working_days:
            return None
        return self.queue.visitors / len(self.working_days)

    def as_dict(self) -> dict[str, object]:
        return {
            "format": FORMAT_VERSION,
            "center": self.center.as_dict(),
            "period": {"code": self.period.code, "kind": self.period.kind.value,
                       "first": self.period.first.isoformat(),
                       "last": self.period.last.isoformat(),
                       "title": self.period.title.as_dict()},
            "made_at": self.made_at.isoformat(),
            "working_days": len(self.working_days),
            "visitors_per_working_day": self.visitors_per_working_day,
            "queue": self.queue.as_dict(),
            "reception": self.reception.as_dict(),
            "appeals": self.appeals.as_dict() if self.appeals else None,
            "control": self.control.as_dict() if self.control else None,
            "satisfaction": self.satisfaction.as_dict() if self.satisfaction else None,
        }
