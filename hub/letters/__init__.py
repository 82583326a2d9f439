"""Letters to applicants of personal reception (issue 7 item 6), in the
applicant's language (Kazakh or Russian), as an A4 PDF, sent by e-mail
through an SMTP relay and by SMS through a pluggable channel.

A self-contained package: the caller builds a ``Letter`` from its own
records (plain dataclasses, no database here) and either renders it
(``render_pdf``), mails it (``MailSender``), or hands it with the applicant's
``Contacts`` to a ``LetterDispatcher``.

Modules, one job each:

* ``model`` — ``LetterKind``, the letter and the fields of each kind;
* ``texts`` — the Kazakh and Russian words of every letter and SMS;
* ``pdf`` — the PDF layout (fpdf2, the bundled DejaVu Sans, the QR of a booking);
* ``mail`` — ``MailSettings``, ``MailSender`` (smtplib), the delivery log;
* ``sms`` — ``SmsChannel``, the ``RecordingSms`` fake, SMS segments;
* ``dispatch`` — ``LetterDispatcher``: render once, send by every channel;
* ``errors`` — ``LettersError``, ``InvalidLetter``, ``SendFailed``.
"""

from hub.letters.dispatch import Dispatch, LetterDispatcher, SmsSent
from hub.letters.errors import DeliveryChannel, InvalidLetter, LettersError, SendFailed
from hub.letters.mail import (
    DeliveryLog,
    EmailSent,
    MailSecurity,
    MailSender,
    MailSettings,
    MemoryDeliveryLog,
    attachment_filename,
    message_id,
)
from hub.letters.model import (
    Booking,
    BookingConfirmed,
    BookingMoved,
    Contacts,
    CorrectionRequested,
    DraftRefusal,
    LeftWithoutConsideration,
    Letter,
    LetterContent,
    LetterKind,
    Refusal,
    Signatory,
    TermExtended,
)
from hub.letters.pdf import render_pdf
from hub.letters.sms import RecordedSms, RecordingSms, SmsChannel, segments
from hub.letters.texts import LetterText, letter_text, sms_text

__all__ = [
    "Booking",
    "BookingConfirmed",
    "BookingMoved",
    "Contacts",
    "CorrectionRequested",
    "DeliveryChannel",
    "DeliveryLog",
    "Dispatch",
    "DraftRefusal",
    "EmailSent",
    "InvalidLetter",
    "LeftWithoutConsideration",
    "Letter",
    "LetterContent",
    "LetterDispatcher",
    "LetterKind",
    "LetterText",
    "LettersError",
    "MailSecurity",
    "MailSender",
    "MailSettings",
    "MemoryDeliveryLog",
    "RecordedSms",
    "RecordingSms",
    "Refusal",
    "SendFailed",
    "Signatory",
    "SmsChannel",
    "SmsSent",
    "TermExtended",
    "attachment_filename",
    "letter_text",
    "message_id",
    "render_pdf",
    "segments",
    "sms_text",
]
