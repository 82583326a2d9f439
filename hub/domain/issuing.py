"""The rules for handing out a ticket: where the purpose leads, whether the
center is open, and what the visitor is told about lunch or closing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from hub.domain.calendar import OpeningState, WorkCalendar
from hub.domain.center import CenterConfig, Purpose, Zone
from hub.domain.errors import CenterClosed, ValidationFailed
from hub.domain.ordering import Queued, call_key
from hub.domain.text import Bilingual
from hub.domain.tickets import WAITING_STATES

_MONTHS_KK = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
              "қыркүйек", "қазан", "қараша", "желтоқсан")
_MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")


def spoken_date(moment: datetime) -> Bilingual:
    """"24 қараша, 09:00" / "24 ноября, 09:00": how a person writes the next opening."""
    clock = moment.strftime("%H:%M")
    return Bilingual(kk=f"{moment.day} {_MONTHS_KK[moment.month - 1]}, {clock}",
                     ru=f"{moment.day} {_MONTHS_RU[moment.month - 1]}, {clock}")


@dataclass(frozen=True, slots=True)
class IssuePlan:
    zone: Zone
    purpose: Purpose | None
    service_day: date
    note: Bilingual | None


def plan_ticket(center: CenterConfig, calendar: WorkCalendar, now: datetime, *,
                purpose: str | None, zone: str | None,
                out_of_turn: str | None) -> IssuePlan:
    """Decide the zone of a new ticket, or refuse it with the next opening time."""
    chosen_purpose = center.purpose(purpose) if purpose is not None else None
    if chosen_purpose is None and zone is None:
        raise ValidationFailed("a ticket needs a purpose or a zone",
                               Bilingual(kk="Келу мақсатын таңдаңыз",
                                         ru="Выберите цель визита"), field="purpose")
    target = center.zone(zone if zone is not None else chosen_purpose.zone)  # type: ignore[union-attr]
    if chosen_purpose is not None and zone is not None and chosen_purpose.zone != zone:
        raise ValidationFailed(
            f"purpose {chosen_purpose.code!r} leads to zone {chosen_purpose.zone!r}, not {zone!r}",
            Bilingual(kk="Келу мақсаты мен аймақ сәйкес келмейді",
                      ru="Цель визита не соответствует зоне"), field="zone")
    if not target.serving:
        raise ValidationFailed(f"zone {target.code!r} does not call visitors by ticket",
                               Bilingual(kk=f"«{target.name.kk}» аймағына талон берілмейді",
                                         ru=f"В зону «{target.name.ru}» талоны не выдаются"),
                               field="zone")
    if out_of_turn is not None:
        center.out_of_turn_category(out_of_turn)

    status = calendar.status_at(now)
    # A lunch that runs up to closing time resumes only tomorrow: that is closed.
    closed_for_today = (status.state is OpeningState.LUNCH and status.resumes_at is not None
                        and status.resumes_at.date() != calendar.service_day(now))
    if status.state is OpeningState.CLOSED or closed_for_today:
        assert status.resumes_at is not None
        when = spoken_date(status.resumes_at)
        raise CenterClosed(
            f"the center is closed; it opens at {status.resumes_at.isoformat()}",
            Bilingual(kk=f"Орталық қазір жабық. Келесі жұмыс уақыты: {when.kk}.",
                      ru=f"Центр сейчас закрыт. Приём откроется {when.ru}."),
            field=None, opens_at=status.resumes_at.isoformat())
    note = None
    if status.state is OpeningState.LUNCH:
        assert status.resumes_at is not None
        clock = status.resumes_at.strftime("%H:%M")
        note = Bilingual(kk=f"Түскі үзіліс. Қабылдаудың жалғасу уақыты: {clock}.",
                         ru=f"Обеденный перерыв. Приём возобновится в {clock}.")
    return IssuePlan(zone=target, purpose=chosen_purpose, service_day=calendar.service_day(now),
                     note=note)


def people_ahead(waiting: Iterable[Queued], ticket: Queued, now: datetime) -> int:
    """How many of the zone's waiting tickets would be called before `ticket`."""
    mine = call_key(ticket, now)
    return sum(1 for other in waiting
               if other is not ticket and other.state in WAITING_STATES
               and other.zone == ticket.zone
               and (other.target_desk is None or other.target_desk == ticket.target_desk
                    or ticket.target_desk is None)
               and call_key(other, now) < mine)
