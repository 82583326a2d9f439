"""`python -m firmware.ticket_terminal.preview DIR [--width DOTS]`: every kind of slip in
Kazakh and Russian drawn to PNG files, exactly as image mode prints them, so a person can
look at the layout and the letters without a printer."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path

from contract.mqtt import IssuedTicket, Language, Text
from firmware.ticket_terminal.face import Face, Labels, NoteFace, TicketFace, face_of
from firmware.ticket_terminal.layout import render, slip
from firmware.ticket_terminal.settings import PURPOSES_000_8

CENTER = Text(kk="Бородулиха ауданының азаматтарды қабылдау орталығы",
              ru="Центр приема граждан Бородулихинского района")
AT = datetime(2026, 11, 23, 7, 42, tzinfo=UTC)


def samples(language: Language) -> dict[str, Face]:
    purpose = PURPOSES_000_8["appeal_paper"]
    ticket = IssuedTicket(
        ticket_id=1, number=142, zone="consultation",
        zone_name=Text(kk="Консультация", ru="Консультация"), purpose="appeal_paper",
        purpose_name=purpose.name, language=language, out_of_turn=None, needs_escort=False,
        issued_at=AT, service_day=date(2026, 11, 23), people_ahead=6, wait_minutes=24,
        note=Text(kk="13:00–14:30 түскі үзіліс", ru="Обед с 13:00 до 14:30"),
        status_url="http://hub.local/t/8Kq2xZ")
    priority = ticket.model_copy(update={"number": 501, "out_of_turn": "disability",
                                         "needs_escort": True, "note": None,
                                         "zone_name": Text(kk="Жеке қабылдау",
                                                           ru="Личный прием")})
    return {
        "ticket": face_of(ticket, CENTER),
        "out-of-turn": face_of(priority, CENTER),
        "reprint": face_of(ticket, CENTER, reprint=True),
        "offline": TicketFace(language=language, center_name=CENTER, number=300,
                              zone_name=ticket.zone_name, purpose_name=purpose.name,
                              issued_at=AT, offline=True),
        "unknown-code": NoteFace(language=language, center_name=CENTER,
                                 title=Labels.UNKNOWN_CODE,
                                 body=Text(kk="Мұндай жазылу жоқ немесе мерзімі өтті",
                                           ru="Такой записи нет или срок её истёк"), at=AT),
        "closed": NoteFace(language=language, center_name=CENTER, title=Labels.CLOSED,
                           body=Text(kk="Орталық 24.11.2026 09:00-де ашылады",
                                     ru="Центр откроется 24.11.2026 в 09:00"), at=AT),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ticket-preview", description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--width", type=int, default=512, help="dots (58 mm printers: 384)")
    parser.add_argument("--timezone", default="Asia/Almaty")
    args = parser.parse_args(argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    for language in ("kk", "ru"):
        for name, face in samples(language).items():
            picture = render(slip(face, args.timezone), args.width)
            picture.save(args.directory / f"{name}-{language}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
