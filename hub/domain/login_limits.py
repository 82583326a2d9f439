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

An IPv6 address is counted by its /64 network: one machine holds a whole /64 (its
privacy addresses rotate inside it, and a guesser can pick any of 2^64 addresses),
so keying the full address would give every guess a fresh count. An IPv4 address,
and an IPv4-mapped IPv6 one, is counted as itself.

The table of counts is bounded (`max_keys`). When it is full, keys with no failure
left in the window are forgotten, and only those: a live count is never dropped,
or a guesser could flush the lockouts of the accounts they attack by failing from
enough other addresses. When the table is full of live counts (a flood from
thousands of addresses inside one window), the limiter fails safe: the failures of
addresses it has no room for are counted together, under one shared overflow key per
scope (address ``"*"``), with the same limits. Once that shared count is used up,
every address without a count of its own is refused until the window has passed,
while the addresses already counted keep their own counts. Refusing new addresses
for one window during such a flood was chosen over the two alternatives: dropping
live lockouts hands the guesser fresh tries at the accounts already locked, and not
counting new addresses at all makes guessing unlimited for anyone with addresses.

Plain Python: the caller gives the clock, so the rule is tested without waiting.
"""

from __future__ import annotations

import ipaddress
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

# The address of the shared count of addresses the table has no room for: no host
# is called that.
OVERFLOW = "*"


def address_key(address: str) -> str:
    """What `address` is counted as: an IPv6 address's /64 network, an IPv4 address
    (also one written IPv4-mapped, ``::ffff:10.0.0.5``) as itself; anything that is no
    IP address (a test client's name) as given."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # without an IPv6 zone
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class LoginLimiter:
    def __init__(self, attempts: int, window_seconds: float, *, per_address: int | None = None,
                 max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = {LockScope.USER_AT_ADDRESS: attempts,
                        LockScope.ADDRESS: per_address or attempts * 4}
        self._window = window_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._failures: dict[Key, deque[float]] = {}
        # The shared counts of the addresses the table had no room for, by scope.
        self._overflow: dict[Key, deque[float]] = {}
        # No key can have gone stale before this moment: no sweep of the table before.
        self._next_sweep = float("-inf")
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> tuple[Key, Key]:
        name = username.strip().lower()
        where = address_key(address)
        return ((LockScope.USER_AT_ADDRESS, name, where), (LockScope.ADDRESS, "", where))

    @staticmethod
    def _overflow_key(key: Key) -> Key:
        return (key[0], "", OVERFLOW)

    def _recent(self, table: dict[Key, deque[float]], key: Key, now: float) -> deque[float]:
        # Only the last `limit` failures matter: the oldest of them says when the key
        # may try again; older ones are not kept.
        failures = table.get(key)
        if failures is None:
            failures = deque(maxlen=self._limits[key[0]])
        while failures and now - failures[0] >= self._window:
            failures.popleft()
        return failures

    def _judged_by(self, key: Key) -> tuple[dict[Key, deque[float]], Key]:
        """A key with a count of its own is judged by it; one without, by the shared
        overflow count (empty unless the table has been full within the window)."""
        if key in self._failures:
            return self._failures, key
        return self._overflow, self._overflow_key(key)

    def retry_after(self, username: str, address: str) -> float:
        """Seconds until this user name from this address may try again; 0 if now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(username, address):
                table, counted = self._judged_by(key)
                failures = self._recent(table, counted, now)
                if len(failures) >= self._limits[key[0]]:
                    wait = max(wait, self._window - (now - failures[0]))
        return max(0.0, wait)

    def failed(self, username: str, address: str) -> list[Lockout]:
        """Count a failure; the lockouts it starts (none, one or both keys)."""
        now = self._clock()
        started = []
        with self._lock:
            for key in self._keys(username, address):
                table, counted = self._failures, key
                if key not in self._failures and not self._room_for_one(now):
                    table, counted = self._overflow, self._overflow_key(key)
                failures = self._recent(table, counted, now)
                before = len(failures)
                failures.append(now)
                table[counted] = failures
                if before == self._limits[key[0]] - 1:
                    started.append(Lockout(key[0], key[1], counted[2], self._window))
        return started

    def succeeded(self, username: str, address: str) -> None:
        """The right password: this name's failures at this address are forgotten (the
        address's own count stays, or one known account would reset a name sweep)."""
        with self._lock:
            self._failures.pop(self._keys(username, address)[0], None)

    def _room_for_one(self, now: float) -> bool:
        """Whether one more key fits, once the stale keys are forgotten."""
        if len(self._failures) < self._max_keys:
            return True
        if now >= self._next_sweep:
            self._forget_stale(now)
        return len(self._failures) < self._max_keys

    def _forget_stale(self, now: float) -> None:
        """Keep memory bounded: drop the keys with no failure inside the window, and
        only those (a live count is never dropped: see the module's docstring)."""
        # Keys counted from now on go stale no sooner than a window from now.
        newest = now
        for key in list(self._failures):
            failures = self._recent(self._failures, key, now)
            if failures:
                newest = min(newest, failures[-1])
            else:
                del self._failures[key]
        # Until the earliest of the kept keys goes stale, another sweep finds nothing.
        self._next_sweep = newest + self._window
