"""The virtual center against a hub process: simulated terminals and displays on the
node runtime, the real call-button application at every desk with the load driver
pressing its MockFactory pins, a stretch of a day played, and what the hub ends up
knowing agrees with what the nodes were told and pressed."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

from firmware.call_button.app import CallButtonApp
from firmware.virtual.center import VirtualCenter, VirtualCenterSettings
from firmware.virtual.real_buttons import BUTTON_PINS
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
        wait_until(lambda: center.load is not None and center.load.stats.called >= 8
                   and center.load.stats.served >= 4, 60, "desks to call and serve visitors")
        stats = center.load.stats
        with stats.lock:
            issued, refused = stats.issued, dict(stats.refused)
            presses, press_refused = dict(stats.presses), dict(stats.press_refused)
        assert issued == 40 and not refused
        # Every desk is the real call-button application on fake pins, the load's only
        # way to act is a pin, and only "nobody waiting" may be refused.
        assert [b.desk for b in center.buttons] == ["window-1", "window-2", "window-3",
                                                    "office-105"]
        assert all(isinstance(getattr(b, "app", None), CallButtonApp) for b in center.buttons)
        assert presses["next"] >= 8 and presses["done"] >= 4
        assert set(presses) <= {a.value for a in BUTTON_PINS}
        assert set(press_refused) <= {"queue_empty"}
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
        done = connection.execute(text(
            "SELECT count(*) FROM tickets WHERE state = 'done'")).scalar_one()
        by_buttons: dict[str, int] = dict(connection.execute(text(
            "SELECT action, count(*) FROM audit_log WHERE actor LIKE 'node:buttons-%' "
            "GROUP BY action")).all())
    engine.dispose()
    assert tickets == 40
    assert called >= stats.called
    assert done >= stats.served >= 4
    # The hub applied the presses as the desks' call-button nodes.
    assert by_buttons["call"] == called and by_buttons["finish"] == done
    assert len(nodes) == len(center.nodes)
    assert set(nodes.values()) == {"offline"}  # every node said goodbye when stopped
    health = json.load(urllib.request.urlopen(
        f"http://127.0.0.1:{hub.http_port}/api/v1/health", timeout=5))
    assert health["status"] == "ok"
