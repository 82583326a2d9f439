"""Letters by e-mail over the standard library's smtplib.

``MailSettings`` says how to reach the relay (plain, STARTTLS or SMTPS; a
login when the relay wants one). ``MailSender.build`` makes the MIME message:
subject and body in the applicant's language, UTF-8, the PDF attached, and a
Message-ID derived from the letter's id — the same letter always gets the
same Message-ID, so a retry is recognisable downstream, and a
``DeliveryLog`` (in memory here; the caller may keep one in its database)
makes ``send`` skip a letter the relay already took.

Every failure is a ``SendFailed`` with a Kazakh and Russian text, whether a
retry may help, and the built message, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hub.domain.text import Bilingual, Language
from hub.letters.errors import DeliveryChannel, InvalidLetter, SendFailed
from hub.letters.model import Letter, LetterKind, check_email
from hub.letters.pdf import render_pdf
from hub.letters.texts import UiText, letter_text

__all__ = [
    "DeliveryLog",
    "EmailSent",
    "MailSecurity",
    "MailSender",
    "MailSettings",
    "MemoryDeliveryLog",
    "attachment_filename",
    "message_id",
]


class MailSecurity(StrEnum):
    NONE = "none"  # plain SMTP: only for a relay on the same host or a trusted network
    STARTTLS = "starttls"  # SMTP upgraded with STARTTLS (port 587)
    TLS = "tls"  # SMTPS, TLS from the first byte (port 465)


_DEFAULT_PORTS = {MailSecurity.NONE: 25, MailSecurity.STARTTLS: 587, MailSecurity.TLS: 465}


class MailSettings(BaseModel):
    """How the hub reaches its mail relay."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(min_length=1, description="The SMTP relay's host name or address.")
    port: int | None = Field(default=None, ge=1, le=65535,
                             description="Default: 25, 587 or 465 by the security.")
    security: MailSecurity = Field(default=MailSecurity.STARTTLS,
                                   description="none, starttls or tls (SMTPS).")
    username: str | None = Field(default=None, description="Login, when the relay wants one.")
    password: SecretStr | None = Field(default=None, description="The login's password.")
    from_address: str = Field(description="The sender's address, e.g. noreply@cpg.example.kz.")
    timeout: float = Field(default=20.0, gt=0, le=300,
                           description="Seconds to wait for the relay at each step.")
    ca_file: Path | None = Field(default=None,
                                 description="A CA certificate to trust besides the system's "
                                             "(a relay with a private certificate).")

    @field_validator("from_address")
    @classmethod
    def _from_is_address(cls, value: str) -> str:
        try:
            return check_email(value)
        except InvalidLetter as error:
            raise ValueError(error.detail) from error

    @model_validator(mode="after")
    def _login_whole(self) -> MailSettings:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        if self.username is not None and self.password is not None and not (
                self.username.isascii() and self.password.get_secret_value().isascii()):
            # smtplib sends AUTH PLAIN/LOGIN credentials as ASCII only.
            raise ValueError("the SMTP login and password must be ASCII")
        return self

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else _DEFAULT_PORTS[self.security]

    @property
    def domain(self) -> str:
        return self.from_address.rpartition("@")[2]


class DeliveryLog(Protocol):
    """Keys of deliveries a channel already took (Message-IDs, SMS keys)."""

    def __contains__(self, key: object) -> bool: ...

    def add(self, key: str) -> None: ...


class MemoryDeliveryLog:
    """A ``DeliveryLog`` in memory, for one process (and for tests)."""

    def __init__(self) -> None:
        self._keys: set[str] = set()

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, key: str) -> None:
        self._keys.add(key)

    def __len__(self) -> int:
        return len(self._keys)


@dataclass(frozen=True, slots=True)
class EmailSent:
    letter_id: str
    message_id: str
    recipient: str
    filename: str
    already_sent: bool = False  # the log had it: nothing was sent this time


_FILE_NAMES: dict[LetterKind, Bilingual] = {
    LetterKind.CONFIRMATION: Bilingual(kk="Қабылдауға_жазылу", ru="Запись_на_прием"),
    LetterKind.CORRECTION: Bilingual(kk="Өтінішті_түзету", ru="Исправление_обращения"),
    LetterKind.DRAFT_REFUSAL: Bilingual(kk="Бас_тарту_жобасы", ru="Проект_отказа"),
    LetterKind.REFUSAL: Bilingual(kk="Қабылдаудан_бас_тарту", ru="Отказ_в_приеме"),
    LetterKind.EXTENSION: Bilingual(kk="Мерзімді_ұзарту", ru="Продление_срока"),
    LetterKind.MOVE: Bilingual(kk="Қабылдауды_ауыстыру", ru="Перенос_приема"),
    LetterKind.LEFT_WITHOUT_CONSIDERATION: Bilingual(kk="Қараусыз_қалдыру",
                                                     ru="Без_рассмотрения"),
}


def attachment_filename(letter: Letter) -> str:
    """``Запись_на_прием_ЛП-2026-00017.pdf``: what the letter is, in the
    applicant's language, and the request's number (sent as RFC 2231)."""
    number = "".join(char if char.isalnum() or char in "-." else "-"
                     for char in letter.registration_number)
    return f"{_FILE_NAMES[letter.kind].get(letter.language)}_{number}.pdf"


def message_id(letter: Letter, domain: str) -> str:
    """The same letter id gives the same Message-ID."""
    digest = hashlib.sha256(letter.id.encode("utf-8")).hexdigest()[:32]
    return f"<letter.{digest}@{domain}>"


def _fail(letter_id: str, message: EmailMessage, detail: str, text: Bilingual, *,
          retryable: bool) -> SendFailed:
    return SendFailed(detail, text, channel=DeliveryChannel.EMAIL, retryable=retryable,
                      letter_id=letter_id, message=message)


_UNREACHABLE = Bilingual(
    kk="Пошта серверіне қосылу мүмкін болмады. Хат сақталды, оны кейінірек қайта жіберуге "
       "болады.",
    ru="Не удалось соединиться с почтовым сервером. Письмо сохранено, его можно отправить "
       "повторно позже.")
_LOGIN_REFUSED = Bilingual(
    kk="Пошта сервері кіруді қабылдамады: пошта баптауларындағы логин мен құпиясөзді "
       "тексеріңіз.",
    ru="Почтовый сервер отклонил вход: проверьте логин и пароль в настройках почты.")
_TLS_FAILED = Bilingual(
    kk="Пошта серверімен қорғалған байланыс орнатылмады (TLS): пошта баптауларын тексеріңіз.",
    ru="Не удалось установить защищённое соединение с почтовым сервером (TLS): проверьте "
       "настройки почты.")


def _recipient_refused(recipient: str) -> Bilingual:
    return Bilingual(
        kk=f"Пошта сервері алушының мекенжайын қабылдамады: {recipient}. Өтініш берушінің "
           "электрондық поштасын тексеріңіз.",
        ru=f"Почтовый сервер не принял адрес получателя: {recipient}. Проверьте адрес "
           "электронной почты заявителя.")


# Headers are not folded at 78 characters: Python's folding of RFC 2047
# encoded words (3.11, 3.12) drops the space at the fold, so a Kazakh subject
# "жазылу туралы" arrived as "жазылутуралы" (the tests caught it). One line
# of up to 998 characters is what RFC 5322 allows; every reader decodes it.
_POLICY = default_policy.clone(max_line_length=998)


def _temporary(code: int) -> bool:
    return 400 <= code < 500


class MailSender:
    """Sends letters through one SMTP relay; one connection per letter."""

    def __init__(self, settings: MailSettings, *, log: DeliveryLog | None = None,
                 clock: Callable[[], datetime] | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.log: DeliveryLog = log if log is not None else MemoryDeliveryLog()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._ssl_context = ssl_context

    # ---------------------------------------------------------------- message

    def build(self, letter: Letter, recipient: str, pdf: bytes | None = None) -> EmailMessage:
        """The MIME message of a letter: text/plain in the applicant's
        language and the PDF (rendered here unless given)."""
        recipient = check_email(recipient)
        text = letter_text(letter)
        language = Language(letter.language)
        message = EmailMessage(policy=_POLICY)
        message["Subject"] = text.subject
        message["From"] = Address(display_name=letter.center.get(language),
                                  addr_spec=self.settings.from_address)
        message["To"] = Address(display_name=letter.addressee, addr_spec=recipient)
        message["Date"] = format_datetime(self._clock())
        message["Message-ID"] = message_id(letter, self.settings.domain)
        message["Auto-Submitted"] = "auto-generated"
        message["X-Kezek-Letter-Kind"] = letter.kind.value
        body = "\n\n".join([text.plain(), UiText.ATTACHED.get(language),
                            UiText.AUTOMATIC.get(language)])
        message.set_content(body, subtype="plain", charset="utf-8")
        message.add_attachment(render_pdf(letter) if pdf is None else pdf,
                               maintype="application", subtype="pdf",
                               filename=attachment_filename(letter))
        # After the content: setting it clears the Content-* headers.
        message["Content-Language"] = language.value
        body_part = message.get_body(preferencelist=("plain",))
        if body_part is not None:
            body_part["Content-Language"] = language.value
        return message

    # ---------------------------------------------------------------- sending

    def send(self, letter: Letter, recipient: str, pdf: bytes | None = None) -> EmailSent:
        """Send the letter, or do nothing if the log says the relay took it.
        Raises ``SendFailed`` (nothing lost: the error holds the message)."""
        recipient = check_email(recipient)
        mid = message_id(letter, self.settings.domain)
        filename = attachment_filename(letter)
        if mid in self.log:
            return EmailSent(letter.id, mid, recipient, filename, already_sent=True)
        message = self.build(letter, recipient, pdf)
        self._transmit(letter.id, message, recipient)
        self.log.add(mid)
        return EmailSent(letter.id, mid, recipient, filename)

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is not None:
            return self._ssl_context
        context = ssl.create_default_context()
        if self.settings.ca_file is not None:
            context.load_verify_locations(cafile=str(self.settings.ca_file))
        return context

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security is MailSecurity.TLS:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.effective_port, timeout=s.timeout,
                                                  context=self._context())
        else:
            smtp = smtplib.SMTP(s.host, s.effective_port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.security is MailSecurity.STARTTLS:
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if s.username is not None and s.password is not None:
                smtp.login(s.username, s.password.get_secret_value())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _transmit(self, letter_id: str, message: EmailMessage, recipient: str) -> None:
        where = f"{self.settings.host}:{self.settings.effective_port}"
        try:
            smtp = self._connect()
            try:
                smtp.send_message(message, from_addr=self.settings.from_address,
                                  to_addrs=[recipient])
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except smtplib.SMTPRecipientsRefused as error:
            code = next(iter(error.recipients.values()), (550, b""))[0]
            raise _fail(letter_id, message, f"{where} refused the recipient {recipient}: "
                        f"{error.recipients}", _recipient_refused(recipient),
                        retryable=_temporary(code)) from error
        except smtplib.SMTPAuthenticationError as error:
            raise _fail(letter_id, message, f"{where} refused the login: {error}",
                        _LOGIN_REFUSED, retryable=False) from error
        except smtplib.SMTPNotSupportedError as error:
            raise _fail(letter_id, message, f"{where} does not support what the settings ask: "
                        f"{error}", _TLS_FAILED, retryable=False) from error
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise _fail(letter_id, message, f"{where} refused the message: {error}", Bilingual(
                kk=f"Пошта сервері хатты қабылдамады ({error.smtp_code}). Хат сақталды.",
                ru=f"Почтовый сервер не принял письмо ({error.smtp_code}). Письмо сохранено."),
                retryable=_temporary(error.smtp_code)) from error
        except ssl.SSLError as error:
            raise _fail(letter_id, message, f"TLS with {where} failed: {error}", _TLS_FAILED,
                        retryable=False) from error
        except (smtplib.SMTPException, OSError) as error:
            # Refused or dropped connection, timeout, unknown host, a reply out of turn.
            raise _fail(letter_id, message, f"{where} could not be reached: {error!r}",
                        _UNREACHABLE, retryable=True) from error

    def resend(self, failure: SendFailed) -> EmailSent:
        """Send again the message a ``SendFailed`` kept (same Message-ID)."""
        message = failure.message
        if message is None or failure.channel is not DeliveryChannel.EMAIL:
            raise InvalidLetter("this failure kept no e-mail message to send again")
        mid = str(message["Message-ID"])
        recipient = message["To"].addresses[0].addr_spec
        filename = next((part.get_filename() or "" for part in message.iter_attachments()), "")
        if mid in self.log:
            return EmailSent(failure.letter_id, mid, recipient, filename, already_sent=True)
        self._transmit(failure.letter_id, message, recipient)
        self.log.add(mid)
        return EmailSent(failure.letter_id, mid, recipient, filename)
