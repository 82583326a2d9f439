"""A report as an XLSX workbook (openpyxl): a summary sheet, then one sheet per
section with its table and a native Excel bar chart next to it, so the
numbers can be reused in the quarterly information to the akimat (002 §38).
Times are numbers of minutes (one decimal), so Excel can compute with them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from io import BytesIO
from typing import Any

# openpyxl ships no type information (types-openpyxl is not installed): its objects are Any.
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.chart import BarChart, Reference  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from hub.domain.reports.labels import Share
from hub.domain.reports.queue import Times
from hub.domain.reports.report import Report
from hub.domain.reports.stats import Durations
from hub.domain.reports.texts import report_text
from hub.domain.spreadsheet_cells import formula_like
from hub.domain.text import Language

_HEAD = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
_TITLE = Font(bold=True, size=14)


def _translator(language: Language) -> Callable[..., str]:
    def t(key: str, **values: object) -> str:
        return report_text(key, language, **values)
    return t


def _put(sheet: Worksheet, row: int, column: int, value: object) -> Any:
    """Write one cell. A text is always a string cell: openpyxl would make a formula of
    one starting with ``=`` (a zone's or an official's name is typed by people), and a
    formula-like one carries Excel's quote prefix (hub.domain.spreadsheet_cells)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if formula_like(value):
            cell.quotePrefix = True
    return cell


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _header(sheet: Worksheet, row: int, values: Sequence[str]) -> None:
    for column, value in enumerate(values, start=1):
        cell = _put(sheet, row, column, value)
        cell.font, cell.fill = _HEAD, _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _chart(sheet: Worksheet, title: str, first_row: int, last_row: int, anchor: str,
           *, horizontal: bool = True) -> None:
    if last_row < first_row:
        return
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.legend = None
    chart.add_data(Reference(sheet, min_col=2, min_row=first_row - 1, max_row=last_row),
                   titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first_row, max_row=last_row))
    chart.height = max(6.0, 0.6 * (last_row - first_row + 1) + 2) if horizontal else 7.5
    chart.width = 16.0
    if horizontal:
        chart.x_axis.scaling.orientation = "maxMin"  # the first row on top, as in the table
    sheet.add_chart(chart, anchor)


def _shares(sheet: Worksheet, row: int, title: str, shares: list[Share],
            language: Language, anchor_column: str = "E") -> int:
    """A titled table of counts with its chart; returns the next free row."""
    t = _translator(language)
    _put(sheet, row, 1, title).font = Font(bold=True)
    _header(sheet, row + 1, [title, t("reports.count")])
    for offset, share in enumerate(shares, start=row + 2):
        _put(sheet, offset, 1, share.label.name.get(language))
        _put(sheet, offset, 2, share.count)
    last = row + 1 + len(shares)
    _chart(sheet, title, row + 2, last, f"{anchor_column}{row}")
    return max(last + 2, row + 16)


def _times_rows(sheet: Worksheet, row: int, title: str, first_column: str,
                times: list[Times], language: Language) -> int:
    t = _translator(language)
    _put(sheet, row, 1, title).font = Font(bold=True)
    minutes = t("reports.minutes")
    _header(sheet, row + 1, [
        first_column, t("reports.served"), t("reports.no_show"),
        f"{t('reports.waiting')}: {t('reports.mean')}, {minutes}",
        f"{t('reports.waiting')}: {t('reports.median')}, {minutes}",
        f"{t('reports.waiting')}: {t('reports.p90')}, {minutes}",
        f"{t('reports.service')}: {t('reports.mean')}, {minutes}",
        f"{t('reports.service')}: {t('reports.median')}, {minutes}",
        f"{t('reports.service')}: {t('reports.p90')}, {minutes}"])
    for offset, item in enumerate(times, start=row + 2):
        waiting, service = item.waiting, item.service
        values: list[object] = [item.label.name.get(language), item.served, item.no_show,
                                *_figures(waiting), *_figures(service)]
        for column, value in enumerate(values, start=1):
            _put(sheet, offset, column, value)
    return row + 3 + len(times)


def _figures(durations: Durations) -> list[float | None]:
    return [_minutes(durations.mean), _minutes(durations.median), _minutes(durations.p90)]


def report_xlsx(report: Report, language: Language) -> bytes:
    t = _translator(language)
    queue, reception = report.queue, report.reception
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = t("reports.summary")[:31]
    _put(summary, 1, 1, report.center.get(language)).font = _TITLE
    _put(summary, 2, 1, report.period.title.get(language)).font = Font(bold=True, size=12)
    made = report.made_at.strftime("%d.%m.%Y %H:%M UTC")
    rows: list[tuple[str, object]] = [
        (t("reports.made_at"), made),
        (t("reports.working_days"), len(report.working_days)),
        (t("reports.visitors"), queue.visitors),
        (t("reports.per_day"), None if report.visitors_per_working_day is None
         else round(report.visitors_per_working_day, 1)),
        (t("reports.served"), queue.outcomes.served),
        (t("reports.no_show"), queue.outcomes.no_show),
        (t("reports.cancelled"), queue.outcomes.cancelled),
        (t("reports.unfinished"), queue.outcomes.unfinished),
        (t("reports.out_of_turn_total"), queue.out_of_turn_total),
        (t("reports.escorted"), queue.escorted),
        (f"{t('reports.waiting_median')}, {t('reports.minutes')}",
         _minutes(queue.waiting.median)),
        (f"{t('reports.service_median')}, {t('reports.minutes')}",
         _minutes(queue.service.median)),
        (t("reports.requests"), reception.requests),
        (t("reports.protocols"), reception.protocols),
        (t("reports.instructions"), reception.instructions_given),
        (f"{t('reports.overdue')} "
         f"({t('reports.overdue_as_of', day=reception.overdue_as_of.strftime('%d.%m.%Y'))})",
         reception.overdue_total),
    ]
    for offset, (name, value) in enumerate(rows, start=4):
        _put(summary, offset, 1, name)
        _put(summary, offset, 2, value)
    _put(summary, len(rows) + 5, 1, t("reports.privacy")).font = Font(
        italic=True)
    summary.column_dimensions["A"].width = 60
    summary.column_dimensions["B"].width = 20

    visitors = book.create_sheet(t("reports.section.visitors")[:31])
    row = 1
    for key, shares in (("reports.by_zone", queue.by_zone),
                        ("reports.by_purpose", queue.by_purpose),
                        ("reports.by_language", queue.by_language),
                        ("reports.by_out_of_turn", queue.by_out_of_turn)):
        row = _shares(visitors, row, t(key), shares, language)
    visitors.column_dimensions["A"].width = 48

    times = book.create_sheet(t("reports.section.times")[:31])
    _put(times, 1, 1, t("reports.times_note"))
    row = _times_rows(times, 3, t("reports.by_zone"), t("reports.zone"),
                      queue.times_by_zone, language)
    _times_rows(times, row, t("reports.by_desk"), t("reports.desk"), queue.times_by_desk,
                language)
    times.column_dimensions["A"].width = 36
    for column in "BCDEFGHI":
        times.column_dimensions[column].width = 16

    flow = book.create_sheet(t("reports.by_hour")[:31])
    _header(flow, 1, [t("reports.hour"), t("reports.visitors")])
    for offset, (hour, count) in enumerate(queue.by_hour, start=2):
        _put(flow, offset, 1, f"{hour:02d}:00")
        _put(flow, offset, 2, count)
    _chart(flow, t("reports.by_hour"), 2, len(queue.by_hour) + 1, "D1", horizontal=False)
    if len(queue.by_day) > 1:
        days = book.create_sheet(t("reports.by_day")[:31])
        _header(days, 1, [t("reports.date"), t("reports.visitors")])
        for offset, (day, count) in enumerate(queue.by_day, start=2):
            _put(days, offset, 1, day)
            _put(days, offset, 2, count)
        _chart(days, t("reports.by_day"), 2, len(queue.by_day) + 1, "D1", horizontal=False)

    personal = book.create_sheet(t("reports.section.reception")[:31])
    row = _shares(personal, 1, t("reports.by_channel"), reception.by_channel, language)
    row = _shares(personal, row, t("reports.outcomes"), reception.outcomes, language)
    _put(personal, row, 1, t("reports.overdue")).font = Font(bold=True)
    _header(personal, row + 1, [t("reports.official"), t("reports.count")])
    for offset, share in enumerate(reception.overdue, start=row + 2):
        _put(personal, offset, 1, share.label.name.get(language))
        _put(personal, offset, 2, share.count)
    personal.column_dimensions["A"].width = 52

    _appeal_sheets(book, report, language)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _figure_rows(sheet: Worksheet, row: int, title: str,
                 lines: Sequence[tuple[str, object]]) -> int:
    _put(sheet, row, 1, title).font = Font(bold=True)
    for offset, (name, value) in enumerate(lines, start=row + 1):
        _put(sheet, offset, 1, name)
        _put(sheet, offset, 2, value)
    return row + len(lines) + 2


def _appeal_sheets(book: Workbook, report: Report, language: Language) -> None:
    """The appeals register, control of instructions and the survey, when the hub has them."""
    t = _translator(language)
    if report.appeals is not None:
        appeals = report.appeals
        sheet = book.create_sheet(t("reports.section.appeals")[:31])
        row = _figure_rows(sheet, 1, t("reports.section.appeals"), [
            (t("reports.appeals_total"), appeals.total),
            (t("reports.appeals_from_reception"), appeals.from_reception),
            (t("reports.appeals_on_control"), appeals.on_control),
            (t("reports.appeals_overdue"), appeals.overdue),
            (t("reports.appeals_closed_in_time"), appeals.closed_in_time),
            (t("reports.appeals_closed_late"), appeals.closed_late)])
        if report.control is not None:
            control = report.control
            row = _figure_rows(sheet, row, t("reports.section.control"), [
                (t("reports.control_total"), control.total),
                (t("reports.control_done"), control.done),
                (t("reports.control_done_late"), control.done_late),
                (t("reports.control_open"), control.open),
                (t("reports.control_overdue"), control.overdue)])
        for key, shares in (("reports.appeals_by_kind", appeals.by_kind),
                            ("reports.appeals_by_channel", appeals.by_channel),
                            ("reports.appeals_by_state", appeals.by_state)):
            row = _shares(sheet, row, t(key), shares, language)
        sheet.column_dimensions["A"].width = 52
    if report.satisfaction is not None:
        survey = report.satisfaction
        sheet = book.create_sheet(t("reports.survey_results")[:31])
        row = _figure_rows(sheet, 1, t("reports.section.satisfaction"), [
            (t("reports.consultations"), survey.consultations),
            (t("reports.survey_eligible"), survey.eligible),
            (t("reports.survey_listed"), survey.on_call_list),
            (t("reports.survey_called"), survey.called),
            (t("reports.survey_mean"), None if survey.mean_score is None
             else round(survey.mean_score, 2)),
            (t("reports.survey_satisfied"), None if survey.satisfied_share is None
             else round(survey.satisfied_share, 3))])
        row = _shares(sheet, row, t("reports.consultation_outcomes"), survey.by_outcome,
                      language)
        _shares(sheet, row, t("reports.survey_results"), survey.by_result, language)
        sheet.column_dimensions["A"].width = 52
