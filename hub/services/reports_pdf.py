"""A report as an A4 PDF (fpdf2, the bundled DejaVu Sans, as the letters are):
the key figures in boxes, then each breakdown as a bar chart with its numbers,
waiting and service times as median bars with a 90th-percentile whisker, and
personal reception. Drawn with fpdf2's own shapes: no image library, no fonts
from outside the hub."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from hub.domain.reports.labels import Share, total
from hub.domain.reports.queue import Times
from hub.domain.reports.report import Report
from hub.domain.reports.texts import minutes, percent, report_text
from hub.domain.text import Language
from hub.letters.pdf import FONT_DIR

_FONT = "DejaVuSans"
_INK = (25, 25, 25)
_MUTED = (105, 105, 105)
_BAR = (44, 110, 158)
_TRACK = (232, 238, 244)
_WHISKER = (20, 60, 95)
_LABEL_W = 62.0
_VALUE_W = 34.0
_ROW_H = 6.2


class _ReportPdf(FPDF):
    def __init__(self, report: Report, language: Language) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        self.language = language
        self.add_font(_FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(_FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(left=16, top=14, right=16)
        self.set_auto_page_break(auto=True, margin=16)
        self.alias_nb_pages("{nb}")
        self.set_creation_date(report.made_at)
        self.set_title(report.period.title.get(language))

    def t(self, key: str, **values: object) -> str:
        return report_text(key, self.language, **values)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(_FONT, "", 7.5)
        self.set_text_color(*_MUTED)
        self.cell(0, 4, f"{self.report.center.get(self.language)} · "
                        f"{self.report.period.title.get(self.language)} · "
                        + self.t("reports.page", page=self.page_no(), pages="{nb}"),
                  align=Align.C)
        self.set_text_color(*_INK)

    def heading(self, text: str, size: float = 12.5, *, keep_with: float = 30) -> None:
        """A heading kept on one page with the first `keep_with` mm of what follows."""
        self.keep(keep_with + 9)
        self.ln(2)
        self.set_font(_FONT, "B", size)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(_FONT, "", 9)

    def keep(self, height: float) -> None:
        """Start a new page unless `height` mm still fit on this one."""
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()

    def bar_rows(self, rows: Sequence[tuple[str, float, str]]) -> None:
        track = self.epw - _LABEL_W - _VALUE_W
        top = max((value for _, value, _ in rows), default=0.0) or 1.0
        self.keep(min(len(rows), 6) * _ROW_H)
        for label, value, shown in rows:
            self.keep(_ROW_H)
            y, x = self.get_y(), self.l_margin
            self.set_font(_FONT, "", 8.5)
            self.set_xy(x, y)
            self.cell(_LABEL_W - 2, _ROW_H, _fit(self, label, _LABEL_W - 3), align=Align.R)
            self.set_fill_color(*_TRACK)
            self.rect(x + _LABEL_W, y + 1.2, track, _ROW_H - 2.4, style="F")
            if value:
                self.set_fill_color(*_BAR)
                self.rect(x + _LABEL_W, y + 1.2, max(value / top * track, 0.6), _ROW_H - 2.4,
                          style="F")
            self.set_xy(x + _LABEL_W + track + 2, y)
            self.cell(_VALUE_W - 2, _ROW_H, shown)
            self.set_xy(x, y + _ROW_H)

    def spread_rows(self, rows: Sequence[tuple[str, float | None, float | None, str]]) -> None:
        track = self.epw - _LABEL_W - _VALUE_W - 8
        top = max((p90 or 0.0 for _, _, p90, _ in rows), default=0.0) or 1.0
        for label, median, p90, shown in rows:
            self.keep(_ROW_H)
            y, x = self.get_y(), self.l_margin
            self.set_font(_FONT, "", 8.5)
            self.set_xy(x, y)
            self.cell(_LABEL_W - 2, _ROW_H, _fit(self, label, _LABEL_W - 3), align=Align.R)
            self.set_fill_color(*_TRACK)
            self.rect(x + _LABEL_W, y + 1.2, track, _ROW_H - 2.4, style="F")
            if median is not None and p90 is not None:
                to_median = max(median / top * track, 0.6)
                to_p90 = max(p90 / top * track, to_median)
                self.set_draw_color(*_WHISKER)
                self.set_line_width(0.35)
                mid = y + _ROW_H / 2
                self.line(x + _LABEL_W + to_median, mid, x + _LABEL_W + to_p90, mid)
                self.line(x + _LABEL_W + to_p90, y + 1.6, x + _LABEL_W + to_p90, y + _ROW_H - 1.6)
                self.set_fill_color(*_BAR)
                self.rect(x + _LABEL_W, y + 1.2, to_median, _ROW_H - 2.4, style="F")
            self.set_xy(x + _LABEL_W + track + 2, y)
            self.set_font(_FONT, "", 7.5)
            self.cell(_VALUE_W + 6, _ROW_H, shown)
            self.set_xy(x, y + _ROW_H)

    def columns(self, points: Sequence[tuple[str, int]], *, label_every: int = 1) -> None:
        height = 38.0
        self.keep(height + 8)
        if not points:
            return
        x0, y0 = self.l_margin + 8, self.get_y() + 3
        step = (self.epw - 8) / len(points)
        top = max(count for _, count in points) or 1
        self.set_font(_FONT, "", 6.5)
        self.set_text_color(*_MUTED)
        self.set_xy(self.l_margin, y0 - 1)
        self.cell(7, 3, str(top), align=Align.R)
        self.set_text_color(*_INK)
        self.set_draw_color(*_MUTED)
        self.set_line_width(0.2)
        self.line(x0, y0 + height, x0 + step * len(points), y0 + height)
        for index, (label, count) in enumerate(points):
            x = x0 + index * step
            bar = count / top * (height - 5)
            if count:
                self.set_fill_color(*_BAR)
                self.rect(x + step * 0.15, y0 + height - bar, step * 0.7, bar, style="F")
                if step >= 6:
                    self.set_xy(x, y0 + height - bar - 3.5)
                    self.cell(step, 3, str(count), align=Align.C)
            if index % label_every == 0:
                self.set_xy(x - step, y0 + height + 0.8)
                self.cell(step * 3, 3, label, align=Align.C)
        self.set_xy(self.l_margin, y0 + height + 6)
        self.set_font(_FONT, "", 9)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _share_rows(shares: list[Share], language: Language) -> list[tuple[str, float, str]]:
    whole = total(shares)
    return [(s.label.name.get(language), float(s.count),
             f"{s.count} ({percent(s.count, whole)})") for s in shares]


def _spread(times: list[Times], language: Language, kind: str,
            t: Callable[..., str]) -> list[tuple[str, float | None, float | None, str]]:
    rows = []
    for item in times:
        durations = item.waiting if kind == "waiting" else item.service
        shown = (f"{t('reports.median')} {minutes(durations.median)} · "
                 f"p90 {minutes(durations.p90)} {t('reports.minutes')} (n={durations.count})")
        rows.append((item.label.name.get(language), durations.median, durations.p90, shown))
    return rows


def report_pdf(report: Report, language: Language) -> bytes:
    pdf = _ReportPdf(report, language)
    t = pdf.t
    queue, reception = report.queue, report.reception
    pdf.add_page()
    pdf.set_text_color(*_INK)
    pdf.set_font(_FONT, "", 9)
    pdf.set_text_color(*_MUTED)
    pdf.cell(0, 5, report.center.get(language), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.set_font(_FONT, "B", 17)
    pdf.cell(0, 10, report.period.title.get(language), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, "", 8.5)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(0, 4.5, f"{t('reports.made_at')}: "
                           f"{report.made_at.strftime('%d.%m.%Y %H:%M')} UTC · "
                           f"{t('reports.working_days')}: {len(report.working_days)}\n"
                           f"{t('reports.privacy')}", align=Align.L,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    per_day = report.visitors_per_working_day
    cards = [(t("reports.visitors"), str(queue.visitors)),
             (t("reports.per_day"), "—" if per_day is None else f"{per_day:.1f}".replace(".", ",")),
             (t("reports.served"), str(queue.outcomes.served)),
             (t("reports.no_show"), f"{queue.outcomes.no_show} "
                                    f"({percent(queue.outcomes.no_show, queue.visitors)})"),
             (f"{t('reports.waiting_median')}, {t('reports.minutes')}",
              minutes(queue.waiting.median)),
             (f"{t('reports.service_median')}, {t('reports.minutes')}",
              minutes(queue.service.median)),
             (t("reports.out_of_turn_total"), str(queue.out_of_turn_total)),
             (t("reports.overdue"), str(reception.overdue_total))]
    width = (pdf.epw - 3 * 3) / 4
    top = pdf.get_y() + 3
    for index, (name, value) in enumerate(cards):
        x = pdf.l_margin + (index % 4) * (width + 3)
        y = top + (index // 4) * 21
        pdf.set_fill_color(*_TRACK)
        pdf.rect(x, y, width, 18, style="F")
        pdf.set_xy(x + 2, y + 1.5)
        pdf.set_font(_FONT, "B", 14)
        pdf.cell(width - 4, 7, value)
        pdf.set_xy(x + 2, y + 9)
        pdf.set_font(_FONT, "", 7)
        pdf.multi_cell(width - 4, 3.2, name, align=Align.L)
    pdf.set_xy(pdf.l_margin, top + 44)

    pdf.heading(t("reports.section.visitors"))
    for key, shares in (("reports.by_zone", queue.by_zone),
                        ("reports.by_purpose", queue.by_purpose),
                        ("reports.by_language", queue.by_language),
                        ("reports.by_out_of_turn", queue.by_out_of_turn)):
        pdf.heading(t(key), 10)
        pdf.bar_rows(_share_rows(shares, language))
    pdf.heading(t("reports.by_hour"), 10, keep_with=48)
    pdf.columns([(f"{hour:02d}", count) for hour, count in queue.by_hour])
    if len(queue.by_day) > 1:
        pdf.heading(t("reports.by_day"), 10, keep_with=48)
        pdf.columns([(day.strftime("%d.%m"), count) for day, count in queue.by_day],
                    label_every=max(1, len(queue.by_day) // 10))

    pdf.heading(t("reports.section.times"))
    pdf.set_font(_FONT, "", 8)
    pdf.multi_cell(0, 4, t("reports.times_note"), align=Align.L, new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.heading(t("reports.waiting_by_zone"), 10)
    pdf.spread_rows(_spread(queue.times_by_zone, language, "waiting", t))
    pdf.heading(t("reports.service_by_zone"), 10)
    pdf.spread_rows(_spread(queue.times_by_zone, language, "service", t))
    if queue.times_by_desk:
        pdf.heading(f"{t('reports.by_desk')}: {t('reports.waiting').lower()}", 10)
        pdf.spread_rows(_spread(queue.times_by_desk, language, "waiting", t))
        pdf.heading(f"{t('reports.by_desk')}: {t('reports.service').lower()}", 10)
        pdf.spread_rows(_spread(queue.times_by_desk, language, "service", t))
        pdf.heading(f"{t('reports.by_desk')}: {t('reports.no_show').lower()}", 10)
        pdf.bar_rows([(d.label.name.get(language), float(d.no_show),
                       f"{d.no_show} / {d.served + d.no_show}") for d in queue.times_by_desk])

    pdf.heading(t("reports.section.reception"))
    pdf.set_font(_FONT, "", 9)
    for figure, count in ((t("reports.requests"), reception.requests),
                          (t("reports.protocols"), reception.protocols),
                          (t("reports.decisions"), reception.decisions),
                          (t("reports.instructions"), reception.instructions_given)):
        pdf.cell(120, 5.5, figure)
        pdf.cell(0, 5.5, str(count), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.heading(t("reports.by_channel"), 10)
    pdf.bar_rows(_share_rows(reception.by_channel, language))
    pdf.heading(t("reports.outcomes"), 10)
    pdf.bar_rows([(s.label.name.get(language), float(s.count), str(s.count))
                  for s in reception.outcomes])
    as_of = t("reports.overdue_as_of", day=reception.overdue_as_of.strftime("%d.%m.%Y"))
    pdf.heading(f"{t('reports.overdue')} ({as_of})", 10)
    if reception.overdue:
        pdf.bar_rows([(s.label.name.get(language), float(s.count), str(s.count))
                      for s in reception.overdue])
    else:
        pdf.cell(0, 5.5, t("reports.overdue_none"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _appeal_sections(pdf, report, language)
    return bytes(pdf.output())


def _figure_lines(pdf: _ReportPdf, lines: Sequence[tuple[str, object]]) -> None:
    pdf.set_font(_FONT, "", 9)
    for name, value in lines:
        pdf.keep(5.5)
        pdf.cell(120, 5.5, name)
        pdf.cell(0, 5.5, str(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _appeal_sections(pdf: _ReportPdf, report: Report, language: Language) -> None:
    """The appeals register, control of instructions and the survey, when the hub has them."""
    t = pdf.t
    if report.appeals is not None:
        appeals = report.appeals
        pdf.heading(t("reports.section.appeals"))
        _figure_lines(pdf, [(t("reports.appeals_total"), appeals.total),
                            (t("reports.appeals_from_reception"), appeals.from_reception),
                            (t("reports.appeals_on_control"), appeals.on_control),
                            (t("reports.appeals_overdue"), appeals.overdue),
                            (t("reports.appeals_closed_in_time"), appeals.closed_in_time),
                            (t("reports.appeals_closed_late"), appeals.closed_late)])
        for key, shares in (("reports.appeals_by_kind", appeals.by_kind),
                            ("reports.appeals_by_channel", appeals.by_channel),
                            ("reports.appeals_by_state", appeals.by_state)):
            pdf.heading(t(key), 10)
            pdf.bar_rows(_share_rows(shares, language))
    if report.control is not None:
        control = report.control
        pdf.heading(t("reports.section.control"))
        _figure_lines(pdf, [(t("reports.control_total"), control.total),
                            (t("reports.control_done"), control.done),
                            (t("reports.control_done_late"), control.done_late),
                            (t("reports.control_open"), control.open),
                            (t("reports.control_overdue"), control.overdue)])
    if report.satisfaction is not None:
        survey = report.satisfaction
        pdf.heading(t("reports.section.satisfaction"))
        mean = "—" if survey.mean_score is None else f"{survey.mean_score:.1f}".replace(".", ",")
        share = ("—" if survey.satisfied_share is None
                 else f"{survey.satisfied_share * 100:.0f}%")
        _figure_lines(pdf, [(t("reports.consultations"), survey.consultations),
                            (t("reports.survey_eligible"), survey.eligible),
                            (t("reports.survey_listed"), survey.on_call_list),
                            (t("reports.survey_called"), survey.called),
                            (t("reports.survey_mean"), mean),
                            (t("reports.survey_satisfied"), share)])
        pdf.heading(t("reports.consultation_outcomes"), 10)
        pdf.bar_rows(_share_rows(survey.by_outcome, language))
        pdf.heading(t("reports.survey_results"), 10)
        pdf.bar_rows(_share_rows(survey.by_result, language))
