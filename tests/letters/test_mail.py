"""Letters by e-mail, through a real SMTP server started by the test
(aiosmtpd on a free local port): the MIME message, the attachment bytes,
idempotency by Message-ID, STARTTLS, SMTPS and login, and each failure as
a ``SendFailed`` with Kazakh and Russian text that keeps the message."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from hub.domain.text import Language
from hub.letters import (
    DeliveryChannel,
    InvalidLetter,
    Letter,
    LetterKind,
    MailSecurity,
    MailSender,
    MailSettings,
    MemoryDeliveryLog,
    SendFailed,
    attachment_filename,
    message_id,
    render_pdf,
)

from .conftest import CONTENTS
from .smtp_server import PASSWORD, USER, SmtpServer, free_port, make_certificate, server_context

MakeLetter = Callable[..., Letter]
SENT_AT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer() as running:
        yield running


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = make_certificate(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("openssl is not installed")
    return made


def plain_settings(port: int, **extra: object) -> MailSettings:
    return MailSettings.model_validate({
        "host": "127.0.0.1", "port": port, "security": "none",
        "from_address": "noreply@cpg.borodulikha.kz", "timeout": 5, **extra})


def sender(port: int, **extra: object) -> MailSender:
    return MailSender(plain_settings(port, **extra), clock=lambda: SENT_AT)


@pytest.mark.parametrize("language", list(Language))
def test_confirmation_arrives_in_the_applicants_language(
        server: SmtpServer, make_letter: MakeLetter, language: Language) -> None:
    letter = make_letter(language=language)
    sent = sender(server.port).send(letter, "applicant@mail.kz")
    assert not sent.already_sent
    [received] = server.inbox.messages
    assert received.mail_from == "noreply@cpg.borodulikha.kz"
    assert received.rcpt_tos == ["applicant@mail.kz"]
    message = received.message
    if language is Language.KK:
        assert message["Subject"] == "Жеке қабылдауға жазылу туралы — № ЛП-2026-00017"
        assert message["From"].addresses[0].display_name.startswith("Бородулиха ауданы")
    else:
        assert message["Subject"] == "О записи на личный прием — № ЛП-2026-00017"
        assert message["From"].addresses[0].display_name.startswith("Центр приема граждан")
    assert message["Content-Language"] == language.value
    assert message["To"].addresses[0].display_name == "Сәрсенбаева Гүлнұр Өмірзаққызы"
    assert message["Message-ID"] == message_id(letter, "cpg.borodulikha.kz") == sent.message_id
    assert message["Date"] == "Mon, 23 Nov 2026 05:00:00 +0000"
    # Raw headers are 7-bit (RFC 2047), the body UTF-8.
    assert received.raw.split(b"\r\n\r\n", 1)[0].isascii()
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content_charset() == "utf-8"
    assert ("Сіз жеке қабылдауға жазылдыңыз" if language is Language.KK
            else "Вы записаны на личный прием") in body.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == attachment_filename(letter) == sent.filename
    assert attachment.get_filename() == (
        "Қабылдауға_жазылу_ЛП-2026-00017.pdf" if language is Language.KK
        else "Запись_на_прием_ЛП-2026-00017.pdf")
    assert attachment.get_content() == render_pdf(letter)


def test_every_kind_can_be_mailed(server: SmtpServer, make_letter: MakeLetter) -> None:
    mail = sender(server.port)
    for number, kind in enumerate(LetterKind):
        mail.send(make_letter(CONTENTS[kind], "ru", letter_id=f"letter-{number}"),
                  "applicant@mail.kz")
    subjects = [received.message["Subject"] for received in server.inbox.messages]
    assert len(subjects) == len(LetterKind) == len(set(subjects))
    assert len({received.message["Message-ID"] for received in server.inbox.messages}) == 7


def test_sending_the_same_letter_again_is_idempotent(server: SmtpServer,
                                                     make_letter: MakeLetter) -> None:
    log = MemoryDeliveryLog()
    mail = MailSender(plain_settings(server.port), log=log)
    letter = make_letter()
    first = mail.send(letter, "applicant@mail.kz")
    again = mail.send(letter, "applicant@mail.kz")
    assert again.already_sent and again.message_id == first.message_id
    assert len(server.inbox.messages) == 1
    # Another process with the same log (its database) does not send it either.
    assert MailSender(plain_settings(server.port), log=log).send(
        letter, "applicant@mail.kz").already_sent
    # Without the log a retry goes out under the same Message-ID, for the
    # receiving side to recognise.
    sender(server.port).send(letter, "applicant@mail.kz")
    ids = [received.message["Message-ID"] for received in server.inbox.messages]
    assert len(ids) == 2 and ids[0] == ids[1]
    # A different letter id is a different letter.
    sender(server.port).send(make_letter(letter_id="req-17/letter-2"), "applicant@mail.kz")
    assert server.inbox.messages[-1].message["Message-ID"] != ids[0]


def test_server_down_raises_a_clear_error_and_loses_nothing(make_letter: MakeLetter) -> None:
    port = free_port()  # nothing listens there
    log = MemoryDeliveryLog()
    mail = MailSender(plain_settings(port), log=log)
    letter = make_letter()
    with pytest.raises(SendFailed) as caught:
        mail.send(letter, "applicant@mail.kz")
    failure = caught.value
    assert failure.retryable and failure.channel is DeliveryChannel.EMAIL
    assert failure.letter_id == letter.id
    assert "Пошта серверіне қосылу мүмкін болмады" in failure.text.kk
    assert "Не удалось соединиться с почтовым сервером" in failure.text.ru
    assert f"127.0.0.1:{port}" in failure.detail
    assert failure.message is not None
    assert failure.message["Message-ID"] == message_id(letter, "cpg.borodulikha.kz")
    assert len(log) == 0  # not marked as sent
    # The server comes up: the kept message goes out, once.
    with SmtpServer(port=port) as server:
        resent = mail.resend(failure)
        assert not resent.already_sent
        assert mail.resend(failure).already_sent
        assert mail.send(letter, "applicant@mail.kz").already_sent
    [received] = server.inbox.messages
    assert received.message["Message-ID"] == failure.message["Message-ID"]
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_content() == render_pdf(letter)


def test_refused_recipient(server: SmtpServer, make_letter: MakeLetter) -> None:
    mail = sender(server.port)
    with pytest.raises(SendFailed) as caught:
        mail.send(make_letter(), "refused@mail.kz")
    assert not caught.value.retryable
    assert "refused@mail.kz" in caught.value.text.kk
    assert "Почтовый сервер не принял адрес получателя: refused@mail.kz" in caught.value.text.ru
    with pytest.raises(SendFailed) as later:
        mail.send(make_letter(), "busy@mail.kz")
    assert later.value.retryable  # 451: a temporary refusal
    assert server.inbox.messages == []
    assert len(mail.log) == 0  # type: ignore[arg-type]


def test_bad_recipient_address_is_refused_before_connecting(make_letter: MakeLetter) -> None:
    with pytest.raises(InvalidLetter):
        sender(free_port()).send(make_letter(), "applicant@mail.kz\r\nBcc: x@evil.kz")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_login(make_letter: MakeLetter) -> None:
    with SmtpServer(login=True) as server:
        sender(server.port, username=USER, password=PASSWORD).send(make_letter(), "a@mail.kz")
        assert server.inbox.logins == [USER] and len(server.inbox.messages) == 1
        with pytest.raises(SendFailed) as caught:
            sender(server.port, username=USER, password="wrong").send(
                make_letter(letter_id="other"), "a@mail.kz")
        assert not caught.value.retryable
        assert "логин и пароль" in caught.value.text.ru
        assert "құпиясөзді" in caught.value.text.kk
        assert len(server.inbox.messages) == 1


def test_starttls_with_a_private_certificate(certificate: tuple[Path, Path],
                                             make_letter: MakeLetter) -> None:
    cert, key = certificate
    with SmtpServer(tls_context=server_context(cert, key), require_starttls=True) as server:
        settings = MailSettings(host="127.0.0.1", port=server.port,
                                security=MailSecurity.STARTTLS, ca_file=cert,
                                from_address="noreply@cpg.borodulikha.kz", timeout=5)
        MailSender(settings).send(make_letter(), "applicant@mail.kz")
        assert len(server.inbox.messages) == 1
        # Without trusting the certificate the connection is refused, clearly.
        untrusted = MailSender(settings.model_copy(update={"ca_file": None}))
        with pytest.raises(SendFailed) as caught:
            untrusted.send(make_letter(letter_id="other"), "applicant@mail.kz")
        assert not caught.value.retryable and "TLS" in caught.value.text.ru
        # A plain client meets a server that requires STARTTLS.
        with pytest.raises(SendFailed):
            sender(server.port).send(make_letter(letter_id="third"), "applicant@mail.kz")
        assert len(server.inbox.messages) == 1


def test_smtps(certificate: tuple[Path, Path], make_letter: MakeLetter) -> None:
    cert, key = certificate
    with SmtpServer(ssl_context=server_context(cert, key)) as server:
        settings = MailSettings(host="127.0.0.1", port=server.port, security="tls",
                                ca_file=cert, from_address="noreply@cpg.borodulikha.kz",
                                username=None, timeout=5)
        MailSender(settings).send(make_letter(), "applicant@mail.kz")
        assert len(server.inbox.messages) == 1


def test_settings() -> None:
    settings = MailSettings(host="smtp.example.kz", from_address="noreply@cpg.example.kz",
                            username="u", password=SecretStr("hunter2-secret"))
    assert settings.security is MailSecurity.STARTTLS and settings.effective_port == 587
    assert "hunter2" not in repr(settings) and "hunter2" not in settings.model_dump_json()
    assert MailSettings(host="h", security="tls", from_address="a@b.kz").effective_port == 465
    assert MailSettings(host="h", security="none", from_address="a@b.kz").effective_port == 25
    for bad in ({"username": "u"}, {"from_address": "not-an-address"}, {"port": 0},
                {"security": "ssl3"}, {"timeout": 0}, {"unknown": 1},
                {"username": "u", "password": "пароль"}):
        with pytest.raises(ValidationError):
            MailSettings.model_validate({"host": "h", "from_address": "a@b.kz", **bad})
