"""Real documents for the upload tests, made here rather than kept as files:
a clean scan of each type, PDFs with active content, polyglots and
decompression bombs (small on disk, huge decoded)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)


def clean_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _js_action() -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                             NameObject("/JS"): TextStringObject("app.alert(1)")})


def pdf_with(where: str) -> bytes:
    """A one-page PDF with active content at ``where``: "openaction",
    "page_aa", "names_js", "attachment", "xfa" or "launch_link"."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    root = writer._root_object
    if where == "openaction":
        root[NameObject("/OpenAction")] = writer._add_object(_js_action())
    elif where == "page_aa":
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _js_action()})
    elif where == "names_js":
        tree = DictionaryObject({NameObject("/Names"): ArrayObject(
            [TextStringObject("hello"), writer._add_object(_js_action())])})
        root[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    elif where == "attachment":
        writer.add_attachment("payload.exe", b"MZ\x90\x00")
    elif where == "xfa":
        root[NameObject("/AcroForm")] = DictionaryObject(
            {NameObject("/Fields"): ArrayObject(),
             NameObject("/XFA"): TextStringObject("<xdp:xdp/>")})
    elif where == "launch_link":
        link = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([]),
            NameObject("/A"): DictionaryObject({
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("cmd.exe")})})
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    else:
        raise ValueError(where)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image(kind: str, size: tuple[int, int] = (200, 280)) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, format=kind)
    return out.getvalue()


def png_pdf_polyglot() -> bytes:
    """A valid PNG whose first kilobyte also holds a PDF header (a PDF reader
    finds it; the PDF follows after the PNG's end)."""
    png = image("PNG")
    # A private ancillary chunk is allowed anywhere before IDAT: put "%PDF-" in it.
    payload = b"%PDF-1.4\n"
    chunk = struct.pack(">I", len(payload)) + b"pdFx" + payload
    chunk += struct.pack(">I", zlib.crc32(b"pdFx" + payload))
    return png[:33] + chunk + png[33:] + clean_pdf()


def pdf_then_zip() -> bytes:
    return clean_pdf() + b"PK\x03\x04" + b"\x00" * 26


def bomb_png(width: int = 60000, height: int = 60000) -> bytes:
    """A 1-bit grey PNG of ``width`` × ``height`` zeros: a few hundred KB on
    disk, ``width * height`` pixels decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))
