"""Running a check as the node's service user, so the doctor finds what the service
would: a sound card or a printer that root can open but `kezek-node` cannot (group
`audio`, `lp`, a udev rule), or a PipeWire session that only the desktop user has.

`service_user()` reads who the node's systemd unit runs as (its `User=`, drop-ins
included, and its `Environment=`); `run_as()` forks, drops to that user with its
supplementary groups, enters the service's working directory when asked (lgpio makes
its notification pipe there), runs a function and hands its (picklable) result back.
When the doctor is not root, or already that user, the function runs in-process."""

from __future__ import annotations

import contextlib
import os
import pickle
import pwd
import select
import shlex
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from provisioning.firstboot import SERVICE_NAME as SERVICE_UNIT
from provisioning.firstboot import SERVICE_USER, STATE_DIR

T = TypeVar("T")


class ServiceUserError(RuntimeError):
    """The work could not be run as the service user (it crashed, or took too long)."""


@dataclass(frozen=True, slots=True)
class ServiceUser:
    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str
    environment: dict[str, str] = field(default_factory=dict)  # the unit's Environment=


def unit_property(name: str, unit: str = SERVICE_UNIT) -> str:
    """A property of the node's systemd unit (`systemctl show`), "" when unknown."""
    try:
        shown = subprocess.run(["systemctl", "show", "--property", name, "--value", unit],
                               capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return shown.stdout.strip() if shown.returncode == 0 else ""


def unit_environment(unit: str = SERVICE_UNIT) -> dict[str, str]:
    """The `Environment=` the node's unit gives its process (drop-ins included)."""
    return dict(item.split("=", 1) for item in shlex.split(
        unit_property("Environment", unit)) if "=" in item)


def unit_main_pid(unit: str = SERVICE_UNIT) -> int | None:
    """The process id of the node's running service; None when it is not running."""
    shown = unit_property("MainPID", unit)
    return int(shown) if shown.isdigit() and int(shown) > 0 else None


def service_working_directory(unit: str = SERVICE_UNIT) -> Path:
    """Where the node's process runs (its unit's `WorkingDirectory=`, first boot's state
    directory when the unit does not say)."""
    return Path(unit_property("WorkingDirectory", unit).lstrip("-") or STATE_DIR)


def service_user(unit: str = SERVICE_UNIT) -> ServiceUser | None:
    """Who the node's unit runs as (the desktop user on desktop images), with the
    environment the unit gives it; None when that user does not exist here."""
    return user_named(unit_property("User", unit) or SERVICE_USER, unit_environment(unit))


def user_named(name: str, environment: dict[str, str] | None = None) -> ServiceUser | None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return ServiceUser(name, entry.pw_uid, entry.pw_gid,
                       tuple(os.getgrouplist(name, entry.pw_gid)), entry.pw_dir,
                       dict(environment or {}))


def can_switch_to(user: ServiceUser) -> bool:
    """Whether `run_as` will really change user (the doctor runs as root)."""
    return os.geteuid() == 0 and user.uid != 0


def run_as(user: ServiceUser | None, work: Callable[[], T], *, timeout: float = 30.0,
           cwd: Path | None = None) -> T:
    """`work()` run as `user` (in a forked child that dropped root), its result back,
    in the working directory `cwd` when given (entered as `user`, as systemd enters a
    unit's WorkingDirectory=). Runs in-process when `user` is None or the doctor cannot
    switch to it (then `cwd` is entered for the call and left after it)."""
    if user is None or not can_switch_to(user):
        if cwd is None:
            return work()
        with contextlib.chdir(cwd):
            return work()
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(readable)
        outcome: tuple[str, object]
        try:
            os.setgroups(list(user.groups))
            os.setgid(user.gid)
            os.setuid(user.uid)
            os.environ.update(HOME=user.home, USER=user.name, LOGNAME=user.name,
                              **user.environment)
            if "XDG_RUNTIME_DIR" not in user.environment:
                os.environ.pop("XDG_RUNTIME_DIR", None)  # root's is not the user's
            if cwd is not None:
                os.chdir(cwd)
            outcome = ("result", work())
        except BaseException as error:  # everything goes back to the parent
            outcome = ("error", f"{type(error).__name__}: {error}")
        try:
            with os.fdopen(writable, "wb") as out:
                pickle.dump(outcome, out)
        finally:
            os._exit(0)
    os.close(writable)
    data = bytearray()
    deadline = time.monotonic() + timeout
    with os.fdopen(readable, "rb", buffering=0) as source:
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([source], [], [], left)[0]:
                continue
            piece = source.read(65536)
            if not piece:
                break
            data += piece
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise ServiceUserError(f"no answer as {user.name} in {timeout:.0f} s")
    os.waitpid(pid, 0)
    if not data:
        raise ServiceUserError(f"the check as {user.name} ended without an answer")
    kind, value = pickle.loads(bytes(data))  # our own child's answer
    if kind == "error":
        raise ServiceUserError(f"as {user.name}: {value}")
    return value  # type: ignore[no-any-return]
