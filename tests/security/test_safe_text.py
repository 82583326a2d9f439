"""Free texts hold only characters that print as themselves: control, bidi, zero-width,
invisible, private-use, unassigned and surrogate code points are refused everywhere,
with the code point and its position, in both languages, by the API and the console."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from contract.mqtt import TEXT_MAX_LENGTH
from hub.domain.roles import Role
from hub.domain.safe_text import TextRefused, refused_character, safe_text
from hub.domain.text import Bilingual
from hub.storage.appeal_models import AppealRow
from hub.wiring import Hub
from tests.hub.conftest import client  # noqa: F401 (a fixture)
from tests.hub.test_api_appeals import API, APPEAL, PDF, appeals_count, user
from tests.hub.test_api_reception import BASE, add_akim, register
from tests.hub.test_console_check_in import CSRF, signed_in
from tests.hub.test_console_officials import token_of

# The attacks seen: a desk label on the hall board, an attachment name, look-alike names.
HOSTILE = {
    "\u202e": "right-to-left override", "\u202a": "left-to-right embedding",
    "\u2066": "left-to-right isolate", "\u2069": "pop directional isolate",
    "\u200e": "left-to-right mark", "\u200f": "right-to-left mark", "\u061c": "Arabic letter mark",
    "\u200b": "zero-width space", "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner", "\u2060": "word joiner", "\ufeff": "byte order mark",
    "\u180e": "Mongolian vowel separator", "\u00ad": "soft hyphen", "\U000e0041": "tag A",
    "\u3164": "Hangul filler", "\ufe0f": "variation selector 16", "\u034f": "grapheme joiner",
    "\x00": "NUL", "\x1b": "escape", "\t": "tab", "\r": "carriage return", "\x85": "NEL",
    "\u2028": "line separator", "\u2029": "paragraph separator",
    "\ue000": "private use", "\U000f0000": "private use plane 15", "\u0378": "unassigned",
    "\ufdd0": "noncharacter", "\uffff": "noncharacter", "\ud800": "lone surrogate",
}

# Texts of the center: Kazakh and Russian in Cyrillic, Kazakh in Latin, numbers, signs.
KEPT = ["Нұрланова Әсем Қайратқызы", "Окно № 3 — «Консультация»", "Qazaqstan Respublikasy",
        "ҒҚҢӨҰҮҺІ ғқңөұүһі әӘ ёЁ", "каб. 105, 2-қабат (лифт)", "e-Өтініш: 50%, +7 (72351) 2-11-05",
        "Иванов\u00a0И.\u00a0И."]


@pytest.mark.parametrize("char", sorted(HOSTILE), ids=lambda c: f"U+{ord(c):04X}")
def test_each_hostile_character_is_refused_with_its_code_point_and_position(char: str) -> None:
    with pytest.raises(TextRefused) as refused:
        safe_text(f"scan{char}fdp.exe", field="label", max_length=300)
    error = refused.value
    code_point = f"U+{ord(char):04X}"
    assert (error.code_point, error.position, error.field) == (code_point, 5, "label")
    assert code_point in error.text.kk and code_point in error.text.ru
    assert "5" in error.text.kk and "позиции 5" in error.text.ru
    assert error.status == 422


@pytest.mark.parametrize("text", KEPT)
def test_the_texts_of_the_center_pass_unchanged(text: str) -> None:
    assert safe_text(f"  {text} ", field="name", max_length=300, required=True) == text


def test_line_breaks_only_where_the_text_has_lines() -> None:
    assert safe_text("бірінші\r\nекінші\nүшінші", field="defects", max_length=None,
                     multiline=True) == "бірінші\nекінші\nүшінші"
    for single_line in ("бір\nекі", "бір\r\nекі"):
        with pytest.raises(TextRefused):
            safe_text(single_line, field="name", max_length=None)
    with pytest.raises(TextRefused, match="U\\+000D"):  # a lone CR is no line break
        safe_text("бір\rекі", field="defects", max_length=None, multiline=True)


def test_required_and_length_are_told_in_both_languages() -> None:
    what = Bilingual(kk="аймақ атауы", ru="название зоны")
    with pytest.raises(TextRefused) as blank:
        safe_text(" \u00a0 ", field="name", max_length=10, required=True, what=what)
    assert blank.value.text == Bilingual(kk="Толтырылмаған: аймақ атауы.",
                                         ru="Не заполнено: название зоны.")
    with pytest.raises(TextRefused) as long:
        safe_text("Қ" * 11, field="name", max_length=10, what=what)
    assert long.value.text.ru == "«название зоны» — не длиннее 10 символов."
    # Counted after normalisation: ten letters typed as base + combining mark fit in ten.
    assert safe_text("и\u0306" * 10, field="name", max_length=10) == "й" * 10


@given(st.text())
@example("scan\u202efdp.exe")
@example("\u0958\u0344")  # NFC expands these
def test_whatever_passes_holds_no_refused_character_and_is_stable(text: str) -> None:
    # Surrounding whitespace is dropped before the check; positions count from the
    # text as typed.
    offset = len(text) - len(text.lstrip())
    inner = text.strip()
    first_refused = next((offset + i for i, c in enumerate(inner) if refused_character(c)),
                         None)
    if first_refused is not None:
        with pytest.raises(TextRefused) as refused:
            safe_text(text, field="f", max_length=None)
        assert refused.value.position == first_refused + 1
        assert refused.value.code_point == f"U+{ord(text[first_refused]):04X}"
        return
    cleaned = safe_text(text, field="f", max_length=None)
    assert not any(refused_character(c) for c in cleaned)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == cleaned.strip()
    assert safe_text(cleaned, field="f", max_length=len(cleaned)) == cleaned


@given(st.text(st.characters(codec="utf-8")), st.sampled_from(sorted(HOSTILE)),
       st.text(st.characters(codec="utf-8")))
def test_a_hostile_character_anywhere_is_found(before: str, char: str, after: str) -> None:
    # Inside the text: a tab or a CR at its very edge is surrounding whitespace.
    with pytest.raises(TextRefused) as refused:
        safe_text(f"а{before}{char}{after}я", field="f", max_length=None, multiline=True)
    assert refused.value.position is not None
    assert refused.value.position <= len(before) + 2


@given(st.lists(st.sampled_from([*KEPT, "\n", "\r\n", " "]), max_size=20))
def test_multiline_texts_of_the_center_keep_their_lines(parts: list[str]) -> None:
    text = "".join(parts)
    cleaned = safe_text(text, field="f", max_length=None, multiline=True)
    assert cleaned == text.replace("\r\n", "\n").strip()


# Through the API and the console ------------------------------------------------------


def test_the_api_answers_422_with_the_character_named(client: TestClient) -> None:  # noqa: F811
    label = {"code": "window-4", "label": {"kk": "4-терезе", "ru": "Окно\u202e 4"},
             "zones": ["consultation"]}
    refused = client.put("/api/v1/center/desks/window-4", json=label)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["field"] == "label.ru"
    assert problem["text"]["ru"] == ("Текст содержит недопустимый символ U+202E в позиции 5. "
                                     "Удалите его и наберите текст заново.")
    assert "U+202E" in problem["text"]["kk"]
    assert all(d["code"] != "window-4" for d in client.get("/api/v1/center").json()["desks"])

    # A free text of any other body (a person's name here) answers the same way.
    person = client.post("/api/v1/users", json={
        "username": "bidi.user", "full_name": "Иванов\u200bИван", "role": "operator",
        "password": "correct horse battery", "language": "ru"})
    assert person.status_code == 422, person.text
    assert "U+200B" in person.json()["text"]["ru"]


def test_the_console_form_shows_the_message_and_keeps_nothing(hub: Hub) -> None:
    admin = signed_in(hub, "config.admin", Role.ADMINISTRATOR)
    page = admin.get("/console/config/zones", params={"edit": "consultation"})
    token = CSRF.search(page.text)
    assert token is not None
    form = {"csrf_token": token.group(1), "original": "consultation", "code": "consultation",
            "kind": "consultation", "name_kk": "Консультация", "name_ru": "Консульта\u2066ция",
            "range_first": "100", "range_last": "399", "default_service_minutes": "15"}
    refused = admin.post("/console/config/zones", data=form)
    assert refused.status_code == 422
    shown = re.search(r'data-error-for="name_ru">([^<]+)<', refused.text)
    assert shown is not None and "U+2066" in shown.group(1)
    too_long = admin.post("/console/config/zones", data=form | {
        "name_ru": "К" * (TEXT_MAX_LENGTH + 1)})
    assert too_long.status_code == 422
    shown = re.search(r'data-error-for="name_ru">([^<]+)<', too_long.text)
    assert shown is not None and str(TEXT_MAX_LENGTH) in shown.group(1)
    assert hub.centers.snapshot().document.zones[2].name.ru == "Консультация"


def test_an_attachment_name_hiding_its_extension_is_refused(
        client: TestClient) -> None:  # noqa: F811
    number = client.post(API, json=APPEAL).json()["number"]
    refused = client.post(f"{API}/{number}/attachments",
                          files={"file": ("scan\u202efdp.exe", PDF, "application/pdf")})
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "file" and "U+202E" in refused.json()["text"]["ru"]
    kept = client.post(f"{API}/{number}/attachments",
                       files={"file": ("скан өтініш.pdf", PDF, "application/pdf")})
    assert kept.status_code in (200, 201), kept.text
    assert kept.json()["file_name"] == "скан өтініш.pdf"


def test_the_position_is_that_of_the_text_as_typed() -> None:
    with pytest.raises(TextRefused) as refused:
        safe_text("бір\r\nекі\u200b", field="defects", max_length=None, multiline=True)
    assert refused.value.position == 9


def test_the_position_counts_the_surrounding_whitespace_as_typed() -> None:
    with pytest.raises(TextRefused) as refused:
        safe_text("\t  Окно\u202e 4\r\n", field="label", max_length=None)
    assert refused.value.position == 8  # the tab and two spaces, then "Окно"


@pytest.mark.parametrize("typed", ["abc\r\n", "\tabc", "\r\n abc \t", "\n\nabc\n",
                                   "\u00a0abc\u2003"])
def test_whitespace_around_a_single_line_text_is_dropped_not_refused(typed: str) -> None:
    # The checks this one replaced stripped first: an Enter pressed after a name, a
    # tab pasted before it, is not a character the person can see.
    assert safe_text(typed, field="name", max_length=3, required=True) == "abc"
    assert safe_text(typed, field="name", max_length=3, multiline=True) == "abc"


def test_whitespace_inside_a_single_line_text_is_still_refused() -> None:
    for typed, position in (("a\tb", 2), (" a\r\nb", 3), ("\ta\x0bb ", 3)):
        with pytest.raises(TextRefused) as refused:
            safe_text(typed, field="name", max_length=None)
        assert refused.value.position == position


# Textareas keep their lines, end to end -------------------------------------------------

# What a browser sends for a textarea in which the person pressed Enter: CR LF.
LINES_TYPED = "Бірінші жол: өтініш.\r\nЕкінші жол — «жауап»,\r\nүшінші.\r\n"
LINES_KEPT = "Бірінші жол: өтініш.\nЕкінші жол — «жауап»,\nүшінші."


def _appeal_row(hub: Hub, number: str) -> AppealRow:
    with hub.db.read() as session:
        row = session.scalars(select(AppealRow).where(AppealRow.number == number)).one()
        session.expunge(row)
        return row


def test_an_appeal_summary_answer_and_motivation_keep_their_lines(hub: Hub) -> None:
    worker = signed_in(hub, "reception.lines", Role.RECEPTION)
    form = worker.get("/console/appeals/new")
    fields = {k: str(v) for k, v in APPEAL.items()} | {"co_applicants": "0"}
    saved = worker.post("/console/appeals/new", data=fields | {
        "summary": LINES_TYPED, "channel": "personal_reception",
        "full_name": f"\t{APPEAL['full_name']}\r\n",  # a one-line field: edges dropped
        "csrf_token": token_of(form.text)}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    number = saved.headers["location"].rsplit("/", 1)[1]
    row = _appeal_row(hub, number)
    assert row.summary == LINES_KEPT
    assert row.full_name == APPEAL["full_name"]

    user(hub, "lines.hand")
    page = worker.get(f"/console/appeals/{number}")
    given = worker.post(f"/console/appeals/{number}/assign", data={
        "csrf_token": token_of(page.text), "assignee": "lines.hand", "days": "10"},
        follow_redirects=False)
    assert given.status_code == 303, given.text
    page = worker.get(f"/console/appeals/{number}")
    closed = worker.post(f"/console/appeals/{number}/close", data={
        "csrf_token": token_of(page.text), "answer": LINES_TYPED,
        "motivation": "Заңның 5-бабы бойынша:\r\n1) құжаттар тексерілді;\r\n"
                      "2) жауап берілді.\r\n", "final": "final"}, follow_redirects=False)
    assert closed.status_code == 303, closed.text
    row = _appeal_row(hub, number)
    assert row.answer == LINES_KEPT
    assert row.motivation == ("Заңның 5-бабы бойынша:\n1) құжаттар тексерілді;\n"
                              "2) жауап берілді.")


def test_a_textarea_still_refuses_what_does_not_print(hub: Hub) -> None:
    worker = signed_in(hub, "reception.bidi", Role.RECEPTION)
    form = worker.get("/console/appeals/new")
    fields = {k: str(v) for k, v in APPEAL.items()} | {"co_applicants": "0"}
    refused = worker.post("/console/appeals/new", data=fields | {
        "summary": "жол\r\nжол\u202e", "csrf_token": token_of(form.text)})
    assert refused.status_code == 422
    shown = re.search(r'data-error-for="summary">([^<]+)<', refused.text)
    assert shown is not None and "U+202E" in shown.group(1) and "9" in shown.group(1)
    assert appeals_count(hub) == 0


def test_a_reception_step_keeps_the_lines_of_its_reason_and_note(
        client: TestClient, hub: Hub) -> None:  # noqa: F811
    add_akim(client)
    number = register(client)["number"]
    manager = signed_in(hub, "reception.steps", Role.RECEPTION)

    def step(name: str, **fields: str) -> str:
        page = manager.get(f"/console/reception/{number}")
        done = manager.post(f"/console/reception/{number}/decide", data={
            "csrf_token": token_of(page.text), "step": name, **fields},
            follow_redirects=False)
        assert done.status_code == 303
        return manager.get(done.headers["location"]).text  # with the flash message

    def request() -> dict[str, Any]:
        found: dict[str, Any] = client.get(f"{BASE}/requests/{number}").json()
        return found

    step("ask-correction", defects="1) қолы жоқ;\r\n2) мекенжайы жоқ.\r\n")
    assert request()["state"] == "awaiting_correction"
    step("accept-correction", note="Түзетілді.\r\nҚабылданды.")
    step("start-review")
    assert request()["state"] == "under_review"
    # A step's optional note passes the same check (before, the console's notes
    # reached the register unchecked).
    refused = step("note", proposal="date", proposed_day="2026-12-01", note="жол\u200b")
    assert "U+200B" in refused and request()["state"] == "under_review"
    step("note", proposal="date", proposed_day="2026-12-01",
         note="Күн ұсынылды.\r\nӘкіммен келісілді.\r\n")
    assert request()["state"] == "note_made"
    notes = [s.get("note") for s in request()["history"]]
    assert "1) қолы жоқ;\n2) мекенжайы жоқ." in notes  # the defects asked for
    assert "Түзетілді.\nҚабылданды." in notes
    assert "Күн ұсынылды.\nӘкіммен келісілді." in notes


def test_the_api_takes_the_lines_the_console_takes(client: TestClient) -> None:  # noqa: F811
    created = client.post(API, json=APPEAL | {"summary": LINES_TYPED})
    assert created.status_code == 201, created.text
    assert created.json()["summary"] == LINES_KEPT
    one_line = client.post(API, json=APPEAL | {"full_name": "Сейітқали\r\nЕрлан"})
    assert one_line.status_code == 422 and one_line.json()["field"] == "full_name"
    add_akim(client)
    number = register(client)["number"]
    asked = client.post(f"{BASE}/requests/{number}/ask-correction",
                        json={"defects": "1) қолы жоқ;\r\n2) мекенжайы жоқ."})
    assert asked.status_code == 200, asked.text
    assert "1) қолы жоқ;\n2) мекенжайы жоқ." in [s.get("note") for s in asked.json()["history"]]
