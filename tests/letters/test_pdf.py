"""The PDF: A4, the words extractable in Kazakh and Russian, the QR of the
booking code as an embedded image, page numbers, the same bytes for the same
letter; and page 1 rendered to PNG for a person to look at."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image
from pypdf import PdfReader

from hub.domain.text import Language
from hub.letters import BookingMoved, CorrectionRequested, Letter, LetterKind, render_pdf
from hub.letters.pdf import FONT_DIR, qr_image

from .conftest import BOOKING, CONTENTS, KAZAKH_LETTERS, NEW_BOOKING

MakeLetter = Callable[..., Letter]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "letters"
A4 = (595.28, 841.89)  # points


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def test_the_font_ships_with_its_license() -> None:
    assert (FONT_DIR / "DejaVuSans.ttf").stat().st_size > 500_000
    assert (FONT_DIR / "DejaVuSans-Bold.ttf").is_file()
    assert "Bitstream" in (FONT_DIR / "LICENSE").read_text()


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("kind", list(LetterKind))
def test_every_letter_is_an_a4_pdf_with_its_words(make_letter: MakeLetter, kind: LetterKind,
                                                  language: Language) -> None:
    pdf = render_pdf(make_letter(CONTENTS[kind], language))
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (
        round(A4[0], 1), round(A4[1], 1))
    text = _flat(_text(pdf))
    assert "ЛП-2026-00017" in text
    assert "Бородулиха ауданы әкімі" in text  # the letterhead in both languages
    assert "Центр приема граждан" in text
    assert "Қ. Тоқтаров" in text  # the signature line
    if language is Language.KK:
        assert "Бет 1 / 1" in text and "Құрметпен" in text
    else:
        assert "Страница 1 из 1" in text and "С уважением" in text
    assert reader.metadata is not None and reader.metadata.title


def test_kazakh_letters_survive_into_the_pdf(make_letter: MakeLetter) -> None:
    text = _flat(_text(render_pdf(make_letter(language="kk"))))
    assert set("әғқңөұүһі") <= set(text.lower()) | {"һ"}  # һ is rare in the words used
    assert KAZAKH_LETTERS & set(text)
    for words in ("Жеке қабылдауға жазылу туралы", "Құрметті өтініш беруші!",
                  "2026 жылғы 3 желтоқсан (бейсенбі)", "Әбішев Нұрлан Қайратұлы",
                  "Жазылу коды", "LP7K2Q9M", "өтінішіңіз қаралды"):
        assert words in text, words


def test_every_kazakh_letter_has_a_glyph(make_letter: MakeLetter) -> None:
    """One letter carrying all nine Kazakh letters, lower and upper case,
    comes back out of the PDF unchanged (no missing glyphs)."""
    alphabet = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
    pdf = render_pdf(make_letter(CorrectionRequested(defects=alphabet,
                                                     correct_by=BOOKING.day), "kk"))
    assert alphabet in _flat(_text(pdf))


def _images(pdf: bytes) -> list[Image.Image]:
    reader = PdfReader(io.BytesIO(pdf))
    return [picture.image for page in reader.pages for picture in page.images
            if picture.image is not None]


def _same_qr(embedded: Image.Image, code: str) -> bool:
    expected = qr_image(code).convert("1")
    return embedded.convert("1").resize(expected.size, Image.Resampling.NEAREST).tobytes() \
        == expected.tobytes()


@pytest.mark.parametrize("language", list(Language))
def test_confirmation_embeds_the_booking_code_as_qr(make_letter: MakeLetter,
                                                    language: Language) -> None:
    images = _images(render_pdf(make_letter(language=language)))
    assert len(images) == 1
    assert _same_qr(images[0], BOOKING.code)
    assert not _same_qr(images[0], "LP7K2Q9N")


def test_only_letters_with_a_booking_carry_a_qr(make_letter: MakeLetter) -> None:
    for kind in (LetterKind.REFUSAL, LetterKind.CORRECTION, LetterKind.MOVE):
        assert _images(render_pdf(make_letter(CONTENTS[kind]))) == [], kind
    moved = BookingMoved(cancelled=BOOKING, reason="іссапар", new_booking=NEW_BOOKING)
    images = _images(render_pdf(make_letter(moved)))
    assert len(images) == 1 and _same_qr(images[0], NEW_BOOKING.code)


def test_same_letter_same_bytes(make_letter: MakeLetter) -> None:
    assert render_pdf(make_letter()) == render_pdf(make_letter())
    assert render_pdf(make_letter()) != render_pdf(make_letter(language="ru"))


def test_a_long_letter_runs_onto_numbered_pages(make_letter: MakeLetter) -> None:
    defects = "\n".join(f"{n}. Не указан обязательный реквизит обращения номер {n}."
                        for n in range(1, 80))
    pdf = render_pdf(make_letter(CorrectionRequested(defects, BOOKING.day), "ru"))
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 2
    assert f"Страница {pages} из {pages}" in _flat(reader.pages[-1].extract_text())
    assert "Не указан обязательный реквизит обращения номер 79." in _flat(_text(pdf))


@pytest.mark.parametrize("language", list(Language))
def test_confirmation_rendered_to_png_for_a_person(make_letter: MakeLetter,
                                                   language: Language) -> None:
    """Writes test-artifacts/letters/confirmation-{kk,ru}.png (and the PDF)
    and checks the picture: A4 proportions, ink on the page, and the QR's dark
    modules in the upper right of the booking table."""
    pdf = render_pdf(make_letter(language=language))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"confirmation-{language}.pdf").write_bytes(pdf)
    document = pypdfium2.PdfDocument(pdf)
    try:
        picture = document[0].render(scale=1.6).to_pil().convert("L")
    finally:
        document.close()
    picture.save(ARTIFACTS / f"confirmation-{language}.png")
    width, height = picture.size
    assert abs(height / width - A4[1] / A4[0]) < 0.01
    histogram = picture.histogram()
    dark = sum(histogram[:100])
    assert dark > 0.01 * width * height  # text and the QR are drawn
    qr_zone = picture.crop((int(width * 0.76), int(height * 0.335), int(width * 0.89),
                            int(height * 0.415)))
    assert sum(qr_zone.histogram()[:60]) > 0.3 * qr_zone.width * qr_zone.height
