"""The slip's bytes from the Dummy printer: KZ-1048 text where the profile has the code
page, a picture otherwise; every Kazakh letter printable; the preview PNGs."""

from __future__ import annotations

from pathlib import Path

from escpos.printer import Dummy
from PIL import Image

from firmware.ticket_terminal.face import face_of
from firmware.ticket_terminal.layout import slip
from firmware.ticket_terminal.preview import main as preview_main
from firmware.ticket_terminal.printer import TicketPrinter
from firmware.ticket_terminal.settings import PrinterSection
from tests.ticket_terminal.conftest import CONSULTATION, issued

KAZAKH_LETTERS = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
ESC_T_KZ1048 = b"\x1bt\x35"
CUT = b"\x1dV"


def printed(section: PrinterSection, language: str = "kk") -> bytes:
    dummy = Dummy(profile=section.profile)
    printer = TicketPrinter(section, "Asia/Almaty", lambda _: dummy)
    printer.print(face_of(issued(101, language=language), CONSULTATION))
    output: bytes = dummy.output
    return output


def test_kazakh_ticket_in_kz1048_text() -> None:
    out = printed(PrinterSection(profile="TM-T88V"))
    assert out.startswith(ESC_T_KZ1048)
    for text in ("Қағаз түріндегі өтінішті тапсыру", "Алдыңызда: 4 адам",
                 "Күту уақыты: шамамен 18 мин", "23.11.2026 10:00", "Кезек талоны"):
        assert text.encode("kz1048") in out, text
    assert b"\x1d!\x33\x1bE\x01\x1ba\x01101\n" in out  # the number at 4x4, bold, centred
    assert b"?" not in out.split(b"\x1d(k")[0]  # nothing replaced before the QR
    assert out.endswith(CUT + b"\x00") or CUT in out[-8:]


def test_russian_ticket_has_no_kazakh_words() -> None:
    out = printed(PrinterSection(profile="TM-T88V"), "ru")
    assert "Перед вами: 4 чел.".encode("kz1048") in out
    assert "Алдыңызда".encode("kz1048") not in out


def test_qr_links_the_public_page() -> None:
    out = printed(PrinterSection(profile="TM-T88V"))
    # Drawn by the qrcode library (native=False): a raster image, then its caption.
    assert b"\x1dv0" in out
    assert "Кезегіңізді телефоннан бақылаңыз".encode("kz1048") in out


def test_every_kazakh_letter_survives_kz1048() -> None:
    assert KAZAKH_LETTERS.encode("kz1048").decode("kz1048") == KAZAKH_LETTERS


def test_profile_without_kz1048_prints_a_picture_of_its_width() -> None:
    section = PrinterSection(profile="POS-5890")
    out = printed(section)
    assert ESC_T_KZ1048 not in out
    assert "Алдыңызда".encode("kz1048") not in out
    raster = out.index(b"\x1dv0")
    width_bytes = int.from_bytes(out[raster + 4:raster + 6], "little")
    assert width_bytes * 8 == 384


def test_offline_ticket_says_so_and_has_no_people_ahead() -> None:
    from datetime import UTC, datetime

    from firmware.ticket_terminal.face import TicketFace
    face = TicketFace(language="ru", center_name=CONSULTATION, number=300,
                      zone_name=CONSULTATION, issued_at=datetime(2026, 11, 23, 5, tzinfo=UTC),
                      offline=True)
    texts = [getattr(element, "text", "") for element in slip(face, "Asia/Almaty")]
    assert "Связь временно отсутствует: ваше место в очереди сохранено" in texts
    assert not any("Перед вами" in text for text in texts)


def test_preview_renders_every_ticket_in_both_languages(tmp_path: Path) -> None:
    assert preview_main([str(tmp_path)]) == 0
    pictures = sorted(path.name for path in tmp_path.glob("*.png"))
    assert {"ticket-kk.png", "ticket-ru.png", "offline-kk.png", "offline-ru.png",
            "unknown-code-kk.png", "unknown-code-ru.png"} <= set(pictures)
    with Image.open(tmp_path / "ticket-kk.png") as picture:
        assert picture.width == 512 and picture.height > 600
        # Not blank: the big number and the QR code are black.
        assert picture.convert("L").getextrema()[0] == 0
