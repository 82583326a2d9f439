"""Letters to applicants wired to the procedure (issue 7 item 6), on SQLite
and PostgreSQL, sent to a real SMTP server on 127.0.0.1 (aiosmtpd): a
decision queues its letter in its own transaction, the sender delivers it
with the PDF in the applicant's language, keeps it while the server is down
and delivers it exactly once when the server is back; SMS recorded; the PDF
through the API for reception workers only.

The clock stands at Monday 23 November 2026, 10:00 in Almaty.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hub.api.app import create_app
from hub.domain.roles import Role
from hub.letters import MailSecurity, MailSettings
from hub.services.clock import ManualClock
from hub.services.letters import LetterSender, build_dispatcher
from hub.settings import HubSettings
from hub.storage.letter_models import LetterOutboxRow
from hub.storage.models import AuditRow
from hub.wiring import Hub, build_hub
from tests.hub.test_api_reception import BASE, IIN, NAME, add_akim, register, to_note
from tests.letters.smtp_server import SmtpServer, free_port

EMAIL = "applicant@mail.example.kz"


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def mail_hub(tmp_path: Path, database_url: str | None, clock: ManualClock,
             smtp_port: int) -> Iterator[Hub]:
    settings = HubSettings(
        data_dir=tmp_path / "data", database_url=database_url, mqtt_enabled=False,
        sms_channel="record",
        mail=MailSettings(host="127.0.0.1", port=smtp_port, security=MailSecurity.NONE,
                          from_address="noreply@cpg.example.kz", timeout=5))
    the_hub = build_hub(settings, clock=clock)
    the_hub.letter_sender.interval = 3600  # the test sends rounds itself
    yield the_hub
    the_hub.close()


@pytest.fixture
def api(mail_hub: Hub) -> Iterator[TestClient]:
    token = mail_hub.users.create_token(name="test-admin", role=Role.ADMINISTRATOR,
                                        actor="test")
    with TestClient(create_app(mail_hub.settings, mail_hub),
                    headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def book(api: TestClient, **extra: str) -> str:
    add_akim(api)
    number: str = register(api, email=EMAIL, **extra)["number"]
    to_note(api, number)
    booked = api.post(f"{BASE}/requests/{number}/approve",
                      json={"starts_at": "2026-12-01T10:30:00"})
    assert booked.status_code == 200, booked.text
    return number


def outbox(hub: Hub) -> list[LetterOutboxRow]:
    with hub.db.read() as session:
        return list(session.scalars(select(LetterOutboxRow).order_by(LetterOutboxRow.id)))


def test_booking_queues_a_confirmation_sent_with_its_pdf_in_kazakh_and_by_sms(
        api: TestClient, mail_hub: Hub, smtp_port: int) -> None:
    number = book(api)
    [queued] = outbox(mail_hub)
    assert (queued.request_number, queued.kind, queued.language, queued.state) == (
        number, "confirmation", "kk", "pending")
    assert queued.channels == ["email", "sms"]
    code = api.get(f"{BASE}/requests/{number}").json()["booking"]["code"]
    assert queued.letter["content"]["booking"]["code"] == code
    # The slot in the center's local time (Almaty), not UTC.
    assert queued.letter["content"]["booking"]["day"] == "2026-12-01"
    assert queued.letter["content"]["booking"]["time"] == "10:30"
    with SmtpServer(smtp_port) as server:
        assert mail_hub.letter_sender.run_once() == 1
        assert mail_hub.letter_sender.run_once() == 0
    [received] = server.inbox.messages
    assert received.rcpt_tos == [EMAIL]
    message = received.message
    assert message["Content-Language"] == "kk"
    assert "жазылу" in str(message["Subject"]).lower()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    assert (attachment.get_filename() or "").startswith("Қабылдауға_жазылу_")
    [sent] = outbox(mail_hub)
    assert (sent.state, sent.attempts, sent.pdf) == ("sent", 1, pdf)
    assert sent.sent_at is not None and sent.last_error_kk is None
    assert mail_hub.sms is not None
    [sms] = mail_hub.sms.sent
    assert sms.phone.value == "+77012345678"
    assert code in sms.text
    letters = api.get(f"{BASE}/requests/{number}/letters").json()
    assert [(x["kind"], x["state"]) for x in letters] == [("confirmation", "sent")]
    # Audited, without the name, the phone, the address or the IIN in clear.
    with mail_hub.db.read() as session:
        rows = list(session.scalars(select(AuditRow).where(AuditRow.entity == "letter")))
    assert [r.action for r in rows] == ["letter_queued", "letter_sent"]
    dumped = json.dumps([[r.before, r.after] for r in rows], ensure_ascii=False)
    for secret in (NAME, EMAIL, "7012345678", IIN):
        assert secret not in dumped


def test_server_down_keeps_the_letter_and_delivers_it_once_when_back(
        api: TestClient, mail_hub: Hub, smtp_port: int, clock: ManualClock) -> None:
    number = book(api, language="ru")
    assert mail_hub.letter_sender.run_once() == 1  # nobody listens on the port
    [waiting] = outbox(mail_hub)
    assert (waiting.state, waiting.attempts) == ("pending", 1)
    assert waiting.last_error_ru is not None and "почтовым сервером" in waiting.last_error_ru
    assert waiting.last_error_kk is not None and "Пошта серверіне" in waiting.last_error_kk
    # The SMS went through at once; the retry will not send it again.
    assert mail_hub.sms is not None and len(mail_hub.sms.sent) == 1
    shown = api.get(f"{BASE}/requests/{number}/letters").json()[0]
    assert shown["state"] == "pending" and "почтовым сервером" in shown["error"]["ru"]
    assert mail_hub.letter_sender.run_once() == 0  # not before its backoff
    with SmtpServer(smtp_port) as server:
        clock.advance(minutes=1)
        assert mail_hub.letter_sender.run_once() == 1
        [sent] = outbox(mail_hub)
        assert (sent.state, sent.attempts) == ("sent", 2)
        # A restarted hub (a new sender over the same database) whose state was
        # lost after the relay took the letter does not send it twice.
        with mail_hub.db.write() as session:
            session.execute(update(LetterOutboxRow).values(state="pending",
                                                           next_attempt_at=clock.now()))
        restarted = LetterSender(mail_hub.db, clock, build_dispatcher(
            mail_hub.db, clock, mail_hub.settings.mail, mail_hub.sms))
        assert restarted.run_once() == 1
    assert len(server.inbox.messages) == 1
    assert server.inbox.messages[0].message["Content-Language"] == "ru"
    assert len(mail_hub.sms.sent) == 1
    assert outbox(mail_hub)[0].state == "sent"


def test_a_refused_address_fails_and_is_sent_again_on_request(
        api: TestClient, mail_hub: Hub, smtp_port: int) -> None:
    add_akim(api)
    number = register(api, email="refused@mail.example.kz", language="ru")["number"]
    asked = api.post(f"{BASE}/requests/{number}/ask-correction",
                     json={"defects": "Не указан почтовый адрес."})
    assert asked.status_code == 200, asked.text
    with SmtpServer(smtp_port) as server:
        mail_hub.letter_sender.run_once()
        [failed] = api.get(f"{BASE}/requests/{number}/letters").json()
        assert (failed["kind"], failed["state"]) == ("correction", "failed")
        assert "не принял адрес" in failed["error"]["ru"]
        again = api.post(f"{BASE}/letters/{failed['letter_id']}/send-again")
        assert again.status_code == 200 and again.json()["state"] == "pending"
        twice = api.post(f"{BASE}/letters/{failed['letter_id']}/send-again")
        assert twice.status_code == 409
        mail_hub.letter_sender.run_once()
    assert server.inbox.messages == []


def test_the_pdf_through_the_api_for_reception_workers_only(
        api: TestClient, mail_hub: Hub) -> None:
    number = book(api)
    [letter] = api.get(f"{BASE}/requests/{number}/letters").json()
    url = f"{BASE}/letters/{letter['letter_id']}.pdf"
    response = api.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    reception = mail_hub.users.create_token(name="front", role=Role.RECEPTION, actor="test")
    assert api.get(url, headers={"Authorization": f"Bearer {reception}"}).status_code == 200
    official = mail_hub.users.create_token(name="akim", role=Role.OFFICIAL, actor="test")
    assert api.get(url, headers={"Authorization": f"Bearer {official}"}).status_code == 403
    assert api.get(f"{BASE}/requests/{number}/letters",
                   headers={"Authorization": f"Bearer {official}"}).status_code == 403
    with TestClient(create_app(mail_hub.settings, mail_hub)) as anonymous:
        assert anonymous.get(url).status_code == 401
    assert api.get(f"{BASE}/letters/nope.pdf").status_code == 404


def test_steps_the_applicant_is_told_of_queue_their_letters(
        api: TestClient, mail_hub: Hub, clock: ManualClock) -> None:
    number = book(api)
    moved = api.post(f"{BASE}/requests/{number}/move", json={"reason": "іссапар"})
    assert moved.status_code == 200, moved.text
    other = register(api, "900512400345")["number"]
    api.post(f"{BASE}/requests/{other}/leave-without-consideration",
             json={"note": "Мәні жоқ"})
    third = register(api, "771215300675")["number"]
    assert api.post(f"{BASE}/requests/{third}/start-review", json={}).status_code == 200
    assert api.post(f"{BASE}/requests/{third}/extend", json={
        "kind": "thirty_days", "reason": "Облыстан жауап керек"}).status_code == 200
    kinds = [(row.request_number, row.kind) for row in outbox(mail_hub)]
    assert kinds == [(number, "confirmation"), (number, "move"),
                     (other, "left_without_consideration"), (third, "extension")]
    for row in outbox(mail_hub):
        filename, pdf = mail_hub.letters.pdf(row.letter_id)
        assert pdf.startswith(b"%PDF") and filename.endswith(".pdf")


def test_without_channels_the_letter_waits_to_be_printed(hub: Hub, admin_token: str) -> None:
    with TestClient(create_app(hub.settings, hub),
                    headers={"Authorization": f"Bearer {admin_token}"}) as client:
        add_akim(client)
        number = register(client)["number"]
        client.post(f"{BASE}/requests/{number}/leave-without-consideration",
                    json={"note": "no essence"})
        [letter] = client.get(f"{BASE}/requests/{number}/letters").json()
    assert (letter["state"], letter["channels"]) == ("failed", [])
    assert "распечатайте PDF" in letter["error"]["ru"]
    assert hub.letter_sender.run_once() == 0


def test_backoff_doubles_up_to_an_hour(mail_hub: Hub) -> None:
    sender = mail_hub.letter_sender
    assert [sender.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert sender.backoff(20) == timedelta(hours=1)


def test_console_request_page_shows_letters_and_sends_a_failed_one_again(
        api: TestClient, mail_hub: Hub) -> None:
    from tests.hub.test_console_check_in import CSRF, signed_in

    add_akim(api)
    number = register(api, email="refused@mail.example.kz", language="ru")["number"]
    api.post(f"{BASE}/requests/{number}/leave-without-consideration", json={"note": "пусто"})
    mail_hub.letter_sender.run_once()  # nobody listens: pending; make it failed
    with mail_hub.db.write() as session:
        session.execute(update(LetterOutboxRow).values(state="failed", next_attempt_at=None))
    [letter] = outbox(mail_hub)
    worker = signed_in(mail_hub, "reception.worker", Role.RECEPTION)
    page = worker.get(f"/console/reception/{number}")
    assert page.status_code == 200
    assert 'id="letters"' in page.text
    assert f'data-letter="{letter.letter_id}" data-state="failed"' in page.text
    assert f"/api/v1/reception/letters/{letter.letter_id}.pdf" in page.text
    pdf = worker.get(f"/api/v1/reception/letters/{letter.letter_id}.pdf")
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    token = CSRF.search(page.text)
    assert token is not None
    again = worker.post(f"/console/reception/{number}/letters/{letter.letter_id}/send-again",
                        data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert again.status_code == 303
    assert outbox(mail_hub)[0].state == "pending"
    official = signed_in(mail_hub, "akim.user", Role.OFFICIAL)
    own = official.get(f"/console/reception/{number}")
    assert own.status_code == 200 and 'id="letters"' not in own.text
