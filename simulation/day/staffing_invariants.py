"""The staffing rows of a day's invariants: a desk whose buttons worked shows as
staffed, and the 000 §6 alert (a desk unstaffed over `unstaffed_alert_hours` working
hours) is raised for desks nobody touched that long, and only for them.

Judged on views of the hub's staffing at moments of the day: the samples a
`StaffingWatch` took through the API while the day ran (the hub's own answer at the
time), or, without them, the staffing service run after the day on the stored
history at chosen moments (right while the staffing is a function of what is stored
up to the moment: sign-ins, and panel presses only if the service reads none later)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from hub.domain.calendar import OpeningState
from hub.services.clock import ManualClock
from hub.services.events import EventBus
from hub.services.staffing import StaffingService
from simulation.day.day_facts import DayFacts
from simulation.day.invariant_table import InvariantResult, worst
from simulation.day.records import DeskPress
from simulation.day.staffing_watch import ApiReader, StaffingSample

# Answers to a desk press that show the operator at work (None: done as asked).
WORKING_ANSWERS = frozenset({None, "queue_empty", "desk_busy"})
SIGN_OUT = "sign_out"
# A desk pressed this recently is being worked, whatever rule of panel presence the
# hub keeps: an operator between two presses is serving one visitor, and a visit
# takes 8-20 minutes, the call itself a minute.
RECENT_PRESS = timedelta(minutes=10)
# The hub hears a press a moment after it is made: a console action through the API
# (log-in, form, answer) takes ~0.3 real s, which at speed 300 is a minute and a half
# of simulated time (a sign-in pressed at 09:00:30 made its shift at 09:02:07).
PRESS_REACHES_HUB = timedelta(minutes=3)
# Without samples, the staffing service is asked this often during the open hours.
RECONSTRUCTED_EVERY = timedelta(minutes=15)

# A view: at a moment, the unstaffed desks with their alert.
View = tuple[datetime, dict[str, bool]]


def worked(presses: Iterable[DeskPress]) -> list[DeskPress]:
    """Presses the hub answered, with the desk's work done or nothing to do: the
    operator was there. (A press refused as on a break, or the desk as unstaffed, is
    no sign of work: the latter is the very fault the staffing row looks for; a
    sign-out is the operator leaving.)"""
    return [p for p in presses if p.answers >= 1 and p.problem in WORKING_ANSWERS
            and p.action != SIGN_OUT]


def _left(presses: Iterable[DeskPress]) -> dict[str, list[datetime]]:
    """Desk -> when its operator signed out (the desk is empty after, rightly)."""
    left: dict[str, list[datetime]] = defaultdict(list)
    for press in presses:
        if press.action == SIGN_OUT and press.answers >= 1 and press.problem is None:
            left[press.desk].append(press.pressed_at)
    return left


def staffing_views(facts: DayFacts, presses: Sequence[DeskPress],
                   samples: Sequence[StaffingSample] | None) -> tuple[list[View], str]:
    """The views of the day's staffing, and where they come from."""
    if samples is not None:
        views = [(s.at, s.unstaffed) for s in samples
                 if facts.day_start <= s.at < facts.day_end]
        return sorted(views, key=lambda view: view[0]), "sampled through the API"
    moments = set(_open_moments(facts))
    moments |= {p.pressed_at + PRESS_REACHES_HUB for p in worked(presses)}
    return ([(m, unstaffed_at(facts, m)) for m in sorted(moments)],
            "reconstructed from the database")


def unstaffed_at(facts: DayFacts, moment: datetime) -> dict[str, bool]:
    """The staffing service's answer at `moment`, from the stored history."""
    assert facts.database is not None and facts.centers is not None
    service = StaffingService(facts.database, facts.centers, ManualClock(moment), EventBus())
    return {u.desk: u.alert for u in service.unstaffed()}


def check_panels_staffed(facts: DayFacts, presses: Sequence[DeskPress],
                         views: Sequence[View], source: str) -> InvariantResult:
    """At every view, a desk pressed (and answered) within the last RECENT_PRESS,
    and not signed out since, shows as staffed; counted by desk and hour."""
    worked_at: dict[str, list[datetime]] = defaultdict(list)
    for press in worked(presses):
        worked_at[press.desk].append(press.pressed_at)
    left = _left(presses)
    judged: set[tuple[str, int]] = set()
    wrong: dict[tuple[str, int], datetime] = {}
    for moment, unstaffed in views:
        for desk, pressed in worked_at.items():
            if not any(moment - RECENT_PRESS <= p <= moment - PRESS_REACHES_HUB
                       and not any(p < out <= moment for out in left[desk])
                       for p in pressed):
                continue
            key = (desk, facts.calendar.local(moment).hour)
            judged.add(key)
            if desk in unstaffed:
                wrong.setdefault(key, moment)
    problems = [f"{desk} {hour:02d}:00 (unstaffed at {facts.calendar.local(m):%H:%M})"
                for (desk, hour), m in sorted(wrong.items())]
    return InvariantResult("desks worked are staffed",
                           f"{len(judged) - len(wrong)}/{len(judged)} desk-hours", "all",
                           not wrong, f"{source}: {worst(problems)}" if problems else "")


def check_unattended_alert(facts: DayFacts, presses: Sequence[DeskPress],
                           views: Sequence[View], source: str) -> InvariantResult:
    """At every view in the open hours: a desk is touched by a worked press or a
    sign-in covering the moment; an alerted desk must have been untouched the limit's
    working hours, and a desk untouched the limit and a quarter of an hour more must
    be alerted."""
    limit = facts.config.policy.unstaffed_alert_hours * 3600
    slack = RECONSTRUCTED_EVERY.total_seconds()
    worked_at: dict[str, list[datetime]] = defaultdict(list)
    for press in worked(presses):
        worked_at[press.desk].append(press.pressed_at)
    false_alerts: list[str] = []
    missed: list[str] = []
    judged = 0
    for moment, unstaffed in views:
        if facts.calendar.status_at(moment).state is not OpeningState.OPEN:
            continue
        judged += 1
        local = f"{facts.calendar.local(moment):%H:%M}"
        for desk in facts.config.desks:
            if not desk.active:
                continue
            idle = facts.calendar.working_seconds_between(
                last_touch(facts, worked_at[desk.code], desk.code, moment), moment)
            alert = unstaffed.get(desk.code, False)
            if alert and idle < limit:
                false_alerts.append(f"{desk.code} at {local}: alert after "
                                    f"{idle / 3600:.1f} h unattended")
            elif not alert and idle > limit + slack:
                missed.append(f"{desk.code} at {local}: no alert after "
                              f"{idle / 3600:.1f} h unattended")
    problems = false_alerts + missed
    return InvariantResult("3-hour alert only when unattended",
                           f"{len(false_alerts)} false, {len(missed)} missed in {judged} "
                           "views", "0", not problems,
                           f"{source}: {worst(problems)}" if problems else "")


def last_touch(facts: DayFacts, presses: Sequence[datetime], desk: str,
               moment: datetime) -> datetime:
    """The last moment up to `moment` the desk was worked or signed in to; the start
    of the day (so: its opening, in working time) when never."""
    touches = [p for p in presses if p <= moment]
    for shift in facts.shifts:
        if shift.desk == desk and shift.started_at <= moment:
            touches.append(moment if shift.ended_at is None else min(shift.ended_at, moment))
    return max(touches, default=facts.day_start)


def check_staffing_api(facts: DayFacts, api: ApiReader) -> InvariantResult:
    """The hub's API shows now the same unstaffed desks as the staffing service run
    here on the stored history: else a reconstruction judged a staffing the hub did
    not show (one it keeps in memory, out of the database's reach)."""
    at = datetime.fromisoformat(str(api.get("/api/v1/queue")["at"]))
    shown = {str(entry["desk"]): bool(entry["alert"]) for entry in api.get("/api/v1/staffing")}
    differ = sorted(set(shown.items()) ^ set(unstaffed_at(facts, at).items()))
    return InvariantResult("staffing API = database", f"{len(differ)} differences", "0",
                           not differ, worst([f"{d} alert={a}" for d, a in differ]))


def _open_moments(facts: DayFacts) -> list[datetime]:
    """Every RECONSTRUCTED_EVERY of the day's open hours."""
    moment, moments = facts.day_start, []
    while moment < facts.day_end:
        if facts.calendar.status_at(moment).state is OpeningState.OPEN:
            moments.append(moment)
        moment += RECONSTRUCTED_EVERY
    return moments
