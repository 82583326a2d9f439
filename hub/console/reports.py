"""The reports page (002 §38, 004 §40): a day's or a quarter's figures as
charts drawn by the hub (inline SVG, see ``report_charts``), with downloads
of the same report as PDF and XLSX from the API. Administrators and analysts
(``Permission.VIEW_REPORTS``); aggregates only, no personal data."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import Response

from hub.console import report_charts as charts
from hub.console.web import PREFIX, Translator, hub_of, language_of, need, render
from hub.domain.errors import ValidationFailed
from hub.domain.reports.labels import Share, total
from hub.domain.reports.periods import (
    PeriodKind,
    ReportPeriod,
    day_period,
    parse_period,
    quarter_number,
)
from hub.domain.reports.queue import Times
from hub.domain.reports.report import Report
from hub.domain.reports.texts import minutes, percent
from hub.domain.roles import Permission
from hub.services.reports import ReportService
from hub.services.users import Principal

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(need(Permission.VIEW_REPORTS))]
YEARS_BACK = 3


def _share_chart(shares: list[Share], title: str, t: Translator) -> Markup:
    whole = total(shares)
    return charts.bars([(t.pick(s.label.name), float(s.count),
                         f"{s.count} ({percent(s.count, whole)})") for s in shares], title=title)


def _spread_chart(times: list[Times], which: str, title: str, t: Translator) -> Markup:
    rows = []
    for item in times:
        durations = item.waiting if which == "waiting" else item.service
        shown = (f"{minutes(durations.median)} (p90 {minutes(durations.p90)}) "
                 f"{t('reports.minutes')}")
        rows.append((t.pick(item.label.name), durations.median, durations.p90, shown))
    return charts.spreads(rows, title=title)


def _counts_chart(shares: list[Share], title: str, t: Translator) -> Markup:
    return charts.bars([(t.pick(s.label.name), float(s.count), str(s.count)) for s in shares],
                       title=title)


def _appeal_charts(report: Report, t: Translator) -> dict[str, Markup]:
    made: dict[str, Markup] = {}
    if report.appeals is not None:
        made["appeals_by_kind"] = _share_chart(report.appeals.by_kind,
                                               t("reports.appeals_by_kind"), t)
        made["appeals_by_channel"] = _share_chart(report.appeals.by_channel,
                                                  t("reports.appeals_by_channel"), t)
        made["appeals_by_state"] = _counts_chart(report.appeals.by_state,
                                                 t("reports.appeals_by_state"), t)
    if report.satisfaction is not None:
        made["consultation_outcomes"] = _share_chart(report.satisfaction.by_outcome,
                                                     t("reports.consultation_outcomes"), t)
        made["survey_results"] = _share_chart(report.satisfaction.by_result,
                                              t("reports.survey_results"), t)
    return made


def _charts(report: Report, t: Translator) -> dict[str, Markup]:
    queue, reception = report.queue, report.reception
    days = queue.by_day
    return _appeal_charts(report, t) | {
        "by_zone": _share_chart(queue.by_zone, t("reports.by_zone"), t),
        "by_purpose": _share_chart(queue.by_purpose, t("reports.by_purpose"), t),
        "by_language": _share_chart(queue.by_language, t("reports.by_language"), t),
        "by_out_of_turn": _share_chart(queue.by_out_of_turn, t("reports.by_out_of_turn"), t),
        "by_hour": charts.columns([(f"{hour:02d}", count) for hour, count in queue.by_hour],
                                  title=t("reports.by_hour")),
        "by_day": charts.columns([(day.strftime("%d.%m"), count) for day, count in days],
                                 title=t("reports.by_day"),
                                 label_every=max(1, len(days) // 10)),
        "waiting_by_zone": _spread_chart(queue.times_by_zone, "waiting",
                                         t("reports.waiting_by_zone"), t),
        "service_by_zone": _spread_chart(queue.times_by_zone, "service",
                                         t("reports.service_by_zone"), t),
        "waiting_by_desk": _spread_chart(queue.times_by_desk, "waiting",
                                         t("reports.waiting"), t),
        "by_channel": _share_chart(reception.by_channel, t("reports.by_channel"), t),
        "outcomes": charts.bars([(t.pick(s.label.name), float(s.count), str(s.count))
                                 for s in reception.outcomes], title=t("reports.outcomes")),
        "overdue": charts.bars([(t.pick(s.label.name), float(s.count), str(s.count))
                                for s in reception.overdue], title=t("reports.overdue")),
    }


def _quarters(today: date) -> list[ReportPeriod]:
    """The quarters offered in the picker, newest first."""
    shown = []
    for year in range(today.year, today.year - YEARS_BACK, -1):
        for number in (4, 3, 2, 1):
            period = parse_period(f"{year}-Q{number}")
            if period.first <= today:
                shown.append(period)
    return shown


@router.get(f"{PREFIX}/reports")
def reports_page(request: Request, principal: Reader, period: str | None = None) -> Response:
    hub = hub_of(request)
    today = hub.centers.snapshot().calendar.service_day(hub.clock.now())
    error = None
    try:
        chosen = parse_period(period) if period else day_period(today)
    except ValidationFailed as exc:
        error, chosen = exc.text, day_period(today)
    report = ReportService(hub.db, hub.centers, hub.clock, hub.appeals).report(chosen)
    t = Translator(language_of(request, principal))
    return render(
        request, "reports.html", principal, section="reports",
        status=422 if error is not None else 200, error=error, report=report,
        charts=_charts(report, t), minutes=minutes, percent=percent,
        is_quarter=chosen.kind is PeriodKind.QUARTER, today=today,
        quarters=[(q.code, q.first.year, quarter_number(q.first)) for q in _quarters(today)],
        previous=chosen.previous().code, following=chosen.following().code,
        downloads={kind: f"/api/v1/reports/{chosen.code}/{kind}?lang={t.language.value}"
                   for kind in ("pdf", "xlsx")})

