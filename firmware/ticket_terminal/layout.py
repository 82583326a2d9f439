"""The layout of a slip, once, as lines; and two ways to put it on paper: ESC/POS text
in code page KZ-1048 (printers whose profile has it), or the whole slip drawn as one
picture with a Cyrillic font (every printer). The picture is also the preview."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Literal, Protocol

import qrcode
from PIL import Image, ImageDraw, ImageFont

from contract.mqtt import Language
from firmware.ticket_terminal.face import Face, Labels, NoteFace, local_time, say

Size = Literal["small", "normal", "large", "huge"]


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    size: Size = "normal"
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Qr:
    content: str
    caption: str


Element = Line | Qr


def slip(face: Face, timezone: str) -> list[Element]:
    """What the slip says, top to bottom, in the face's language."""
    lang = face.language
    lines: list[Element] = [Line(say(face.center_name, lang), "small", bold=True)]
    if isinstance(face, NoteFace):
        other: Language = "ru" if lang == "kk" else "kk"
        for each in (lang, other) if face.bilingual else (lang,):
            lines += [Line(say(face.title, each), "large", bold=True)]
            if face.body is not None:
                lines.append(Line(say(face.body, each)))
        lines.append(Line(local_time(face.at, timezone), "small"))
        return lines
    if face.reprint:
        lines.append(Line(say(Labels.REPRINT, lang), "small"))
    lines += [Line(say(Labels.TICKET, lang)),
              Line(str(face.number), "huge", bold=True),
              Line(f"{say(Labels.ZONE, lang)}: {say(face.zone_name, lang)}", bold=True)]
    if face.purpose_name is not None:
        lines.append(Line(f"{say(Labels.PURPOSE, lang)}: {say(face.purpose_name, lang)}"))
    if face.out_of_turn:
        lines.append(Line(say(Labels.OUT_OF_TURN, lang), bold=True))
    if face.needs_escort:
        lines.append(Line(say(Labels.ESCORT, lang), bold=True))
    lines.append(Line(local_time(face.issued_at, timezone)))
    if face.people_ahead is not None:
        lines.append(Line(say(Labels.AHEAD, lang, n=face.people_ahead)))
    if face.wait_minutes is not None:
        lines.append(Line(say(Labels.WAIT, lang, n=round(face.wait_minutes))))
    if face.offline:
        lines.append(Line(say(Labels.OFFLINE, lang), "small"))
    if face.note is not None:
        lines.append(Line(say(face.note, lang), bold=True))
    lines.append(Line(say(Labels.WAIT_CALL, lang), "small"))
    if face.status_url is not None:
        lines.append(Qr(face.status_url, say(Labels.QR, lang)))
    return lines


class EscposLike(Protocol):
    def set(self, **kwargs: object) -> None: ...
    def textln(self, txt: str = "") -> None: ...
    def charcode(self, code: str = "AUTO") -> None: ...
    def qr(self, content: str, **kwargs: object) -> None: ...
    def image(self, img_source: Image.Image, **kwargs: object) -> None: ...
    def cut(self, mode: str = "FULL", feed: bool = True) -> None: ...


# Font A is 12 dots wide; the multiplier widens it.
CHAR_DOTS = 12
TEXT_SCALE: dict[Size, int] = {"small": 1, "normal": 1, "large": 2, "huge": 4}


def print_as_text(printer: EscposLike, elements: list[Element], width_dots: int) -> None:
    """ESC/POS text in KZ-1048 (ESC t 53): the printer must have that code page."""
    printer.charcode("RK1048")
    for element in elements:
        if isinstance(element, Qr):
            printer.set(align="center", normal_textsize=True, bold=False)
            printer.qr(element.content, size=6, native=False, center=True)
            printer.textln(element.caption)
            continue
        scale = TEXT_SCALE[element.size]
        if scale == 1:
            printer.set(align="center", bold=element.bold, normal_textsize=True)
        else:
            printer.set(align="center", bold=element.bold, custom_size=True,
                        width=scale, height=scale)
        for part in textwrap.wrap(element.text, max(8, width_dots // (CHAR_DOTS * scale))):
            printer.textln(part)
    printer.set(align="left", bold=False, normal_textsize=True)
    printer.cut()


def print_as_image(printer: EscposLike, elements: list[Element], width_dots: int) -> None:
    printer.image(render(elements, width_dots), center=False)
    printer.cut()


# Pixel heights of the drawn font per size.
FONT_PIXELS: dict[Size, int] = {"small": 20, "normal": 24, "large": 40, "huge": 120}
MARGIN = 8


@cache
def _font(bold: bool, pixels: int) -> ImageFont.FreeTypeFont:
    # DejaVu has every Kazakh letter; it ships in the package beside the hub's letters.
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    with as_file(files("hub") / "letters" / "fonts" / name) as path:
        return ImageFont.truetype(str(Path(path)), pixels)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont,
          width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def render(elements: list[Element], width_dots: int) -> Image.Image:
    """The whole slip as a 1-bit picture `width_dots` wide."""
    scratch = ImageDraw.Draw(Image.new("1", (1, 1)))
    usable = width_dots - 2 * MARGIN
    rows: list[tuple[str, ImageFont.FreeTypeFont] | Image.Image] = []
    for element in elements:
        if isinstance(element, Qr):
            code = qrcode.QRCode(border=1, box_size=max(2, usable // 2 // 33))
            code.add_data(element.content)
            code.make(fit=True)
            rows.append(code.make_image(fill_color="black", back_color="white")
                        .get_image().convert("1"))
            font = _font(False, FONT_PIXELS["small"])
            rows += [(part, font) for part in _wrap(scratch, element.caption, font, usable)]
            continue
        font = _font(element.bold, FONT_PIXELS[element.size])
        rows += [(part, font) for part in _wrap(scratch, element.text, font, usable)]
    heights = [row.height if isinstance(row, Image.Image) else
               int(row[1].size * 1.25) for row in rows]
    picture = Image.new("1", (width_dots, sum(heights) + 2 * MARGIN), 1)
    draw = ImageDraw.Draw(picture)
    top = MARGIN
    for row, height in zip(rows, heights, strict=True):
        if isinstance(row, Image.Image):
            picture.paste(row, ((width_dots - row.width) // 2, top))
        else:
            text, font = row
            left = (width_dots - draw.textlength(text, font=font)) / 2
            draw.text((left, top), text, font=font, fill=0)
        top += height
    return picture
