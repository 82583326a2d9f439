"""Attachments of an appeal: scans of documents. The type is judged by the
file's first bytes, never by its name or the browser's word, the size is
limited, and the content must parse as what it claims (issue 17): a PDF that
pypdf opens and that carries no active content, an image that Pillow decodes
within a pixel budget, and no second format hidden in the same bytes (a
polyglot). Anything else is refused with a reason a person can act on.

The file name is shown to people: control, bidi and zero-width characters are
refused in it (``check_file_name``, by the one rule of
``hub.domain.safe_text``)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject

from hub.domain.appeals.errors import AttachmentRefused
from hub.domain.safe_text import refused_character
from hub.domain.text import Bilingual

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_PIXELS", "DocumentType", "check_attachment",
           "check_file_name", "sniff"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# An A4 page scanned at 600 dpi is 4961 × 7016 ≈ 35 million pixels; 50 million
# leaves room for A3 at 400 dpi and keeps a decoded page under ~200 MB.
DEFAULT_MAX_PIXELS = 50_000_000
MAX_FRAMES = 100  # pages of a multi-page TIFF
# PDF readers look for "%PDF-" in the first 1024 bytes of any file.
PDF_HEADER_WINDOW = 1024


@dataclass(frozen=True, slots=True)
class DocumentType:
    media_type: str
    extension: str


_SIGNATURES: tuple[tuple[bytes, DocumentType], ...] = (
    (b"%PDF-", DocumentType("application/pdf", "pdf")),
    (b"\xff\xd8\xff", DocumentType("image/jpeg", "jpg")),
    (b"\x89PNG\r\n\x1a\n", DocumentType("image/png", "png")),
    (b"II*\x00", DocumentType("image/tiff", "tif")),
    (b"MM\x00*", DocumentType("image/tiff", "tif")),
)


def sniff(content: bytes) -> DocumentType | None:
    """The document type the content starts like, or None."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    return None


def check_attachment(content: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                     max_pixels: int = DEFAULT_MAX_PIXELS) -> DocumentType:
    """The type of an acceptable scan; raises ``AttachmentRefused`` otherwise."""
    if not content:
        raise AttachmentRefused(
            "the attachment is empty",
            Bilingual(kk="Файл бос.", ru="Файл пустой."), field="file", reason="empty")
    if len(content) > max_bytes:
        limit = f"{max_bytes / (1024 * 1024):.0f}"
        raise AttachmentRefused(
            f"the attachment has {len(content)} bytes, more than {max_bytes}",
            Bilingual(kk=f"Файл тым үлкен: {limit} МБ-тан аспауы керек.",
                      ru=f"Файл слишком большой: не более {limit} МБ."),
            field="file", reason="too_large")
    kind = sniff(content)
    if kind is None:
        raise AttachmentRefused(
            "the attachment is not a PDF, JPEG, PNG or TIFF document",
            Bilingual(kk="Файл құжат емес: тек PDF, JPEG, PNG немесе TIFF сканері қабылданады.",
                      ru="Файл не является документом: принимаются только сканы PDF, JPEG, "
                         "PNG или TIFF."),
            field="file", reason="not_a_document")
    if kind.extension == "pdf":
        _check_pdf(content)
    else:
        _check_image(content, kind, max_pixels)
    return kind


def _unreadable(detail: str) -> AttachmentRefused:
    return AttachmentRefused(
        f"the attachment does not open: {detail}",
        Bilingual(kk="Файл ашылмайды немесе бүлінген: сканерді қайта сақтап, қайта жүктеңіз.",
                  ru="Файл не открывается или повреждён: пересохраните скан и загрузите "
                     "снова."),
        field="file", reason="unreadable")


def _active(what: str) -> AttachmentRefused:
    return AttachmentRefused(
        f"the PDF carries active content: {what}",
        Bilingual(kk="PDF файлында белсенді мазмұн бар (скрипт, әрекет, ендірілген файл "
                     "немесе форма): тек кәдімгі скан қабылданады.",
                  ru="В PDF есть активное содержимое (скрипт, действие, вложенный файл или "
                     "форма): принимается только обычный скан."),
        field="file", reason="active_content")


def _polyglot(what: str) -> AttachmentRefused:
    return AttachmentRefused(
        f"the attachment is two formats at once: {what}",
        Bilingual(kk="Файлда бір құжаттан басқа деректер бар: сканерді қайта сақтаңыз.",
                  ru="В файле кроме документа есть посторонние данные: пересохраните скан."),
        field="file", reason="polyglot")


# Actions that run something, reach out, or carry another file.
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm",
                             "/GoToE", "/GoToR", "/RichMediaExecute", "/Rendition",
                             "/Sound", "/Movie"})
_ACTIVE_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/Movie", "/Sound",
                                 "/Screen", "/3D"})


def _resolved(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


def _check_action(action: Any, where: str) -> None:
    """An action dictionary (or a chain of them through /Next) must not run code."""
    seen = 0
    while action is not None and seen < 64:
        action = _resolved(action)
        if isinstance(action, ArrayObject):
            for item in action:
                _check_action(item, where)
            return
        if not isinstance(action, DictionaryObject):
            return
        kind = action.get("/S")
        if kind in _ACTIVE_ACTIONS or "/JS" in action:
            raise _active(f"{kind or '/JS'} action in {where}")
        action = action.get("/Next")
        seen += 1


def _check_pdf(content: bytes) -> None:
    """pypdf opens it; the catalog and each page carry no JavaScript, automatic
    action (/OpenAction, /AA), launch, embedded file, XFA form or rich media;
    nothing but whitespace follows the last %%EOF (a ZIP or HTML behind a PDF)."""
    tail = content[content.rfind(b"%%EOF") + 5:] if b"%%EOF" in content else b"?"
    if tail.strip(b" \r\n\t\x00"):
        raise _polyglot("data after the PDF's end")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise AttachmentRefused(
                "the PDF is encrypted", Bilingual(
                    kk="PDF құпиясөзбен қорғалған: қорғаусыз сканерді жүктеңіз.",
                    ru="PDF защищён паролем: загрузите скан без защиты."),
                field="file", reason="encrypted")
        catalog = _resolved(reader.trailer["/Root"])
        if not isinstance(catalog, DictionaryObject):
            raise _unreadable("no catalog")
        if "/OpenAction" in catalog:
            _check_action(catalog["/OpenAction"], "the catalog's /OpenAction")
            if isinstance(_resolved(catalog["/OpenAction"]), DictionaryObject):
                raise _active("/OpenAction")
        if "/AA" in catalog:
            raise _active("/AA in the catalog")
        names = _resolved(catalog.get("/Names"))
        if isinstance(names, DictionaryObject):
            for tree in ("/JavaScript", "/EmbeddedFiles"):
                if tree in names:
                    raise _active(f"{tree} in the name tree")
        form = _resolved(catalog.get("/AcroForm"))
        if isinstance(form, DictionaryObject) and "/XFA" in form:
            raise _active("an XFA form")
        pages = reader.pages
        if len(pages) == 0:
            raise _unreadable("no pages")
        for number, page in enumerate(pages, start=1):
            if "/AA" in page:
                raise _active(f"/AA on page {number}")
            for annotation in _resolved(page.get("/Annots")) or []:
                annotation = _resolved(annotation)
                if not isinstance(annotation, DictionaryObject):
                    continue
                if annotation.get("/Subtype") in _ACTIVE_ANNOTATIONS:
                    raise _active(f"{annotation.get('/Subtype')} annotation on page {number}")
                if "/AA" in annotation:
                    raise _active(f"/AA on an annotation of page {number}")
                _check_action(annotation.get("/A"), f"an annotation of page {number}")
    except AttachmentRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError,
            OSError) as error:
        raise _unreadable(type(error).__name__) from error


def _bomb(width: int, height: int, max_pixels: int) -> AttachmentRefused:
    return AttachmentRefused(
        f"the image is {width}×{height} pixels, more than {max_pixels}",
        Bilingual(kk="Сурет тым үлкен (пиксель саны шектен асады): сканерді 300–600 dpi "
                     "етіп сақтаңыз.",
                  ru="Изображение слишком большое (пикселей больше предела): сохраните скан "
                     "с разрешением 300–600 dpi."),
        field="file", reason="too_many_pixels")


def _check_image(content: bytes, kind: DocumentType, max_pixels: int) -> None:
    """Pillow opens it as the type its first bytes say; each frame's size is
    checked against ``max_pixels`` from the header, before anything is
    decoded (a 60000 × 60000 PNG is a few KB on disk and 3.6 GB decoded), then
    the whole image is decoded; a PDF header in the first kilobyte is refused."""
    if b"%PDF-" in content[:PDF_HEADER_WINDOW]:
        raise _polyglot("a PDF header inside an image")
    if kind.extension == "png" and not content.rstrip(b"\x00").endswith(
            b"IEND\xaeB`\x82"):
        raise _polyglot("data after the PNG's end")
    expected = {"jpg": "JPEG", "png": "PNG", "tif": "TIFF"}[kind.extension]
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb limit is one global for the process: ours is per call.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[expected]) as image:
                frames = getattr(image, "n_frames", 1)
                if frames > MAX_FRAMES:
                    raise _unreadable(f"{frames} frames")
                for frame in range(frames):
                    image.seek(frame)
                    width, height = image.size
                    if width * height > max_pixels:
                        raise _bomb(width, height, max_pixels)
                    image.load()
    except AttachmentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _bomb(0, 0, max_pixels) from error
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as error:
        raise _unreadable(type(error).__name__) from error


# Bidi embeddings, overrides and isolates, marks, zero-width characters: a name
# like "scan\u202efdp.exe" shows as "scanexe.pdf".
def check_file_name(name: str) -> str:
    """The file name as it will be shown: one line of visible characters, by the one
    rule of what free text may hold (`hub.domain.safe_text.refused_character`); the
    words here name the file (a hidden U+202E turns `scan\u202efdp.exe` into what
    looks like `scanexe.pdf`)."""
    for char in name:
        if refused_character(char) is not None:
            code_point = f"U+{ord(char):04X}"
            raise AttachmentRefused(
                f"the file name has the invisible character {code_point}",
                Bilingual(kk=f"Файл атауында көрінбейтін немесе мәтін бағытын өзгертетін "
                             f"таңба бар ({code_point}): файлдың атын өзгертіңіз.",
                          ru=f"В имени файла есть невидимый символ или символ смены "
                             f"направления текста ({code_point}): переименуйте файл."),
                field="file", reason="bad_file_name")
    return name
