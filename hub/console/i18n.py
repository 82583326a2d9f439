"""Every text of the console in Kazakh and Russian, keyed by a message id.

Templates call `_("id")`, Python code `text("id")`; a test checks that every id
used exists here and has both languages. Placeholders are `{name}` fields of
`str.format`.
"""

from __future__ import annotations

from hub.console.i18n_appeals import APPEALS_MESSAGES
from hub.console.i18n_fleet import FLEET_MESSAGES
from hub.console.i18n_operator import OPERATOR_MESSAGES
from hub.console.i18n_reception import RECEPTION_MESSAGES
from hub.console.i18n_reports import REPORT_MESSAGES
from hub.console.i18n_terminal import TERMINAL_MESSAGES
from hub.domain.text import Bilingual, Language

DEFAULT_LANGUAGE = Language.KK

MESSAGES: dict[str, dict[str, str]] = {
    # Layout ------------------------------------------------------------------
    "app.name": {"kk": "Kezek — электрондық кезек", "ru": "Kezek — электронная очередь"},
    "nav.label": {"kk": "Негізгі мәзір", "ru": "Главное меню"},
    "nav.board": {"kk": "Кезек тақтасы", "ru": "Табло очереди"},
    "nav.fleet": {"kk": "Құрылғылар", "ru": "Устройства"},
    "nav.settings": {"kk": "Баптаулар", "ru": "Настройки"},
    "nav.users": {"kk": "Пайдаланушылар", "ru": "Пользователи"},
    "nav.audit": {"kk": "Өзгерістер журналы", "ru": "Журнал изменений"},
    "nav.logout": {"kk": "Шығу", "ru": "Выйти"},
    "nav.language": {"kk": "Интерфейс тілі", "ru": "Язык интерфейса"},
    "lang.kk": {"kk": "Қазақша", "ru": "Қазақша"},
    "lang.ru": {"kk": "Русский", "ru": "Русский"},
    "lang.name.kk": {"kk": "қазақ тілі", "ru": "казахский"},
    "lang.name.ru": {"kk": "орыс тілі", "ru": "русский"},
    "common.yes": {"kk": "Иә", "ru": "Да"},
    "common.no": {"kk": "Жоқ", "ru": "Нет"},
    "common.none": {"kk": "Жоқ", "ru": "Нет"},
    "common.actions": {"kk": "Әрекеттер", "ru": "Действия"},
    # Login -------------------------------------------------------------------
    "login.title": {"kk": "Жүйеге кіру", "ru": "Вход в систему"},
    "login.username": {"kk": "Пайдаланушы аты", "ru": "Имя пользователя"},
    "login.password": {"kk": "Құпиясөз", "ru": "Пароль"},
    "login.submit": {"kk": "Кіру", "ru": "Войти"},
    "login.failed": {"kk": "Пайдаланушы аты немесе құпиясөз қате.",
                     "ru": "Неверное имя пользователя или пароль."},
    "login.limited": {"kk": "Сәтсіз әрекеттер тым көп. {minutes} минуттан кейін қайталап "
                            "көріңіз.",
                      "ru": "Слишком много неудачных попыток. Повторите через {minutes} мин."},
    "login.expired": {"kk": "Форманың мерзімі өтіп кетті. Деректерді қайта енгізіңіз.",
                      "ru": "Срок действия формы истёк. Введите данные ещё раз."},
    "login.signed_out": {"kk": "Сіз жүйеден шықтыңыз.", "ru": "Вы вышли из системы."},
    "login.welcome": {"kk": "Қош келдіңіз, {name}!", "ru": "Добро пожаловать, {name}!"},
    # Errors pages ------------------------------------------------------------
    "error.forbidden.title": {"kk": "Рұқсат жоқ", "ru": "Доступ запрещён"},
    "error.forbidden.text": {"kk": "Сіздің рөліңізге бұл бетті ашуға рұқсат берілмеген.",
                             "ru": "Вашей роли не разрешено открывать эту страницу."},
    "error.csrf.title": {"kk": "Форма қабылданбады", "ru": "Форма отклонена"},
    "error.csrf.text": {"kk": "Форманың мерзімі өтіп кеткен немесе ол басқа беттен жіберілген. "
                              "Бетті жаңартып, әрекетті қайталаңыз.",
                        "ru": "Форма устарела или отправлена с другой страницы. Обновите "
                              "страницу и повторите действие."},
    "error.back": {"kk": "Кезек тақтасына оралу", "ru": "Вернуться к табло"},
    # Board -------------------------------------------------------------------
    "board.title": {"kk": "Кезек тақтасы", "ru": "Табло очереди"},
    "board.zones": {"kk": "Қызмет көрсету аймақтары", "ru": "Зоны обслуживания"},
    "board.waiting": {"kk": "Күтуде", "ru": "Ожидают"},
    "board.no_waiting": {"kk": "Кезекте ешкім жоқ", "ru": "В очереди никого нет"},
    "board.estimate": {"kk": "Жаңа келушінің күтуі", "ru": "Ожидание нового посетителя"},
    "board.minutes": {"kk": "≈ {n} мин", "ru": "≈ {n} мин"},
    "board.served_today": {"kk": "Бүгін қызмет көрсетілді", "ru": "Обслужено сегодня"},
    "board.staffed": {"kk": "Жұмыс істеп тұрған орындар", "ru": "Работающие места"},
    "board.desks": {"kk": "Жұмыс орындары", "ru": "Рабочие места"},
    "board.desk": {"kk": "Жұмыс орны", "ru": "Рабочее место"},
    "board.operator": {"kk": "Қызметкер", "ru": "Сотрудник"},
    "board.no_operator": {"kk": "Қызметкер жоқ", "ru": "Нет сотрудника"},
    "board.empty_for": {"kk": "{h} сағ {m} мин бос", "ru": "пусто {h} ч {m} мин"},
    "board.replacement_needed": {
        "kk": "Жұмыс орны {hours} сағаттан астам бос: басқа қызметкер жіберу қажет",
        "ru": "Рабочее место пустует более {hours} ч: нужно направить замену"},
    "board.staffing_alert": {
        "kk": "Ұзақ уақыт бос тұрған жұмыс орындары: {desks}",
        "ru": "Рабочие места, пустующие слишком долго: {desks}"},
    "board.current": {"kk": "Ағымдағы талон", "ru": "Текущий талон"},
    "board.desk_closed": {"kk": "Жабық", "ru": "Закрыто"},
    "board.recent": {"kk": "Соңғы шақырулар", "ru": "Последние вызовы"},
    "board.no_recent": {"kk": "Бүгін әлі ешкім шақырылған жоқ",
                        "ru": "Сегодня вызовов ещё не было"},
    "board.connection_lost": {"kk": "Байланыс жоқ. Қайта қосылуда…",
                              "ru": "Нет связи с сервером. Переподключение…"},
    "board.updated": {"kk": "Жаңартылды", "ru": "Обновлено"},
    "board.service_day": {"kk": "Қызмет күні", "ru": "День обслуживания"},
    "board.opening.open": {"kk": "Орталық ашық", "ru": "Центр открыт"},
    "board.opening.lunch": {"kk": "Түскі үзіліс", "ru": "Обеденный перерыв"},
    "board.opening.closed": {"kk": "Орталық жабық", "ru": "Центр закрыт"},
    "badge.out_of_turn": {"kk": "кезектен тыс", "ru": "вне очереди"},
    "badge.escort": {"kk": "ертіп жүру", "ru": "сопровождение"},
    "badge.lang.kk": {"kk": "ҚАЗ", "ru": "КАЗ"},
    "badge.lang.ru": {"kk": "ОРЫС", "ru": "РУС"},
    "badge.for_desk": {"kk": "тек: {desk}", "ru": "только: {desk}"},
    # Issuing a ticket -------------------------------------------------------
    "issue.title": {"kk": "Талон беру", "ru": "Выдача талона"},
    "issue.language": {"kk": "Келушінің тілі", "ru": "Язык посетителя"},
    "issue.purpose": {"kk": "Келу мақсаты", "ru": "Цель визита"},
    "issue.out_of_turn": {"kk": "Кезектен тыс қабылдау", "ru": "Приём вне очереди"},
    "issue.escort": {"kk": "Ертіп жүру қажет", "ru": "Нужно сопровождение"},
    "issue.submit": {"kk": "Талон беру", "ru": "Выдать талон"},
    "issue.done": {"kk": "№ {number} талоны берілді ({zone}). Алда {ahead} адам, күту шамамен "
                         "{minutes} мин.",
                   "ru": "Выдан талон № {number} ({zone}). Впереди {ahead} чел., ожидание "
                         "около {minutes} мин."},
    # Settings ----------------------------------------------------------------
    "config.title": {"kk": "Орталықты баптау", "ru": "Настройка центра"},
    "config.sections": {"kk": "Баптау бөлімдері", "ru": "Разделы настроек"},
    "config.zones": {"kk": "Аймақтар", "ru": "Зоны"},
    "config.desks": {"kk": "Жұмыс орындары", "ru": "Рабочие места"},
    "config.purposes": {"kk": "Келу мақсаттары", "ru": "Цели визита"},
    "config.out_of_turn": {"kk": "Кезектен тыс санаттар", "ru": "Категории внеочередности"},
    "config.hours": {"kk": "Жұмыс уақыты мен ережелер", "ru": "Часы работы и правила"},
    "config.calendar": {"kk": "Күнтізбе", "ru": "Календарь"},
    "config.saved": {"kk": "Өзгерістер сақталды.", "ru": "Изменения сохранены."},
    "config.deleted": {"kk": "«{code}» жойылды.", "ru": "Удалено: «{code}»."},
    "config.not_saved": {"kk": "Ештеңе сақталған жоқ: белгіленген өрісті түзетіңіз.",
                         "ru": "Ничего не сохранено: исправьте отмеченное поле."},
    "config.confirm_delete": {"kk": "«{code}» жойылсын ба?", "ru": "Удалить «{code}»?"},
    "config.empty": {"kk": "Әзірге ештеңе жоқ.", "ru": "Пока ничего нет."},
    "zones.new": {"kk": "Жаңа аймақ", "ru": "Новая зона"},
    "zones.edit": {"kk": "«{code}» аймағын өзгерту", "ru": "Изменение зоны «{code}»"},
    "zones.hint": {"kk": "Әр аймақ өз нөмірлер ауқымынан талон береді; ауқымдар қиылыспауы керек.",
                   "ru": "Каждая зона выдаёт талоны из своего диапазона номеров; диапазоны не "
                         "должны пересекаться."},
    "zones.in_use": {"kk": "«{code}» аймағын жою мүмкін емес: оны мыналар пайдаланады: {users}.",
                     "ru": "Зону «{code}» нельзя удалить: её используют: {users}."},
    "desks.new": {"kk": "Жаңа жұмыс орны", "ru": "Новое рабочее место"},
    "desks.edit": {"kk": "«{code}» жұмыс орнын өзгерту", "ru": "Изменение рабочего места «{code}»"},
    "purposes.new": {"kk": "Жаңа келу мақсаты", "ru": "Новая цель визита"},
    "purposes.edit": {"kk": "«{code}» келу мақсатын өзгерту",
                      "ru": "Изменение цели визита «{code}»"},
    "out_of_turn.new": {"kk": "Жаңа санат", "ru": "Новая категория"},
    "out_of_turn.edit": {"kk": "«{code}» санатын өзгерту", "ru": "Изменение категории «{code}»"},
    "hours.name": {"kk": "Орталықтың атауы", "ru": "Название центра"},
    "hours.hours": {"kk": "Жұмыс уақыты", "ru": "Часы работы"},
    "hours.policy": {"kk": "Кезек ережелері", "ru": "Правила очереди"},
    "hours.timezone": {"kk": "Уақыт белдеуі: {zone}", "ru": "Часовой пояс: {zone}"},
    "hours.lunch_hint": {"kk": "Түскі үзіліс болмаса, екі өрісті де бос қалдырыңыз.",
                         "ru": "Если перерыва нет, оставьте оба поля пустыми."},
    "calendar.closed": {"kk": "Қосымша демалыс күндері", "ru": "Дополнительные выходные дни"},
    "calendar.working": {"kk": "Жұмыс күні болып ауыстырылған күндер",
                         "ru": "Перенесённые рабочие дни"},
    "calendar.add": {"kk": "Күн қосу", "ru": "Добавить день"},
    "calendar.kind": {"kk": "Күн түрі", "ru": "Тип дня"},
    "calendar.kind.closed": {"kk": "демалыс күні", "ru": "выходной"},
    "calendar.kind.working": {"kk": "жұмыс күні", "ru": "рабочий день"},
    "calendar.hint": {"kk": "Қазақстанның мемлекеттік мерекелері өздігінен ескеріледі. Мұнда тек "
                            "жергілікті демалыс күндері мен ауыстырылған жұмыс күндері қосылады.",
                      "ru": "Государственные праздники Казахстана учитываются автоматически. "
                            "Здесь добавляются только местные выходные и перенесённые рабочие "
                            "дни."},
    "calendar.duplicate": {"kk": "Бұл күн тізімде бар.", "ru": "Эта дата уже есть в списке."},
    "calendar.removed": {"kk": "{day} күні тізімнен алынды.",
                         "ru": "Дата {day} удалена из списка."},
    # Fleet (the center's devices) --------------------------------------------
    "fleet.title": {"kk": "Орталықтың құрылғылары", "ru": "Устройства центра"},
    "fleet.refresh": {"kk": "Жаңарту", "ru": "Обновить"},
    "fleet.empty": {"kk": "Әзірге бірде-бір құрылғы байланысқа шыққан жоқ.",
                    "ru": "Пока ни одно устройство не выходило на связь."},
    "fleet.silent_hint": {
        "kk": "«Жауап бермейді» — құрылғы желіде деп саналады, бірақ {seconds} секундтан астам "
              "хабар жібермеді: қуаты өшіп қалуы немесе желіден ажырауы мүмкін.",
        "ru": "«Не отвечает» — устройство считается в сети, но не выходит на связь более "
              "{seconds} секунд: возможно, пропало питание или сеть."},
    "fleet.node": {"kk": "Құрылғы", "ru": "Устройство"},
    "fleet.presence": {"kk": "Күйі", "ru": "Состояние"},
    "fleet.last_seen": {"kk": "Соңғы байланыс", "ru": "Последняя связь"},
    "fleet.software": {"kk": "Бағдарлама нұсқасы", "ru": "Версия ПО"},
    "fleet.place": {"kk": "Жұмыс орны, аймақтар", "ru": "Рабочее место, зоны"},
    "fleet.drivers": {"kk": "Жабдық", "ru": "Оборудование"},
    "fleet.outbox": {"kk": "Жауапсыз сұраулар", "ru": "Запросы без ответа"},
    "fleet.cpu": {"kk": "Процессор, °C", "ru": "Процессор, °C"},
    "fleet.role.ticket_terminal": {"kk": "Талон беру терминалдары",
                                   "ru": "Терминалы выдачи талонов"},
    "fleet.role.display": {"kk": "Электрондық таблолар", "ru": "Электронные табло"},
    "fleet.role.call_button": {"kk": "Шақыру батырмалары", "ru": "Кнопки вызова"},
    "fleet.presence.online": {"kk": "Желіде", "ru": "В сети"},
    "fleet.presence.offline": {"kk": "Желіден тыс", "ru": "Не в сети"},
    "fleet.presence.silent": {"kk": "Жауап бермейді", "ru": "Не отвечает"},
    "fleet.state.ok": {"kk": "қалыпты", "ru": "норма"},
    "fleet.state.warning": {"kk": "назар аударыңыз", "ru": "внимание"},
    "fleet.state.fault": {"kk": "ақаулық", "ru": "неисправность"},
    "fleet.state.off": {"kk": "қосылмаған", "ru": "не подключено"},
    "fleet.detail.paper_low": {"kk": "қағаз азайып қалды", "ru": "бумага заканчивается"},
    "fleet.detail.paper_out": {"kk": "қағаз таусылды", "ru": "нет бумаги"},
    "fleet.detail.paper_jam": {"kk": "қағаз кептеліп қалды", "ru": "замятие бумаги"},
    "fleet.detail.cover_open": {"kk": "қақпағы ашық", "ru": "открыта крышка"},
    "fleet.detail.gone": {"kk": "құрылғы табылмады", "ru": "устройство не найдено"},
    "fleet.driver.printer": {"kk": "Принтер", "ru": "Принтер"},
    "fleet.driver.touchscreen": {"kk": "Сенсорлы экран", "ru": "Сенсорный экран"},
    "fleet.driver.screen": {"kk": "Экран", "ru": "Экран"},
    "fleet.driver.button": {"kk": "Батырма", "ru": "Кнопка"},
    "fleet.driver.speaker": {"kk": "Дауыс зорайтқыш", "ru": "Динамик"},
    "fleet.driver.buttons": {"kk": "Батырмалар мен шамдар", "ru": "Кнопки и лампы"},
    "fleet.driver.scanner": {"kk": "Сканер", "ru": "Сканер"},
    "fleet.driver.tv": {"kk": "Теледидар беті", "ru": "Страница телевизора"},
    "fleet.driver.board": {"kk": "Табло", "ru": "Табло"},
    "fleet.ago.now": {"kk": "қазір ғана", "ru": "только что"},
    "fleet.ago.seconds": {"kk": "{n} с бұрын", "ru": "{n} с назад"},
    "fleet.ago.minutes": {"kk": "{n} мин бұрын", "ru": "{n} мин назад"},
    "fleet.ago.hours": {"kk": "{h} сағ {m} мин бұрын", "ru": "{h} ч {m} мин назад"},
    "fleet.ago.days": {"kk": "{n} күн бұрын", "ru": "{n} дн. назад"},
    # Fields ------------------------------------------------------------------
    "field.code": {"kk": "Коды", "ru": "Код"},
    "field.code_hint": {"kk": "Латын әріптері, цифрлар, «-» және «_»",
                        "ru": "Латинские буквы, цифры, «-» и «_»"},
    "field.kind": {"kk": "Түрі", "ru": "Тип"},
    "field.name": {"kk": "Атауы", "ru": "Название"},
    "field.name_kk": {"kk": "Атауы (қазақша)", "ru": "Название (на казахском)"},
    "field.name_ru": {"kk": "Атауы (орысша)", "ru": "Название (на русском)"},
    "field.range": {"kk": "Нөмірлер ауқымы", "ru": "Диапазон номеров"},
    "field.range_first": {"kk": "Бірінші нөмір", "ru": "Первый номер"},
    "field.range_last": {"kk": "Соңғы нөмір", "ru": "Последний номер"},
    "field.range_hint": {"kk": "Тек қызмет көрсету аймақтарына қажет",
                         "ru": "Нужен только зонам обслуживания"},
    "field.service_minutes": {"kk": "Бір келушіге әдепкі уақыт, мин",
                              "ru": "Время на посетителя по умолчанию, мин"},
    "field.minutes_short": {"kk": "Уақыты, мин", "ru": "Время, мин"},
    "field.zones": {"kk": "Аймақтары", "ru": "Зоны"},
    "field.zone": {"kk": "Аймақ", "ru": "Зона"},
    "field.desk_active": {"kk": "Жұмыс істейді", "ru": "Работает"},
    "field.calls_staff": {"kk": "Кезекке қоймай, қызметкерді шақырады",
                          "ru": "Вызывает сотрудника, не ставя в очередь"},
    "field.calls_staff_short": {"kk": "Қызметкерді шақыру", "ru": "Вызов сотрудника"},
    "field.opens": {"kk": "Ашылады", "ru": "Открытие"},
    "field.closes": {"kk": "Жабылады", "ru": "Закрытие"},
    "field.lunch_starts": {"kk": "Түскі үзіліс басталады", "ru": "Начало перерыва"},
    "field.lunch_ends": {"kk": "Түскі үзіліс аяқталады", "ru": "Конец перерыва"},
    "field.weekdays": {"kk": "Жұмыс күндері", "ru": "Рабочие дни"},
    "field.transfer_keeps_arrival": {
        "kk": "Басқа орынға жіберілген келуші кезектегі орнын келген уақыты бойынша сақтайды",
        "ru": "Переадресованный посетитель сохраняет место в очереди по времени прихода"},
    "field.next_finishes_serving": {
        "kk": "«Келесі» батырмасы ағымдағы келушіге қызмет көрсетуді аяқтайды",
        "ru": "Кнопка «Следующий» завершает обслуживание текущего посетителя"},
    "field.unstaffed_alert_hours": {
        "kk": "Жұмыс орны қызметкерсіз қанша сағат тұрса, ескерту берілсін",
        "ru": "Через сколько часов без сотрудника предупреждать о рабочем месте"},
    "field.day": {"kk": "Күні", "ru": "Дата"},
    "field.username": {"kk": "Пайдаланушы аты", "ru": "Имя пользователя"},
    "field.full_name": {"kk": "Аты-жөні", "ru": "ФИО"},
    "field.role": {"kk": "Рөлі", "ru": "Роль"},
    "field.language": {"kk": "Интерфейс тілі", "ru": "Язык интерфейса"},
    "field.password": {"kk": "Құпиясөз", "ru": "Пароль"},
    "field.new_password": {"kk": "Жаңа құпиясөз", "ru": "Новый пароль"},
    "field.new_password_hint": {"kk": "Өзгертпеу үшін бос қалдырыңыз",
                                "ru": "Оставьте пустым, чтобы не менять"},
    "field.password_hint": {"kk": "Кемінде 10 таңба", "ru": "Не менее 10 символов"},
    "field.user_active": {"kk": "Белсенді", "ru": "Активен"},
    "zone_kind.reception": {"kk": "Ресепшн", "ru": "Ресепшн"},
    "zone_kind.waiting": {"kk": "Күту залы", "ru": "Зона ожидания"},
    "zone_kind.consultation": {"kk": "Консультация", "ru": "Консультация"},
    "zone_kind.personal_reception": {"kk": "Жеке қабылдау", "ru": "Личный приём"},
    "zone_kind.self_service": {"kk": "Өзіне-өзі қызмет көрсету", "ru": "Самообслуживание"},
    "desk_kind.workplace": {"kk": "Жұмыс орны", "ru": "Рабочее место"},
    "desk_kind.office": {"kk": "Кабинет", "ru": "Кабинет"},
    "weekday.mon": {"kk": "Дүйсенбі", "ru": "Понедельник"},
    "weekday.tue": {"kk": "Сейсенбі", "ru": "Вторник"},
    "weekday.wed": {"kk": "Сәрсенбі", "ru": "Среда"},
    "weekday.thu": {"kk": "Бейсенбі", "ru": "Четверг"},
    "weekday.fri": {"kk": "Жұма", "ru": "Пятница"},
    "weekday.sat": {"kk": "Сенбі", "ru": "Суббота"},
    "weekday.sun": {"kk": "Жексенбі", "ru": "Воскресенье"},
    # Actions -----------------------------------------------------------------
    "action.add": {"kk": "Қосу", "ru": "Добавить"},
    "action.save": {"kk": "Сақтау", "ru": "Сохранить"},
    "action.edit": {"kk": "Өзгерту", "ru": "Изменить"},
    "action.delete": {"kk": "Жою", "ru": "Удалить"},
    "action.remove": {"kk": "Алып тастау", "ru": "Убрать"},
    "action.cancel": {"kk": "Болдырмау", "ru": "Отмена"},
    "action.create": {"kk": "Құру", "ru": "Создать"},
    # Form errors -------------------------------------------------------------
    "err.required": {"kk": "Бұл өрісті толтырыңыз.", "ru": "Заполните это поле."},
    "err.integer": {"kk": "Бүтін сан енгізіңіз.", "ru": "Введите целое число."},
    "err.number": {"kk": "Сан енгізіңіз.", "ru": "Введите число."},
    "err.range_pair": {"kk": "Ауқымның екі шетін де толтырыңыз немесе екеуін де бос қалдырыңыз.",
                       "ru": "Заполните обе границы диапазона или оставьте обе пустыми."},
    "err.pattern": {"kk": "Тек латын әріптері, цифрлар, «-» және «_» болуы керек.",
                    "ru": "Допустимы только латинские буквы, цифры, «-» и «_»."},
    "err.too_long": {"kk": "Мәтін тым ұзын.", "ru": "Слишком длинный текст."},
    "err.greater_than": {"kk": "Мән {limit} санынан үлкен болуы керек.",
                         "ru": "Значение должно быть больше {limit}."},
    "err.at_most": {"kk": "Мән {limit} санынан аспауы керек.",
                    "ru": "Значение должно быть не больше {limit}."},
    "err.choice": {"kk": "Тізімнен мән таңдаңыз.", "ru": "Выберите значение из списка."},
    "err.time": {"kk": "Уақытты СС:ММ түрінде енгізіңіз.", "ru": "Введите время в виде ЧЧ:ММ."},
    "err.date": {"kk": "Күнді енгізіңіз.", "ru": "Введите дату."},
    "err.invalid": {"kk": "Мән дұрыс емес.", "ru": "Недопустимое значение."},
    "err.select_zone": {"kk": "Кемінде бір аймақ таңдаңыз.", "ru": "Выберите хотя бы одну зону."},
    "err.select_weekday": {"kk": "Кемінде бір жұмыс күнін таңдаңыз.",
                           "ru": "Выберите хотя бы один рабочий день."},
    "err.self_lockout": {"kk": "Өзіңізді бұғаттай немесе әкімші рөлінен айыра алмайсыз.",
                         "ru": "Нельзя заблокировать себя или снять с себя роль администратора."},
    # Users -------------------------------------------------------------------
    "users.title": {"kk": "Пайдаланушылар", "ru": "Пользователи"},
    "users.new": {"kk": "Жаңа пайдаланушы", "ru": "Новый пользователь"},
    "users.edit": {"kk": "«{username}» пайдаланушысын өзгерту",
                   "ru": "Изменение пользователя «{username}»"},
    "users.created": {"kk": "«{username}» пайдаланушысы құрылды.",
                      "ru": "Пользователь «{username}» создан."},
    "users.updated": {"kk": "«{username}» пайдаланушысы өзгертілді.",
                      "ru": "Пользователь «{username}» изменён."},
    "users.blocked": {"kk": "бұғатталған", "ru": "заблокирован"},
    "users.you": {"kk": "сіз", "ru": "вы"},
    # Audit -------------------------------------------------------------------
    "audit.title": {"kk": "Өзгерістер журналы", "ru": "Журнал изменений"},
    "audit.when": {"kk": "Уақыты", "ru": "Время"},
    "audit.actor": {"kk": "Кім", "ru": "Кто"},
    "audit.action": {"kk": "Әрекет", "ru": "Действие"},
    "audit.entity": {"kk": "Нысан", "ru": "Объект"},
    "audit.change": {"kk": "Бұрын → кейін", "ru": "Было → стало"},
    "audit.more": {"kk": "толығырақ", "ru": "подробнее"},
    "audit.older": {"kk": "Ескірек жазбалар →", "ru": "Более ранние записи →"},
    "audit.newest": {"kk": "← Ең жаңа жазбалар", "ru": "← Самые новые записи"},
    "audit.empty": {"kk": "Жазба жоқ.", "ru": "Записей нет."},
    # Check-in and protocol of a personal reception (issue 7, items 7 and 8) ------
    "nav.check_in": {"kk": "Қабылдауға тіркеу", "ru": "Отметка на прием"},
    "check_in.title": {"kk": "Жеке қабылдауға тіркеу", "ru": "Отметка на личный прием"},
    "check_in.code": {"kk": "Жазылу коды", "ru": "Код записи"},
    "check_in.code_hint": {"kk": "Хаттағы кодты енгізіңіз немесе QR-кодты сканерлеңіз.",
                           "ru": "Введите код из письма или отсканируйте QR-код."},
    "check_in.admit_late": {
        "kk": "Кешіккен келушіні қабылдау (лауазымды адам келісімін берді)",
        "ru": "Принять опоздавшего посетителя (должностное лицо дало согласие)"},
    "check_in.submit": {"kk": "Тіркеу және талон беру", "ru": "Отметить и выдать талон"},
    "check_in.ticket": {"kk": "Талон: {number}", "ru": "Талон: {number}"},
    "check_in.where": {"kk": "Қабылдау уақыты: {time}, {desk}. Шақыруды табло арқылы күтіңіз.",
                       "ru": "Время приема: {time}, {desk}. Ожидайте вызова на табло."},
    "check_in.again": {"kk": "Бұл жазылу бойынша талон бұрын берілген.",
                       "ru": "По этой записи талон уже был выдан."},
    "protocol.title": {"kk": "Қабылдау хаттамасы", "ru": "Протокол приема"},
    "protocol.number": {"kk": "Өтініштің тіркеу нөмірі", "ru": "Регистрационный номер обращения"},
    "protocol.decision": {"kk": "Қабылданған шешім", "ru": "Принятое решение"},
    "protocol.instructions": {"kk": "Тапсырмалар (жауапты адам және мерзім)",
                              "ru": "Поручения (ответственное лицо и срок)"},
    "protocol.text": {"kk": "Тапсырма", "ru": "Поручение"},
    "protocol.responsible": {"kk": "Жауапты адам", "ru": "Ответственное лицо"},
    "protocol.days": {"kk": "Мерзімі, жұмыс күні", "ru": "Срок, рабочих дней"},
    "protocol.due": {"kk": "немесе күні", "ru": "или дата"},
    "protocol.submit": {"kk": "Хаттаманы сақтау", "ru": "Сохранить протокол"},
    "protocol.saved": {"kk": "{number} өтінішінің хаттамасы сақталды ({mark}).",
                       "ru": "Протокол по обращению {number} сохранён ({mark})."},
}


def _add_messages(*parts: dict[str, dict[str, str]]) -> None:
    """Each page's messages join the shell's; a key written twice would silently
    show one page the other's text, so it stops the hub at start instead."""
    known = set(MESSAGES)
    for part in parts:
        twice = sorted(known & part.keys())
        if twice:
            raise ValueError(f"console messages defined twice: {', '.join(twice)}")
        known |= part.keys()
    for part in parts:
        MESSAGES.update(part)


_add_messages(RECEPTION_MESSAGES, OPERATOR_MESSAGES, FLEET_MESSAGES, APPEALS_MESSAGES,
              TERMINAL_MESSAGES, REPORT_MESSAGES)


def text(key: str) -> Bilingual:
    """The message `key` in both languages; an unknown key is a programming error."""
    entry = MESSAGES[key]
    return Bilingual(kk=entry["kk"], ru=entry["ru"])


def translate(language: Language | str, key: str, **values: object) -> str:
    """The message `key` in `language`, its placeholders filled; the key itself if unknown."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    message = entry[Language(language).value]
    return message.format(**values) if values else message


def parse_language(value: object) -> Language | None:
    if isinstance(value, str):
        try:
            return Language(value)
        except ValueError:
            return None
    return None
