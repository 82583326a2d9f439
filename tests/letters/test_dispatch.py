"""The dispatcher: render once, send by e-mail and/or SMS, report what each
channel took; one channel failing does not stop the other, and dispatching
the same letter again sends only what was not taken."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest

from hub.domain.reception.applicants import Phone
from hub.domain.reception.requests import ExtensionKind
from hub.domain.text import Language
from hub.letters import (
    Contacts,
    DeliveryChannel,
    Letter,
    LetterDispatcher,
    LetterKind,
    MailSender,
    MailSettings,
    MemoryDeliveryLog,
    RecordingSms,
    TermExtended,
    render_pdf,
    sms_text,
)

from .conftest import CONTENTS
from .smtp_server import SmtpServer, free_port

MakeLetter = Callable[..., Letter]
PHONE = Phone.parse("8 (701) 234-56-78")


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer() as running:
        yield running


def mail_to(port: int, log: MemoryDeliveryLog | None = None) -> MailSender:
    return MailSender(MailSettings(host="127.0.0.1", port=port, security="none",
                                   from_address="noreply@cpg.borodulikha.kz", timeout=5),
                      log=log)


def test_email_and_sms(server: SmtpServer, make_letter: MakeLetter) -> None:
    sms = RecordingSms()
    dispatcher = LetterDispatcher(mail=mail_to(server.port), sms=sms)
    letter = make_letter(language=Language.KK)
    result = dispatcher.dispatch(letter, Contacts(email="applicant@mail.kz", phone=PHONE))
    assert result.ok and result.channels == (DeliveryChannel.EMAIL, DeliveryChannel.SMS)
    assert result.pdf == render_pdf(letter)
    [received] = server.inbox.messages
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_content() == result.pdf  # the one rendering went out
    assert result.email is not None and result.email.recipient == "applicant@mail.kz"
    [recorded] = sms.sent
    assert recorded.phone == PHONE and recorded.phone.value == "+77012345678"
    assert recorded.text == sms_text(letter) == (
        "Жеке қабылдау 03.12.2026, сағат 10:30. Жазылу коды LP7K2Q9M")
    assert result.sms is not None and result.sms.segments == recorded.segments == 1
    assert sms.to(PHONE) == [recorded.text]


def test_phone_only(make_letter: MakeLetter) -> None:
    sms = RecordingSms()
    letter = make_letter(CONTENTS[LetterKind.REFUSAL], Language.RU)
    result = LetterDispatcher(sms=sms).dispatch(letter, Contacts(phone=PHONE))
    assert result.ok and result.channels == (DeliveryChannel.SMS,) and result.email is None
    assert result.pdf.startswith(b"%PDF-")  # still rendered, to print or keep
    assert sms.to(PHONE) == ["Обращение №ЛП-2026-00017: в приеме отказано. Основания в письме"]


def test_no_contacts_sends_nothing(make_letter: MakeLetter) -> None:
    sms = RecordingSms()
    result = LetterDispatcher(sms=sms).dispatch(make_letter(), Contacts())
    assert result.ok and result.channels == () and sms.sent == []
    assert result.pdf.startswith(b"%PDF-")


def test_a_failing_sms_gateway_does_not_stop_the_email_and_a_retry_sends_the_rest(
        server: SmtpServer, make_letter: MakeLetter) -> None:
    log = MemoryDeliveryLog()
    sms = RecordingSms(fail_with=ConnectionError("gateway unreachable"))
    dispatcher = LetterDispatcher(mail=mail_to(server.port, log), sms=sms, log=log)
    letter = make_letter(TermExtended(ExtensionKind.THIRTY_DAYS, date(2026, 12, 20),
                                      "Запрошены документы в акимате сельского округа."),
                         Language.RU)
    contacts = Contacts(email="applicant@mail.kz", phone=PHONE)
    first = dispatcher.dispatch(letter, contacts)
    assert not first.ok and first.channels == (DeliveryChannel.EMAIL,)
    [failure] = first.failures
    assert failure.channel is DeliveryChannel.SMS and failure.retryable
    assert failure.sms_text == "Срок по обращению №ЛП-2026-00017 продлен до 20.12.2026"
    assert "SMS не отправлено" in failure.text.ru and "SMS жіберілмеді" in failure.text.kk
    assert len(server.inbox.messages) == 1 and sms.sent == []
    # The gateway is back: the retry sends the SMS, not the e-mail again.
    sms.fail_with = None
    second = dispatcher.dispatch(letter, contacts)
    assert second.ok
    assert second.email is not None and second.email.already_sent
    assert second.sms is not None and not second.sms.already_sent
    assert len(server.inbox.messages) == 1 and len(sms.sent) == 1
    third = dispatcher.dispatch(letter, contacts)
    assert third.ok and third.sms is not None and third.sms.already_sent
    assert len(sms.sent) == 1


def test_mail_server_down_keeps_the_message_and_still_sends_the_sms(
        make_letter: MakeLetter) -> None:
    sms = RecordingSms()
    dispatcher = LetterDispatcher(mail=mail_to(free_port()), sms=sms)
    result = dispatcher.dispatch(make_letter(), Contacts(email="applicant@mail.kz",
                                                         phone=PHONE))
    [failure] = result.failures
    assert failure.channel is DeliveryChannel.EMAIL and failure.retryable
    assert failure.message is not None
    assert result.channels == (DeliveryChannel.SMS,) and len(sms.sent) == 1


def test_a_channel_the_center_does_not_have(make_letter: MakeLetter) -> None:
    result = LetterDispatcher().dispatch(make_letter(), Contacts(email="applicant@mail.kz",
                                                                 phone=PHONE))
    assert {failure.channel for failure in result.failures} == set(DeliveryChannel)
    assert not any(failure.retryable for failure in result.failures)
    assert all(failure.text.kk and failure.text.ru for failure in result.failures)
