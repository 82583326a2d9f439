"""The appeals register, control of instructions and the satisfaction survey in
a report (issue 8 items 1–4, 002 §36, §38, 004 §38, §40): the counts the
appeals services give, named in both languages and in the order of the
regulations' lists (000 §3 for kinds)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.domain.appeals.consultations import OUTCOME_LABELS, Outcome
from hub.domain.appeals.control import STATE_LABELS, ControlState
from hub.domain.appeals.register import (
    CHANNEL_LABELS,
    KIND_LABELS,
    AppealChannel,
    AppealKind,
)
from hub.domain.appeals.surveys import RESULT_LABELS, SurveyResult
from hub.domain.reports.labels import Label, Share, count_by

KINDS = tuple(Label(kind.value, KIND_LABELS[kind]) for kind in AppealKind)
CHANNELS = tuple(Label(channel.value, CHANNEL_LABELS[channel]) for channel in AppealChannel)
STATES = tuple(Label(state.value, STATE_LABELS[state]) for state in ControlState)
OUTCOMES = tuple(Label(outcome.value, OUTCOME_LABELS[outcome]) for outcome in Outcome)
RESULTS = tuple(Label(result.value, RESULT_LABELS[result]) for result in SurveyResult)


def _shares(counts: Mapping[str, int], labels: tuple[Label, ...]) -> list[Share]:
    return count_by((code for code, n in counts.items() for _ in range(n)), labels)


@dataclass(frozen=True, slots=True)
class AppealsFigures:
    """Appeals registered in the period, and where their control stands now."""

    total: int
    by_kind: list[Share]
    by_channel: list[Share]
    by_state: list[Share]
    from_reception: int
    on_control: int
    overdue: int
    closed_in_time: int
    closed_late: int

    @classmethod
    def of(cls, *, total: int, by_kind: Mapping[str, int], by_channel: Mapping[str, int],
           by_state: Mapping[str, int], from_reception: int, on_control: int, overdue: int,
           closed_in_time: int, closed_late: int) -> AppealsFigures:
        return cls(total, _shares(by_kind, KINDS), _shares(by_channel, CHANNELS),
                   _shares(by_state, STATES), from_reception, on_control, overdue,
                   closed_in_time, closed_late)

    def as_dict(self) -> dict[str, object]:
        return {"total": self.total, "by_kind": [s.as_dict() for s in self.by_kind],
                "by_channel": [s.as_dict() for s in self.by_channel],
                "by_state": [s.as_dict() for s in self.by_state],
                "from_reception": self.from_reception, "on_control": self.on_control,
                "overdue": self.overdue, "closed_in_time": self.closed_in_time,
                "closed_late": self.closed_late}


@dataclass(frozen=True, slots=True)
class InstructionControl:
    """Instructions of the protocols recorded in the period, as the control knows them."""

    total: int
    done: int
    done_late: int
    open: int
    overdue: int

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "done": self.done, "done_late": self.done_late,
                "open": self.open, "overdue": self.overdue}


@dataclass(frozen=True, slots=True)
class Satisfaction:
    """Consultations of the period and the phone survey of those who did not book
    a reception (002 §36, 004 §38)."""

    consultations: int
    by_outcome: list[Share]
    eligible: int
    on_call_list: int
    called: int
    by_result: list[Share]
    answered: int
    mean_score: float | None
    satisfied_share: float | None

    @classmethod
    def of(cls, *, consultations: int, by_outcome: Mapping[str, int], eligible: int,
           on_call_list: int, called: int, by_result: Mapping[str, int], answered: int,
           mean_score: float | None, satisfied_share: float | None) -> Satisfaction:
        return cls(consultations, _shares(by_outcome, OUTCOMES), eligible, on_call_list,
                   called, _shares(by_result, RESULTS), answered, mean_score, satisfied_share)

    def as_dict(self) -> dict[str, object]:
        return {"consultations": self.consultations,
                "by_outcome": [s.as_dict() for s in self.by_outcome],
                "eligible": self.eligible, "on_call_list": self.on_call_list,
                "called": self.called, "by_result": [s.as_dict() for s in self.by_result],
                "answered": self.answered, "mean_score": self.mean_score,
                "satisfied_share": self.satisfied_share}
