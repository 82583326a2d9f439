"""Uploads are checked by parsing, not by their first bytes (issue 17, Deliver 6):
a PDF with active content, a polyglot, a decompression bomb and a file name
with bidi or zero-width characters are refused with a bilingual reason and
nothing stored; an ordinary scan of each type is kept."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.domain.appeals.attachments import check_attachment, check_file_name
from hub.domain.appeals.errors import AttachmentRefused
from hub.domain.roles import Role
from hub.wiring import Hub
from tests.hub.test_api_appeals import APPEAL
from tests.security import documents

BIG = 100 * 1024 * 1024


@cache
def bomb() -> bytes:
    return documents.bomb_png()


@pytest.mark.parametrize("where", ["openaction", "page_aa", "names_js", "attachment", "xfa",
                                   "launch_link"])
def test_a_pdf_with_active_content_is_refused(where: str) -> None:
    with pytest.raises(AttachmentRefused) as refused:
        check_attachment(documents.pdf_with(where))
    assert refused.value.extra["reason"] == "active_content"
    assert "PDF" in refused.value.text.kk and "PDF" in refused.value.text.ru


@pytest.mark.parametrize(("content", "reason"), [
    (documents.png_pdf_polyglot(), "polyglot"),
    (documents.pdf_then_zip(), "polyglot"),
    (documents.image("PNG") + b"<script>alert(1)</script>", "polyglot"),
    (b"%PDF-1.7\n" + b"not really a PDF\n%%EOF\n", "unreadable"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "polyglot"),
    (b"\xff\xd8\xff\xe0" + b"garbage" * 10, "unreadable"),
])
def test_polyglots_and_fakes_with_the_right_first_bytes_are_refused(content: bytes,
                                                                   reason: str) -> None:
    with pytest.raises(AttachmentRefused) as refused:
        check_attachment(content)
    assert refused.value.extra["reason"] == reason


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    content = bomb()
    assert len(content) < 1024 * 1024  # 60000 × 60000 pixels in well under 1 MB
    with pytest.raises(AttachmentRefused) as refused:
        check_attachment(content, max_bytes=BIG)
    assert refused.value.extra["reason"] == "too_many_pixels"
    assert "пиксель" in refused.value.text.kk and "пикселей" in refused.value.text.ru
    # Within Pillow's own process-wide limit but over the scan budget: refused too.
    with pytest.raises(AttachmentRefused) as over_budget:
        check_attachment(documents.bomb_png(9000, 9000), max_bytes=BIG)
    assert over_budget.value.extra["reason"] == "too_many_pixels"
    assert check_attachment(documents.image("PNG", (2480, 3508))).extension == "png"


@pytest.mark.parametrize("kind", ["PDF", "PNG", "JPEG", "TIFF"])
def test_an_ordinary_scan_is_accepted(kind: str) -> None:
    content = documents.clean_pdf() if kind == "PDF" else documents.image(kind)
    assert check_attachment(content).media_type.endswith(kind.lower())


@pytest.mark.parametrize("name", ["scan\u202efdp.exe", "scan\u200b.pdf", "a\u2066b.pdf",
                                  "line\nbreak.pdf", "bom\ufeff.pdf", "rtl\u200f.pdf"])
def test_a_file_name_with_invisible_or_bidi_characters_is_refused(name: str) -> None:
    with pytest.raises(AttachmentRefused) as refused:
        check_file_name(name)
    assert refused.value.extra["reason"] == "bad_file_name"
    assert check_file_name("өтініш № 5 (скан).pdf") == "өтініш № 5 (скан).pdf"


@pytest.fixture
def api(hub: Hub) -> Iterator[tuple[Hub, TestClient]]:
    token = hub.users.create_token(name="uploads", role=Role.RECEPTION, actor="test")
    with TestClient(create_app(hub.settings, hub),
                    headers={"Authorization": f"Bearer {token}"}) as client:
        yield hub, client


def test_through_the_api_a_bad_scan_is_refused_in_both_languages_and_nothing_kept(
        api: tuple[Hub, TestClient]) -> None:
    hub, client = api
    number = client.post("/api/v1/appeals", json=APPEAL).json()["number"]
    url = f"/api/v1/appeals/{number}/attachments"
    for name, content in (("a.pdf", documents.pdf_with("openaction")),
                          ("a.png", documents.png_pdf_polyglot()),
                          ("a.png", bomb()),
                          ("scan\u202efdp.exe", documents.clean_pdf())):
        refused = client.post(url, files={"file": (name, content, "application/pdf")})
        assert refused.status_code == 422, name
        problem = refused.json()
        assert problem["code"] == "appeals_bad_attachment" and problem["field"] == "file"
        assert problem["text"]["kk"] and problem["text"]["ru"]
    assert client.get(f"/api/v1/appeals/{number}").json()["attachments"] == []
    assert not list((hub.settings.data_dir / "attachments").rglob("*.*"))
    kept = client.post(url, files={"file": ("скан.pdf", documents.clean_pdf(),
                                            "application/pdf")})
    assert kept.status_code == 201, kept.text
