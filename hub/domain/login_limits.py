"""How many wrong passwords a sign-in may take, and from where.

Failures are counted in a sliding window under two keys (issue 17):
- a user name *at one address*: guessing one account from one computer stops after a
  few tries, while the real user at another desk still signs in. Counting by name
  alone let five wrong passwords from anywhere lock the administrator out;
- an address, whatever the names: one computer cannot try many accounts.
A guesser with many addresses is bounded by the LAN's size and by Argon2's cost per
guess. The address is the TCP peer; a reverse proxy's X-Forwarded-For is believed only
from proxies the settings name (`trusted_proxies`), never by default, or rotating it
would give every guess a fresh address.

Plain Python: the caller gives the clock, so the rule is tested without waiting.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class LockScope(StrEnum):
    USER_AT_ADDRESS = "user_at_address"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class Lockout:
    """A key that has just used up its failures: worth an audit entry."""

    scope: LockScope
    username: str
    address: str
    seconds: float


Key = tuple[LockScope, str, str]


class LoginLimiter:
    def __init__(self, attempts: int, window_seconds: float, *, per_address: int | None = None,
                 max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = {LockScope.USER_AT_ADDRESS: attempts,
                        LockScope.ADDRESS: per_address or attempts * 4}
        self._window = window_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._failures: dict[Key, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> tuple[Key, Key]:
        name = username.strip().lower()
        return ((LockScope.USER_AT_ADDRESS, name, address), (LockScope.ADDRESS, "", address))

    def _recent(self, key: Key, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and now - failures[0] >= self._window:
            failures.popleft()
        return failures

    def retry_after(self, username: str, address: str) -> float:
        """Seconds until this user name from this address may try again; 0 if now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(username, address):
                failures = self._recent(key, now)
                if len(failures) >= self._limits[key[0]]:
                    wait = max(wait, self._window - (now - failures[0]))
        return max(0.0, wait)

    def failed(self, username: str, address: str) -> list[Lockout]:
        """Count a failure; the lockouts it starts (none, one or both keys)."""
        now = self._clock()
        started = []
        with self._lock:
            if len(self._failures) > self._max_keys - 2:  # room for this failure's keys
                self._forget_stale(now)
            for key in self._keys(username, address):
                failures = self._recent(key, now)
                failures.append(now)
                self._failures[key] = failures
                if len(failures) == self._limits[key[0]]:
                    started.append(Lockout(key[0], key[1], address, self._window))
        return started

    def succeeded(self, username: str, address: str) -> None:
        """The right password: this name's failures at this address are forgotten (the
        address's own count stays, or one known account would reset a name sweep)."""
        with self._lock:
            self._failures.pop(self._keys(username, address)[0], None)

    def _forget_stale(self, now: float) -> None:
        """Keep memory bounded: drop keys with no failure inside the window."""
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]
        while len(self._failures) > self._max_keys - 2:
            del self._failures[next(iter(self._failures))]
