"""Every heading of a report in Kazakh and Russian, shared by the console page,
the PDF and the XLSX export (the console merges them into its messages under
the same keys)."""

from __future__ import annotations

from hub.domain.text import Bilingual, Language

TEXTS: dict[str, Bilingual] = {
    "reports.title": Bilingual(kk="Есептер", ru="Отчеты"),
    "reports.intro": Bilingual(
        kk="Орталық жұмысының күндік және тоқсандық есебі: тек жиынтық сандар, дербес "
           "деректерсіз.",
        ru="Ежедневный и квартальный отчет о работе центра: только сводные цифры, без "
           "персональных данных."),
    "reports.day": Bilingual(kk="Күн", ru="День"),
    "reports.quarter": Bilingual(kk="Тоқсан", ru="Квартал"),
    "reports.show": Bilingual(kk="Көрсету", ru="Показать"),
    "reports.previous": Bilingual(kk="Алдыңғы", ru="Предыдущий"),
    "reports.next": Bilingual(kk="Келесі", ru="Следующий"),
    "reports.download_pdf": Bilingual(kk="PDF жүктеу", ru="Скачать PDF"),
    "reports.download_xlsx": Bilingual(kk="XLSX жүктеу", ru="Скачать XLSX"),
    "reports.made_at": Bilingual(kk="Жасалған уақыты", ru="Сформирован"),
    "reports.working_days": Bilingual(kk="Жұмыс күндері", ru="Рабочих дней"),
    "reports.visitors": Bilingual(kk="Келушілер (берілген талондар)",
                                  ru="Посетители (выдано талонов)"),
    "reports.per_day": Bilingual(kk="Бір жұмыс күніне орташа", ru="В среднем за рабочий день"),
    "reports.served": Bilingual(kk="Қызмет көрсетілді", ru="Обслужено"),
    "reports.no_show": Bilingual(kk="Келмей қалды", ru="Не явились"),
    "reports.cancelled": Bilingual(kk="Күшін жойды", ru="Отменено"),
    "reports.unfinished": Bilingual(kk="Аяқталмаған", ru="Не завершено"),
    "reports.escorted": Bilingual(kk="Алып жүруді қажет еткендер", ru="Нуждались в сопровождении"),
    "reports.out_of_turn_total": Bilingual(kk="Кезектен тыс қабылданғандар",
                                           ru="Принято вне очереди"),
    "reports.waiting_median": Bilingual(kk="Күту уақыты (медиана)",
                                        ru="Время ожидания (медиана)"),
    "reports.service_median": Bilingual(kk="Қызмет көрсету уақыты (медиана)",
                                        ru="Время обслуживания (медиана)"),
    "reports.section.visitors": Bilingual(kk="Келушілер", ru="Посетители"),
    "reports.by_zone": Bilingual(kk="Аймақтар бойынша", ru="По зонам"),
    "reports.by_purpose": Bilingual(kk="Келу мақсаты бойынша", ru="По цели визита"),
    "reports.by_language": Bilingual(kk="Тіл бойынша", ru="По языку"),
    "reports.by_out_of_turn": Bilingual(kk="Кезектен тыс қызмет көрсетілетін санаттар бойынша",
                                        ru="По категориям вне очереди"),
    "reports.by_hour": Bilingual(kk="Сағат бойынша (талон берілген уақыт)",
                                 ru="По часам (время выдачи талона)"),
    "reports.by_day": Bilingual(kk="Жұмыс күндері бойынша", ru="По рабочим дням"),
    "reports.section.times": Bilingual(kk="Күту және қызмет көрсету уақыты",
                                       ru="Время ожидания и обслуживания"),
    "reports.times_note": Bilingual(
        kk="Минутпен. Күту — талон берілгеннен шақыруға дейін, қызмет көрсету — "
           "басталғаннан аяқталғанға дейін. Жолақ — медиана, жіңішке сызық — 90-процентиль.",
        ru="В минутах. Ожидание — от выдачи талона до вызова, обслуживание — от начала до "
           "завершения. Полоса — медиана, тонкая линия — 90-й процентиль."),
    "reports.waiting_by_zone": Bilingual(kk="Аймақтар бойынша күту", ru="Ожидание по зонам"),
    "reports.service_by_zone": Bilingual(kk="Аймақтар бойынша қызмет көрсету",
                                         ru="Обслуживание по зонам"),
    "reports.by_desk": Bilingual(kk="Жұмыс орындары бойынша", ru="По рабочим местам"),
    "reports.zone": Bilingual(kk="Аймақ", ru="Зона"),
    "reports.desk": Bilingual(kk="Жұмыс орны", ru="Рабочее место"),
    "reports.count": Bilingual(kk="Саны", ru="Количество"),
    "reports.share": Bilingual(kk="Үлесі", ru="Доля"),
    "reports.waiting": Bilingual(kk="Күту", ru="Ожидание"),
    "reports.service": Bilingual(kk="Қызмет көрсету", ru="Обслуживание"),
    "reports.mean": Bilingual(kk="орташа", ru="среднее"),
    "reports.median": Bilingual(kk="медиана", ru="медиана"),
    "reports.p90": Bilingual(kk="90-процентиль", ru="90-й процентиль"),
    "reports.minutes": Bilingual(kk="мин", ru="мин"),
    "reports.hour": Bilingual(kk="Сағат", ru="Час"),
    "reports.date": Bilingual(kk="Күні", ru="Дата"),
    "reports.section.reception": Bilingual(kk="Жеке қабылдау", ru="Личный прием"),
    "reports.requests": Bilingual(kk="Қабылдауға жазылу өтініштері тіркелді",
                                  ru="Зарегистрировано заявок на прием"),
    "reports.by_channel": Bilingual(kk="Түсу арнасы бойынша", ru="По каналу поступления"),
    "reports.outcomes": Bilingual(kk="Жазылулар және олардың нәтижелері (кезеңдегі қадамдар)",
                                  ru="Записи и их итоги (шаги за период)"),
    "reports.protocols": Bilingual(kk="Қабылдау хаттамалары", ru="Протоколы приема"),
    "reports.decisions": Bilingual(kk="Оның ішінде шешім қабылданған",
                                   ru="Из них с принятым решением"),
    "reports.instructions": Bilingual(kk="Берілген тапсырмалар", ru="Дано поручений"),
    "reports.overdue": Bilingual(kk="Мерзімі өткен тапсырмалар", ru="Просроченные поручения"),
    "reports.overdue_as_of": Bilingual(kk="{day} күнгі жағдай бойынша",
                                       ru="по состоянию на {day}"),
    "reports.overdue_none": Bilingual(kk="Мерзімі өткен тапсырма жоқ.",
                                      ru="Просроченных поручений нет."),
    "reports.official": Bilingual(kk="Лауазымды адам", ru="Должностное лицо"),
    "reports.nothing": Bilingual(kk="Бұл кезеңде дерек жоқ.", ru="За этот период данных нет."),
    "reports.summary": Bilingual(kk="Жиынтық", ru="Сводка"),
    "reports.privacy": Bilingual(
        kk="Есепте тек жиынтық сандар бар: аты-жөні, ЖСН және телефон көрсетілмейді.",
        ru="В отчете только сводные цифры: ФИО, ИИН и телефоны не приводятся."),
    "reports.page": Bilingual(kk="{page}-бет, барлығы {pages}", ru="Стр. {page} из {pages}"),
    # The appeals register, control and the survey (issue 8) ----------------------
    "reports.section.appeals": Bilingual(kk="Өтініштер", ru="Обращения"),
    "reports.appeals_total": Bilingual(kk="Тіркелген өтініштер", ru="Зарегистрировано обращений"),
    "reports.appeals_by_kind": Bilingual(kk="Түрі бойынша", ru="По виду"),
    "reports.appeals_by_channel": Bilingual(kk="Түсу арнасы бойынша", ru="По каналу поступления"),
    "reports.appeals_by_state": Bilingual(kk="Бақылау күйі бойынша", ru="По состоянию контроля"),
    "reports.appeals_from_reception": Bilingual(kk="Оның ішінде жеке қабылдаудан",
                                                ru="Из них с личного приема"),
    "reports.appeals_on_control": Bilingual(kk="Бақылауда", ru="На контроле"),
    "reports.appeals_overdue": Bilingual(kk="Мерзімі өткен өтініштер",
                                         ru="Просроченные обращения"),
    "reports.appeals_closed_in_time": Bilingual(kk="Мерзімінде бақылаудан алынды",
                                                ru="Сняты с контроля в срок"),
    "reports.appeals_closed_late": Bilingual(kk="Мерзімі өткен соң бақылаудан алынды",
                                             ru="Сняты с контроля с нарушением срока"),
    "reports.section.control": Bilingual(kk="Хаттамалар тапсырмаларының орындалуы",
                                         ru="Исполнение поручений протоколов"),
    "reports.control_total": Bilingual(kk="Кезеңде берілген тапсырмалар",
                                       ru="Поручений, данных за период"),
    "reports.control_done": Bilingual(kk="Орындалды", ru="Исполнено"),
    "reports.control_done_late": Bilingual(kk="Оның ішінде мерзімі өткен соң",
                                           ru="Из них с нарушением срока"),
    "reports.control_open": Bilingual(kk="Орындалуда", ru="На исполнении"),
    "reports.control_overdue": Bilingual(kk="Қазір мерзімі өткен", ru="Сейчас просрочено"),
    "reports.section.satisfaction": Bilingual(kk="Консультациялар және қанағаттану сауалнамасы",
                                              ru="Консультации и опрос удовлетворенности"),
    "reports.consultations": Bilingual(kk="Консультациялар", ru="Консультаций"),
    "reports.consultation_outcomes": Bilingual(kk="Консультация нәтижесі",
                                               ru="Итог консультации"),
    "reports.survey_eligible": Bilingual(kk="Қабылдауға жазылмағандар (сауалнамаға жатады)",
                                         ru="Не записались на прием (подлежат опросу)"),
    "reports.survey_listed": Bilingual(kk="Қоңырау тізіміне енгізілді",
                                       ru="Включено в список обзвона"),
    "reports.survey_called": Bilingual(kk="Қоңырау шалынды", ru="Обзвонено"),
    "reports.survey_results": Bilingual(kk="Сауалнама нәтижесі", ru="Результаты опроса"),
    "reports.survey_mean": Bilingual(kk="Орташа баға (1–5)", ru="Средняя оценка (1–5)"),
    "reports.survey_satisfied": Bilingual(kk="Жауап бергендердің ішінде қанағаттанғандар",
                                          ru="Удовлетворены среди ответивших"),
}


def report_text(key: str, language: Language | str, **values: object) -> str:
    message = TEXTS[key].get(language)
    return message.format(**values) if values else message


def minutes(seconds: float | None) -> str:
    """Seconds as minutes with one decimal, written with a decimal comma; a dash for none."""
    if seconds is None:
        return "—"
    return f"{seconds / 60:.1f}".replace(".", ",")


def percent(part: int, whole: int) -> str:
    if whole == 0:
        return "—"
    return f"{part / whole * 100:.0f}%"
