"""Letters to applicants of personal reception, wired to the procedure
(issue 7 item 6).

When a booking request reaches a step the applicant must be told of, the
reception service calls ``LetterOutbox.queue_step`` inside the transaction of
the decision: the ``Letter`` is built from the request (the applicant's
language, the center's name, the official, the office, the slot in the
center's local time) and stored as data in the ``letters_outbox`` table. The
decision and its letter commit together or not at all, so no letter is lost
and none is queued for a decision that was rolled back.

``LetterSender`` sends what is due with a ``LetterDispatcher`` (e-mail with
the PDF, SMS), records the outcome, retries what a retry may help with
backoff, and uses ``DatabaseDeliveryLog``: a channel that took a letter is
written down at once, so a retry or a restarted hub never sends it twice. (A
crash between the relay's "250 OK" and that write would send it once more;
the same Message-ID lets the receiving side recognise the duplicate.)

Personal data: the outbox row holds the addresses the letter goes to (it
must), but nothing here logs a name, an address or a phone, and the audit
rows of a letter name its request, kind, language and channels only.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.domain.calendar import WorkCalendar
from hub.domain.errors import NotFound
from hub.domain.reception.applicants import Phone
from hub.domain.reception.grounds import RefusalGround
from hub.domain.reception.requests import BookingRequest, ExtensionKind
from hub.domain.reception.schedule import Slot
from hub.domain.text import Bilingual, Language
from hub.letters import (
    Booking,
    BookingConfirmed,
    BookingMoved,
    Contacts,
    CorrectionRequested,
    DraftRefusal,
    LeftWithoutConsideration,
    Letter,
    LetterContent,
    LetterDispatcher,
    LetterKind,
    LettersError,
    MailSender,
    MailSettings,
    Refusal,
    SendFailed,
    SmsChannel,
    TermExtended,
    attachment_filename,
    render_pdf,
)
from hub.letters.model import Text, check_email
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.storage.db import Database
from hub.storage.letter_models import LetterDeliveryRow, LetterOutboxRow
from hub.storage.reception_models import BookingRequestRow, OfficialRow

__all__ = [
    "DatabaseDeliveryLog",
    "LetterInfo",
    "LetterOutbox",
    "LetterSender",
    "letter_doc",
    "letter_from_doc",
]

log = logging.getLogger("kezek.letters")

PENDING, SENT, FAILED = "pending", "sent", "failed"
EMAIL, SMS = "email", "sms"

# The steps of the procedure (``ReceptionService.decide`` actions) that the
# applicant is told of. "approve" tells only when it books a slot.
TOLD_STEPS = frozenset({"book", "approve", "place", "ask-correction", "draft-refusal", "refuse",
                        "extend", "move", "leave-without-consideration"})

_NO_CHANNEL = Bilingual(
    kk="Өтініш берушіге хатты жіберетін арна жоқ (электрондық пошта немесе SMS бапталмаған "
       "не мекенжайы жоқ): PDF-ті басып шығарып, қолма-қол беріңіз немесе поштамен жіберіңіз.",
    ru="Нет канала для отправки письма заявителю (почта или SMS не настроены либо нет "
       "адреса): распечатайте PDF и вручите лично или отправьте почтой.")
_BROKEN = Bilingual(kk="Хатты құру мүмкін болмады: {detail}",
                    ru="Не удалось сформировать письмо: {detail}")


# --------------------------------------------------------------------------- letter <-> JSON


def _text_doc(value: Text) -> str | dict[str, str]:
    return value if isinstance(value, str) else {"kk": value.kk, "ru": value.ru}


def _text(doc: str | dict[str, str]) -> Text:
    return doc if isinstance(doc, str) else Bilingual(kk=doc["kk"], ru=doc["ru"])


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _booking_doc(booking: Booking | None) -> dict[str, Any] | None:
    if booking is None:
        return None
    return {"official_name": booking.official_name,
            "official_position": _text_doc(booking.official_position),
            "day": booking.day.isoformat(), "time": booking.time.strftime("%H:%M"),
            "place": _text_doc(booking.place), "code": booking.code}


def _booking(doc: dict[str, Any] | None) -> Booking | None:
    if doc is None:
        return None
    return Booking(official_name=doc["official_name"],
                   official_position=_text(doc["official_position"]),
                   day=date.fromisoformat(doc["day"]), time=time.fromisoformat(doc["time"]),
                   place=_text(doc["place"]), code=doc["code"])


def _content_doc(content: LetterContent) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": content.kind.value}
    if isinstance(content, BookingConfirmed):
        doc["booking"] = _booking_doc(content.booking)
    elif isinstance(content, CorrectionRequested):
        doc |= {"defects": content.defects, "correct_by": content.correct_by.isoformat()}
    elif isinstance(content, DraftRefusal):
        doc |= {"grounds": [g.value for g in content.grounds],
                "object_by": content.object_by.isoformat(), "explanation": content.explanation}
    elif isinstance(content, Refusal):
        doc |= {"grounds": [g.value for g in content.grounds],
                "explanation": content.explanation}
    elif isinstance(content, TermExtended):
        doc |= {"extension": ExtensionKind(content.extension).value,
                "new_term": content.new_term.isoformat(), "reason": content.reason,
                "decision_number": content.decision_number,
                "decision_date": _iso(content.decision_date)}
    elif isinstance(content, BookingMoved):
        doc |= {"cancelled": _booking_doc(content.cancelled), "reason": content.reason,
                "new_booking": _booking_doc(content.new_booking)}
    else:
        doc["note"] = content.note
    return doc


def _content(doc: dict[str, Any]) -> LetterContent:
    kind = LetterKind(doc["kind"])
    grounds = tuple(RefusalGround(g) for g in doc.get("grounds", ()))
    if kind is LetterKind.CONFIRMATION:
        booking = _booking(doc["booking"])
        assert booking is not None
        return BookingConfirmed(booking)
    if kind is LetterKind.CORRECTION:
        return CorrectionRequested(doc["defects"], date.fromisoformat(doc["correct_by"]))
    if kind is LetterKind.DRAFT_REFUSAL:
        return DraftRefusal(grounds, date.fromisoformat(doc["object_by"]), doc["explanation"])
    if kind is LetterKind.REFUSAL:
        return Refusal(grounds, doc["explanation"])
    if kind is LetterKind.EXTENSION:
        return TermExtended(ExtensionKind(doc["extension"]), date.fromisoformat(doc["new_term"]),
                            doc["reason"], doc["decision_number"], _date(doc["decision_date"]))
    if kind is LetterKind.MOVE:
        cancelled = _booking(doc["cancelled"])
        assert cancelled is not None
        return BookingMoved(cancelled, doc["reason"], _booking(doc["new_booking"]))
    return LeftWithoutConsideration(doc["note"])


def letter_doc(letter: Letter) -> dict[str, Any]:
    """The letter as JSON data, enough to render it again byte for byte."""
    signatory = letter.signatory
    return {"id": letter.id, "language": Language(letter.language).value,
            "center": _text_doc(letter.center), "addressee": letter.addressee,
            "registration_number": letter.registration_number,
            "registration_date": letter.registration_date.isoformat(),
            "issued_on": letter.issued_on.isoformat(), "content": _content_doc(letter.content),
            "signatory": None if signatory is None else {
                "position": _text_doc(signatory.position), "name": signatory.name}}


def letter_from_doc(doc: dict[str, Any]) -> Letter:
    from hub.letters import Signatory

    center = _text(doc["center"])
    assert isinstance(center, Bilingual)
    signatory = doc.get("signatory")
    return Letter(id=doc["id"], language=Language(doc["language"]), center=center,
                  addressee=doc["addressee"], registration_number=doc["registration_number"],
                  registration_date=date.fromisoformat(doc["registration_date"]),
                  issued_on=date.fromisoformat(doc["issued_on"]),
                  content=_content(doc["content"]),
                  signatory=None if signatory is None else Signatory(
                      _text(signatory["position"]), signatory["name"]))


# --------------------------------------------------------------------------- delivery log


class DatabaseDeliveryLog:
    """A ``DeliveryLog`` in the ``letter_deliveries`` table: each key is
    committed the moment a channel took the letter."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        with self._db.read() as session:
            return session.get(LetterDeliveryRow, key) is not None

    def add(self, key: str) -> None:
        try:
            with self._db.write() as session:
                if session.get(LetterDeliveryRow, key) is None:
                    session.add(LetterDeliveryRow(key=key, at=self._clock.now()))
        except IntegrityError:  # another sender wrote it meanwhile: taken all the same
            pass


# --------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class LetterInfo:
    letter_id: str
    request_number: str
    kind: str
    language: str
    channels: list[str]
    state: str
    attempts: int
    error: dict[str, str] | None  # kk and ru
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    filename: str


def _info(row: LetterOutboxRow) -> LetterInfo:
    error = None
    if row.last_error_kk is not None and row.last_error_ru is not None:
        error = {"kk": row.last_error_kk, "ru": row.last_error_ru}
    return LetterInfo(letter_id=row.letter_id, request_number=row.request_number,
                      kind=row.kind, language=row.language, channels=list(row.channels),
                      state=row.state, attempts=row.attempts, error=error,
                      created_at=row.created_at, sent_at=row.sent_at,
                      next_attempt_at=row.next_attempt_at,
                      filename=attachment_filename(letter_from_doc(row.letter)))


def _audit_view(row: LetterOutboxRow) -> dict[str, Any]:
    """What the audit log keeps of a letter: no name, address or phone."""
    return {"request": row.request_number, "kind": row.kind, "language": row.language,
            "channels": list(row.channels), "state": row.state, "attempts": row.attempts}


# --------------------------------------------------------------------------- the outbox


class LetterOutbox:
    """Builds letters from requests and queues them; lists, renders and puts
    letters back to be sent again. ``mail_enabled``/``sms_enabled`` say which
    channels the center has (a letter is queued for the channels that exist)."""

    def __init__(self, db: Database, centers: CenterStore, clock: Clock, *,
                 mail_enabled: bool, sms_enabled: bool) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self.mail_enabled = mail_enabled
        self.sms_enabled = sms_enabled

    # ------------------------------------------------------------ building

    def _place(self, official: OfficialRow) -> Bilingual:
        desk_label: Bilingual | None = None
        config = self._centers.snapshot().config
        if official.desk:
            desk = next((d for d in config.desks if d.code == official.desk), None)
            desk_label = desk.label if desk is not None else None
        parts_kk = [p for p in (official.location_kk, desk_label.kk if desk_label else "") if p]
        parts_ru = [p for p in (official.location_ru, desk_label.ru if desk_label else "") if p]
        if not parts_kk or not parts_ru:
            return config.name
        return Bilingual(kk=", ".join(parts_kk), ru=", ".join(parts_ru))

    def _booking(self, session: Session, slot: Slot, code: str | None,
                 calendar: WorkCalendar) -> Booking:
        official = session.get(OfficialRow, slot.official)
        if official is None:
            raise NotFound(f"no official {slot.official!r}",
                           Bilingual(kk="Лауазымды адам табылмады.",
                                     ru="Должностное лицо не найдено."), field="official")
        local = calendar.local(slot.starts_at)
        return Booking(official_name=official.full_name,
                       official_position=Bilingual(kk=official.position_kk,
                                                   ru=official.position_ru),
                       day=local.date(), time=local.time().replace(tzinfo=None),
                       place=self._place(official), code=code or "-")

    def content_for(self, session: Session, step: str, row: BookingRequestRow,
                    request: BookingRequest, calendar: WorkCalendar, now: datetime,
                    values: dict[str, Any]) -> LetterContent | None:
        """What the applicant is told of ``step``, or None (no letter for it)."""
        def note() -> str | None:
            text = values.get("note")
            return str(text).strip() or None if text else None

        if step in ("book", "approve", "place"):
            if request.booking is None:
                return None  # approved without a slot: the letter comes with the booking
            return BookingConfirmed(self._booking(session, request.booking, row.booking_code,
                                                  calendar))
        if step == "ask-correction":
            due = request.correction_due(calendar)
            assert due is not None and request.defects is not None
            return CorrectionRequested(request.defects, due)
        if step == "draft-refusal":
            ends = request.hearing_ends(calendar)
            assert ends is not None
            return DraftRefusal(request.draft_grounds, ends, note())
        if step == "refuse":
            return Refusal(request.refusal_grounds, request.refusal_explanation or "")
        if step == "extend":
            extension = request.extension
            assert extension is not None
            motivated = extension.kind is ExtensionKind.MOTIVATED
            return TermExtended(extension.kind, request.answer_deadline(calendar).due,
                                extension.reason,
                                extension.decision if motivated else None,
                                calendar.service_day(extension.decided_at) if motivated
                                else None)
        if step == "move":
            cancelled = request.moved_bookings[-1]
            return BookingMoved(self._booking(session, cancelled, row.booking_code, calendar),
                                request.history[-1].note or "-")
        if step == "leave-without-consideration":
            return LeftWithoutConsideration(note())
        return None

    def queue_step(self, session: Session, step: str, row: BookingRequestRow,
                   request: BookingRequest, calendar: WorkCalendar, now: datetime, actor: str,
                   values: dict[str, Any] | None = None) -> str | None:
        """Queue the letter of ``step`` in the caller's transaction; its id, or
        None when the step tells the applicant nothing."""
        if step not in TOLD_STEPS:
            return None
        content = self.content_for(session, step, row, request, calendar, now, values or {})
        if content is None:
            return None
        letter = Letter(
            id=f"{row.number}-{content.kind.value}-{secrets.token_hex(4)}",
            language=Language(row.language), center=self._centers.snapshot().config.name,
            addressee=row.applicant_name, registration_number=row.number,
            registration_date=row.registered_on, issued_on=calendar.service_day(now),
            content=content)
        email: str | None = None
        if row.applicant_email:
            try:
                email = check_email(row.applicant_email)
            except LettersError:
                email = None  # not an address a relay would take: the letter goes by SMS or post
        out = LetterOutboxRow(
            letter_id=letter.id, request_number=row.number, kind=content.kind.value,
            language=row.language, channels=[], email=email, phone=row.applicant_phone or None,
            letter=letter_doc(letter), pdf=None, state=PENDING, attempts=0,
            next_attempt_at=now, created_at=now, created_by=actor, updated_at=now)
        self._choose_channels(out)
        session.add(out)
        session.flush()
        audit.record(session, actor=actor, action="letter_queued", entity="letter",
                     entity_id=letter.id, at=now, after=_audit_view(out))
        return letter.id

    def _choose_channels(self, out: LetterOutboxRow) -> None:
        channels = []
        if out.email and self.mail_enabled:
            channels.append(EMAIL)
        if out.phone and self.sms_enabled:
            channels.append(SMS)
        out.channels = channels
        if not channels:
            out.state, out.next_attempt_at = FAILED, None
            out.last_error = "no channel reaches the applicant"
            out.last_error_kk, out.last_error_ru = _NO_CHANNEL.kk, _NO_CHANNEL.ru

    # ------------------------------------------------------------ reading

    def of_request(self, number: str) -> list[LetterInfo]:
        with self._db.read() as session:
            rows = session.scalars(select(LetterOutboxRow).where(
                LetterOutboxRow.request_number == number).order_by(LetterOutboxRow.id))
            return [_info(row) for row in rows]

    def _row(self, session: Session, letter_id: str) -> LetterOutboxRow:
        row = session.scalars(select(LetterOutboxRow).where(
            LetterOutboxRow.letter_id == letter_id)).first()
        if row is None:
            raise NotFound(f"no letter {letter_id!r}",
                           Bilingual(kk="Хат табылмады.", ru="Письмо не найдено."),
                           field="letter_id")
        return row

    def get(self, letter_id: str) -> LetterInfo:
        with self._db.read() as session:
            return _info(self._row(session, letter_id))

    def pdf(self, letter_id: str) -> tuple[str, bytes]:
        """The letter's file name and PDF: the bytes sent, or rendered again
        (the same letter gives the same bytes)."""
        with self._db.read() as session:
            row = self._row(session, letter_id)
            letter = letter_from_doc(row.letter)
            kept = row.pdf
        return attachment_filename(letter), kept if kept is not None else render_pdf(letter)

    def send_again(self, letter_id: str, *, actor: str) -> LetterInfo:
        """A failed letter back to pending, due now, with the channels the center
        has now (a mail relay configured since, say)."""
        now = self._clock.now()
        with self._db.write() as session:
            row = self._row(session, letter_id)
            if row.state != FAILED:
                from hub.domain.errors import Conflict

                raise Conflict(f"letter {letter_id} is {row.state}, not failed",
                               Bilingual(kk="Тек жіберілмеген хатты қайта жіберуге болады.",
                                         ru="Повторно отправить можно только неотправленное "
                                            "письмо."), field="letter_id")
            before = _audit_view(row)
            row.state, row.next_attempt_at, row.updated_at = PENDING, now, now
            row.last_error = row.last_error_kk = row.last_error_ru = None
            self._choose_channels(row)
            audit.record(session, actor=actor, action="letter_send_again", entity="letter",
                         entity_id=letter_id, at=now, before=before, after=_audit_view(row))
            session.flush()
            return _info(row)


# --------------------------------------------------------------------------- the sender


def build_dispatcher(db: Database, clock: Clock, mail: MailSettings | None,
                     sms: SmsChannel | None) -> LetterDispatcher:
    delivery_log = DatabaseDeliveryLog(db, clock)
    sender = MailSender(mail, log=delivery_log) if mail is not None else None
    return LetterDispatcher(mail=sender, sms=sms, log=delivery_log)


class LetterSender:
    """Sends the due letters of the outbox. ``run_once`` does one round (tests
    call it directly); ``start``/``stop`` run rounds every ``interval``
    seconds on a background thread."""

    def __init__(self, db: Database, clock: Clock, dispatcher: LetterDispatcher, *,
                 interval: float = 5.0, batch: int = 20, max_attempts: int = 10,
                 first_delay: timedelta = timedelta(minutes=1),
                 longest_delay: timedelta = timedelta(hours=1),
                 lease: timedelta = timedelta(minutes=10)) -> None:
        self._db = db
        self._clock = clock
        self.dispatcher = dispatcher
        self.interval = interval
        self.batch = batch
        self.max_attempts = max_attempts
        self.first_delay = first_delay
        self.longest_delay = longest_delay
        self.lease = lease
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def backoff(self, attempts: int) -> timedelta:
        """1, 2, 4, … minutes after the ``attempts``-th failure, at most an hour."""
        delay: timedelta = self.first_delay * (2 ** max(attempts - 1, 0))
        return min(delay, self.longest_delay)

    def _claim(self) -> list[tuple[str, dict[str, Any], str | None, str | None, list[str]]]:
        """Take the due letters for this round: their next attempt is pushed a
        lease ahead, so another round (or hub) leaves them alone meanwhile."""
        now = self._clock.now()
        with self._db.write() as session:
            rows = list(session.scalars(select(LetterOutboxRow).where(
                LetterOutboxRow.state == PENDING, LetterOutboxRow.next_attempt_at <= now)
                .order_by(LetterOutboxRow.next_attempt_at, LetterOutboxRow.id)
                .limit(self.batch).with_for_update(skip_locked=True)))
            for row in rows:
                row.next_attempt_at = now + self.lease
            return [(r.letter_id, r.letter, r.email, r.phone, list(r.channels)) for r in rows]

    def run_once(self) -> int:
        """Send every due letter once; how many were tried."""
        claimed = self._claim()
        for letter_id, doc, email, phone, channels in claimed:
            self._send(letter_id, doc, email, phone, channels)
        return len(claimed)

    def _send(self, letter_id: str, doc: dict[str, Any], email: str | None, phone: str | None,
              channels: list[str]) -> None:
        pdf: bytes | None = None
        failures: tuple[SendFailed, ...] = ()
        broken: LettersError | None = None
        try:
            letter = letter_from_doc(doc)
            contacts = Contacts(email=email if EMAIL in channels else None,
                                phone=Phone(phone) if phone and SMS in channels else None)
            dispatch = self.dispatcher.dispatch(letter, contacts)
            pdf, failures = dispatch.pdf, dispatch.failures
        except LettersError as error:
            broken = error
        except ValueError as error:  # stored data no longer valid (a phone, a date)
            broken = LettersError(str(error), _BROKEN.format(detail=str(error)))
        now = self._clock.now()
        with self._db.write() as session:
            row = session.scalars(select(LetterOutboxRow).where(
                LetterOutboxRow.letter_id == letter_id)).one()
            row.attempts += 1
            row.updated_at = now
            if pdf is not None:
                row.pdf = pdf
            if broken is None and not failures:
                row.state, row.sent_at, row.next_attempt_at = SENT, now, None
                row.last_error = row.last_error_kk = row.last_error_ru = None
                audit.record(session, actor="system", action="letter_sent", entity="letter",
                             entity_id=letter_id, at=now, after=_audit_view(row))
                log.info("letter %s sent (%s)", letter_id, ", ".join(row.channels))
                return
            first: LettersError = broken if broken is not None else failures[0]
            text = Bilingual(kk=" ".join(f.text.kk for f in failures) or first.text.kk,
                             ru=" ".join(f.text.ru for f in failures) or first.text.ru)
            retry = (broken is None and all(f.retryable for f in failures)
                     and row.attempts < self.max_attempts)
            row.last_error = "; ".join(f"{f.channel.value}: {type(f.__cause__).__name__}"
                                       if f.__cause__ is not None else f.channel.value
                                       for f in failures) or type(first).__name__
            row.last_error_kk, row.last_error_ru = text.kk, text.ru
            if retry:
                row.state, row.next_attempt_at = PENDING, now + self.backoff(row.attempts)
            else:
                row.state, row.next_attempt_at = FAILED, None
            audit.record(session, actor="system", action="letter_failed", entity="letter",
                         entity_id=letter_id, at=now, after=_audit_view(row) | {
                             "retry_at": row.next_attempt_at.isoformat()
                             if row.next_attempt_at else None})
            # The error's detail may name the recipient's address: not logged.
            log.warning("letter %s not sent (attempt %d, %s): %s", letter_id, row.attempts,
                        row.state, row.last_error)

    # ------------------------------------------------------------ background

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("a round of sending letters failed")
            self._stop.wait(self.interval)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kezek-letters", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout)
