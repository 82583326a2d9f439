"""The words of every letter in Kazakh and in Russian, in the register of an
official letter, and the short SMS texts.

``letter_text(letter)`` gives the letter as blocks (paragraphs, a table of
details, a numbered list) that the PDF and the e-mail body both lay out;
``sms_text(letter)`` gives the SMS. Dates are written out in words with the
Kazakh case endings each sentence needs (``2026 жылғы 4 желтоқсанға дейін``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from hub.domain.reception.grounds import GROUND_LABELS, RefusalGround
from hub.domain.reception.requests import ExtensionKind
from hub.domain.text import Bilingual, Language
from hub.letters.model import (
    Booking,
    BookingConfirmed,
    BookingMoved,
    CorrectionRequested,
    DraftRefusal,
    LeftWithoutConsideration,
    Letter,
    LetterKind,
    Refusal,
    TermExtended,
    pick,
)

__all__ = [
    "KIND_TITLES",
    "Block",
    "Details",
    "LetterText",
    "Numbered",
    "Paragraph",
    "UiText",
    "date_words",
    "letter_text",
    "short_date",
    "sms_text",
]

# Months: Russian genitive; Kazakh nominative, locative (-да), dative (-ға)
# and attributive (-дағы), written out rather than derived.
_RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")
_KK_MONTHS: tuple[tuple[str, str, str, str], ...] = (
    ("қаңтар", "қаңтарда", "қаңтарға", "қаңтардағы"),
    ("ақпан", "ақпанда", "ақпанға", "ақпандағы"),
    ("наурыз", "наурызда", "наурызға", "наурыздағы"),
    ("сәуір", "сәуірде", "сәуірге", "сәуірдегі"),
    ("мамыр", "мамырда", "мамырға", "мамырдағы"),
    ("маусым", "маусымда", "маусымға", "маусымдағы"),
    ("шілде", "шілдеде", "шілдеге", "шілдедегі"),
    ("тамыз", "тамызда", "тамызға", "тамыздағы"),
    ("қыркүйек", "қыркүйекте", "қыркүйекке", "қыркүйектегі"),
    ("қазан", "қазанда", "қазанға", "қазандағы"),
    ("қараша", "қарашада", "қарашаға", "қарашадағы"),
    ("желтоқсан", "желтоқсанда", "желтоқсанға", "желтоқсандағы"),
)
_KK_CASES = {"nom": 0, "loc": 1, "dat": 2, "attr": 3}
_WEEKDAYS = (
    Bilingual(kk="дүйсенбі", ru="понедельник"),
    Bilingual(kk="сейсенбі", ru="вторник"),
    Bilingual(kk="сәрсенбі", ru="среда"),
    Bilingual(kk="бейсенбі", ru="четверг"),
    Bilingual(kk="жұма", ru="пятница"),
    Bilingual(kk="сенбі", ru="суббота"),
    Bilingual(kk="жексенбі", ru="воскресенье"),
)


def date_words(day: date, language: Language, case: str = "nom") -> str:
    """``23 ноября 2026 года``; ``2026 жылғы 23 қараша`` in the Kazakh case
    asked for: ``nom``, ``loc`` (on the day), ``dat`` (until: put ``дейін``
    after it) or ``attr`` (of the day: ``…қарашадағы өтініш``)."""
    if Language(language) is Language.RU:
        return f"{day.day} {_RU_MONTHS[day.month - 1]} {day.year} года"
    return f"{day.year} жылғы {day.day} {_KK_MONTHS[day.month - 1][_KK_CASES[case]]}"


def short_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _time(moment: time) -> str:
    return moment.strftime("%H:%M")


def _weekday(day: date, language: Language) -> str:
    return _WEEKDAYS[day.weekday()].get(language)


# ---------------------------------------------------------------- blocks


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Details:
    """A table of label: value rows (the booking)."""

    rows: tuple[tuple[str, str], ...]
    qr_code: str | None = None  # shown beside the table as a QR image


@dataclass(frozen=True, slots=True)
class Numbered:
    items: tuple[str, ...]


Block = Paragraph | Details | Numbered


@dataclass(frozen=True, slots=True)
class LetterText:
    subject: str
    title: str
    reference: str
    addressee_label: str
    salutation: str
    blocks: tuple[Block, ...]
    closing: str

    def plain(self) -> str:
        """The letter as plain text, for the body of the e-mail."""
        parts = [self.reference, self.title, self.salutation]
        for block in self.blocks:
            if isinstance(block, Paragraph):
                parts.append(block.text)
            elif isinstance(block, Details):
                parts.append("\n".join(f"{label}: {value}" for label, value in block.rows))
            else:
                parts.append("\n".join(f"{n}. {item}" for n, item in enumerate(block.items, 1)))
        parts.append(self.closing)
        return "\n\n".join(parts)


class UiText:
    """Words of the layout itself."""

    ADDRESSEE = Bilingual(kk="Өтініш берушіге", ru="Заявителю")
    SALUTATION = Bilingual(kk="Құрметті өтініш беруші!", ru="Уважаемый заявитель!")
    PAGE = Bilingual(kk="Бет {page} / {pages}", ru="Страница {page} из {pages}")
    QR_CAPTION = Bilingual(kk="Жазылу коды", ru="Код записи")
    ATTACHED = Bilingual(kk="Хат PDF форматында қоса беріледі.",
                         ru="Письмо прилагается в формате PDF.")
    AUTOMATIC = Bilingual(
        kk="Бұл хат автоматты түрде жіберілді, оған жауап бермеңіз.",
        ru="Это письмо отправлено автоматически, отвечать на него не нужно.")
    CLOSING = Bilingual(kk="Құрметпен,", ru="С уважением,")


KIND_TITLES: dict[LetterKind, Bilingual] = {
    LetterKind.CONFIRMATION: Bilingual(kk="Жеке қабылдауға жазылу туралы",
                                       ru="О записи на личный прием"),
    LetterKind.CORRECTION: Bilingual(kk="Өтінішті талаптарға сәйкес келтіру туралы",
                                     ru="О приведении обращения в соответствие с требованиями"),
    LetterKind.DRAFT_REFUSAL: Bilingual(
        kk="Жеке қабылдаудан бас тарту туралы алдын ала шешімнің жобасы (тыңдау)",
        ru="Проект предварительного решения об отказе в личном приеме (заслушивание)"),
    LetterKind.REFUSAL: Bilingual(kk="Жеке қабылдаудан бас тарту туралы",
                                  ru="Об отказе в личном приеме"),
    LetterKind.EXTENSION: Bilingual(kk="Өтінішті қарау мерзімін ұзарту туралы",
                                    ru="О продлении срока рассмотрения обращения"),
    LetterKind.MOVE: Bilingual(kk="Жеке қабылдауды ауыстыру туралы",
                               ru="О переносе личного приема"),
    LetterKind.LEFT_WITHOUT_CONSIDERATION: Bilingual(
        kk="Өтінішті қараусыз қалдыру туралы",
        ru="Об оставлении обращения без рассмотрения"),
}

_CODE = "Қазақстан Республикасы Әкімшілік рәсімдік-процестік кодексінің"
_KODEKS = "Административного процедурно-процессуального кодекса Республики Казахстан"


def _your_request(letter: Letter) -> Bilingual:
    """``Ваше обращение от … № … с просьбой о личном приеме`` (nominative)."""
    return Bilingual(
        kk=f"Жеке қабылдау туралы {date_words(letter.registration_date, Language.KK, 'attr')} "
           f"№\u00a0{letter.registration_number} өтінішіңіз",
        ru=f"Ваше обращение от {date_words(letter.registration_date, Language.RU)} "
           f"№\u00a0{letter.registration_number} с просьбой о личном приеме")


def _booking_rows(booking: Booking, language: Language) -> tuple[tuple[str, str], ...]:
    kk = language is Language.KK
    official = f"{booking.official_name}, {pick(booking.official_position, language)}"
    when = f"{date_words(booking.day, language)} ({_weekday(booking.day, language)})"
    return (
        ("Қабылдайтын лауазымды адам" if kk else "Принимающее лицо", official),
        ("Күні" if kk else "Дата", when),
        ("Уақыты" if kk else "Время", _time(booking.time)),
        ("Орны" if kk else "Место", pick(booking.place, language)),
        ("Жазылу коды" if kk else "Код записи", booking.code),
    )


_ON_THE_DAY = Bilingual(
    kk="Қабылдау күні жазылу кодын немесе осы хаттағы QR-кодты талон беру терминалында немесе "
       "ресепшн қызметкеріне көрсетіп, жеке қабылдауға талон алыңыз. Өзіңізбен бірге жеке "
       "басыңызды куәландыратын құжатты (түпнұсқасын немесе цифрлық құжатты) алып келуіңіз "
       "қажет. Белгіленген уақыттан ертерек келуіңізді сұраймыз.",
    ru="В день приема предъявите код записи или QR-код из этого письма на терминале выдачи "
       "талонов или работнику ресепшена и получите талон на личный прием. При себе необходимо "
       "иметь документ, удостоверяющий личность (оригинал или цифровой документ). Просим "
       "прибыть заблаговременно.")

_CANNOT_COME = Bilingual(
    kk="Қабылдауға келе алмайтын болсаңыз, бұл туралы орталыққа алдын ала хабарлауыңызды "
       "сұраймыз.",
    ru="Если Вы не сможете прийти на прием, просим заблаговременно сообщить об этом в центр.")


def _grounds(grounds: tuple[RefusalGround, ...], language: Language) -> Numbered:
    return Numbered(tuple(GROUND_LABELS[RefusalGround(g)].get(language) + "." for g in grounds))


def _body(letter: Letter) -> tuple[Block, ...]:
    lang = letter.language
    kk = lang is Language.KK
    request = _your_request(letter).get(lang)
    content = letter.content
    if isinstance(content, BookingConfirmed):
        booking = content.booking
        return (
            Paragraph(f"{request} қаралды. Сіз жеке қабылдауға жазылдыңыз:" if kk else
                      f"{request} рассмотрено. Вы записаны на личный прием:"),
            Details(_booking_rows(booking, lang), qr_code=booking.code),
            Paragraph(_ON_THE_DAY.get(lang)),
            Paragraph(_CANNOT_COME.get(lang)),
        )
    if isinstance(content, CorrectionRequested):
        due = content.correct_by
        return (
            Paragraph(f"{request} {_CODE} 63-бабында белгіленген талаптарға сәйкес келмейді."
                      if kk else
                      f"{request} не соответствует требованиям, установленным статьей 63 "
                      f"{_KODEKS}."),
            Paragraph("Мынадай кемшіліктерді жою қажет:" if kk else
                      "Необходимо устранить следующие недостатки:"),
            Paragraph(content.defects),
            Paragraph(f"Өтінішті {date_words(due, lang, 'dat')} дейін (қоса алғанда) Кодекс "
                      "талаптарына сәйкес келтіруіңізді сұраймыз." if kk else
                      f"Просим привести обращение в соответствие с требованиями Кодекса в срок "
                      f"до {date_words(due, lang)} включительно.", bold=True),
            Paragraph("Белгіленген мерзімде талаптарға сәйкес келтірілмеген өтініш өтініш "
                      "берушіге қайтарылады." if kk else
                      "Обращение, не приведенное в соответствие с требованиями в установленный "
                      "срок, подлежит возврату заявителю."),
        )
    if isinstance(content, DraftRefusal):
        blocks: list[Block] = [
            Paragraph(
                f"{request}ді алдын ала қарау нәтижесі бойынша мынадай "
                "негіздер бойынша жеке қабылдаудан бас тарту туралы шешім қабылдау көзделуде:"
                if kk else
                f"По результатам предварительного рассмотрения Вашего обращения от "
                f"{date_words(letter.registration_date, lang)} №\u00a0{letter.registration_number} "
                "с просьбой о личном приеме предполагается принять решение об отказе в приеме "
                "по следующим основаниям:"),
            _grounds(content.grounds, lang),
        ]
        if content.explanation:
            blocks.append(Paragraph(("Негіздеме: " if kk else "Обоснование: ")
                                    + content.explanation))
        blocks += [
            Paragraph(f"{_CODE} 73-бабына сәйкес тыңдау рәсімін жүргізу үшін Сізге алдын ала "
                      "шешімнің жобасы жіберіледі." if kk else
                      f"В соответствии со статьей 73 {_KODEKS} Вам направляется проект "
                      "предварительного решения для проведения процедуры заслушивания."),
            Paragraph(f"Сіз {date_words(content.object_by, lang, 'dat')} дейін (қоса алғанда) "
                      "қарсылығыңызды ұсынуға немесе өз ұстанымыңызды ауызша не жазбаша "
                      "білдіруге құқылысыз." if kk else
                      f"Вы вправе до {date_words(content.object_by, lang)} включительно "
                      "представить возражение или высказать свою позицию устно либо "
                      "письменно.", bold=True),
            Paragraph("Көрсетілген мерзімде қарсылық түспеген жағдайда шешім қолда бар "
                      "материалдар бойынша қабылданады." if kk else
                      "Если в указанный срок возражение не поступит, решение будет принято по "
                      "имеющимся материалам."),
        ]
        return tuple(blocks)
    if isinstance(content, Refusal):
        return (
            Paragraph(
                f"{request}ді қарап, мынадай негіздер бойынша Сізге жеке "
                "қабылдаудан бас тартылғанын хабарлаймыз:" if kk else
                f"Рассмотрев Ваше обращение от {date_words(letter.registration_date, lang)} "
                f"№\u00a0{letter.registration_number} с просьбой о личном приеме, сообщаем, что в "
                "личном приеме Вам отказано по следующим основаниям:"),
            _grounds(content.grounds, lang),
            Paragraph(("Негіздеме: " if kk else "Обоснование: ") + content.explanation),
            Paragraph(f"Сіз осы шешімге {_CODE.replace('кодексінің', 'кодексінде')} белгіленген "
                      "тәртіппен жоғары тұрған әкімшілік органға немесе лауазымды адамға "
                      "әкімшілік (сотқа дейінгі) тәртіппен не сотқа шағым жасауға құқылысыз."
                      if kk else
                      "Вы вправе обжаловать настоящее решение в административном (досудебном) "
                      "порядке вышестоящему административному органу или должностному лицу "
                      "либо в суд в порядке, установленном Административным "
                      "процедурно-процессуальным кодексом Республики Казахстан."),
        )
    if isinstance(content, TermExtended):
        until = (f"{date_words(content.new_term, lang, 'dat')} дейін" if kk else
                 f"до {date_words(content.new_term, lang)}")
        if ExtensionKind(content.extension) is ExtensionKind.MOTIVATED:
            assert content.decision_date is not None
            decision = (f"{date_words(content.decision_date, lang, 'attr')} "
                        f"№\u00a0{content.decision_number}" if kk else
                        f"от {date_words(content.decision_date, lang)} "
                        f"№\u00a0{content.decision_number}")
            first = (
                f"Басшының {decision} дәлелді шешімімен өтінішті дұрыс қарау үшін "
                "маңызы бар нақты мән-жайларды анықтау қажеттігіне байланысты "
                f"{request}ді қарау мерзімі {until} ұзартылды."
                if kk else
                f"Мотивированным решением руководителя {decision} ввиду необходимости "
                "установления фактических обстоятельств, имеющих значение для правильного "
                "рассмотрения обращения, срок рассмотрения Вашего обращения от "
                f"{date_words(letter.registration_date, lang)} №\u00a0{letter.registration_number} "
                f"с просьбой о личном приеме продлен {until}.")
        else:
            first = (
                "Мәселенің сипаты барынша пысықтауды талап ететін күрделі болуына байланысты "
                f"{request}ді қарау мерзімі {until} ұзартылды." if kk else
                "В связи со сложным характером вопроса, требующего большей проработки, срок "
                "рассмотрения Вашего обращения от "
                f"{date_words(letter.registration_date, lang)} №\u00a0{letter.registration_number} "
                f"с просьбой о личном приеме продлен {until}.")
        return (
            Paragraph(first),
            Paragraph(("Негіздеме: " if kk else "Обоснование: ") + content.reason),
            Paragraph("Өтінішті қарау нәтижесі туралы Сізге қосымша хабарланады." if kk else
                      "О результатах рассмотрения обращения Вам будет сообщено дополнительно."),
        )
    if isinstance(content, BookingMoved):
        old = content.cancelled
        when = f"{date_words(old.day, lang, 'loc')}, сағат {_time(old.time)}" if kk else \
            f"{date_words(old.day, lang)} в {_time(old.time)}"
        who = f"{old.official_name}, {pick(old.official_position, lang)}"
        blocks = [
            Paragraph(f"Қабылдайтын лауазымды адамның ({who}) {when} жеке қабылдау өткізу "
                      "мүмкіндігі болмауына байланысты Сіз жазылған қабылдау ауыстырылатынын "
                      "хабарлаймыз." if kk else
                      f"Сообщаем, что личный прием, на который Вы были записаны ({who}; "
                      f"{when}), переносится, поскольку принимающее лицо не может провести "
                      "прием."),
            Paragraph(("Себебі: " if kk else "Причина: ") + content.reason),
            Paragraph(f"Бұрынғы жазылу коды ({old.code}) енді жарамсыз." if kk else
                      f"Прежний код записи ({old.code}) больше не действует."),
        ]
        if content.new_booking is not None:
            blocks += [
                Paragraph("Сіз жеке қабылдауға қайта жазылдыңыз:" if kk else
                          "Вы вновь записаны на личный прием:"),
                Details(_booking_rows(content.new_booking, lang),
                        qr_code=content.new_booking.code),
                Paragraph(_ON_THE_DAY.get(lang)),
            ]
        else:
            blocks.append(Paragraph(
                "Қабылдаудың жаңа күні мен уақыты туралы Сізге қосымша хабарланады." if kk else
                "О новых дате и времени приема Вам будет сообщено дополнительно."))
        blocks.append(Paragraph("Келтірілген қолайсыздық үшін кешірім сұраймыз." if kk else
                                "Приносим извинения за доставленные неудобства."))
        return tuple(blocks)
    assert isinstance(content, LeftWithoutConsideration)
    blocks = [
        Paragraph(f"{request}де мәселенің мәні баяндалмағандықтан, ол қараусыз қалдырылды."
                  if kk else
                  f"{request} оставлено без рассмотрения, поскольку в нем не изложена суть "
                  "вопроса."),
    ]
    if content.note:
        blocks.append(Paragraph(content.note))
    blocks.append(Paragraph(
        "Мәселенің мәнін баяндай отырып, жеке қабылдау туралы қайта өтініш беруге құқылысыз."
        if kk else
        "Вы вправе вновь обратиться с просьбой о личном приеме, изложив суть вопроса."))
    return tuple(blocks)


def letter_text(letter: Letter) -> LetterText:
    lang = letter.language
    title = KIND_TITLES[letter.kind].get(lang)
    number = f"№\u00a0{letter.registration_number}"
    reference = (f"{date_words(letter.registration_date, lang, 'attr')} {number} өтінішке"
                 if lang is Language.KK else
                 f"На {number} от {short_date(letter.registration_date)}")
    subject = f"{title} — № {letter.registration_number}"
    return LetterText(
        subject=subject,
        title=title,
        reference=reference,
        addressee_label=UiText.ADDRESSEE.get(lang),
        salutation=UiText.SALUTATION.get(lang),
        blocks=_body(letter),
        closing=UiText.CLOSING.get(lang),
    )


# ---------------------------------------------------------------- SMS


def sms_text(letter: Letter) -> str:
    """The SMS of a letter: the one fact that matters and where the rest is.
    One UCS-2 segment (70 characters) where the numbers allow; see
    ``hub.letters.sms.segments``."""
    lang = letter.language
    kk = lang is Language.KK
    number = letter.registration_number
    content = letter.content
    if isinstance(content, BookingConfirmed):
        b = content.booking
        return (f"Жеке қабылдау {short_date(b.day)}, сағат {_time(b.time)}. Жазылу коды "
                f"{b.code}" if kk else
                f"Личный прием {short_date(b.day)} в {_time(b.time)}. Код записи {b.code}")
    if isinstance(content, CorrectionRequested):
        due = short_date(content.correct_by)
        return (f"№{number} өтінішті {due} дейін түзетіңіз. Толығы хатта" if kk
                else f"Обращение №{number}: исправьте до {due}. Подробно в письме")
    if isinstance(content, DraftRefusal):
        due = short_date(content.object_by)
        return (f"№{number} өтініш: бас тарту жобасы. Қарсылық {due} дейін" if kk
                else f"Обращение №{number}: проект отказа. Возражения до {due}")
    if isinstance(content, Refusal):
        return (f"№{number} өтініш: қабылдаудан бас тартылды. Негізі хатта" if kk
                else f"Обращение №{number}: в приеме отказано. Основания в письме")
    if isinstance(content, TermExtended):
        due = short_date(content.new_term)
        return (f"№{number} өтінішті қарау мерзімі {due} дейін ұзартылды" if kk
                else f"Срок по обращению №{number} продлен до {due}")
    if isinstance(content, BookingMoved):
        old = short_date(content.cancelled.day)
        new = content.new_booking
        if new is not None:
            return (f"{old} қабылдау ауыстырылды: {short_date(new.day)} {_time(new.time)}, "
                    f"код {new.code}" if kk else
                    f"Прием {old} перенесен на {short_date(new.day)} {_time(new.time)}, "
                    f"код {new.code}")
        return (f"{old} қабылдау ауыстырылды. Жаңа күнін хабарлаймыз" if kk
                else f"Прием {old} перенесен. О новой дате сообщим")
    return (f"№{number} өтініш қараусыз қалды: мәселенің мәні баяндалмаған" if kk
            else f"Обращение №{number} без рассмотрения: не указана суть")
