"""The hub as its own process, as `kezek-hub serve` runs it, so a test can kill it
without mercy (SIGKILL: no shutdown code runs) and start it again on the same data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

from tests.brokers import free_port, wait_until

# Monday 23 November 2026, 10:00 in Almaty: the center is open.
OPEN_MOMENT = "2026-11-23T10:00:00+05:00"


class HubProcess:
    def __init__(self, data_dir: Path, *, center: str, mqtt_url: str | None = None,
                 username: str | None = None, password: str | None = None) -> None:
        self.data_dir = data_dir
        self.http_port = free_port()
        self.embedded_port = free_port()
        self.log = data_dir / "hub.log"
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith("KEZEK_")}
        self.env |= {"KEZEK_HUB_DATA_DIR": str(data_dir), "KEZEK_HUB_CENTER_ID": center,
                     "KEZEK_HUB_CLOCK_START": OPEN_MOMENT,
                     "KEZEK_HUB_PORT": str(self.http_port),
                     "KEZEK_HUB_EMBEDDED_MQTT_PORT": str(self.embedded_port)}
        if mqtt_url is not None:
            self.env["KEZEK_HUB_MQTT_URL"] = mqtt_url
        if username is not None:
            self.env["KEZEK_HUB_MQTT_USERNAME"] = username
        if password is not None:
            self.env["KEZEK_HUB_MQTT_PASSWORD"] = password
        self.process: subprocess.Popen[bytes] | None = None
        self._clock_origin: float | None = None  # monotonic time of the first start

    def now(self) -> datetime:
        """The hub's clock: OPEN_MOMENT at the first start, running on across restarts
        (a restarted hub does not go back in time), so nodes can share it."""
        if self._clock_origin is None:
            self._clock_origin = time.monotonic()
        return (datetime.fromisoformat(OPEN_MOMENT)
                + timedelta(seconds=time.monotonic() - self._clock_origin))

    @property
    def broker_url(self) -> str:
        """Where nodes connect: the given broker, or the hub's own."""
        return self.env.get("KEZEK_HUB_MQTT_URL", f"mqtt://127.0.0.1:{self.embedded_port}")

    def start(self) -> None:
        assert self.process is None
        self.env["KEZEK_HUB_CLOCK_START"] = self.now().isoformat()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "import sys; from hub.cli import main; "
                 "sys.exit(main(['serve']))"], env=self.env, stdout=log,
                stderr=subprocess.STDOUT)
        wait_until(self._healthy, 30, "the hub to answer")

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"hub exited: {self.log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/api/v1/health",
                                   timeout=1)
        except OSError:
            return False
        return True

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None
