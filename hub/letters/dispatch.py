"""One letter to one applicant by every channel the applicant has.

``LetterDispatcher.dispatch(letter, contacts)`` renders the PDF once, sends
it by e-mail when there is an address, and the letter's short text by SMS
when there is a phone; a failure of one channel does not stop the other. The
returned ``Dispatch`` holds the PDF (to keep or print), what each channel
took and the failures, each a ``SendFailed`` that can be retried: calling
``dispatch`` again with the same letter sends only what was not taken yet
(the delivery log knows the rest).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.reception.applicants import Phone
from hub.domain.text import Bilingual
from hub.letters.errors import DeliveryChannel, SendFailed
from hub.letters.mail import DeliveryLog, EmailSent, MailSender, MemoryDeliveryLog
from hub.letters.model import Contacts, Letter
from hub.letters.pdf import render_pdf
from hub.letters.sms import SmsChannel, segments
from hub.letters.texts import sms_text

__all__ = ["Dispatch", "LetterDispatcher", "SmsSent", "sms_key"]


@dataclass(frozen=True, slots=True)
class SmsSent:
    letter_id: str
    phone: Phone
    text: str
    segments: int
    already_sent: bool = False


@dataclass(frozen=True, slots=True)
class Dispatch:
    letter_id: str
    pdf: bytes
    email: EmailSent | None = None
    sms: SmsSent | None = None
    failures: tuple[SendFailed, ...] = ()

    @property
    def ok(self) -> bool:
        """Every channel the applicant has took the letter."""
        return not self.failures

    @property
    def channels(self) -> tuple[DeliveryChannel, ...]:
        """The channels that have the letter (now or before)."""
        taken = []
        if self.email is not None:
            taken.append(DeliveryChannel.EMAIL)
        if self.sms is not None:
            taken.append(DeliveryChannel.SMS)
        return tuple(taken)


def sms_key(letter: Letter) -> str:
    return f"sms:{letter.id}"


_NO_MAIL = Bilingual(kk="Электрондық пошта арқылы жіберу бапталмаған.",
                     ru="Отправка по электронной почте не настроена.")
_NO_SMS = Bilingual(kk="SMS жіберу бапталмаған.", ru="Отправка SMS не настроена.")
_SMS_FAILED = Bilingual(
    kk="SMS жіберілмеді. Хабарлама сақталды, оны кейінірек қайта жіберуге болады.",
    ru="SMS не отправлено. Сообщение сохранено, его можно отправить повторно позже.")


class LetterDispatcher:
    """Sends letters by e-mail (``mail``) and SMS (``sms``); either may be
    absent when the center has no such channel."""

    def __init__(self, *, mail: MailSender | None = None, sms: SmsChannel | None = None,
                 log: DeliveryLog | None = None) -> None:
        self.mail = mail
        self.sms = sms
        self.log: DeliveryLog = log if log is not None else (
            mail.log if mail is not None else MemoryDeliveryLog())

    def dispatch(self, letter: Letter, contacts: Contacts) -> Dispatch:
        pdf = render_pdf(letter)
        failures: list[SendFailed] = []
        email: EmailSent | None = None
        sms: SmsSent | None = None
        if contacts.email is not None:
            if self.mail is None:
                failures.append(SendFailed("no mail sender is configured", _NO_MAIL,
                                           channel=DeliveryChannel.EMAIL, retryable=False,
                                           letter_id=letter.id))
            else:
                try:
                    email = self.mail.send(letter, contacts.email, pdf)
                except SendFailed as error:
                    failures.append(error)
        if contacts.phone is not None:
            try:
                sms = self._send_sms(letter, contacts.phone)
            except SendFailed as error:
                failures.append(error)
        return Dispatch(letter.id, pdf, email, sms, tuple(failures))

    def _send_sms(self, letter: Letter, phone: Phone) -> SmsSent:
        text = sms_text(letter)
        key = sms_key(letter)
        if key in self.log:
            return SmsSent(letter.id, phone, text, segments(text), already_sent=True)
        if self.sms is None:
            raise SendFailed("no SMS channel is configured", _NO_SMS,
                             channel=DeliveryChannel.SMS, retryable=False,
                             letter_id=letter.id, sms_text=text)
        try:
            self.sms.send(phone, text)
        except Exception as error:  # a pluggable gateway may raise anything
            raise SendFailed(f"the SMS gateway did not take the message: {error!r}",
                             _SMS_FAILED, channel=DeliveryChannel.SMS, retryable=True,
                             letter_id=letter.id, sms_text=text) from error
        self.log.add(key)
        return SmsSent(letter.id, phone, text, segments(text))
