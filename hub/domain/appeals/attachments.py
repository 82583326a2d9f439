"""Attachments of an appeal: scans of documents. The type is judged by the
file's first bytes, never by its name or the browser's word, and the size is
limited; anything else is refused with a reason a person can act on."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.appeals.errors import AttachmentRefused
from hub.domain.text import Bilingual

__all__ = ["DEFAULT_MAX_BYTES", "DocumentType", "check_attachment", "sniff"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


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


def check_attachment(content: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DocumentType:
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
    return kind
