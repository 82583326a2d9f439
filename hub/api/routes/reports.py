"""Reports of the center's work for a day or a quarter (002 §38, 004 §40): JSON,
PDF and XLSX. Aggregates only, no personal data; administrators and analysts
(``Permission.VIEW_REPORTS``).

``period`` is ``YYYY-MM-DD`` for a service day or ``YYYY-Qn`` for a quarter;
another value is a 422 naming the field ``period``, in Kazakh and Russian.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from hub.api.deps import HubDep, require
from hub.domain.reports.periods import parse_period
from hub.domain.reports.report import Report
from hub.domain.roles import Permission
from hub.domain.text import Language
from hub.services.reports import ReportService
from hub.services.reports_pdf import report_pdf
from hub.services.reports_xlsx import report_xlsx
from hub.services.users import Principal
from hub.wiring import Hub

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Analyst = Annotated[Principal, Depends(require(Permission.VIEW_REPORTS))]
LanguageQuery = Annotated[Literal["kk", "ru"], Query(description="language of the export")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_report(hub: Hub, period: str) -> Report:
    return ReportService(hub.db, hub.centers, hub.clock, hub.appeals).report(
        parse_period(period))


def download(report: Report, content: bytes, media_type: str, extension: str) -> Response:
    filename = f"kezek-report-{report.period.code}.{extension}"
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{filename}\"; "
                               f"filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store"})


@router.get("/{period}", summary="A day's or a quarter's report as JSON")
def report_json(period: str, hub: HubDep, _: Analyst) -> dict[str, Any]:
    return build_report(hub, period).as_dict()


@router.get("/{period}/pdf", summary="The report as an A4 PDF", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def report_as_pdf(period: str, hub: HubDep, _: Analyst, lang: LanguageQuery = "kk") -> Response:
    report = build_report(hub, period)
    return download(report, report_pdf(report, Language(lang)), "application/pdf", "pdf")


@router.get("/{period}/xlsx", summary="The report as an XLSX workbook",
            response_class=Response, responses={200: {"content": {XLSX: {}}}})
def report_as_xlsx(period: str, hub: HubDep, _: Analyst,
                   lang: LanguageQuery = "kk") -> Response:
    report = build_report(hub, period)
    return download(report, report_xlsx(report, Language(lang)), XLSX, "xlsx")
