"""Errors of the letters package. Each carries a text in both languages,
because an operator (or the applicant) may read it."""

from __future__ import annotations

from email.message import EmailMessage
from enum import StrEnum

from hub.domain.errors import KezekError
from hub.domain.text import Bilingual

__all__ = ["DeliveryChannel", "InvalidLetter", "LettersError", "SendFailed"]


class DeliveryChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class LettersError(KezekError):
    """Root of the errors of ``hub.letters``."""

    code = "letters_error"

    def __init__(self, detail: str, text: Bilingual) -> None:
        super().__init__(detail)
        self.detail = detail
        self.text = text


class InvalidLetter(LettersError, ValueError):
    """A letter, contact or setting is malformed; nothing was sent."""

    code = "letters_invalid"

    def __init__(self, detail: str, text: Bilingual | None = None) -> None:
        super().__init__(detail, text or Bilingual(
            kk=f"Хаттың деректері толық емес немесе қате: {detail}",
            ru=f"Данные письма неполны или неверны: {detail}"))


class SendFailed(LettersError):
    """A channel did not take the letter. Nothing is lost: ``message`` (for
    e-mail) or ``text`` of the SMS is kept, and sending the same letter again
    is safe (the same Message-ID; a delivery log skips what was taken).

    ``retryable`` is true when trying later may help (server down, timeout,
    temporary refusal); false when the address or the settings are wrong."""

    code = "letters_send_failed"

    def __init__(self, detail: str, text: Bilingual, *, channel: DeliveryChannel, retryable: bool,
                 letter_id: str, message: EmailMessage | None = None,
                 sms_text: str | None = None) -> None:
        super().__init__(detail, text)
        self.channel = channel
        self.retryable = retryable
        self.letter_id = letter_id
        self.message = message
        self.sms_text = sms_text
