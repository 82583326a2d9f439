"""Figures of personal reception over a period (002 §38, 004 §40): requests to
be received by channel and language, what became of bookings (booked, moved,
received, absent, refused...), protocols and their instructions, and the
instructions whose deadline has passed.

Outcomes are counted by the step taken within the period (a request
registered in March and received in April counts as received in April's
quarter), so a quarter's figures add up from its days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from hub.domain.reception.applicants import CHANNEL_LABELS, Channel
from hub.domain.reception.requests import STATE_NAMES, RequestState
from hub.domain.reports.labels import Label, Share, count_by
from hub.domain.reports.queue import LANGUAGES
from hub.domain.text import Bilingual

CHANNELS = tuple(Label(channel.value, CHANNEL_LABELS[channel]) for channel in Channel)


def _heading(name: Bilingual) -> Bilingual:
    """A state's name ("записан на прием") as a row heading ("Записан на прием")."""
    return Bilingual(kk=name.kk[:1].upper() + name.kk[1:], ru=name.ru[:1].upper() + name.ru[1:])


# The steps a report shows, in the order of the procedure.
OUTCOME_STEPS = tuple(Label(state.value, _heading(STATE_NAMES[state])) for state in (
    RequestState.APPROVED, RequestState.EXTENDED, RequestState.MOVED,
    RequestState.CHECKED_IN, RequestState.RECEIVED, RequestState.ABSENT,
    RequestState.REFUSED, RequestState.LEFT_WITHOUT_CONSIDERATION, RequestState.RETURNED))


@dataclass(frozen=True, slots=True)
class RequestFact:
    registered_on: date
    channel: str
    language: str


@dataclass(frozen=True, slots=True)
class StepFact:
    """A request entered state `target` on local day `on`."""

    target: str
    on: date


@dataclass(frozen=True, slots=True)
class InstructionFact:
    """One instruction of a reception protocol (002 §19)."""

    official: str
    given_on: date
    due: date
    done_on: date | None = None  # reported carried out (the control of instructions)


@dataclass(frozen=True, slots=True)
class ReceptionFigures:
    requests: int
    by_channel: list[Share]
    by_language: list[Share]
    outcomes: list[Share]
    protocols: int
    decisions: int
    instructions_given: int
    overdue: list[Share]  # instructions past their deadline, by official
    overdue_as_of: date

    @property
    def overdue_total(self) -> int:
        return sum(share.count for share in self.overdue)

    def as_dict(self) -> dict[str, object]:
        return {"requests": self.requests,
                "by_channel": [s.as_dict() for s in self.by_channel],
                "by_language": [s.as_dict() for s in self.by_language],
                "outcomes": [s.as_dict() for s in self.outcomes],
                "protocols": self.protocols, "decisions": self.decisions,
                "instructions_given": self.instructions_given,
                "overdue_total": self.overdue_total,
                "overdue": [s.as_dict() for s in self.overdue if s.count],
                "overdue_as_of": self.overdue_as_of.isoformat()}


def summarize_reception(requests: Iterable[RequestFact], steps: Iterable[StepFact],
                        protocols: Iterable[tuple[date, int]],
                        instructions: Iterable[InstructionFact], *, first: date, last: date,
                        today: date, officials: Sequence[Label]) -> ReceptionFigures:
    """`protocols` are (day recorded, instruction count) pairs. Everything but the
    overdue instructions is limited to `first`..`last`; an instruction is overdue
    when its deadline is before min(`today`, the day after `last`) and it was not
    reported done by min(`today`, `last`): a past quarter's report shows what was
    overdue at its end, today's what is overdue now."""
    within = [r for r in requests if first <= r.registered_on <= last]
    recorded = [(day, count) for day, count in protocols if first <= day <= last]
    as_of = min(today, last + timedelta(days=1))
    cut = min(today, last)
    given = list(instructions)
    return ReceptionFigures(
        requests=len(within),
        by_channel=count_by((r.channel for r in within), CHANNELS),
        by_language=count_by((r.language for r in within), LANGUAGES),
        outcomes=count_by((s.target for s in steps if first <= s.on <= last
                           and s.target in {label.code for label in OUTCOME_STEPS}),
                          OUTCOME_STEPS),
        protocols=len(recorded),
        decisions=sum(1 for _, count in recorded if count == 0),
        instructions_given=sum(1 for i in given if first <= i.given_on <= last),
        overdue=[s for s in count_by((i.official for i in given
                                      if i.given_on <= last and i.due < as_of
                                      and (i.done_on is None or i.done_on > cut)), officials)
                 if s.count],
        overdue_as_of=as_of,
    )
