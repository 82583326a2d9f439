"""A day of visitors through the real MQTT path: arrivals by a Poisson process at the
terminals, operators at the desks pressing their call buttons (Next, Recall, No-show,
Done: a desk panel has no Start button, Done starts and ends the visit), service times
drawn per zone. Time runs `speed` times faster than the wall clock."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import partial

from contract.mqtt import ButtonAction, Language, Reply
from firmware.virtual.nodes import Answer, SimulatedButtons, SimulatedTerminal
from firmware.virtual.real_buttons import PressNotSent

log = logging.getLogger("kezek.virtual.load")


@dataclass(frozen=True)
class LoadProfile:
    arrivals_per_hour: float = 60.0
    speed: float = 30.0  # simulated seconds per wall-clock second
    purposes: dict[str, float] = field(default_factory=lambda: {
        "appeal_paper": 3.0, "complaint": 2.0, "book_reception": 1.0, "booked_reception": 1.0})
    out_of_turn_share: float = 0.1
    out_of_turn_categories: tuple[str, ...] = ("disability", "pregnant", "wwii_veteran")
    escort_share: float = 0.03
    kazakh_share: float = 0.5
    no_show_share: float = 0.05
    service_minutes: dict[str, float] = field(default_factory=lambda: {
        "consultation": 12.0, "personal": 20.0, "self_service": 8.0})
    default_service_minutes: float = 10.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.arrivals_per_hour <= 0 or self.speed <= 0:
            raise ValueError("arrivals_per_hour and speed must be positive")
        if not self.purposes or min(self.purposes.values()) < 0:
            raise ValueError("purposes need non-negative weights")


@dataclass
class LoadStats:
    issued: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    called: int = 0
    served: int = 0
    no_shows: int = 0
    presses: Counter[str] = field(default_factory=Counter)  # button -> presses answered
    press_refused: Counter[str] = field(default_factory=Counter)  # problem code -> presses
    ticket_latencies: list[float] = field(default_factory=list)  # wall seconds, press->reply
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class LoadDriver:
    def __init__(self, terminals: Sequence[SimulatedTerminal], desks: Sequence[SimulatedButtons],
                 profile: LoadProfile, *, visitors: int | None = None) -> None:
        if not terminals:
            raise ValueError("the load needs at least one terminal")
        self.terminals = list(terminals)
        self.desks = list(desks)
        self.profile = profile
        self.visitors = visitors
        self.stats = LoadStats()
        self.arrivals_done = threading.Event()
        self._stop = threading.Event()
        self._random = random.Random(profile.seed)
        self._pending: list[Future[Answer]] = []
        self._threads = [threading.Thread(target=self._arrivals, name="kezek-load-arrivals",
                                          daemon=True)]
        self._threads += [threading.Thread(target=self._operator, args=(desk, index),
                                           name=f"kezek-load-{desk.desk}", daemon=True)
                          for index, desk in enumerate(self.desks)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def answered(self, timeout: float) -> bool:
        """Wait until every ticket request made so far has its answer."""
        deadline = time.monotonic() + timeout
        for pending in list(self._pending):
            try:
                pending.result(max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                return False
        return True

    def _sleep(self, simulated_seconds: float) -> bool:
        """Wait simulated time; False when the load is being stopped."""
        return not self._stop.wait(simulated_seconds / self.profile.speed)

    # Visitors ------------------------------------------------------------------

    def _arrivals(self) -> None:
        profile = self.profile
        purposes, weights = zip(*profile.purposes.items(), strict=True)
        count = 0
        while self.visitors is None or count < self.visitors:
            if not self._sleep(self._random.expovariate(profile.arrivals_per_hour / 3600)):
                break
            terminal = self._random.choice(self.terminals)
            language: Language = "kk" if self._random.random() < profile.kazakh_share else "ru"
            out_of_turn = (self._random.choice(profile.out_of_turn_categories)
                           if self._random.random() < profile.out_of_turn_share else None)
            pressed = time.monotonic()
            answer = terminal.press(language, self._random.choices(purposes, weights)[0],
                                    out_of_turn=out_of_turn,
                                    needs_escort=self._random.random() < profile.escort_share)
            answer.add_done_callback(partial(self._ticket_answered, pressed=pressed))
            self._pending.append(answer)
            count += 1
        self.arrivals_done.set()

    def _ticket_answered(self, done: Future[Answer], *, pressed: float) -> None:
        answer = done.result()
        with self.stats.lock:
            self.stats.ticket_latencies.append(time.monotonic() - pressed)
            if isinstance(answer, Reply) and answer.ok:
                self.stats.issued += 1
            else:
                problem = answer.problem
                self.stats.refused[problem.code if problem else "unknown"] += 1

    # Operators -----------------------------------------------------------------

    def _press(self, desk: SimulatedButtons, action: ButtonAction) -> Answer | None:
        """Press and wait for the hub's answer; None when the load is being stopped."""
        answer = desk.press(action)
        while not self._stop.is_set():
            try:
                result = answer.result(timeout=0.5)
            except FutureTimeout:
                continue
            except PressNotSent:
                log.warning("%s: %s was not sent; pressed again", desk.desk, action.value)
                if not self._sleep(1):
                    return None
                answer = desk.press(action)
                continue
            with self.stats.lock:
                self.stats.presses[action.value] += 1
                if result.problem is not None:
                    self.stats.press_refused[result.problem.code] += 1
            return result
        return None

    def _operator(self, desk: SimulatedButtons, index: int) -> None:
        chance = random.Random(None if self.profile.seed is None else self.profile.seed + index)
        while not self._stop.is_set():
            answer = self._press(desk, ButtonAction.NEXT)
            if answer is None:
                return
            problem = answer.problem
            if isinstance(answer, Reply) and answer.ok and answer.desk and answer.desk.current:
                with self.stats.lock:
                    self.stats.called += 1
                self._serve(desk, answer.desk.current.zone, chance)
            elif problem is not None and problem.code == "desk_busy":
                self._press(desk, ButtonAction.DONE)  # left over from before: finish it
            elif not self._sleep(20 + chance.random() * 40):  # nobody waiting: look again
                return

    def _serve(self, desk: SimulatedButtons, zone: str, chance: random.Random) -> None:
        profile = self.profile
        if chance.random() < profile.no_show_share:
            if self._sleep(60) and self._press(desk, ButtonAction.RECALL) and self._sleep(60):
                self._press(desk, ButtonAction.NO_SHOW)
                with self.stats.lock:
                    self.stats.no_shows += 1
            return
        if not self._sleep(20):  # the visitor walks up; the visit starts
            return
        minutes = profile.service_minutes.get(zone, profile.default_service_minutes)
        if self._sleep(chance.expovariate(1 / (minutes * 60))) and self._press(
                desk, ButtonAction.DONE) is not None:
            with self.stats.lock:
                self.stats.served += 1
