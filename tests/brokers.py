"""A private Mosquitto for tests: its own port, password file and ACL, persistence in
a temporary directory, and stop/start on the same port to play a broker restart."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from contract.mqtt import NodeRole, Topics
from provisioning.broker import mosquitto_acl


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], object], timeout: float = 10.0,
               what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)


class PrivateMosquitto:
    """Mosquitto on a free port. With `users` (name -> password) it authenticates and
    applies the ACL provisioning generates: the hub user may do everything under the
    center's root, every other user is a node (its user name is its node id) of the
    role `roles` gives it, limited to that role's topics. Without, anyone may connect.
    `persistence` keeps sessions and queued messages across a restart, as a production
    broker does."""

    def __init__(self, directory: Path, topics: Topics | None = None,
                 users: dict[str, str] | None = None, *, hub_user: str = "hub",
                 roles: Mapping[str, NodeRole] | None = None,
                 persistence: bool = True) -> None:
        binary = mosquitto_binary()
        if binary is None:
            raise FileNotFoundError("mosquitto is not installed")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.log = directory / "mosquitto.log"
        access = ["allow_anonymous true"]
        if users is not None:
            if topics is None:
                raise ValueError("an authenticating broker needs the topics for its ACL")
            passwords = directory / "passwd"
            passwords.touch(mode=0o600)
            for user, password in users.items():
                subprocess.run(["mosquitto_passwd", "-b", str(passwords), user, password],
                               check=True, capture_output=True)
            roles = roles or {}
            roleless = sorted(set(users) - set(roles) - {hub_user})
            if roleless:
                raise ValueError(f"give the role of every node user: {roleless}")
            nodes = {user: roles[user] for user in users if user != hub_user}
            (directory / "acl").write_text(mosquitto_acl(topics, hub_user, nodes))
            access = ["allow_anonymous false", f"password_file {passwords}",
                      f"acl_file {directory / 'acl'}"]
        kept = (["persistence true", f"persistence_location {directory}/"] if persistence
                else ["persistence false"])
        self.config = directory / "mosquitto.conf"
        # Tests run as root; Mosquitto would drop to user mosquitto and lose the temp dir.
        self.config.write_text("\n".join([
            f"listener {self.port} 127.0.0.1", *access, *kept, "set_tcp_nodelay true",
            "user root", f"log_dest file {self.log}", "log_type error", "log_type warning",
            "log_type notice", ""]))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self.process is None, "broker already running"
        self.process = subprocess.Popen([self.binary, "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def listening() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited: {stderr}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                return False
            return True

        wait_until(listening, 10, "mosquitto to listen")

    def stop(self) -> None:
        """A clean shutdown: Mosquitto writes sessions and queued messages to disk."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()
