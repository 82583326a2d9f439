"""The day run's one simulated time reaches every process: the hub takes it as its
clock from its settings (never in production), and every virtual node anchors the hub's
time it learns to the simulated monotonic clock, one terminal's own clock hours off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from firmware.virtual.center import VirtualCenter, VirtualCenterSettings
from firmware.virtual.clocks import HEARTBEAT_FLOOR_SECONDS, NodeClocks
from hub.services.clock import SystemClock, real_seconds
from hub.settings import DEFAULT_CENTER_FILE, HubSettings
from hub.wiring import build_hub
from simulation.demo_timeline import demo_timeline
from simulation.timeline import Timeline

OPENS = datetime(2026, 12, 8, 3, 30, tzinfo=UTC)  # 08:30 in Almaty


def standing_timeline(real: float = 1_000_000.0, speed: float = 60.0) -> Timeline:
    """A timeline whose real clock stands `real - origin` = 100 s after its origin."""
    return Timeline(origin=real - 100, speed=speed,
                    windows=((OPENS, OPENS + timedelta(hours=10)),),
                    real_time=lambda: real)


def test_the_hub_runs_on_the_timeline_of_its_settings(tmp_path: Path) -> None:
    timeline = Timeline.starting_now(60.0, [(OPENS, OPENS + timedelta(hours=10))])
    hub = build_hub(HubSettings(data_dir=tmp_path, timeline=timeline.to_env()))
    try:
        assert abs((hub.clock.now() - timeline.now()).total_seconds()) < 5
        assert hub.clock.now() >= OPENS
    finally:
        hub.close()


def test_a_timeline_is_refused_in_production_and_when_malformed() -> None:
    text = standing_timeline().to_env()
    with pytest.raises(ValidationError, match="not production"):
        HubSettings(environment="production", secret_key="k" * 40, timeline=text)
    with pytest.raises(ValidationError, match="not a timeline"):
        HubSettings(timeline="{}")
    with pytest.raises(ValidationError, match="clock of its own"):
        HubSettings(timeline=text, demo_clock=True)


def test_simulated_node_clocks_follow_the_timeline_and_beat_in_simulated_time() -> None:
    timeline = standing_timeline(speed=60.0)
    right = NodeClocks.simulated(timeline)
    wrong = NodeClocks.simulated(timeline, off_hours=-7)
    assert right.wall() == right.monotonic() == timeline.timestamp()
    assert wrong.wall() == timeline.timestamp() - 7 * 3600
    assert wrong.monotonic() == timeline.monotonic()  # a wrong date, not a fast clock
    assert right.heartbeat_seconds == 0.5  # 30 simulated seconds at speed 60
    fast = NodeClocks.simulated(standing_timeline(speed=1000.0))
    assert fast.heartbeat_seconds == HEARTBEAT_FLOOR_SECONDS


def test_every_virtual_node_learns_the_hub_time_on_the_simulated_clock(tmp_path: Path) -> None:
    timeline = standing_timeline()
    settings = VirtualCenterSettings(
        broker_url="mqtt://127.0.0.1:9", data_dir=tmp_path, terminals=1, real_terminals=2,
        desks=["window-1"], displays={"display-hall": []}, display_apps={"display-tv": []},
        load=False)
    center = VirtualCenter(settings, timeline=timeline,
                           clock_off_hours={"terminal-real-2": 5.0},
                           passwords={"terminal-1": "secret"})
    runtimes = {node.node_id: node.runtime for node in center.nodes}
    runtimes |= {app.settings.node_id: app.runtime for app in center.display_apps}
    assert set(runtimes) == {"terminal-1", "terminal-real-1", "terminal-real-2",
                             "buttons-window-1", "display-hall", "display-tv"}
    for node_id, runtime in runtimes.items():
        assert runtime.hub_clock.monotonic() == timeline.monotonic(), node_id
        assert runtime.settings.heartbeat_seconds == 0.5, node_id
        # What the hub says now is what the node reads as the hub's time.
        runtime.hub_clock.observe(timeline.now(), received=timeline.monotonic())
        assert runtime.hub_clock.now() == timeline.now(), node_id
    assert runtimes["terminal-real-2"].hub_clock.skew() == pytest.approx(5 * 3600)
    assert runtimes["terminal-real-1"].hub_clock.skew() == 0
    assert runtimes["terminal-1"].settings.password is not None
    for node in center.nodes:
        node.runtime.outbox.close()
    for app in center.display_apps:
        app.runtime.outbox.close()


def test_the_demonstration_time_starts_at_the_next_opening_when_closed() -> None:
    saturday_night = datetime(2026, 12, 12, 18, 0, tzinfo=UTC)  # 23:00 in Almaty
    closed = demo_timeline(DEFAULT_CENTER_FILE, saturday_night)
    assert closed.windows[0][0] == datetime(2026, 12, 14, 4, 0, tzinfo=UTC)  # Monday 09:00
    assert closed.speed == 1.0 and closed.origin == saturday_night.timestamp()
    tuesday_ten = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)
    assert demo_timeline(DEFAULT_CENTER_FILE, tuesday_ten).windows[0][0] == tuesday_ten


def test_a_job_every_minute_of_the_hub_runs_every_simulated_minute() -> None:
    timeline = Timeline(origin=0.0, speed=300.0, windows=((
        datetime(2026, 12, 8, 9, tzinfo=UTC), datetime(2026, 12, 8, 18, tzinfo=UTC)),))
    assert real_seconds(timeline, 60) == pytest.approx(0.2)
    assert real_seconds(SystemClock(), 60) == 60
