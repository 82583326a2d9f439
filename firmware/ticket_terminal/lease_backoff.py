"""When the terminal may ask the hub for number blocks again (issue 16: a terminal that
found every block unusable asked 3-5 times a second). After a refusal, an error or an
answer that brought no new usable block, the wait doubles from FIRST_WAIT up to
LONGEST_WAIT; an answer with a new usable block starts over."""

from __future__ import annotations

FIRST_WAIT = 5.0  # seconds after the first answer that did not help
LONGEST_WAIT = 300.0


class LeaseBackoff:
    def __init__(self, first: float = FIRST_WAIT, longest: float = LONGEST_WAIT) -> None:
        self.first = first
        self.longest = longest
        self.wait = 0.0  # the last wait imposed; 0 after a success
        self.next_at = 0.0  # monotonic seconds before which no lease is asked for

    def may_ask(self, now: float) -> bool:
        return now >= self.next_at

    def failed(self, now: float) -> float:
        """The answer did not help: wait twice as long as last time. The wait."""
        self.wait = min(self.longest, self.wait * 2 if self.wait else self.first)
        self.next_at = now + self.wait
        return self.wait

    def succeeded(self) -> None:
        self.wait = 0.0
        self.next_at = 0.0
