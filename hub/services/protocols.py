"""The protocol of a personal reception (002 §19; issue 7, item 8).

"Результаты приема протоколируются с отражением принятого в ходе приема
решения по обращению либо поручений, с указанием конкретных сроков их
исполнения." Recorded from the official's side for a checked-in (or already
received) booking: the decision taken, or instructions, each with its
responsible person and a concrete deadline (a number of working days on the
hub's calendar, or a date that is a working day and not passed). The booking
moves to received through the domain; the record keeps the mark
"с личного приема" / "жеке қабылдаудан" that the appeals register shows.

The audit row keeps what the protocol decided (its outcome, how many
instructions and their deadlines), a masked IIN, and no names or phones —
neither the applicant's nor the responsible persons'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from hub.domain.calendar import WorkCalendar
from hub.domain.errors import Conflict, NotFound, ValidationFailed
from hub.domain.reception.requests import RequestState
from hub.domain.safe_text import safe_text
from hub.domain.text import Bilingual
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.reception import _audit_view, _store, _to_domain
from hub.storage.db import Database
from hub.storage.reception_day_models import ReceptionProtocolRow
from hub.storage.reception_models import BookingRequestRow, RequestTransitionRow

# The mark of an appeal made at a personal reception, for the appeals register.
MARK = Bilingual(kk="жеке қабылдаудан", ru="с личного приема")
SOURCE = "personal_reception"
MAX_WORKING_DAYS = 60
S = RequestState


@dataclass(frozen=True, slots=True)
class InstructionIn:
    text: str
    responsible: str
    working_days: int | None = None
    due: date | None = None


@dataclass(frozen=True, slots=True)
class Instruction:
    text: str
    responsible: str
    due: date
    working_days: int | None


@dataclass(frozen=True, slots=True)
class ProtocolInfo:
    number: str  # the request's registration number
    official: str
    received_on: date
    outcome: str  # "decision" or "instructions"
    decision: str | None
    instructions: list[Instruction]
    mark: dict[str, str]
    source: str
    recorded_at: datetime
    recorded_by: str
    essence: str = ""


def _clean(value: str | None, field_name: str, what: Bilingual, *, limit: int,
           multiline: bool = False) -> str:
    return safe_text(value, field=field_name, max_length=limit, required=True, what=what,
                     multiline=multiline)


def _info(row: ReceptionProtocolRow, request: BookingRequestRow) -> ProtocolInfo:
    return ProtocolInfo(
        number=request.number, official=row.official, received_on=row.received_on,
        outcome=row.outcome, decision=row.decision,
        instructions=[Instruction(text=i["text"], responsible=i["responsible"],
                                  due=date.fromisoformat(i["due"]),
                                  working_days=i.get("working_days"))
                      for i in row.instructions],
        mark={"kk": row.mark_kk, "ru": row.mark_ru}, source=SOURCE,
        recorded_at=row.recorded_at, recorded_by=row.recorded_by, essence=request.essence)


class ProtocolService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock

    def record(self, number: str, *, actor: str, decision: str | None = None,
               instructions: list[InstructionIn] | None = None,
               official: str | None = None) -> ProtocolInfo:
        """Record the protocol of request `number`'s reception and mark it received.
        With `official`, only a booking with that official may be recorded."""
        calendar, now = self._centers.snapshot().calendar, self._clock.now()
        today = calendar.service_day(now)
        given = list(instructions or [])
        decided = (decision or "").strip() or None
        if decided is None and not given:
            raise ValidationFailed(
                "a protocol states the decision or instructions with deadlines (002 §19)",
                Bilingual(kk="Хаттамада қабылданған шешім немесе орындау мерзімдері "
                             "көрсетілген тапсырмалар жазылуы керек.",
                          ru="В протоколе нужно указать принятое решение либо поручения "
                             "с конкретными сроками исполнения."),
                field="decision")
        if decided is not None:
            decided = _clean(decided, "decision",
                             Bilingual(kk="шешім", ru="решение"), limit=4000,
                             multiline=True)
        kept: list[Instruction] = []
        for index, item in enumerate(given):
            where = f"instructions.{index}"
            text = _clean(item.text, f"{where}.text",
                          Bilingual(kk="тапсырма мәтіні", ru="текст поручения"), limit=2000)
            responsible = _clean(item.responsible, f"{where}.responsible",
                                 Bilingual(kk="жауапты адам", ru="ответственное лицо"),
                                 limit=300)
            kept.append(Instruction(text, responsible,
                                    self._due(item, today, calendar, where), item.working_days))
        try:
            with self._db.write() as session:
                row = session.scalars(select(BookingRequestRow).where(
                    BookingRequestRow.number == number)).first()
                if row is None:
                    raise NotFound(f"no booking request {number!r}",
                                   Bilingual(kk="Өтініш табылмады.",
                                             ru="Обращение не найдено."), field="number")
                whose = row.booked_official or row.official
                if official is not None and whose != official:
                    raise Conflict(
                        f"request {number} is booked with another official",
                        Bilingual(kk="Бұл өтініш басқа лауазымды адамның қабылдауына жазылған.",
                                  ru="Это обращение записано на прием к другому "
                                     "должностному лицу."), field="number")
                if session.scalars(select(ReceptionProtocolRow.id).where(
                        ReceptionProtocolRow.request_id == row.id)).first() is not None:
                    raise Conflict(f"request {number} already has its protocol",
                                   Bilingual(kk="Бұл қабылдаудың хаттамасы жазылған.",
                                             ru="Протокол этого приема уже составлен."),
                                   field="number")
                steps = list(session.scalars(select(RequestTransitionRow).where(
                    RequestTransitionRow.request_id == row.id).order_by(
                    RequestTransitionRow.seq)))
                request = _to_domain(row, steps)
                before = _audit_view(request, row)
                if request.state is not S.RECEIVED:
                    # Only a checked-in booking is received: the domain refuses others.
                    request.mark_received(now, actor=actor, note="protocol of the reception")
                    _store(row, request, session, now, len(steps))
                protocol = ReceptionProtocolRow(
                    request_id=row.id, official=whose or "", received_on=today,
                    outcome="instructions" if kept else "decision", decision=decided,
                    instructions=[{"text": i.text, "responsible": i.responsible,
                                   "due": i.due.isoformat(), "working_days": i.working_days}
                                  for i in kept],
                    mark_kk=MARK.kk, mark_ru=MARK.ru, recorded_at=now, recorded_by=actor)
                session.add(protocol)
                session.flush()
                audit.record(session, actor=actor, action="reception_protocol",
                             entity="reception_request", entity_id=row.number, at=now,
                             before=before, after=_audit_view(request, row) | {"protocol": {
                                 "outcome": protocol.outcome,
                                 "decision": "set" if decided else None,
                                 "instructions": len(kept),
                                 "deadlines": [i.due.isoformat() for i in kept],
                                 "mark": MARK.ru}})
                return _info(protocol, row)
        except (StaleDataError, IntegrityError) as error:
            raise Conflict(f"request {number} changed meanwhile",
                           Bilingual(kk="Өтінішті осы уақытта басқа қызметкер өзгертті — "
                                        "қайталаңыз.",
                                     ru="Обращение тем временем изменили — повторите."),
                           field="number") from error

    @staticmethod
    def _due(item: InstructionIn, today: date, calendar: WorkCalendar, where: str) -> date:
        if item.working_days is not None:
            if not 1 <= item.working_days <= MAX_WORKING_DAYS:
                raise ValidationFailed(
                    f"{where}.working_days must be 1..{MAX_WORKING_DAYS}",
                    Bilingual(kk=f"Мерзім 1-ден {MAX_WORKING_DAYS} жұмыс күніне дейін болуы "
                                 "керек.",
                              ru=f"Срок — от 1 до {MAX_WORKING_DAYS} рабочих дней."),
                    field=f"{where}.working_days")
            return calendar.add_working_days(today, item.working_days)
        if item.due is None:
            raise ValidationFailed(
                f"{where} has no deadline (002 §19 asks for concrete deadlines)",
                Bilingual(kk="Тапсырманың орындалу мерзімі көрсетілмеген.",
                          ru="Не указан срок исполнения поручения."), field=f"{where}.due")
        if item.due <= today:
            raise ValidationFailed(
                f"{where}.due {item.due} has already passed",
                Bilingual(kk="Орындау мерзімі өтіп кеткен күн болмауы керек.",
                          ru="Срок исполнения не может быть уже прошедшим днём."),
                field=f"{where}.due")
        if not calendar.is_working_day(item.due):
            raise ValidationFailed(
                f"{where}.due {item.due} is not a working day",
                Bilingual(kk=f"{item.due.strftime('%d.%m.%Y')} — жұмыс күні емес.",
                          ru=f"{item.due.strftime('%d.%m.%Y')} — нерабочий день."),
                field=f"{where}.due")
        return item.due

    def get(self, number: str) -> ProtocolInfo:
        with self._db.read() as session:
            found = session.execute(select(ReceptionProtocolRow, BookingRequestRow).join(
                BookingRequestRow, BookingRequestRow.id == ReceptionProtocolRow.request_id)
                .where(BookingRequestRow.number == number)).first()
            if found is None:
                raise NotFound(f"request {number!r} has no protocol",
                               Bilingual(kk="Қабылдау хаттамасы табылмады.",
                                         ru="Протокол приема не найден."), field="number")
            return _info(found[0], found[1])

    def register_entries(self, *, official: str | None = None) -> list[ProtocolInfo]:
        """Every protocol, oldest first, for the appeals register (issue 8)."""
        with self._db.read() as session:
            query = select(ReceptionProtocolRow, BookingRequestRow).join(
                BookingRequestRow, BookingRequestRow.id == ReceptionProtocolRow.request_id
            ).order_by(ReceptionProtocolRow.id)
            if official is not None:
                query = query.where(ReceptionProtocolRow.official == official)
            return [_info(p, r) for p, r in session.execute(query).all()]
