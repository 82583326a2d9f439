"""Personal reception pages: the public schedule of officials (no login, 002 §8)
and its printable form as the appendix of 004, and the responsible worker's
list of booking requests with their deadlines and decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from hub.api.routes.reception import MANAGERS, READERS, parse_month, reads_request
from hub.console import forms
from hub.console.i18n import DEFAULT_LANGUAGE, parse_language, translate
from hub.console.web import (
    LANG_COOKIE,
    PREFIX,
    SECURITY_HEADERS,
    PageRefused,
    Translator,
    checked_form,
    flash,
    flash_key,
    hub_of,
    render,
    see_other,
    signed_in,
    static_url,
    templates,
)
from hub.domain.errors import DomainError
from hub.domain.reception.applicants import CHANNEL_LABELS
from hub.domain.reception.grounds import GROUND_LABELS
from hub.domain.reception.requests import (
    OPEN_STATES,
    STATE_NAMES,
    RequestState,
    can_transition,
)
from hub.domain.text import Bilingual, Language
from hub.services.reception import DECISIONS, PublicEntry, PublicSession, RequestInfo
from hub.services.users import Principal

router = APIRouter(include_in_schema=False)

MONTHS = {
    "kk": ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
           "қыркүйек", "қазан", "қараша", "желтоқсан"),
    "ru": ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
           "сентябрь", "октябрь", "ноябрь", "декабрь"),
}

# The state each step leads to, so a page offers only the steps the machine allows.
STEP_TARGETS: dict[str, RequestState] = {
    "start-review": RequestState.UNDER_REVIEW,
    "leave-without-consideration": RequestState.LEFT_WITHOUT_CONSIDERATION,
    "ask-correction": RequestState.AWAITING_CORRECTION,
    "accept-correction": RequestState.UNDER_REVIEW,
    "return-uncorrected": RequestState.RETURNED,
    "note": RequestState.NOTE_MADE,
    "extend": RequestState.EXTENDED,
    "draft-refusal": RequestState.DRAFT_REFUSAL_SENT,
    "refuse": RequestState.REFUSED,
    "approve": RequestState.APPROVED,
    "move": RequestState.MOVED,
    "check-in": RequestState.CHECKED_IN,
    "received": RequestState.RECEIVED,
    "absent": RequestState.ABSENT,
    "close": RequestState.CLOSED,
}
# Fields each step's form posts (besides the step itself).
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "start-review": ("considered_for",),
    "leave-without-consideration": ("note",),
    "ask-correction": ("defects",),
    "accept-correction": ("note",),
    "return-uncorrected": (),
    "note": ("proposal", "proposed_day", "official", "grounds", "note"),
    "extend": ("kind", "reason", "decision"),
    "draft-refusal": ("grounds", "note"),
    "refuse": ("explanation",),
    "approve": ("official", "starts_at", "note"),
    "book": ("official", "starts_at"),
    "move": ("reason",),
    "check-in": (),
    "received": ("note",),
    "absent": ("note",),
    "close": ("note",),
}


# --------------------------------------------------------------------------- public


def _public_language(request: Request, lang: str | None) -> Language:
    return (parse_language(lang) or parse_language(request.cookies.get(LANG_COOKIE))
            or DEFAULT_LANGUAGE)


def _month_name(month: date, language: Language) -> str:
    return f"{MONTHS[language.value][month.month - 1]} {month.year}"


def _when(sessions: Sequence[PublicSession], translator: Translator) -> list[str]:
    """The sessions of a month as lines: the dates sharing the same hours together."""
    lines: list[str] = []
    regular: dict[tuple[str, str, bool], list[date]] = {}
    for session in sessions:
        if session.order is None:
            regular.setdefault((session.starts, session.ends, session.video_link),
                               []).append(session.day)
    for (starts, ends, video), days in regular.items():
        line = f"{', '.join(d.strftime('%d.%m.%Y') for d in days)} — {starts}–{ends}"
        if video:
            line += f" ({translator('schedule.video')})"
        lines.append(line)
    for session in sessions:
        if session.order is not None:
            line = (f"{session.day.strftime('%d.%m.%Y')} — {session.starts}–{session.ends} "
                    f"({translator('schedule.by_order', order=session.order)})")
            if session.video_link:
                line += f" ({translator('schedule.video')})"
            lines.append(line)
    return lines


def _schedule_context(request: Request, lang: str | None, month: str | None) -> dict[str, Any]:
    hub = hub_of(request)
    language = _public_language(request, lang)
    translator = Translator(language)
    today = hub.reception.calendar.service_day(hub.clock.now())
    first = parse_month(month, today)
    snapshot = hub.centers.snapshot()
    entries: list[PublicEntry] = hub.reception.public_schedule(first)
    center = snapshot.document.name.kk if language is Language.KK else snapshot.document.name.ru
    rows = [{"entry": e, "when": _when(e.sessions, translator),
             "location": e.location[language.value] or center} for e in entries]
    return {"request": request, "lang": language.value, "_": translator,
            "static": static_url, "center_name": center, "rows": rows,
            "month": first.strftime("%Y-%m"), "month_name": _month_name(first, language),
            "other_lang": "ru" if language is Language.KK else "kk"}


def _page(template: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(context["request"], template, context,
                                          status_code=status)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = context["lang"]
    return response


MonthParam = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")]
LangParam = Annotated[str | None, Query(pattern=r"^(kk|ru)$")]


@router.get("/schedule")
def public_schedule(request: Request, lang: LangParam = None,
                    month: MonthParam = None) -> Response:
    """The officials' reception days and hours, for everyone (002 §8)."""
    return _page("schedule_public.html", _schedule_context(request, lang, month))


@router.get("/schedule/print")
def printable_schedule(request: Request, lang: LangParam = None,
                       month: MonthParam = None) -> Response:
    """The schedule in the form of the appendix of 004, laid out for printing."""
    return _page("schedule_print.html", _schedule_context(request, lang, month))


# --------------------------------------------------------------------------- work list


def _reader(request: Request) -> Principal:
    principal = signed_in(request)
    if principal.role not in READERS:
        raise PageRefused(principal)
    return principal


Reader = Annotated[Principal, Depends(_reader)]
Form = Annotated[FormData, Depends(checked_form)]


def _own(request: Request, principal: Principal) -> str | None:
    if principal.role in MANAGERS:
        return None
    mine = hub_of(request).reception.official_of_user(principal.name)
    if mine is None:
        raise PageRefused(principal)
    return mine


@router.get(f"{PREFIX}/reception")
def work_list(request: Request, principal: Reader, state: str = "") -> Response:
    hub = hub_of(request)
    mine = _own(request, principal)
    if state == "all":
        states: list[str] = []
    elif state and state in {s.value for s in RequestState}:
        states = [state]
    else:
        state = ""
        states = sorted(s.value for s in OPEN_STATES)
    items = hub.reception.list_requests(states=states, official=mine)
    officials = {o.code: o.full_name for o in hub.reception.list_officials()}
    counts = {"overdue": sum(1 for i in items if i.next_deadline and i.next_deadline.overdue),
              "soon": sum(1 for i in items if i.next_deadline and i.next_deadline.due_soon)}
    state_options = [(s.value, STATE_NAMES[s]) for s in RequestState]
    return render(request, "reception_list.html", principal, section="reception",
                  items=items, officials=officials, state=state, state_options=state_options,
                  counts=counts)


def _steps_for(info: RequestInfo) -> list[str]:
    current = RequestState(info.state)
    steps = [step for step, target in STEP_TARGETS.items()
             if can_transition(current, target)]
    if current is RequestState.APPROVED and info.booking is None:
        steps.insert(0, "book")
    if current is RequestState.MOVED:
        steps = ["book", *[s for s in steps if s != "approve"]]
    return steps


@router.get(f"{PREFIX}/reception/{{number}}")
def request_page(request: Request, principal: Reader, number: str) -> Response:
    hub = hub_of(request)
    mine = _own(request, principal)
    try:
        info = hub.reception.get(number)
    except DomainError as exc:
        flash(request, exc.text, "error")
        return see_other(f"{PREFIX}/reception")
    if mine is not None and not reads_request(hub, principal, info):
        raise PageRefused(principal)
    officials = [(o.code, o.full_name) for o in hub.reception.list_officials(active_only=True)]
    grounds = [(g.value, label) for g, label in GROUND_LABELS.items()
               if g in hub.reception.profile.refusal_grounds]
    steps = _steps_for(info) if principal.role in MANAGERS else []
    # Letters carry the applicant's personal data: reception and administrators only.
    letters = hub.letters.of_request(number) if principal.role in MANAGERS else []
    return render(request, "reception_request.html", principal, section="reception",
                  info=info, steps=steps, fields=STEP_FIELDS, officials=officials,
                  letters=letters, show_letters=principal.role in MANAGERS,
                  grounds=grounds, state_names=STATE_NAMES,
                  channel_labels={c.value: label for c, label in CHANNEL_LABELS.items()},
                  official_names=dict(officials))


@router.post(f"{PREFIX}/reception/{{number}}/decide")
def decide(request: Request, principal: Reader, number: str, form: Form) -> Response:
    if principal.role not in MANAGERS:
        raise PageRefused(principal)
    step = forms.value(form, "step")
    if step not in DECISIONS:
        flash_key(request, "err.choice", "error")
        return see_other(f"{PREFIX}/reception/{number}")
    try:
        values = _step_values(form, step)
        info = hub_of(request).reception.decide(number, step, actor=principal.actor, **values)
    except DomainError as exc:
        flash(request, Bilingual(kk=translate("kk", "reception.refused", reason=exc.text.kk),
                                 ru=translate("ru", "reception.refused", reason=exc.text.ru)),
              "error")
        return see_other(f"{PREFIX}/reception/{number}")
    except ValueError:  # a date or time the browser should not have sent
        flash_key(request, "err.invalid", "error")
        return see_other(f"{PREFIX}/reception/{number}")
    name = STATE_NAMES[RequestState(info.state)]
    flash(request, Bilingual(kk=translate("kk", "reception.done", state=name.kk),
                             ru=translate("ru", "reception.done", state=name.ru)))
    return see_other(f"{PREFIX}/reception/{number}")


@router.post(f"{PREFIX}/reception/{{number}}/letters/{{letter_id}}/send-again")
def send_letter_again(request: Request, principal: Reader, number: str, letter_id: str,
                      form: Form) -> Response:
    if principal.role not in MANAGERS:
        raise PageRefused(principal)
    try:
        hub_of(request).letters.send_again(letter_id, actor=principal.actor)
    except DomainError as exc:
        flash(request, exc.text, "error")
    else:
        flash_key(request, "reception.letters.requeued")
    return see_other(f"{PREFIX}/reception/{number}")


def _step_values(form: FormData, step: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in STEP_FIELDS.get(step, ()):
        raw = forms.value(form, name)
        if name == "grounds":
            values[name] = forms.values(form, name)
        elif name in ("considered_for", "proposed_day"):
            values[name] = date.fromisoformat(raw) if raw else None
        elif name == "starts_at":
            values[name] = datetime.fromisoformat(raw) if raw else None
        elif name in ("official", "decision"):
            values[name] = raw or None
        else:
            values[name] = raw
    return values
