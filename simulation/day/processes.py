"""The processes of a day run besides the virtual center: a private Mosquitto set up as
the production broker is (a password per node, the contract's ACL, persistence, a pid
file the hub signals after editing the password file), and the hub as its own process
(`python -m hub.cli serve`), which a fault kills with SIGKILL and starts again."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

from contract.mqtt import NodeRole, Topics
from provisioning.broker import mosquitto_acl

HUB_USER = "hub"
SNIFFER_USER = "sniffer"  # reads every topic of the center, writes none
START_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


class Broker:
    """Mosquitto on a free port of 127.0.0.1 with a password for the hub, the sniffer
    and every node in `nodes` (user name = node id, as kezek-provision makes them), each
    limited to its role's topics as provisioning's ACL does."""

    def __init__(self, directory: Path, center: str, nodes: Mapping[str, NodeRole]) -> None:
        binary = mosquitto_binary()
        if binary is None:
            raise FileNotFoundError("mosquitto is not installed (apt-get install mosquitto)")
        self.binary = binary
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.passwords = {user: secrets.token_urlsafe(16)
                          for user in (HUB_USER, SNIFFER_USER, *nodes)}
        self.password_file = directory / "passwd"
        self.password_file.unlink(missing_ok=True)
        self.password_file.touch(mode=0o600)
        for user, password in self.passwords.items():
            subprocess.run(["mosquitto_passwd", "-b", str(self.password_file), user, password],
                           check=True, capture_output=True)
        topics = Topics(center)
        # The ACL provisioning generates, and the sniffer that reads everything.
        (directory / "acl").write_text(
            mosquitto_acl(topics, HUB_USER, nodes)
            + f"\nuser {SNIFFER_USER}\ntopic read {topics.root}/#\n")
        self.pid_file = directory / "mosquitto.pid"
        self.log = directory / "mosquitto.log"
        self.config = directory / "mosquitto.conf"
        # Run as whoever runs the day (as root, Mosquitto would drop to user mosquitto
        # and lose the data directory).
        run_as = ["user root"] if os.geteuid() == 0 else []
        self.config.write_text("\n".join([
            f"listener {self.port} 127.0.0.1", "allow_anonymous false",
            f"password_file {self.password_file}", f"acl_file {directory / 'acl'}",
            "persistence true", f"persistence_location {directory}/",
            f"pid_file {self.pid_file}", "set_tcp_nodelay true", *run_as,
            f"log_dest file {self.log}", "log_type error", "log_type warning",
            "log_type notice", ""]))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.process is not None:
            raise RuntimeError("the broker runs already")
        self.process = subprocess.Popen([self.binary, "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self.process.returncode}; "
                                   f"see {self.log}")
            return listening(self.port)

        wait_for(up, 10, "mosquitto to listen")

    def stop(self) -> None:
        """A clean shutdown: Mosquitto keeps sessions and queued messages on disk."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


class HubProcess:
    """`python -m hub.cli serve` with the day run's environment; its output goes to
    `log_file` (appended across restarts)."""

    def __init__(self, *, data_dir: Path, broker: Broker, center: str, timeline: str,
                 database_url: str | None, log_file: Path,
                 extra_env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.log_file = log_file
        self.data_dir = data_dir
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith("KEZEK_HUB_")}
        self.env.update({
            "KEZEK_HUB_DATA_DIR": str(data_dir),
            "KEZEK_HUB_PORT": str(self.port),
            "KEZEK_HUB_HOST": "127.0.0.1",
            "KEZEK_HUB_CENTER_ID": center,
            "KEZEK_HUB_MQTT_URL": broker.url,
            "KEZEK_HUB_MQTT_USERNAME": HUB_USER,
            "KEZEK_HUB_MQTT_PASSWORD": broker.passwords[HUB_USER],
            "KEZEK_HUB_BROKER_PASSWORD_FILE": str(broker.password_file),
            "KEZEK_HUB_BROKER_PID_FILE": str(broker.pid_file),
            "KEZEK_HUB_TIMELINE": timeline,
            "KEZEK_HUB_NODE_APPROVAL": "automatic",
        })
        if database_url:
            self.env["KEZEK_HUB_DATABASE_URL"] = database_url
        self.env.update(extra_env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def cli(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run `kezek-hub ARGS` with the hub's settings (migrate, create-admin...)."""
        done = subprocess.run([sys.executable, "-m", "hub.cli", *args],
                              env={**self.env, **(env or {})}, capture_output=True,
                              text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"kezek-hub {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("the hub runs already")
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "hub.cli", "serve"],
                                            env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)
        self.starts += 1
        wait_for(self.healthy, START_SECONDS, f"the hub to answer on {self.base_url}")

    def healthy(self) -> bool:
        if self.process is None:
            return False
        if self.process.poll() is not None:
            raise RuntimeError(f"the hub exited with {self.process.returncode}; "
                               f"see {self.log_file}")
        try:
            return httpx.get(f"{self.base_url}/api/v1/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as a power cut or the OOM killer."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None
