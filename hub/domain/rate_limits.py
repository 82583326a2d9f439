"""How often one node may ask: a token bucket per node and kind of request.

One terminal sent 400 ticket requests in 25 s and got 281 tickets, until the zone's
range was exhausted for the day and reception got 409 (issue 17). A real terminal
cannot ask that fast: a visitor chooses a language and a purpose and takes the printed
ticket, some 10 s at the quickest. So each node has a bucket per kind of request that
costs the center something:

- a ticket terminal's tickets (a ticket request or a scanned booking code): a burst
  of 20, refilled at 6 a minute (one per 10 s). The burst serves the queue at opening
  (a line of visitors taking tickets back to back, and the few requests a terminal's
  outbox resends after a short loss of the hub) with room to spare; 6 a minute is
  above the quickest visitor-after-visitor pace, so a working terminal never meets
  the limit, and a hijacked one takes at most 20 numbers plus 6 a minute, not a zone's
  whole range.
- a call-button panel's presses: a burst of 10, refilled at 3 a second. An operator
  presses a few times a second at most (Next, Recall, a wrong button corrected); a
  script pressing Next to empty a queue or Recall to flood the hall's board is held
  to that pace.

Leases and offline tickets have a bucket of their own, `leased`, of the same size
and pace. The hub cannot tell a ticket printed while the terminal was cut off from
one reported by a connected terminal that leases a block, reports every number of it
as printed and leases again: that loop put 299 tickets in a zone's queue with the
hub's clock standing still (issue 17). So:

- an accepted offline ticket is charged one token of `leased` but never refused for
  the limit (a printed ticket is never lost): the bucket may go into debt, down to
  `-burst`;
- a lease needs a token of `leased`, and is refused (`rate_limited`) while that
  bucket is empty or in debt: a terminal that reported a block leases the next one
  only once the bucket refilled. The loop runs at the bucket's pace (a lease bringing
  n numbers costs n + 1 tokens) while a lease brings at most `burst` numbers (the
  default block, 20, is the default burst); a larger one gives its n numbers for
  burst + 1 tokens, still a bounded pace.

A bucket apart, so that a terminal back from an hour cut off, reporting its printed
tickets at once, still gives the visitors in front of it their tickets at once: the
debt holds back only its next lease, for at most (burst + 1) / per_minute minutes
(3.5 at the defaults). A hijacked terminal thus takes at most twice the ticket pace,
online and through leases together. Print reports cost the center nothing and are
free; leases also have their own limit per hour (`hub.domain.leases`).

Time is the hub's clock, injected, never the node's (a node's clock can be set to
anything). A refusal starts an alert episode when none was refused for `QUIET`: the
fleet page and the audit log hear of a flood once, not once per request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain.errors import DomainError
from hub.domain.text import Bilingual

# A flood is one episode while refusals keep coming closer than this.
QUIET = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """At most `burst` at once, then `per_minute` more each minute."""

    burst: int
    per_minute: float

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


TICKETS = "tickets"
LEASED = "leased"
PRESSES = "presses"
POLICIES: Mapping[str, RatePolicy] = {
    TICKETS: RatePolicy(burst=20, per_minute=6),
    LEASED: RatePolicy(burst=20, per_minute=6),
    PRESSES: RatePolicy(burst=10, per_minute=180),
}


def policies(*, ticket_burst: int, tickets_per_minute: float, press_burst: int,
             presses_per_minute: float) -> Mapping[str, RatePolicy]:
    """The limits a center's settings give (the defaults are `POLICIES`; a bench that
    drives one terminal at hundreds of tickets a second raises them)."""
    tickets = RatePolicy(burst=ticket_burst, per_minute=tickets_per_minute)
    return {TICKETS: tickets, LEASED: tickets,
            PRESSES: RatePolicy(burst=press_burst, per_minute=presses_per_minute)}

# Which bucket a request kind (contract's `kind`) draws from before it is handled
# (refused when empty); kinds not named are free.
BUCKET_OF_KIND: Mapping[str, str] = {
    "ticket": TICKETS,
    "booking_code": TICKETS,
    "lease": LEASED,
    "button": PRESSES,
}
# Which bucket a request kind is charged to once it was accepted, never refused: what
# the node reports having done (a printed offline ticket).
CHARGED_KIND: Mapping[str, str] = {
    "offline_ticket": LEASED,
}


class RateLimited(DomainError):
    """A node asked faster than its limit; nothing was done, no number was taken."""

    code = "rate_limited"
    status = 429


RATE_LIMITED_TEXT = Bilingual(
    kk="Сұраулар тым жиі келіп жатыр; біраздан кейін қайталаңыз",
    ru="Слишком частые запросы; повторите немного позже")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    alert: bool = False  # the first refusal of an episode: tell the people once
    retry_after_s: float = 0.0  # when a token will be back (refused only)

    def error(self, node_id: str, bucket: str) -> RateLimited:
        return RateLimited(f"node {node_id} exceeded its {bucket} limit; retry in "
                           f"{self.retry_after_s:.0f} s", RATE_LIMITED_TEXT,
                           field="kind", retry_after_s=round(self.retry_after_s, 1))


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: datetime
    last_refused: datetime | None = None


class RateLimiter:
    """Token buckets per (node, bucket), refilled by the injected clock."""

    def __init__(self, now: Callable[[], datetime],
                 policies: Mapping[str, RatePolicy] = POLICIES,
                 quiet: timedelta = QUIET) -> None:
        self._now = now
        self._policies = policies
        self._quiet = quiet
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()  # the bridge handles nodes on several threads

    def bucket_of(self, kind: str) -> str | None:
        """The bucket a request kind draws from; None: not limited."""
        bucket = BUCKET_OF_KIND.get(kind)
        return bucket if bucket in self._policies else None

    def charged_bucket_of(self, kind: str) -> str | None:
        """The bucket an accepted request of this kind is charged to; None: free."""
        bucket = CHARGED_KIND.get(kind)
        return bucket if bucket in self._policies else None

    def _refilled(self, node_id: str, bucket: str, policy: RatePolicy,
                  now: datetime) -> _Bucket:
        state = self._buckets.get((node_id, bucket))
        if state is None:
            state = self._buckets[(node_id, bucket)] = _Bucket(float(policy.burst), now)
        # A clock set back refills nothing (and takes nothing back).
        elapsed = max(0.0, (now - state.at).total_seconds())
        state.tokens = min(float(policy.burst), state.tokens + elapsed * policy.per_second)
        state.at = max(now, state.at)
        return state

    def charge(self, node_id: str, bucket: str) -> float:
        """Charge one token for something the node already did (never refused): the
        bucket may go into debt, down to -burst. Returns the tokens left."""
        policy = self._policies[bucket]
        now = self._now()
        with self._lock:
            state = self._refilled(node_id, bucket, policy, now)
            state.tokens = max(-float(policy.burst), state.tokens - 1.0)
            return state.tokens

    def take(self, node_id: str, bucket: str) -> Decision:
        """Spend one token of the node's bucket, or refuse without spending (also while
        the bucket is in debt)."""
        policy = self._policies[bucket]
        now = self._now()
        with self._lock:
            state = self._refilled(node_id, bucket, policy, now)
            if state.tokens >= 1.0:
                state.tokens -= 1.0
                return Decision(allowed=True)
            new_episode = (state.last_refused is None
                           or now - state.last_refused >= self._quiet)
            state.last_refused = now
            wait = (1.0 - state.tokens) / policy.per_second if policy.per_second else 0.0
            return Decision(allowed=False, alert=new_episode, retry_after_s=wait)
