"""The virtual center against a hub process: simulated terminals, displays and desk
buttons on the node runtime, the load driver playing a stretch of a day, and what
the hub ends up knowing agrees with what the nodes were told."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

from firmware.virtual.center import VirtualCenter, VirtualCenterSettings
from tests.brokers import wait_until
from tests.e2e.hub_process import HubProcess

CENTER = "virtual"


def test_a_simulated_stretch_of_a_day_through_the_real_mqtt_path(tmp_path: Path) -> None:
    (tmp_path / "hub").mkdir()
    hub = HubProcess(tmp_path / "hub", center=CENTER)
    hub.start()
    try:
        run_and_check(tmp_path, hub)
    finally:
        hub.stop()


def run_and_check(tmp_path: Path, hub: HubProcess) -> None:
    center = VirtualCenter(VirtualCenterSettings(
        broker_url=hub.broker_url, center=CENTER, data_dir=tmp_path / "nodes",
        arrivals_per_hour=240, speed=300, visitors=40, seed=7))
    try:
        center.start()
        assert center.load is not None
        assert center.load.arrivals_done.wait(60)
        assert center.load.answered(60)
        wait_until(lambda: center.load is not None and center.load.stats.called >= 8, 60,
                   "desks to call visitors")
        stats = center.load.stats
        with stats.lock:
            issued, refused = stats.issued, dict(stats.refused)
        assert issued == 40 and not refused
        printed = sorted(n for t in center.terminals for n in t.printed)
        assert len(printed) == len(set(printed)) == 40
        # Displays were told about the calls of their zones, numbers only.
        hall = next(d for d in center.displays if d.node_id == "display-hall")
        wait_until(lambda: hall.snapshot is not None and bool(hall.snapshot.calls), 20,
                   "the hall board to show calls")
        assert hall.said and all(a.number in printed for a in hall.said)
        assert all(t.config is not None and t.config.purposes for t in center.terminals)
    finally:
        center.stop()
    time.sleep(0.5)
    engine = create_engine(f"sqlite:///{hub.data_dir / 'kezek.sqlite3'}")
    with engine.connect() as connection:
        tickets = connection.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        nodes: dict[str, str] = dict(connection.execute(
            text("SELECT node_id, presence FROM nodes")).all())
        called = connection.execute(text(
            "SELECT count(*) FROM tickets WHERE called_at IS NOT NULL")).scalar_one()
    engine.dispose()
    assert tickets == 40
    assert called >= stats.called
    assert len(nodes) == len(center.nodes)
    assert set(nodes.values()) == {"offline"}  # every node said goodbye when stopped
    health = json.load(urllib.request.urlopen(
        f"http://127.0.0.1:{hub.http_port}/api/v1/health", timeout=5))
    assert health["status"] == "ok"
