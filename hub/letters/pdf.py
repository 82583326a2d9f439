"""A letter as an A4 PDF, drawn with fpdf2 in the bundled DejaVu Sans.

Layout: the center's letterhead in Kazakh and Russian (as on the official
forms of Kazakhstan), the letter's date and the request's registration
number and date, the addressee, the title, the body (paragraphs, the booking
table with its code as a QR image, numbered grounds), the closing and the
signature line, and the page number at the foot of every page.

The PDF depends only on the letter: the creation date is the letter's date,
so the same letter gives the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import qrcode
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage

from hub.domain.text import Language
from hub.letters.model import Letter
from hub.letters.texts import (
    Details,
    LetterText,
    Numbered,
    Paragraph,
    UiText,
    letter_text,
    short_date,
)

__all__ = ["FONT_DIR", "qr_image", "render_pdf"]

FONT_DIR = Path(__file__).resolve().parent / "fonts"
_FONT = "DejaVuSans"
_BODY = 11.0
_LINE = 5.6  # mm per body line
_INK = (20, 20, 20)
_MUTED = (110, 110, 110)
_RULE = (30, 60, 120)


def qr_image(code: str) -> Image.Image:
    """The booking code as a QR image (a Pillow image), medium error correction."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=2)
    qr.add_data(code)
    qr.make(fit=True)
    image = qr.make_image(image_factory=PilImage, fill_color="black", back_color="white")
    picture: Image.Image = image.get_image()
    return picture


class _LetterPdf(FPDF):
    def __init__(self, language: Language) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.language = language
        self.add_font(_FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(_FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(left=25, top=15, right=15)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages("{nb}")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(_FONT, "", 8)
        self.set_text_color(*_MUTED)
        text = UiText.PAGE.get(self.language).format(page=self.page_no(), pages="{nb}")
        self.cell(0, 5, text, align=Align.C)
        self.set_text_color(*_INK)


def _letterhead(pdf: _LetterPdf, letter: Letter) -> None:
    column = (pdf.epw - 20) / 2
    top = pdf.get_y()
    pdf.set_font(_FONT, "B", 10)
    pdf.set_text_color(*_RULE)
    pdf.multi_cell(column, 5, letter.center.kk, align=Align.C,
                   new_x=XPos.LEFT, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + column + 20, top)
    pdf.multi_cell(column, 5, letter.center.ru, align=Align.C,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = max(left_bottom, pdf.get_y()) + 2
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, bottom, pdf.w - pdf.r_margin, bottom)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, bottom + 1.2, pdf.w - pdf.r_margin, bottom + 1.2)
    pdf.set_text_color(*_INK)
    pdf.set_draw_color(*_INK)
    pdf.set_y(bottom + 5)


def _reference_and_addressee(pdf: _LetterPdf, letter: Letter, text: LetterText) -> None:
    top = pdf.get_y()
    half = pdf.epw / 2
    pdf.set_font(_FONT, "", 9.5)
    pdf.multi_cell(half - 5, 4.8, f"{short_date(letter.issued_on)}\n{text.reference}",
                   align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half + 5, top)
    pdf.set_font(_FONT, "", 10)
    pdf.multi_cell(half - 5, 5, text.addressee_label, align=Align.L,
                   new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(_FONT, "B", 11)
    pdf.multi_cell(half - 5, 5.5, letter.addressee, align=Align.L,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)


def _paragraph(pdf: _LetterPdf, block: Paragraph) -> None:
    pdf.set_font(_FONT, "B" if block.bold else "", _BODY)
    pdf.multi_cell(0, _LINE, block.text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2.5)


def _numbered(pdf: _LetterPdf, block: Numbered) -> None:
    pdf.set_font(_FONT, "", _BODY)
    for number, item in enumerate(block.items, 1):
        pdf.set_x(pdf.l_margin + 4)
        pdf.cell(7, _LINE, f"{number})")
        pdf.multi_cell(0, _LINE, item, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    pdf.ln(2)


def _details(pdf: _LetterPdf, block: Details) -> None:
    qr_side = 38.0 if block.qr_code else 0.0
    table_width = pdf.epw - (qr_side + 6 if qr_side else 0)
    label_width = 52.0
    # Keep the table and its QR on one page.
    needed = max(qr_side + 10, len(block.rows) * (_LINE + 2) + 8)
    if pdf.get_y() + needed > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_fill_color(242, 245, 250)
    pdf.set_draw_color(190, 200, 215)
    y = top + 2
    for label, value in block.rows:
        pdf.set_xy(pdf.l_margin + 3, y)
        pdf.set_font(_FONT, "", 9.5)
        pdf.set_text_color(*_MUTED)
        pdf.multi_cell(label_width - 3, _LINE, label, align=Align.L,
                       new_x=XPos.LEFT, new_y=YPos.NEXT)
        label_bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + label_width, y)
        pdf.set_font(_FONT, "B", _BODY)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(table_width - label_width - 2, _LINE, value, align=Align.L,
                       new_x=XPos.LEFT, new_y=YPos.NEXT)
        y = max(label_bottom, pdf.get_y()) + 1.5
    bottom = max(y + 1, top + qr_side + 4)
    pdf.rect(pdf.l_margin, top, pdf.epw, bottom - top)
    if block.qr_code:
        x = pdf.l_margin + pdf.epw - qr_side - 3
        pdf.image(qr_image(block.qr_code), x=x, y=top + 1.5, w=qr_side, h=qr_side)
        pdf.set_font(_FONT, "", 7.5)
        pdf.set_text_color(*_MUTED)
        pdf.set_xy(x, top + qr_side + 0.5)
        pdf.cell(qr_side, 3, f"{UiText.QR_CAPTION.get(pdf.language)}: {block.qr_code}",
                 align=Align.C)
        pdf.set_text_color(*_INK)
    pdf.set_draw_color(*_INK)
    pdf.set_y(bottom + 4)


def _signature(pdf: _LetterPdf, letter: Letter, text: LetterText) -> None:
    pdf.ln(4)
    pdf.set_font(_FONT, "", _BODY)
    pdf.cell(0, _LINE, text.closing, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    if pdf.get_y() + 20 > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_font(_FONT, "B", 10.5)
    pdf.multi_cell(75, 5.2, letter.signer_position, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    line_y = max(bottom, top + 5.2) - 1.2
    pdf.set_draw_color(*_INK)
    pdf.line(pdf.l_margin + 85, line_y, pdf.l_margin + 125, line_y)
    pdf.set_xy(pdf.l_margin + 130, line_y - 4.5)
    pdf.set_font(_FONT, "B", 10.5)
    pdf.cell(pdf.epw - 130, 5.2, letter.signer_name, align=Align.R)
    pdf.set_y(bottom + 6)
    pdf.set_font(_FONT, "", 8)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, 4, UiText.AUTOMATIC.get(letter.language), align=Align.L,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)


def render_pdf(letter: Letter) -> bytes:
    """The letter as PDF bytes, in the applicant's language."""
    text = letter_text(letter)
    pdf = _LetterPdf(letter.language)
    pdf.set_title(text.title)
    pdf.set_subject(f"№ {letter.registration_number}")
    pdf.set_author(letter.center.get(letter.language))
    pdf.set_creator("Kezek")
    pdf.set_lang(letter.language.value)
    issued = datetime(letter.issued_on.year, letter.issued_on.month, letter.issued_on.day,
                      tzinfo=UTC)
    pdf.set_creation_date(issued)
    pdf.add_page()
    _letterhead(pdf, letter)
    _reference_and_addressee(pdf, letter, text)
    pdf.set_font(_FONT, "B", 12.5)
    pdf.multi_cell(0, 6.5, text.title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(_FONT, "", _BODY)
    pdf.cell(0, _LINE, text.salutation, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    for block in text.blocks:
        if isinstance(block, Paragraph):
            _paragraph(pdf, block)
        elif isinstance(block, Details):
            _details(pdf, block)
        else:
            _numbered(pdf, block)
    _signature(pdf, letter, text)
    return bytes(pdf.output())
