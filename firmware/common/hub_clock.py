"""The hub's time on a node, learnt from the hub's own messages.

A Pi has no real-time clock (a Pi 5 only with a battery): it boots with the time it
last saved and is corrected when NTP answers, and a closed LAN may have no NTP at all.
So a node never trusts its own clock for anything the hub decides (the service day, a
lease's end, the time printed on a ticket): it uses `HubClock.now()`.

Every message the hub sends carries `at`, the hub's clock when the message was made.
Each one that arrives *live* bounds the offset between the hub's clock and this node's
monotonic clock (offset = hub time - monotonic time):

* any live message (the configuration the hub publishes again every `HUB_TIME_SECONDS`,
  display snapshots, announcements, desk states, replies) was made before it arrived,
  so the offset is at least `at - received`;
* a Reply (or ErrorMessage) to a request sent at `sent` was made after the request left,
  so the offset is also at most `at - sent`: the round trip bounds it from both sides.

A retained copy the broker replays at subscription is old (its `retain` flag is set):
the link does not hand it here. A message the broker queued while the node was away
(its persistent session) is old too but not flagged; as a lower bound it is merely
loose, never wrong.

The last `SAMPLES` bounds are intersected: the largest lower bound and the smallest
upper bound, like NTP's clock filter keeping its best sample. Each bound is widened as
it ages by `DRIFT` (100 ppm: more than a Pi's crystal and the hub's drift together), so
an old sample gives way to fresh ones and never holds a drifted time. The estimate is
the largest lower bound: the hub's time as the message that came quickest told it. The
hub stamps a message right before it publishes it (a reply after the work it answers),
so only one delivery separates `at` from the arrival: a few milliseconds on a LAN, and
the estimate is late by that. (The middle of a round trip would assume the reply was
made halfway; a lease's reply is made ~100 ms after its request arrived, and the middle
was measured 50-60 ms off through Mosquitto, the lower bound about 1 ms.) The upper
bounds give the guarantee: `error()` is the width of the interval (None while bounded
from one side only). Once known, the hub's time is kept however long the hub is
silent: the next message corrects the drift.

The hub's clock may be set back. A round trip that contradicts the earlier bounds shows
it at once: the newest sample wins and the older ones are forgotten. A node that only
hears one-sided messages (a display) follows when every message for `BEHIND_SECONDS`
(ten configurations) was more than `BEHIND_STEP_SECONDS` behind its estimate: a burst
of messages queued while the node was away lasts a moment, and live ones follow it.

Everything is anchored to the monotonic clock, so when the node's wall clock jumps
(NTP answering after boot) the hub's time does not move; only `skew()`, the node's wall
clock minus the hub's time (reported in telemetry as `clock_skew_s`), changes.

Before the first live message the hub's time is unknown (`skew()` is None, the `clock`
driver says `clock_unknown`) and `now()` falls back to the node's own clock, but never
earlier than the last hub time this node saw (saved in `STATE_FILE`), running on from
it: time only goes forward, and a Pi boots with a clock from its last shutdown. The
saved offset itself is reused after a restart of the node's process within the same boot
(the monotonic clock runs on from boot, checked by the kernel's boot id), not after a
reboot (the monotonic clock starts again). So a ticket terminal that boots while the hub
is away still prints from its lease, judging the lease by that fallback, and says so
(see `firmware/ticket_terminal/terminal.py`); the hub checks every such ticket again by
its own clock when it hears of it."""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from contract.mqtt import Driver, DriverState
from contract.node_faults import clock_level

log = logging.getLogger(__name__)

STATE_FILE = "hub_clock.json"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
SAMPLES = 16  # bounds kept and intersected
DRIFT = 100e-6  # how fast a kept bound widens, in seconds a second
BEHIND_STEP_SECONDS = 1.0  # a message this far behind the estimate is a sign...
BEHIND_SECONDS = 600.0  # ...that the hub's clock went back, when they keep coming so long
# The state file is written when the estimate moved this much, or this long after the
# last write: a few writes an hour, not one per message, for the SD card's sake.
SAVE_SHIFT_SECONDS = 0.5
SAVE_SECONDS = 600.0
# A level is left for a better one only this far inside its threshold: a skew that
# hovers around 5 s does not make the status flap.
HYSTERESIS_SECONDS = 0.5


def read_boot_id(path: Path = BOOT_ID) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class Bounds:
    """hub time - monotonic time lay in [low, high] (high is inf: one-sided) at
    monotonic time `taken`."""

    low: float
    high: float
    taken: float

    def aged(self, now: float) -> tuple[float, float]:
        """The bounds at `now`: wider by the drift either clock may have had since."""
        spread = DRIFT * max(0.0, now - self.taken)
        return self.low - spread, self.high + spread


class HubClock:
    """Thread-safe: messages are observed on the MQTT thread, the time is read anywhere.
    `wall` and `monotonic` are the node's clocks (tests move them); `state_file` keeps
    the last estimate across restarts of the process (None: nothing is kept)."""

    def __init__(self, *, wall: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic,
                 state_file: Path | None = None,
                 boot_id: Callable[[], str | None] = read_boot_id,
                 behind_seconds: float = BEHIND_SECONDS) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self._state_file = state_file
        self._boot_id = boot_id()
        self._behind_seconds = behind_seconds
        self._lock = threading.Lock()
        self._samples: list[Bounds] = []  # oldest first
        # What the samples say together (aged to `taken`), and the estimate: the lower
        # bound of the sample that gives it, as that sample said it (not aged).
        self._bounds: Bounds | None = None
        self._offset: float | None = None
        self._behind_since: float | None = None  # first of a run of messages behind
        # The last hub time seen before this boot, and when (monotonic) it was read back:
        # the hub's time now is at least that plus the time since.
        self._floor: tuple[float, float] | None = None
        self._saved: tuple[float, float] | None = None  # (estimate, monotonic) last written
        self._level = DriverState.OK
        self.observed = 0  # live messages taken
        if state_file is not None:
            self._load(state_file)

    def monotonic(self) -> float:
        """The clock everything here is anchored to: stamp arrivals and sends with it."""
        return self._monotonic()

    # Samples --------------------------------------------------------------------

    def observe(self, hub_at: datetime, *, received: float, sent: float | None = None) -> None:
        """A live message the hub made at `hub_at` arrived at monotonic `received`; for
        an answer to a request sent at monotonic `sent`, the round trip bounds it from
        both sides."""
        made = hub_at.timestamp()
        high = made - sent if sent is not None and sent <= received else math.inf
        sample = Bounds(made - received, high, received)
        with self._lock:
            self.observed += 1
            known = self._offset is not None
            if self._offset is not None and sample.low < self._offset - BEHIND_STEP_SECONDS:
                if self._behind_since is None:
                    self._behind_since = received
                elif received - self._behind_since >= self._behind_seconds:
                    log.info("the hub's time is behind what it was for a while; following "
                             "it", extra={"step_s": sample.low - self._offset})
                    since = self._behind_since
                    self._samples = [older for older in self._samples
                                     if older.taken >= since]
                    self._behind_since = None
            else:
                self._behind_since = None
            self._samples.append(sample)
            self._combine(received)
            if not known:
                log.info("hub time known", extra={"skew_s": self._skew()})

    def _combine(self, now: float) -> None:
        """Intersect the samples, newest first; an older one that contradicts the newer
        ones is forgotten with all before it (the hub's clock was set)."""
        low, high = -math.inf, math.inf
        best: Bounds | None = None  # the sample that gives the lower bound
        tightest: Bounds | None = None  # ...and the upper one
        kept: list[Bounds] = []
        for sample in reversed(self._samples):
            aged_low, aged_high = sample.aged(now)
            if max(low, aged_low) > min(high, aged_high):
                log.info("the hub's time moved against earlier messages; following the "
                         "newest", extra={"forgotten": len(self._samples) - len(kept)})
                break
            if best is None or aged_low > low:
                best = sample
            if aged_high < high:
                tightest = sample
            low, high = max(low, aged_low), min(high, aged_high)
            kept.append(sample)
        kept.reverse()
        # Too many: the oldest that gives neither bound goes (not simply the oldest: a
        # burst of queued messages must not push the best sample out).
        while len(kept) > SAMPLES:
            kept.remove(next(old for old in kept if old is not best and old is not tightest))
        self._samples = kept
        assert best is not None  # the newest sample is always kept
        self._bounds = Bounds(low, high, now)
        self._offset = min(best.low, high)

    def _estimate(self) -> float | None:
        return self._offset

    # Readings -------------------------------------------------------------------

    @property
    def known(self) -> bool:
        with self._lock:
            return self._bounds is not None

    def hub_time(self) -> float | None:
        """The hub's time now, in seconds since the epoch; None until known."""
        with self._lock:
            estimate = self._estimate()
        return None if estimate is None else self._monotonic() + estimate

    def hub_now(self) -> datetime | None:
        """The hub's time now; None until a live message from the hub arrived."""
        seconds = self.hub_time()
        return None if seconds is None else datetime.fromtimestamp(seconds, UTC)

    def now(self) -> datetime:
        """The hub's time, or while it is unknown this node's own clock, though never
        earlier than the last hub time seen before this boot (plus the time since it
        was read back)."""
        seconds = self.hub_time()
        if seconds is None:
            seconds = self._wall()
            if self._floor is not None:
                last_seen, read_at = self._floor
                seconds = max(seconds, last_seen + self._monotonic() - read_at)
        return datetime.fromtimestamp(seconds, UTC)

    def skew(self) -> float | None:
        """This node's wall clock minus the hub's, in seconds; None until known."""
        with self._lock:
            return self._skew()

    def _skew(self) -> float | None:
        estimate = self._estimate()
        if estimate is None:
            return None
        # Both clocks read at (nearly) one moment; the wall clock may have jumped since
        # the samples were taken, which is exactly what the skew is to show.
        return self._wall() - (self._monotonic() + estimate)

    def error(self) -> float | None:
        """How far from the hub's time the estimate may be at most (the width of the
        bounds, aged to now); None while unknown or bounded from one side only."""
        with self._lock:
            bounds = self._bounds
        if bounds is None or math.isinf(bounds.high):
            return None
        low, high = bounds.aged(self._monotonic())
        return high - low

    def driver(self) -> Driver:
        """The `clock` driver: ok, or warning (`clock_unknown`, or `clock_skew`), or
        fault (`clock_skew`), judged as the doctor and the fleet page judge a skew
        (contract/node_faults.clock_level), with a hysteresis on the way back."""
        with self._lock:
            skew = self._skew()
            if skew is None:
                return Driver(state=DriverState.WARNING, detail="clock_unknown")
            level = clock_level(skew)
            order = (DriverState.OK, DriverState.WARNING, DriverState.FAULT)
            if order.index(level) < order.index(self._level):
                # Going back to a better level needs a margin inside its threshold.
                level = max(clock_level(abs(skew) + HYSTERESIS_SECONDS), level,
                            key=order.index)
            self._level = level
        if level is DriverState.OK:
            return Driver(state=DriverState.OK)
        return Driver(state=level, detail="clock_skew")

    # Kept across restarts -------------------------------------------------------------

    def save(self, *, force: bool = False) -> bool:
        """Write the estimate when it moved or the last write is old (or `force`); True
        if written. Call it off the network thread: it touches the disk."""
        if self._state_file is None:
            return False
        with self._lock:
            bounds, estimate = self._bounds, self._estimate()
        if bounds is None or estimate is None:
            return False
        now = self._monotonic()
        saved = self._saved
        if not force and saved is not None and abs(estimate - saved[0]) < SAVE_SHIFT_SECONDS \
                and now - saved[1] < SAVE_SECONDS:
            return False
        state = {"boot_id": self._boot_id, "low": estimate,
                 "high": None if math.isinf(bounds.high) else bounds.high,
                 "taken": bounds.taken, "hub_time": now + estimate}
        path = self._state_file
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".tmp")
            temporary.write_text(json.dumps(state))
            os.replace(temporary, path)
        except OSError as error:
            log.warning("hub time not saved", extra={"error": str(error)})
            return False
        self._saved = (estimate, now)
        return True

    def _load(self, path: Path) -> None:
        try:
            state = json.loads(path.read_text())
            hub_time = float(state["hub_time"])
            low, taken = float(state["low"]), float(state["taken"])
            high = math.inf if state["high"] is None else float(state["high"])
        except (OSError, ValueError, KeyError, TypeError):
            return  # nothing kept, or a file cut by a power loss: start unknown
        if self._boot_id is not None and state.get("boot_id") == self._boot_id \
                and low <= high:
            # The same boot: the monotonic clock ran on, the offset still holds.
            self._bounds = Bounds(low, high, taken)
            self._offset = low
            self._samples.append(self._bounds)
            log.info("hub time taken from before the restart")
        else:
            self._floor = (hub_time, self._monotonic())
