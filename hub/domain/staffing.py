"""Which desks are staffed, and which have been empty long enough that the
body that placed the worker must send a replacement (000 §6: more than 3 hours).

Two kinds of desk are worked in a center. At a console desk the operator signs in
on the desk page, and the desk is staffed for exactly as long as that shift lasts.
At a desk worked from its call-button panel nobody signs in anywhere: the operator
just presses Next, Done, No-show. Such a desk is staffed, by its panel, while

* a visitor is at it (called or being served: someone called them there) and was
  called or started there less than `VISITOR_KEEPS_MINUTES` working minutes ago (no
  visit lasts longer: a visitor left at the desk after that says the operator went
  away without ending the visit, not that someone is there), or
* its panel was pressed within the last `PANEL_PRESENCE_MINUTES` working minutes
  (lunch and the night do not count). An operator with an empty queue presses Next
  now and then to see whether anyone came, and a refused press counts too; thirty
  minutes without a press and without a visitor means nobody is looking after it.

A sign-in wins: a desk with an operator signed in is staffed by that operator
whatever its panel says. A desk neither signed in to nor kept by its panel is
empty since the last sign of someone at it, whichever came last: the end of the
last shift, or the last press of its panel. Only presses of the current service
day are signs (yesterday's last press says nothing of this morning).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from hub.domain.calendar import WorkCalendar
from hub.domain.center import Desk
from hub.domain.estimate import LONGEST_VISIT_MINUTES

# How long after its last press a panel desk still counts as staffed, in working minutes.
PANEL_PRESENCE_MINUTES = 30.0
# No visit lasts longer than the longest plausible one (the estimate's bound).
VISITOR_KEEPS_MINUTES = LONGEST_VISIT_MINUTES


@dataclass(frozen=True, slots=True)
class DeskShift:
    """An operator signed in to a desk; `ended_at` is None while they still are."""

    desk: str
    operator: str
    started_at: datetime
    ended_at: datetime | None = None

    def covers(self, moment: datetime) -> bool:
        return self.started_at <= moment and (self.ended_at is None or moment < self.ended_at)


@dataclass(frozen=True, slots=True)
class PanelSigns:
    """What the desks' call-button panels tell of someone working at them."""

    # Desk -> when its visitor (called or being served) was last called or started.
    visitors_at: Mapping[str, datetime] = field(default_factory=dict)
    # Desk -> the last press of its panel today (a refused press counts).
    last_press: Mapping[str, datetime] = field(default_factory=dict)
    presence_minutes: float = PANEL_PRESENCE_MINUTES

    def keep(self, desk: str, calendar: WorkCalendar, now: datetime) -> bool:
        """Whether the desk counts as staffed by its panel at `now`."""
        since = self.visitors_at.get(desk)
        if (since is not None and since <= now
                and calendar.working_seconds_between(since, now) <= VISITOR_KEEPS_MINUTES * 60):
            return True
        pressed = self.last_press.get(desk)
        return (pressed is not None and pressed <= now
                and calendar.working_seconds_between(pressed, now)
                <= self.presence_minutes * 60)


NO_PANELS = PanelSigns()


class Presence(StrEnum):
    """Who keeps a staffed desk."""

    SIGNED_IN = "signed_in"  # an operator signed in to it (console, API)
    PANEL = "panel"  # nobody signed in; its call-button panel is being worked


@dataclass(frozen=True, slots=True)
class UnstaffedDesk:
    desk: str
    zones: tuple[str, ...]
    since: datetime
    working_seconds: float
    alert: bool


def staffed_desks(shifts: Iterable[DeskShift], now: datetime) -> set[str]:
    """Desks an operator is signed in to at `now`."""
    return {s.desk for s in shifts if s.covers(now)}


def presences(desks: Iterable[str], shifts: Sequence[DeskShift], calendar: WorkCalendar,
              now: datetime, panels: PanelSigns = NO_PANELS) -> dict[str, Presence]:
    """The staffed desks among `desks` and who keeps each (a sign-in wins)."""
    signed_in = staffed_desks(shifts, now)
    found = {}
    for desk in desks:
        if desk in signed_in:
            found[desk] = Presence.SIGNED_IN
        elif panels.keep(desk, calendar, now):
            found[desk] = Presence.PANEL
    return found


def unstaffed_desks(desks: Sequence[Desk], shifts: Sequence[DeskShift], calendar: WorkCalendar,
                    now: datetime, *, since_default: datetime, alert_after_hours: float,
                    panels: PanelSigns = NO_PANELS) -> list[UnstaffedDesk]:
    """Every active desk neither signed in to nor kept by its panel, with how long it
    has been empty.

    Emptiness counts in working time only (lunch, nights and holidays do not
    count), from the last sign of someone at the desk (see the module's text).
    A desk without any counts from `since_default`, normally the opening of the
    day the hub first knew the desk.
    """
    staffed = presences((d.code for d in desks), shifts, calendar, now, panels)
    result = []
    for desk in desks:
        if not desk.active or desk.code in staffed:
            continue
        signs = [s.ended_at for s in shifts
                 if s.desk == desk.code and s.ended_at is not None and s.ended_at <= now]
        pressed = panels.last_press.get(desk.code)
        if pressed is not None and pressed <= now:
            signs.append(pressed)
        since = max(signs, default=since_default)
        seconds = calendar.working_seconds_between(since, now)
        result.append(UnstaffedDesk(desk=desk.code, zones=desk.zones, since=since,
                                    working_seconds=seconds,
                                    alert=seconds > alert_after_hours * 3600))
    return result
