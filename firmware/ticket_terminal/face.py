"""What a printed slip says, in one visitor language: a ticket (from the hub, or from a
leased number while the hub is away), or a short note (closed, unknown booking code).
Nothing personal: numbers, zone and purpose names, times, a link to the public page."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict

from contract.mqtt import IssuedTicket, Language, Text


class TicketFace(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["ticket"] = "ticket"
    language: Language
    center_name: Text
    number: int
    zone_name: Text
    purpose_name: Text | None = None
    issued_at: AwareDatetime
    people_ahead: int | None = None  # unknown for a ticket printed from a lease
    wait_minutes: float | None = None
    note: Text | None = None
    status_url: str | None = None
    out_of_turn: bool = False
    needs_escort: bool = False
    offline: bool = False
    reprint: bool = False


class NoteFace(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["note"] = "note"
    language: Language
    center_name: Text
    title: Text
    body: Text | None = None
    at: AwareDatetime
    # Both languages, the face's first: the visitor chose none (a code scanned straight
    # away), so the terminal cannot know which one they read.
    bilingual: bool = False


Face = TicketFace | NoteFace


def face_of(ticket: IssuedTicket, center_name: Text, *, reprint: bool = False) -> TicketFace:
    return TicketFace(language=ticket.language, center_name=center_name, number=ticket.number,
                      zone_name=ticket.zone_name, purpose_name=ticket.purpose_name,
                      issued_at=ticket.issued_at, people_ahead=ticket.people_ahead,
                      wait_minutes=ticket.wait_minutes, note=ticket.note,
                      status_url=ticket.status_url, out_of_turn=ticket.out_of_turn is not None,
                      needs_escort=ticket.needs_escort, reprint=reprint)


class Labels:
    """The fixed words of a slip, in Kazakh and Russian."""
    TICKET = Text(kk="Кезек талоны", ru="Талон электронной очереди")
    ZONE = Text(kk="Аймақ", ru="Зона")
    PURPOSE = Text(kk="Мақсаты", ru="Цель визита")
    AHEAD = Text(kk="Алдыңызда: {n} адам", ru="Перед вами: {n} чел.")
    WAIT = Text(kk="Күту уақыты: шамамен {n} мин", ru="Ожидание: около {n} мин")
    OUT_OF_TURN = Text(kk="Кезектен тыс", ru="Вне очереди")
    ESCORT = Text(kk="Қызметкер алып жүреді", ru="Вас проводит сотрудник")
    OFFLINE = Text(kk="Байланыс уақытша жоқ: кезектегі орныңыз сақталады",
                   ru="Связь временно отсутствует: ваше место в очереди сохранено")
    REPRINT = Text(kk="Қайта басылған талон", ru="Повторная печать талона")
    QR = Text(kk="Кезегіңізді телефоннан бақылаңыз", ru="Следите за очередью с телефона")
    WAIT_CALL = Text(kk="Нөміріңізді таблода және дыбыспен шақырады",
                     ru="Ваш номер вызовут на табло и голосом")
    UNKNOWN_CODE = Text(kk="Жазылу коды табылмады", ru="Код записи не найден")
    BOOKING = Text(kk="Жеке қабылдауға жазылу", ru="Запись на личный прием")
    CLOSED = Text(kk="Орталық жабық", ru="Центр закрыт")


def say(text: Text, language: Language, **values: object) -> str:
    chosen = text.kk if language == "kk" else text.ru
    return chosen.format(**values) if values else chosen


def local_time(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")
