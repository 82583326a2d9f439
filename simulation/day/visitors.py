"""The people of a simulated day, played on the day's timeline against the virtual
center: walk-in visitors pressing the terminals, operators at the desks pressing their
call buttons (and one desk worked from the console), reception booking the official's
receptions ahead and the booked applicants checking in. Every press and every answer to
it goes to the day's `DayRecords`, which the invariants hold against the hub.

Nothing here sleeps on the wall clock: every wait is `timeline.wait_until` /
`timeline.sleep`, so the same day plays at any speed, and a night between two windows
passes in no time. The random choices come from one seed: a run can be played again.

Who does what:

* visitors (`profile.arrivals_between`) choose a terminal, a language and a purpose; out
  of turn and escorted visitors use a simulated terminal (the real terminal's buttons
  have no category: reception would issue theirs);
* one operator per call-button desk: signs in to the desk at opening (a user account,
  as the console asks; `button_desks_sign_in=False` leaves the desk to its buttons
  alone), presses Next, and for the visitor called Done after the
  service, or Recall then No-show when nobody comes; a transfer goes through the API
  (the desk panel has no Transfer button); a ten-minute break through the console's
  break action; no calls at lunch; signs out at closing;
* the console desk (`console_desks`): an operator working from the API alone, who
  signs out for lunch and in again after it;
* reception: books each slot of the official's reception hours at the start of the
  day; the applicant comes before the slot and checks in by the booking code at the
  real terminal's scanner (or at reception, through the API, when no real terminal
  runs)."""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from contract.mqtt import ButtonAction, ErrorMessage, Reply
from firmware.virtual.nodes import Answer, Pressed, SimulatedButtons, SimulatedTerminal
from firmware.virtual.real_buttons import PressNotSent
from firmware.virtual.real_terminal import RealTerminal
from simulation.day.hub_api import BookingRefused, HubApi, HubUnavailable, Outcome
from simulation.day.profile import Booking, DayProfile, Visitor
from simulation.day.records import NOT_SENT, DayRecords, DeskPress, TicketPress
from simulation.timeline import Timeline

log = logging.getLogger("kezek.simulation.visitors")

STAFF_PASSWORD = "day-run staff password"
RECEPTION_USER = "reception.day"


@dataclass(frozen=True, slots=True)
class Pressing:
    """What a desk action came to: accepted or refused (with the problem code), and
    the ticket the desk serves after it when the answer says."""

    ok: bool
    current: dict[str, Any] | None = None
    problem: str | None = None


Press = Callable[[str], Pressing]


def operator_user(desk: str) -> str:
    return f"operator.{desk}"


@dataclass
class _Called:
    """The visitor a desk is serving: the ticket the hub called and who holds it."""

    ticket_id: int | None
    number: int
    zone: str
    visitor: Visitor | None


class DayVisitors:
    def __init__(self, timeline: Timeline, terminals: Sequence[SimulatedTerminal],
                 buttons: Sequence[SimulatedButtons], api: HubApi, profile: DayProfile,
                 records: DayRecords, *, seed: int,
                 console_desks: Sequence[str] = ("window-3",),
                 button_desks_sign_in: bool = True) -> None:
        if not terminals:
            raise ValueError("visitors need at least one terminal")
        self.timeline = timeline
        self.terminals = list(terminals)
        self.console_desks = list(console_desks)
        # False: the call-button operators never sign in at the console (the desk is
        # worked from its buttons alone, as in issue 16's runs): no console break, no
        # transfer (both need the console), a break is ten minutes away from the desk.
        self.button_desks_sign_in = button_desks_sign_in
        self.buttons = [b for b in buttons if b.desk not in self.console_desks]
        self.api = api
        self.records = records
        self.seed = seed
        self.worked_desks = [b.desk for b in self.buttons] + self.console_desks
        served = {zone for desk in self.worked_desks for zone in profile.desk_zones(desk)}
        # Nobody would ever call a ticket of a zone no desk of this run serves.
        self.profile = replace(profile, purposes=tuple(
            (code, weight) for code, weight in profile.purposes
            if profile.purpose_zone(code) in served))
        if not self.profile.purposes:
            raise ValueError(f"no visit purpose leads to a zone the desks {self.worked_desks} "
                             "serve")
        self._stop = threading.Event()
        self.api.stop = self._stop
        self._lock = threading.Lock()
        self._ticket_presses: dict[str, TicketPress] = {}  # request id -> its record
        self._desk_presses: dict[str, DeskPress] = {}
        self._visitors: dict[tuple[date, int], tuple[int, Visitor | None]] = {}
        self._visitor_of: dict[str, Visitor | None] = {}  # request id -> who pressed
        # Answers heard before their press was recorded (a quick hub), by request id.
        self._early: dict[str, list[Answer]] = {}
        self.errors: list[str] = []  # threads that died, for the runner to report
        self._staff: dict[str, HubApi] = {}  # user name -> their signed-in session
        self._transferred: set[int] = set()  # tickets already sent on to another desk
        self._overtime = timedelta(minutes=self.profile.overtime_minutes)
        for node in [*self.terminals, *self.buttons]:
            node.answer_listeners.append(self._answered)
        self._threads = [self._thread("arrivals", self._arrivals),
                         self._thread("reception", self._reception)]
        self._threads += [self._thread(f"desk-{b.desk}", self._button_operator, b)
                          for b in self.buttons]
        self._threads += [self._thread(f"console-{desk}", self._console_operator, desk)
                          for desk in self.console_desks]

    def _thread(self, name: str, target: Callable[..., None], *args: Any) -> threading.Thread:
        def run() -> None:
            try:
                target(*args)
            except HubUnavailable as error:
                if not self._stop.is_set():
                    self._failed(name, error)
            except Exception as error:  # a dead thread must show in the run's result
                log.exception("day load thread %s failed", name)
                self._failed(name, error)
        return threading.Thread(target=run, name=f"kezek-day-{name}", daemon=True)

    def _failed(self, name: str, error: BaseException) -> None:
        with self._lock:
            self.errors.append(f"{name}: {type(error).__name__}: {error}")
        self.records.note(f"{self.timeline.now().isoformat()} load thread {name} failed: "
                          f"{error}")

    # Life --------------------------------------------------------------------------------

    def start(self) -> None:
        """Make the day's staff accounts and the official's schedule, sign the staff
        in, then let the day play: when this returns everyone is ready."""
        self._prepare()
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def idle(self) -> bool:
        """Every press made so far has its answer (presses the node never sent are
        counted by the invariants, not waited for)."""
        with self.records.lock:
            tickets = list(self._ticket_presses.values())
            desks = list(self._desk_presses.values())
        return (all(t.answers > 0 or t.offline or t.problem == NOT_SENT for t in tickets)
                and all(d.answers > 0 or d.problem == NOT_SENT for d in desks))

    def _prepare(self) -> None:
        for desk in self.worked_desks:
            self.api.ensure_user(operator_user(desk), f"Оператор {desk}", "operator",
                                 STAFF_PASSWORD)
        self.api.ensure_user(RECEPTION_USER, "Ресепшн", "reception", STAFF_PASSWORD)
        for user in [RECEPTION_USER, *(operator_user(desk) for desk in self.worked_desks)]:
            self._staff[user] = self.api.as_user(user, STAFF_PASSWORD)
        first = self.timeline.windows[0][0]
        for official, desk in self.profile.officials:
            self.api.ensure_official(official, desk, "Әлиев Бақыт Серікұлы")
            self.api.ensure_schedule(
                official, valid_from=self.profile.calendar.local(first).date()
                - timedelta(days=30), weekdays=sorted(self.profile.calendar.hours.weekdays),
                hours=self.profile.reception_hours,
                slot_minutes=self.profile.slot_minutes)

    def _days(self) -> list[tuple[date, datetime, datetime]]:
        """The local day of each window of the timeline, and the window."""
        return [(self.profile.calendar.local(start).date(), start, end)
                for start, end in self.timeline.windows]

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(f"{self.seed}:" + ":".join(str(p) for p in parts))

    def _now(self) -> datetime:
        return self.timeline.now()

    def _wait(self, moment: datetime) -> bool:
        return self.timeline.wait_until(moment, self._stop)

    def _sleep(self, seconds: float) -> bool:
        return self.timeline.sleep(seconds, self._stop)

    # Answers (the nodes' callback threads) -------------------------------------------------

    def _answered(self, request_id: str, answer: Answer) -> None:
        """Every answer a node's application hears, counted on its press."""
        with self.records.lock:
            ticket = self._ticket_presses.get(request_id)
            desk = self._desk_presses.get(request_id)
            if ticket is None and desk is None:
                self._early.setdefault(request_id, []).append(answer)
            if ticket is not None:
                self._count_ticket_answer(ticket, answer)
            if desk is not None:
                desk.answers += 1
                if desk.answers == 1 and _problem(answer) is not None:
                    desk.problem = _problem(answer)

    def _count_ticket_answer(self, press: TicketPress, answer: Answer) -> None:
        press.answers += 1
        if press.answers == 1:
            self._fill(press, answer)

    def _fill(self, press: TicketPress, answer: Answer) -> None:
        """The first answer to a ticket press, as the visitor's slip shows it."""
        press.problem = _problem(answer)
        if isinstance(answer, ErrorMessage):
            press.ok = False
            return
        press.ok = answer.ok
        issued = answer.ticket
        if issued is None:
            return
        press.ticket_id, press.number, press.zone = issued.ticket_id, issued.number, issued.zone
        press.people_ahead, press.wait_minutes = issued.people_ahead, issued.wait_minutes
        visitor = self._visitor_of.get(press.request_id)
        self._visitors[(issued.service_day, issued.number)] = (issued.ticket_id, visitor)

    # Visitors ------------------------------------------------------------------------------

    def _arrivals(self) -> None:
        for day, start, end in self._days():
            if self._now() >= end:
                continue  # a window already played (a restarted driver)
            rng = self._rng("arrivals", day)
            for visitor in self.profile.arrivals_between(max(start, self._now()), end, rng):
                if not self._wait(visitor.arrives_at):
                    return
                self._press_terminal(visitor, rng)

    def _press_terminal(self, visitor: Visitor, rng: random.Random) -> None:
        simulated = [t for t in self.terminals if not isinstance(t, RealTerminal)]
        flagged = visitor.out_of_turn is not None or visitor.needs_escort
        terminal = rng.choice(simulated if flagged and simulated else self.terminals)
        if isinstance(terminal, RealTerminal):
            visitor = replace(visitor, out_of_turn=None, needs_escort=False)
        pressed = terminal.press(visitor.language, visitor.purpose,
                                 out_of_turn=visitor.out_of_turn,
                                 needs_escort=visitor.needs_escort)
        self._record_ticket_press(pressed, terminal.node_id, visitor)

    def _record_ticket_press(self, pressed: Pressed, terminal: str,
                             visitor: Visitor | None) -> TicketPress:
        request_id = pressed.request_id
        press = TicketPress(request_id=request_id or f"{NOT_SENT}-{uuid.uuid4().hex}",
                            terminal=terminal, pressed_at=self._now(),
                            offline=pressed.offline)
        if request_id is None:
            press.problem = NOT_SENT
        with self.records.lock:
            self._visitor_of[press.request_id] = visitor
            if request_id is not None:
                self._ticket_presses[request_id] = press
                for answer in self._early.pop(request_id, []):
                    self._count_ticket_answer(press, answer)
        self.records.add_ticket(press)
        pressed.add_done_callback(lambda done: self._offline_seen(press, done))
        return press

    def _offline_seen(self, press: TicketPress, pressed: Any) -> None:
        if getattr(pressed, "offline", False):
            with self.records.lock:
                press.offline = True

    # Reception and the booked applicants --------------------------------------------------

    def _reception(self) -> None:
        """Reception books the official's slots of the run's later days as soon as the
        regulation allows (the reference note is due 5 working days before the
        reception, 002 §22: a day cannot be booked on the day itself); on each day the
        applicants booked for it come and check in."""
        reception = self._staff[RECEPTION_USER]
        scanners = [t for t in self.terminals if isinstance(t, RealTerminal)]
        days = self._days()
        booked: dict[date, list[tuple[Booking, str]]] = {}
        for day, start, end in days:
            if self._now() >= end:
                continue
            if not self._wait(start):
                return
            for later, _s, _e in days:
                if later not in booked and self.profile.can_book(later, day):
                    booked[later] = self._book_day(reception, later)
            rng = self._rng("check-in", day)
            for booking, code in sorted(booked.get(day, []), key=lambda b: b[0].arrives_at):
                if booking.no_show or booking.arrives_at >= end:
                    continue
                if not self._wait(max(booking.arrives_at, start)):
                    return
                if scanners:
                    terminal = rng.choice(scanners)
                    self._record_ticket_press(terminal.scan(code), terminal.node_id, None)
                else:
                    self._check_in_at_reception(reception, code)

    def _book_day(self, reception: HubApi, day: date) -> list[tuple[Booking, str]]:
        """Book every slot of `day`; nothing when it is too close to book."""
        booked: list[tuple[Booking, str]] = []
        for booking in self.profile.bookings(day, self._rng("bookings", day)):
            # Sent to the hub from here on, whether the booking holds or not.
            with self.records.lock:
                self.records.personal_data.extend(
                    [booking.iin, booking.full_name, booking.phone])
            try:
                _number, code = reception.book(
                    official=booking.official, starts_at=booking.starts_at, iin=booking.iin,
                    full_name=booking.full_name, phone=booking.phone,
                    language=booking.language, received_at=self._now())
            except BookingRefused as refused:
                self.records.note(f"{self._now().isoformat()} booking for "
                                  f"{booking.starts_at.isoformat()} refused: {refused.code}")
                if refused.code == "reception_deadline_passed":
                    return booked  # too close: the whole day is
                continue
            booked.append((booking, code))
        return booked

    def _check_in_at_reception(self, reception: HubApi, code: str) -> None:
        pressed_at = self._now()
        outcome = reception.check_in(code)
        press = TicketPress(request_id=outcome.request_id, terminal="reception",
                            pressed_at=pressed_at, answers=outcome.answers, ok=outcome.ok,
                            problem=outcome.problem)
        if outcome.ok:
            ticket = outcome.body["ticket"]
            press.ticket_id, press.number = ticket["id"], ticket["number"]
            press.zone = ticket["zone"]
            day = self.profile.calendar.local(pressed_at).date()
            with self.records.lock:
                self._visitors[(day, ticket["number"])] = (ticket["id"], None)
        self.records.add_ticket(press)

    # Operators at call buttons ------------------------------------------------------------

    def _button_operator(self, node: SimulatedButtons) -> None:
        desk = node.desk
        me = self._staff[operator_user(desk)] if self.button_desks_sign_in else None
        for day, _start, end in self._days():
            if not self.profile.is_working_day(day) or self._now() >= end:
                continue
            rng = self._rng("operator", desk, day)
            plan = self.profile.operator_day(desk, day, rng)
            periods = self.profile.open_periods(day)
            on_break = [plan.break_at]
            signed_in = False
            for index, (opens, closes) in enumerate(periods):
                last = index == len(periods) - 1
                if self._now() >= closes + (self._overtime if last else timedelta(0)):
                    continue  # a part of the day the timeline does not play
                if not self._wait(opens + timedelta(seconds=rng.uniform(0, 90))):
                    return
                if self._now() >= closes + (self._overtime if last else timedelta(0)):
                    continue  # the timeline jumped over it (a night between windows)
                if not signed_in and me is not None:
                    signed_in = True
                    self._console_step(me, desk, "sign_in", lambda: me.sign_in(desk))
                if not self._work(desk, closes, rng, on_break, me,
                                  press=partial(self._press, node),
                                  overtime=last):
                    return
            if signed_in and me is not None:
                self._console_step(me, desk, "sign_out", lambda: me.sign_out(desk))

    def _work(self, desk: str, until: datetime, rng: random.Random, on_break: list[datetime],
              me: HubApi | None, *, press: Press,
              overtime: bool) -> bool:
        """Call and serve visitors until `until` (and after closing while anyone is
        still waiting, up to the profile's overtime); False when the day run is stopping."""
        while not self._stop.is_set():
            now = self._now()
            if on_break and now >= on_break[0] and now < until:
                on_break.clear()
                if not self._take_break(me, desk):
                    return False
                continue
            past = now >= until
            if past and (not overtime or now >= until + self._overtime):
                return True
            called = press("next")
            if called.ok and called.current is not None:
                if not self._serve(desk, called.current, rng, me, press):
                    return False
            elif called.problem == "desk_busy":
                press("done")  # a visitor left over from before (a restart): finish them
            elif past:
                return True  # nobody left after closing
            elif not self._sleep(min(self.profile.idle_seconds(rng),
                                     max(1.0, (until - now).total_seconds()))):
                return False
        return False

    def _serve(self, desk: str, current: dict[str, Any], rng: random.Random,
               me: HubApi | None, press: Press) -> bool:
        """One called visitor, from the call to Done, No-show or a transfer."""
        called = self._called(current)
        visitor = called.visitor
        if visitor is not None and visitor.no_show:
            if not self._sleep(self.profile.recall_after_seconds):
                return False
            press("recall")
            if not self._sleep(self.profile.recall_after_seconds):
                return False
            press("no_show")
            return True
        if not self._sleep(self.profile.walk_up_seconds):
            return False
        press("start")  # the visitor sat down (the console's Start; a desk panel has none)
        if (visitor is not None and visitor.transfer and called.ticket_id is not None
                and me is not None and self._first_transfer(called.ticket_id)):
            targets = [d for d in self.worked_desks if d != desk]
            if targets and self._sleep(self.profile.service_seconds(called.zone, rng) / 3):
                ticket_id, target = called.ticket_id, rng.choice(targets)
                if me.ticket(ticket_id)["state"] != "serving":
                    # Sent on from a call-button desk: the operator uses the console,
                    # which starts the visit before it can transfer it.
                    self._console_step(me, desk, "start", lambda: me.start(ticket_id))
                self._console_step(me, desk, "transfer",
                                   lambda: me.transfer(ticket_id, desk=target))
                return True
        if not self._sleep(self.profile.service_seconds(called.zone, rng)):
            return False
        press("done")
        return True

    def _first_transfer(self, ticket_id: int) -> bool:
        """A visitor is sent on once: the desk they are sent to serves them."""
        with self._lock:
            if ticket_id in self._transferred:
                return False
            self._transferred.add(ticket_id)
            return True

    def _called(self, current: dict[str, Any]) -> _Called:
        number, zone = int(current["number"]), str(current["zone"])
        day = self.profile.calendar.local(self._now()).date()
        with self.records.lock:
            ticket_id, visitor = self._visitors.get((day, number), (current.get("id"), None))
        return _Called(ticket_id=ticket_id, number=number, zone=zone, visitor=visitor)

    def _press(self, node: SimulatedButtons, action_name: str) -> Pressing:
        """Press a desk button and wait (real time, however long the hub is away) for
        the hub's answer. A desk panel has no Start: Done starts and ends the visit."""
        if action_name == "start":
            return Pressing(ok=True)
        action = ButtonAction(action_name)
        while not self._stop.is_set():
            pressed = node.press(action)
            record = DeskPress(request_id=pressed.request_id or f"{NOT_SENT}-{uuid.uuid4().hex}",
                               desk=node.desk, action=action.value, pressed_at=self._now())
            with self.records.lock:
                if pressed.request_id is not None:
                    self._desk_presses[pressed.request_id] = record
                    for early in self._early.pop(pressed.request_id, []):
                        record.answers += 1
                        if record.answers == 1 and _problem(early) is not None:
                            record.problem = _problem(early)
            self.records.add_desk_press(record)
            answer = self._answer_of(pressed, record)
            if answer is None:
                if self._stop.is_set():
                    break
                if not self._sleep(5):  # an earlier press unanswered: look again shortly
                    break
                continue
            if isinstance(answer, ErrorMessage) or not answer.ok:
                return Pressing(ok=False, problem=_problem(answer))
            current = answer.desk.current if answer.desk else None
            return Pressing(ok=True, current=current.model_dump() if current else None)
        return Pressing(ok=False, problem="stopped")

    def _answer_of(self, pressed: Pressed, record: DeskPress) -> Answer | None:
        while not self._stop.is_set():
            try:
                return pressed.result(timeout=0.5)
            except FutureTimeout:
                continue
            except PressNotSent:
                with self.records.lock:
                    record.problem = NOT_SENT
                return None
        return None

    def _take_break(self, me: HubApi | None, desk: str) -> bool:
        if me is not None:
            self._console_step(me, desk, "break", lambda: me.console_action("break"))
        if not self._sleep(self.profile.break_minutes * 60):
            return False
        if me is not None:
            self._console_step(me, desk, "resume", lambda: me.console_action("resume"))
        return True

    def _console_step(self, me: HubApi, desk: str, action: str,
                      act: Callable[[], Outcome]) -> Outcome:
        pressed_at = self._now()
        outcome = act()
        self.records.add_desk_press(DeskPress(
            request_id=outcome.request_id, desk=desk, action=action, pressed_at=pressed_at,
            answers=outcome.answers, problem=outcome.problem))
        return outcome

    # The console desk -----------------------------------------------------------------------

    def _console_operator(self, desk: str) -> None:
        me = self._staff[operator_user(desk)]
        current: dict[str, Any] = {}

        def press(action: str) -> Pressing:
            if action == "next":
                outcome = self._console_step(me, desk, "next", lambda: me.call_next(desk))
                if outcome.ok:
                    current.clear()
                    current.update(outcome.body)
                    return Pressing(ok=True, current={
                        "number": current["number"], "zone": current["zone"],
                        "id": current["id"]})
                return Pressing(ok=False, problem=outcome.problem)
            if not current:  # "done" after desk_busy: the desk's ticket from the hub
                current.update(me.desk(desk).get("current") or {})
                if not current:
                    return Pressing(ok=False, problem="no_current")
            steps = {"start": me.start, "done": me.finish, "recall": me.recall,
                     "no_show": me.no_show}
            ticket_id = int(current["id"])
            outcome = self._console_step(me, desk, action, lambda: steps[action](ticket_id))
            if action in ("done", "no_show") and outcome.ok:
                current.clear()
            return Pressing(ok=outcome.ok, problem=outcome.problem)

        for day, _start, end in self._days():
            if not self.profile.is_working_day(day) or self._now() >= end:
                continue
            rng = self._rng("operator", desk, day)
            plan = self.profile.operator_day(desk, day, rng)
            on_break = [plan.break_at]
            periods = self.profile.open_periods(day)
            for index, (opens, closes) in enumerate(periods):
                last = index == len(periods) - 1
                if self._now() >= closes + (self._overtime if last else timedelta(0)):
                    continue
                if not self._wait(opens + timedelta(seconds=rng.uniform(0, 90))):
                    return
                if self._now() >= closes + (self._overtime if last else timedelta(0)):
                    continue  # the timeline jumped over it (a night between windows)
                # Signed out over lunch: the desk shows nobody there, as it should.
                self._console_step(me, desk, "sign_in", lambda: me.sign_in(desk))
                if not self._work(desk, closes, rng, on_break, me, press=press,
                                  overtime=last):
                    return
                self._console_step(me, desk, "sign_out", lambda: me.sign_out(desk))


def _problem(answer: Answer) -> str | None:
    if isinstance(answer, Reply):
        return answer.problem.code if answer.problem is not None else None
    return answer.problem.code
