"""HubClock: the hub's time on a node from the hub's messages: one-sided bounds from any
live message, round trips from replies, a wall clock that jumps, a hub clock that is
set, the window, the driver's thresholds and what is kept across restarts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contract.mqtt import Driver, DriverState
from firmware.common.hub_clock import HubClock

# The hub's clock: Monday 23 November 2026, 10:00 in Almaty.
HUB = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


class Clocks:
    """The node's two clocks, moved by hand: monotonic seconds since boot and the wall
    clock, which NTP may step."""

    def __init__(self, wall: datetime) -> None:
        self.mono = 1000.0
        self.wall = wall.timestamp()

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += seconds

    def clock(self, *, state_file: Path | None = None) -> HubClock:
        return HubClock(wall=lambda: self.wall, monotonic=lambda: self.mono,
                        boot_id=lambda: "boot-1", state_file=state_file)


@pytest.fixture
def clocks() -> Clocks:
    return Clocks(HUB - timedelta(hours=3))  # the node's clock is three hours behind


def seconds(moment: datetime | None) -> float:
    assert moment is not None
    return moment.timestamp()


def test_unknown_until_a_live_message(clocks: Clocks) -> None:
    clock = clocks.clock()
    assert not clock.known
    assert clock.hub_now() is None and clock.skew() is None and clock.error() is None
    assert clock.now() == datetime.fromtimestamp(clocks.wall, UTC)  # its own clock meanwhile
    assert clock.driver() == Driver(state=DriverState.WARNING, detail="clock_unknown")


def test_a_one_sided_message_gives_the_hub_time_from_then_on(clocks: Clocks) -> None:
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono)
    assert clock.known and clock.error() is None  # bounded from one side only
    assert seconds(clock.hub_now()) == pytest.approx(seconds(HUB))
    clocks.advance(42)
    assert seconds(clock.hub_now()) == pytest.approx(seconds(HUB) + 42)
    assert clock.skew() == pytest.approx(-3 * 3600)
    assert clock.now() == clock.hub_now()


def test_one_sided_bounds_keep_the_fastest_delivery(clocks: Clocks) -> None:
    """The message that came quickest bounds the offset best: one delayed in the broker
    (queued while the node was away, or simply slow) does not pull the time back."""
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono + 0.002)  # 2 ms in transit
    clocks.advance(60)
    clock.observe(HUB + timedelta(seconds=60) - timedelta(seconds=30), received=clocks.mono)
    assert seconds(clock.hub_now()) == pytest.approx(seconds(HUB) + 60 - 0.002)
    clocks.advance(60)  # a quicker one raises the bound
    clock.observe(HUB + timedelta(seconds=120), received=clocks.mono + 0.0005)
    assert seconds(clock.hub_now()) == pytest.approx(seconds(HUB) + 120 - 0.0005)


def test_a_round_trip_bounds_the_offset_from_both_sides(clocks: Clocks) -> None:
    clock = clocks.clock()
    sent = clocks.mono
    # The request took 30 ms to the hub and its work; the reply, made at HUB, 10 ms back.
    clocks.advance(0.030)
    made = HUB
    clocks.advance(0.010)
    clock.observe(made, received=clocks.mono, sent=sent)
    error = clock.error()
    assert error is not None and error == pytest.approx(0.040)  # the whole round trip
    # The reply's own time on arrival: late by its delivery (10 ms), within the bound.
    estimate = seconds(clock.hub_now())
    assert estimate == pytest.approx(seconds(HUB), abs=1e-6)
    truth = seconds(HUB) + 0.010
    assert 0 <= truth - estimate <= error


def test_round_trips_and_one_sided_bounds_are_combined(clocks: Clocks) -> None:
    clock = clocks.clock()
    # A slow round trip: 400 ms, the hub answered 100 ms before the reply arrived.
    sent = clocks.mono
    clocks.advance(0.300)
    made = HUB
    clocks.advance(0.100)
    clock.observe(made, received=clocks.mono, sent=sent)
    assert clock.error() == pytest.approx(0.400)
    # A config delivered in 1 ms raises the lower bound: the hub's time now is made+0.1.
    clocks.advance(10)
    clock.observe(HUB + timedelta(seconds=10.1 - 0.001), received=clocks.mono)
    truth = seconds(HUB) + 10.1
    error = clock.error()
    # 0.301 s, and 1 ms as the older bound aged ten seconds (DRIFT, 100 ppm)
    assert error is not None and error == pytest.approx(0.302)
    assert truth - seconds(clock.hub_now()) == pytest.approx(0.001, abs=1e-6)
    assert 0 <= truth - seconds(clock.hub_now()) <= error


def test_a_jump_of_the_node_wall_clock_moves_the_skew_not_the_hub_time(
        clocks: Clocks) -> None:
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono)
    assert clock.driver() == Driver(state=DriverState.FAULT, detail="clock_skew")
    clocks.wall += 3 * 3600  # NTP answered: the wall clock steps three hours forward
    clocks.advance(5)
    assert seconds(clock.hub_now()) == pytest.approx(seconds(HUB) + 5)
    assert clock.skew() == pytest.approx(0)
    assert clock.driver() == Driver(state=DriverState.OK)


def test_the_hub_clock_set_back_is_followed(clocks: Clocks) -> None:
    """Bounds that contradict the newest message (the hub's clock was corrected) are
    forgotten: the newest always counts."""
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono, sent=clocks.mono - 0.01)
    clocks.advance(1)
    corrected = HUB - timedelta(minutes=5)
    clock.observe(corrected + timedelta(seconds=1), received=clocks.mono,
                  sent=clocks.mono - 0.01)
    assert seconds(clock.hub_now()) == pytest.approx(seconds(corrected) + 1, abs=0.01)


def test_messages_queued_while_the_node_was_away_do_not_pull_the_time_back(
        clocks: Clocks) -> None:
    """Back after two hours away, the broker hands over what it kept for the node's
    session: configurations made up to two hours ago, then live ones."""
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono)
    clocks.advance(2 * 3600)
    for minutes_ago in range(120, 0, -1):
        clock.observe(HUB + timedelta(seconds=2 * 3600 - 60 * minutes_ago),
                      received=clocks.mono)
        clocks.advance(0.0001)
    assert seconds(clock.hub_now()) == pytest.approx(seconds(HUB) + 2 * 3600, abs=0.1)
    for _ in range(15):  # live again, every minute
        clocks.advance(60)
        clock.observe(HUB + timedelta(seconds=clocks.mono - 1000.0) - timedelta(
            seconds=0.003), received=clocks.mono)
    truth = seconds(HUB) + clocks.mono - 1000.0
    assert seconds(clock.hub_now()) == pytest.approx(truth, abs=0.005)


def test_a_hub_clock_set_back_is_followed_by_a_node_that_only_listens(
        clocks: Clocks) -> None:
    """A display sends no requests: its bounds are all from below. When the hub's
    clock went back five minutes, every configuration says so for ten minutes: then
    the display follows (and not before: one late message is just late)."""
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono)
    clocks.advance(60)
    clock.observe(HUB + timedelta(seconds=60 - 300), received=clocks.mono)
    assert seconds(clock.hub_now()) == pytest.approx(seconds(HUB) + 60)
    for minute in range(2, 13):
        clocks.advance(60)
        clock.observe(HUB + timedelta(seconds=60 * minute - 300), received=clocks.mono)
    assert seconds(clock.hub_now()) == pytest.approx(seconds(HUB) + 12 * 60 - 300)


def test_an_old_bound_gives_way_to_fresh_ones_after_drift(clocks: Clocks) -> None:
    """Ten hours without the hub, this node's clock running 50 ppm fast: the hub's time
    it kept is 1.8 s ahead. The next live message is believed, not the old bound."""
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono)
    clocks.advance(36000)
    hub_now = seconds(HUB) + 36000 * (1 - 50e-6)
    assert seconds(clock.hub_now()) - hub_now == pytest.approx(1.8)
    clock.observe(datetime.fromtimestamp(hub_now - 0.002, UTC), received=clocks.mono)
    assert seconds(clock.hub_now()) == pytest.approx(hub_now - 0.002)


def test_the_hub_time_is_kept_while_the_hub_is_silent(clocks: Clocks) -> None:
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono, sent=clocks.mono - 0.02)
    clocks.advance(8 * 3600)  # the hub away all day: the node keeps the hub's time
    assert seconds(clock.hub_now()) == pytest.approx(seconds(HUB) + 8 * 3600, abs=0.02)


def test_a_reply_received_before_its_sending_counts_one_sided(clocks: Clocks) -> None:
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono, sent=clocks.mono + 5)
    assert clock.known and clock.error() is None


@pytest.mark.parametrize(("skew", "state"), [
    (0.0, DriverState.OK), (4.9, DriverState.OK), (-5.0, DriverState.WARNING),
    (59.9, DriverState.WARNING), (60.0, DriverState.FAULT), (-7200.0, DriverState.FAULT)])
def test_the_clock_driver_uses_the_thresholds_of_the_doctor(skew: float,
                                                             state: DriverState) -> None:
    clocks = Clocks(HUB + timedelta(seconds=skew))
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono)
    driver = clock.driver()
    assert driver.state is state
    assert driver.detail == (None if state is DriverState.OK else "clock_skew")


def test_a_skew_near_a_threshold_does_not_flap(clocks: Clocks) -> None:
    clocks.wall = seconds(HUB) + 5.1
    clock = clocks.clock()
    clock.observe(HUB, received=clocks.mono)
    assert clock.driver().state is DriverState.WARNING
    clocks.wall -= 0.2  # 4.9 s: not far enough inside the threshold to be fine again
    assert clock.driver().state is DriverState.WARNING
    clocks.wall -= 0.5  # 4.4 s
    assert clock.driver().state is DriverState.OK
    clocks.wall += 0.5  # 4.9 s again: fine until 5 s
    assert clock.driver().state is DriverState.OK


def test_the_offset_is_kept_across_a_restart_within_one_boot(clocks: Clocks,
                                                              tmp_path: Path) -> None:
    state = tmp_path / "hub_clock.json"
    first = clocks.clock(state_file=state)
    first.observe(HUB, received=clocks.mono, sent=clocks.mono - 0.02)
    assert first.save()
    assert not first.save()  # nothing moved: not written again (the SD card's sake)
    clocks.advance(30)
    again = clocks.clock(state_file=state)  # the process restarted; the boot is the same
    assert again.known
    assert seconds(again.hub_now()) == pytest.approx(seconds(HUB) + 30, abs=0.02)
    assert again.skew() == pytest.approx(-3 * 3600, abs=0.02)


def test_after_a_reboot_the_time_is_unknown_but_never_before_the_last_seen(
        clocks: Clocks, tmp_path: Path) -> None:
    state = tmp_path / "hub_clock.json"
    first = clocks.clock(state_file=state)
    first.observe(HUB, received=clocks.mono)
    clocks.advance(600)
    assert first.save(force=True)
    last_seen = seconds(HUB) + 600
    # Power cut; the Pi boots with the time it saved long before (three hours behind).
    rebooted = Clocks(HUB - timedelta(hours=3))
    rebooted.mono = 12.0
    clock = HubClock(wall=lambda: rebooted.wall, monotonic=lambda: rebooted.mono,
                     state_file=state, boot_id=lambda: "boot-2")
    assert not clock.known and clock.skew() is None
    assert seconds(clock.now()) == pytest.approx(last_seen)  # not three hours back
    rebooted.advance(5)  # ...and it runs on from there
    assert seconds(clock.now()) == pytest.approx(last_seen + 5)
    rebooted.wall = last_seen + 3600  # a clock already ahead of it is taken as it is
    assert seconds(clock.now()) == pytest.approx(last_seen + 3600)


def test_a_damaged_state_file_is_ignored(clocks: Clocks, tmp_path: Path) -> None:
    state = tmp_path / "hub_clock.json"
    state.write_text('{"boot_id": "boot-1", "low": ')  # cut by a power loss
    clock = clocks.clock(state_file=state)
    assert not clock.known
    assert clock.now() == datetime.fromtimestamp(clocks.wall, UTC)
    state.write_text(json.dumps({"boot_id": "boot-1", "low": 1.0, "high": 0.0,
                                 "taken": 1.0, "hub_time": 0.0}))
    assert not clocks.clock(state_file=state).known  # bounds that cannot hold
