"""Texts of the reports page in Kazakh and Russian, merged into
``hub.console.i18n.MESSAGES``. The headings of a report itself live in
``hub.domain.reports.texts`` (the PDF and XLSX exports use them too) and are
taken from there under the same keys."""

from __future__ import annotations

from hub.domain.reports.texts import TEXTS

REPORT_MESSAGES: dict[str, dict[str, str]] = {
    "nav.reports": {"kk": "Есептер", "ru": "Отчеты"},
    "reports.bad_period": {"kk": "Есеп кезеңі дұрыс емес.", "ru": "Неверный период отчета."},
    "reports.choose_day": {"kk": "Күнді таңдаңыз", "ru": "Выберите день"},
    "reports.choose_quarter": {"kk": "Тоқсанды таңдаңыз", "ru": "Выберите квартал"},
    "reports.quarter_option": {"kk": "{year} жыл, {number}-тоқсан",
                               "ru": "{year} год, {number} квартал"},
    "reports.figures": {"kk": "Негізгі көрсеткіштер", "ru": "Основные показатели"},
    "reports.desk_table": {"kk": "Жұмыс орындары бойынша уақыт, мин",
                           "ru": "Время по рабочим местам, мин"},
    "reports.no_desks": {"kk": "Бұл кезеңде бірде-бір жұмыс орны шақырмады.",
                         "ru": "За этот период ни одно рабочее место не вызывало."},
} | {key: text.as_dict() for key, text in TEXTS.items()}
