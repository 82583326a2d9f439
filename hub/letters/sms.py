"""SMS as a pluggable channel.

``SmsChannel`` is all a gateway has to offer: ``send(phone, text)``, raising
on failure. ``RecordingSms`` is the fake: it records what it was given (for
tests and the demo) and can be told to fail. ``segments`` tells how many
SMS parts a text takes: Cyrillic goes as UCS-2, 70 characters in one SMS or
67 per part of a longer one; the GSM 7-bit alphabet fits 160, or 153 per part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from hub.domain.reception.applicants import Phone

__all__ = ["RecordedSms", "RecordingSms", "SmsChannel", "segments"]


class SmsChannel(Protocol):
    """Sends one text to one phone; raises when the gateway did not take it."""

    def send(self, phone: Phone, text: str) -> None: ...


# GSM 03.38 basic set, and the extension set whose characters count twice.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


def segments(text: str) -> int:
    """How many SMS parts the text takes (0 for an empty text)."""
    if all(char in _GSM_BASIC or char in _GSM_EXTENDED for char in text):
        units = sum(2 if char in _GSM_EXTENDED else 1 for char in text)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    if units == 0:
        return 0
    return 1 if units <= single else -(-units // part)


@dataclass(frozen=True, slots=True)
class RecordedSms:
    phone: Phone
    text: str
    at: datetime

    @property
    def segments(self) -> int:
        return segments(self.text)


@dataclass
class RecordingSms:
    """The fake SMS gateway: keeps every message in ``sent``. Set ``fail_with``
    to an exception to make the next sends raise it (a gateway that is down)."""

    sent: list[RecordedSms] = field(default_factory=list)
    fail_with: Exception | None = None

    def send(self, phone: Phone, text: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(RecordedSms(phone, text, datetime.now(UTC)))

    def to(self, phone: Phone) -> list[str]:
        """The texts sent to one phone, oldest first."""
        return [message.text for message in self.sent if message.phone == phone]
