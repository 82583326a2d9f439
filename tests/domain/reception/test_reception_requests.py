"""The booking request's state machine and its next deadline:
hub.domain.reception.requests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.calendar import WorkCalendar
from hub.domain.errors import Conflict, IllegalTransition, ValidationFailed
from hub.domain.reception.applicants import Applicant, Channel, Phone
from hub.domain.reception.deadlines import DeadlineKind
from hub.domain.reception.errors import DeadlinePassed, NonWorkingDay, TermNotOver
from hub.domain.reception.grounds import RefusalGround
from hub.domain.reception.iin import Iin
from hub.domain.reception.profiles import ALMATY_2025, KARAGANDA_2021, MODEL_2023
from hub.domain.reception.requests import (
    BOOKED_STATES,
    FINAL_STATES,
    INTAKE_STATES,
    OPEN_STATES,
    OUTCOME_STATES,
    REVIEW_STATES,
    STATE_NAMES,
    BookingRequest,
    ExtensionKind,
    Proposal,
    RequestState,
    can_transition,
    next_deadline,
    place_approved,
    register_request,
)
from hub.domain.reception.schedule import ReceptionHours, ReceptionSchedule, Slot
from hub.domain.text import Language

ALMATY = ZoneInfo("Asia/Almaty")
CAL = WorkCalendar()
S = RequestState
K = DeadlineKind
OUTSIDE = RefusalGround.OUTSIDE_COMPETENCE


def at(m: int, d: int, hh: int = 10, mm: int = 0, y: int = 2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ALMATY)


def slot(m: int, d: int, hh: int = 15, mm: int = 0, official: str = "akim") -> Slot:
    return Slot(at(m, d, hh, mm), at(m, d, hh, mm) + timedelta(minutes=30), official)


APPLICANT = Applicant(Iin("900101300126"), "Серікбаев Нұрлан", Phone.parse("87012345678"),
                      Language.KK)
# Received and registered on Monday 2 March 2026; under the model profile the
# answer is due on Friday 27 March (15 working days; 9 March and 23-25 March off).
RECEIVED = at(3, 2, 10)
BOOKED = slot(3, 31)  # a Tuesday; the final list is due on Friday 27 March


def make(**overrides: Any) -> BookingRequest:
    values: dict[str, Any] = {
        "number": "ЖҚ-1", "channel": Channel.EGOV_PORTAL, "applicant": APPLICANT,
        "essence": "Жер телімі туралы", "received_at": RECEIVED, "registered_at": RECEIVED,
        "registered_by": "front-1", "calendar": CAL, "official_asked": "akim",
    }
    values.update(overrides)
    return register_request(**values)


# The machine as the module's docstring describes it, written out independently.
EXPECTED: dict[RequestState, set[RequestState]] = {
    S.REGISTERED: {S.LEFT_WITHOUT_CONSIDERATION, S.AWAITING_CORRECTION, S.UNDER_REVIEW},
    S.AWAITING_CORRECTION: {S.UNDER_REVIEW, S.RETURNED},
    S.UNDER_REVIEW: {S.NOTE_MADE, S.EXTENDED},
    S.EXTENDED: {S.NOTE_MADE, S.EXTENDED},
    S.NOTE_MADE: {S.APPROVED, S.DRAFT_REFUSAL_SENT, S.EXTENDED},
    S.DRAFT_REFUSAL_SENT: {S.REFUSED, S.APPROVED, S.EXTENDED},
    S.APPROVED: {S.MOVED, S.CHECKED_IN, S.ABSENT},
    S.MOVED: {S.APPROVED},
    S.CHECKED_IN: {S.RECEIVED, S.ABSENT},
    S.LEFT_WITHOUT_CONSIDERATION: {S.CLOSED},
    S.RETURNED: {S.CLOSED},
    S.REFUSED: {S.CLOSED},
    S.RECEIVED: {S.CLOSED},
    S.ABSENT: {S.CLOSED},
    S.CLOSED: set(),
}

# The moment each target is reached at (never before the previous step).
WHEN: dict[RequestState, datetime] = {
    S.LEFT_WITHOUT_CONSIDERATION: at(3, 2, 11), S.AWAITING_CORRECTION: at(3, 2, 11),
    S.UNDER_REVIEW: at(3, 3), S.RETURNED: at(3, 11), S.NOTE_MADE: at(3, 4),
    S.DRAFT_REFUSAL_SENT: at(3, 5), S.EXTENDED: at(3, 6), S.REFUSED: at(3, 16),
    S.APPROVED: at(3, 17), S.MOVED: at(3, 18), S.CHECKED_IN: at(3, 31, 14, 50),
    S.RECEIVED: at(3, 31, 15, 20), S.ABSENT: at(3, 31, 16), S.CLOSED: at(4, 1),
}


def moment(request: BookingRequest, target: RequestState) -> datetime:
    return max(WHEN[target], request.history[-1].at + timedelta(minutes=1))


def _extend(r: BookingRequest, when: datetime) -> object:
    if r.extensions:
        return r.extend(when, actor="head", calendar=CAL, kind=ExtensionKind.MOTIVATED,
                        reason="facts to establish", decision="№ 7, 06.03.2026")
    return r.extend(when, actor="worker", calendar=CAL, kind=ExtensionKind.THIRTY_DAYS,
                    reason="a complex question")


def _approve(r: BookingRequest, when: datetime) -> object:
    if r.state is S.MOVED:
        return r.book(when, actor="worker", calendar=CAL, booking=slot(3, 31, 16))
    return r.approve(when, actor="head", calendar=CAL, booking=BOOKED)


def _review(r: BookingRequest, when: datetime) -> object:
    if r.state is S.AWAITING_CORRECTION:
        return r.accept_correction(when, actor="worker", calendar=CAL)
    return r.start_review(when, actor="worker")


APPLY: dict[RequestState, Callable[[BookingRequest, datetime], object]] = {
    S.LEFT_WITHOUT_CONSIDERATION: lambda r, w: r.leave_without_consideration(
        w, actor="worker", note="no essence"),
    S.AWAITING_CORRECTION: lambda r, w: r.ask_correction(w, actor="worker",
                                                         defects="no address", calendar=CAL),
    S.UNDER_REVIEW: _review,
    S.RETURNED: lambda r, w: r.return_uncorrected(w, actor="worker", calendar=CAL),
    S.NOTE_MADE: lambda r, w: r.make_note(w, actor="worker", calendar=CAL,
                                          proposal=Proposal.DATE, proposed_day=date(2026, 3, 31)),
    S.DRAFT_REFUSAL_SENT: lambda r, w: r.send_draft_refusal(w, actor="worker", calendar=CAL,
                                                            grounds=[OUTSIDE]),
    S.EXTENDED: _extend,
    S.REFUSED: lambda r, w: r.refuse(w, actor="head", calendar=CAL,
                                     explanation="a court matter"),
    S.APPROVED: _approve,
    S.MOVED: lambda r, w: r.move(w, actor="worker", calendar=CAL, reason="business trip"),
    S.CHECKED_IN: lambda r, w: r.check_in(w, actor="reception", calendar=CAL),
    S.RECEIVED: lambda r, w: r.mark_received(w, actor="akim", note="protocol № 3"),
    S.ABSENT: lambda r, w: r.mark_absent(w, actor="reception"),
    S.CLOSED: lambda r, w: r.close(w, actor="worker"),
}

PATHS: dict[RequestState, list[RequestState]] = {
    S.REGISTERED: [],
    S.LEFT_WITHOUT_CONSIDERATION: [S.LEFT_WITHOUT_CONSIDERATION],
    S.AWAITING_CORRECTION: [S.AWAITING_CORRECTION],
    S.RETURNED: [S.AWAITING_CORRECTION, S.RETURNED],
    S.UNDER_REVIEW: [S.UNDER_REVIEW],
    S.NOTE_MADE: [S.UNDER_REVIEW, S.NOTE_MADE],
    S.EXTENDED: [S.UNDER_REVIEW, S.EXTENDED],
    S.DRAFT_REFUSAL_SENT: [S.UNDER_REVIEW, S.NOTE_MADE, S.DRAFT_REFUSAL_SENT],
    S.REFUSED: [S.UNDER_REVIEW, S.NOTE_MADE, S.DRAFT_REFUSAL_SENT, S.REFUSED],
    S.APPROVED: [S.UNDER_REVIEW, S.NOTE_MADE, S.APPROVED],
    S.MOVED: [S.UNDER_REVIEW, S.NOTE_MADE, S.APPROVED, S.MOVED],
    S.CHECKED_IN: [S.UNDER_REVIEW, S.NOTE_MADE, S.APPROVED, S.CHECKED_IN],
    S.RECEIVED: [S.UNDER_REVIEW, S.NOTE_MADE, S.APPROVED, S.CHECKED_IN, S.RECEIVED],
    S.ABSENT: [S.UNDER_REVIEW, S.NOTE_MADE, S.APPROVED, S.ABSENT],
    S.CLOSED: [S.LEFT_WITHOUT_CONSIDERATION, S.CLOSED],
}


def request_in(state: RequestState, **overrides: Any) -> BookingRequest:
    request = make(**overrides)
    for target in PATHS[state]:
        APPLY[target](request, moment(request, target))
    assert request.state is state
    return request


def snapshot(request: BookingRequest) -> dict[str, Any]:
    values = {f.name: getattr(request, f.name) for f in dataclasses.fields(request)}
    values["history"] = list(request.history)
    values["extensions"] = list(request.extensions)
    values["moved_bookings"] = list(request.moved_bookings)
    values["late_cancellations"] = list(request.late_cancellations)
    return values


def refused(call: Callable[[], object], request: BookingRequest,
            error: type[Exception] = ValidationFailed) -> Any:
    """``call`` raises ``error`` and leaves ``request`` as it was."""
    before = snapshot(request)
    with pytest.raises(error) as caught:
        call()
    assert snapshot(request) == before
    return caught.value


# --------------------------------------------------------------------------- the table


def test_state_groups() -> None:
    assert frozenset({S.REGISTERED, S.AWAITING_CORRECTION}) == INTAKE_STATES
    assert frozenset({S.UNDER_REVIEW, S.NOTE_MADE, S.DRAFT_REFUSAL_SENT,
                      S.EXTENDED}) == REVIEW_STATES
    assert frozenset({S.APPROVED, S.MOVED, S.CHECKED_IN}) == BOOKED_STATES
    assert frozenset({S.LEFT_WITHOUT_CONSIDERATION, S.RETURNED, S.REFUSED, S.RECEIVED,
                      S.ABSENT}) == OUTCOME_STATES
    assert frozenset({S.CLOSED}) == FINAL_STATES
    assert frozenset(S) == OPEN_STATES | OUTCOME_STATES | FINAL_STATES
    assert not OPEN_STATES & OUTCOME_STATES
    assert not (OPEN_STATES | OUTCOME_STATES) & FINAL_STATES


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_can_transition_table(source: RequestState, target: RequestState) -> None:
    assert can_transition(source, target) is (target in EXPECTED[source])


def test_every_state_has_names_in_both_languages() -> None:
    assert set(STATE_NAMES) == set(S)
    assert STATE_NAMES[S.LEFT_WITHOUT_CONSIDERATION].ru == "оставлено без рассмотрения"
    assert STATE_NAMES[S.ABSENT].kk == "келмеді"


def test_outcomes_only_close() -> None:
    for state in OUTCOME_STATES:
        assert EXPECTED[state] == {S.CLOSED}


TARGETS = [target for target in S if target is not S.REGISTERED]


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", TARGETS)
def test_every_transition_through_the_methods(source: RequestState,
                                              target: RequestState) -> None:
    request = request_in(source)
    when = moment(request, target)
    if target in EXPECTED[source]:
        length = len(request.history)
        APPLY[target](request, when)
        assert request.state is target
        assert len(request.history) == length + 1
        step = request.history[-1]
        assert (step.source, step.target, step.at) == (source, target, when)
        assert step.actor.strip()
        assert step.event is None
        assert request.time_in(target) == when
        assert [s.at for s in request.history] == sorted(s.at for s in request.history)
    else:
        error = refused(lambda: APPLY[target](request, when), request, IllegalTransition)
        assert isinstance(error, Conflict)
        assert error.code == "illegal_transition"
        assert error.field == "state"
        assert error.extra == {"state": source.value, "requested": target.value}
        assert "ЖҚ-1" in error.text.kk and "ЖҚ-1" in error.text.ru
        assert STATE_NAMES[source].ru in error.text.ru
        assert STATE_NAMES[target].kk in error.text.kk


# --------------------------------------------------------------------------- registration


def test_registration() -> None:
    request = make()
    assert request.state is S.REGISTERED
    assert request.registered_on == date(2026, 3, 2)
    assert request.profile is MODEL_2023
    assert request.history[0].source is None
    assert request.history[0].actor == "front-1"
    assert request.history[0].event == "registered"
    assert not request.registered_late(CAL)
    assert request.has_essence


def test_registration_after_hours_counts_from_the_next_working_day() -> None:
    request = make(received_at=at(3, 20, 18, 45), registered_at=at(3, 20, 18, 46))
    assert request.registered_on == date(2026, 3, 26)
    assert request.answer_deadline(CAL).due == CAL.add_working_days(date(2026, 3, 26), 15)


def test_karaganda_late_registration_is_flagged() -> None:
    on_time = make(profile=KARAGANDA_2021, registered_at=at(3, 5, 12))
    assert on_time.registered_on == date(2026, 3, 5)
    assert not on_time.registered_late(CAL)
    late = make(profile=KARAGANDA_2021, registered_at=at(3, 6, 12))
    assert late.registration_due(CAL) == date(2026, 3, 5)
    assert late.registered_late(CAL)
    assert not make(registered_at=at(3, 2, 17)).registered_late(CAL)
    assert make(registered_at=at(3, 3, 9)).registered_late(CAL)


@pytest.mark.parametrize(("channel", "oral"), [
    (Channel.EGOV_PORTAL, False), (Channel.E_APPEALS, False), (Channel.PAPER, False),
    (Channel.ORAL_FRONT_OFFICE, True), (Channel.PHONE, True), (Channel.CONSULTATION_ZONE, True),
])
def test_oral_and_phone_requests_go_into_the_protocol(channel: Channel, oral: bool) -> None:
    assert make(channel=channel).oral_protocol is oral


def test_channel_given_as_text() -> None:
    assert make(channel="phone").channel is Channel.PHONE


@pytest.mark.parametrize(("overrides", "field"), [
    ({"registered_at": at(3, 2, 9)}, "registered_at"),
    ({"received_at": datetime(2026, 3, 2, 10)}, "received_at"),
    ({"number": " "}, "number"),
    ({"registered_by": ""}, "registered_by"),
    ({"essence": "bad\x07text"}, "essence"),
])
def test_registration_validation(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        make(**overrides)
    assert caught.value.field == field


def test_wishes_and_representative_are_kept() -> None:
    request = make(interpreter_language="en", video_link=True)
    assert request.interpreter_language == "en"
    assert request.video_link


# --------------------------------------------------------------------------- intake


def test_without_essence_left_without_consideration() -> None:
    request = make(essence="   ")
    assert not request.has_essence
    error = refused(lambda: request.start_review(at(3, 2, 11), actor="worker"), request)
    assert error.field == "essence"
    assert "мәні" in error.text.kk
    error = refused(lambda: request.leave_without_consideration(
        at(3, 2, 11), actor="worker", note=" "), request)
    assert error.field == "note"
    request.leave_without_consideration(at(3, 2, 11), actor="worker",
                                        note="no essence; the applicant told by SMS")
    assert request.state is S.LEFT_WITHOUT_CONSIDERATION
    assert request.history[-1].note == "no essence; the applicant told by SMS"


def test_correction_within_the_term() -> None:
    request = make(essence="")
    error = refused(lambda: request.ask_correction(at(3, 2, 11), actor="w", defects="",
                                                   calendar=CAL), request)
    assert error.field == "defects"
    request.ask_correction(at(3, 2, 11), actor="w", defects="no essence, no address",
                           calendar=CAL)
    assert request.correction_due(CAL) == date(2026, 3, 10)  # 9 March is off
    # Corrected without the essence: still refused.
    error = refused(lambda: request.accept_correction(at(3, 4), actor="w", calendar=CAL),
                    request)
    assert error.field == "essence"
    error = refused(lambda: request.return_uncorrected(at(3, 10, 18), actor="w", calendar=CAL),
                    request, TermNotOver)
    assert error.code == "reception_term_not_over"
    assert "10.03.2026" in error.text.ru
    request.accept_correction(at(3, 10, 18), actor="w", calendar=CAL, essence="Жер телімі")
    assert request.state is S.UNDER_REVIEW
    assert request.essence == "Жер телімі"


def test_not_corrected_in_time_is_returned() -> None:
    request = make()
    request.ask_correction(at(3, 2, 11), actor="w", defects="no address", calendar=CAL)
    error = refused(lambda: request.accept_correction(at(3, 11), actor="w", calendar=CAL),
                    request, DeadlinePassed)
    assert error.code == "reception_deadline_passed"
    assert "подлежит возврату" in error.text.ru
    request.return_uncorrected(at(3, 11), actor="w", calendar=CAL)
    assert request.state is S.RETURNED
    assert request.history[-1].note == "no address"


# --------------------------------------------------------------------------- the note


def reviewing(**overrides: Any) -> BookingRequest:
    request = make(**overrides)
    request.start_review(at(3, 2, 11), actor="worker", considered_for=date(2026, 3, 31))
    return request


def test_note_proposing_a_date() -> None:
    request = reviewing()
    request.make_note(at(3, 4), actor="worker", calendar=CAL, proposal=Proposal.DATE,
                      proposed_day=date(2026, 3, 31))
    assert request.note is not None
    assert request.note.official == "akim"  # the official asked for
    assert request.note.made_on == date(2026, 3, 4)


@pytest.mark.parametrize(("kwargs", "field", "error"), [
    ({"proposal": Proposal.DATE}, "proposed_day", ValidationFailed),
    ({"proposal": Proposal.DATE, "proposed_day": date(2026, 3, 24)}, "proposed_day",
     NonWorkingDay),
    ({"proposal": Proposal.DATE, "proposed_day": date(2026, 3, 31), "when": at(3, 20)},
     "proposed_day", DeadlinePassed),
    ({"proposal": Proposal.REFUSAL}, "grounds", ValidationFailed),
    ({"proposal": Proposal.REFUSAL, "grounds": ["nonsense"]}, "grounds", ValidationFailed),
    ({"proposal": Proposal.REFUSAL, "grounds": [RefusalGround.ALREADY_RECEIVED_OR_ANSWERED]},
     "grounds", ValidationFailed),
    ({"proposal": Proposal.DATE, "proposed_day": date(2026, 3, 31), "actor": " "}, "actor",
     ValidationFailed),
    ({"proposal": Proposal.DATE, "proposed_day": date(2026, 3, 31),
      "when": datetime(2026, 3, 4, 10)}, "at", ValidationFailed),
    ({"proposal": Proposal.DATE, "proposed_day": date(2026, 3, 31), "when": at(3, 2, 10)},
     "at", ValidationFailed),
])
def test_note_guards(kwargs: dict[str, Any], field: str, error: type[Exception]) -> None:
    request = reviewing()
    when = kwargs.pop("when", at(3, 4))
    actor = kwargs.pop("actor", "worker")
    caught = refused(lambda: request.make_note(when, actor=actor, calendar=CAL, **kwargs),
                     request, error)
    assert caught.field == field


def test_note_on_the_last_day_is_in_time() -> None:
    # Five working days before Tuesday 31 March 2026 is Thursday 19 March.
    request = reviewing()
    request.make_note(at(3, 19, 18), actor="w", calendar=CAL, proposal=Proposal.DATE,
                      proposed_day=date(2026, 3, 31))
    assert request.state is S.NOTE_MADE


def test_note_needs_an_official() -> None:
    request = reviewing(official_asked=None)
    error = refused(lambda: request.make_note(at(3, 4), actor="w", calendar=CAL,
                                              proposal=Proposal.DATE,
                                              proposed_day=date(2026, 3, 31)), request)
    assert error.field == "official"


def test_grounds_of_the_karaganda_profile() -> None:
    request = reviewing(profile=KARAGANDA_2021)
    error = refused(lambda: request.make_note(at(3, 4), actor="w", calendar=CAL,
                                              proposal=Proposal.REFUSAL,
                                              grounds=[RefusalGround.COURT_ACT_IN_FORCE]),
                    request)
    assert "001 §16" in error.text.ru
    request.make_note(at(3, 4), actor="w", calendar=CAL, proposal="refusal",  # type: ignore[arg-type]
                      grounds=["already_received_or_answered", "already_received_or_answered"])
    assert request.note is not None
    assert request.note.grounds == (RefusalGround.ALREADY_RECEIVED_OR_ANSWERED,)


# --------------------------------------------------------------------------- refusal


def proposing_refusal(**overrides: Any) -> BookingRequest:
    request = reviewing(**overrides)
    request.make_note(at(3, 4), actor="worker", calendar=CAL, proposal=Proposal.REFUSAL,
                      grounds=[OUTSIDE, RefusalGround.COURT_ACT_IN_FORCE])
    return request


def test_refusal_after_the_hearing() -> None:
    request = proposing_refusal()
    request.send_draft_refusal(at(3, 5), actor="worker", calendar=CAL)
    assert request.draft_grounds == (OUTSIDE, RefusalGround.COURT_ACT_IN_FORCE)
    assert request.hearing_ends(CAL) == date(2026, 3, 11)  # 6, 10, 11 March
    assert not request.draft_refusal_late(CAL)
    error = refused(lambda: request.refuse(at(3, 10, 17), actor="head", calendar=CAL,
                                           explanation="court act"), request, TermNotOver)
    assert error.extra["hearing_ends"] == "2026-03-11"
    error = refused(lambda: request.refuse(at(3, 11), actor="head", calendar=CAL,
                                           explanation=" "), request)
    assert error.field == "explanation"
    error = refused(lambda: request.refuse(at(3, 11), actor="head", calendar=CAL,
                                           explanation="x", grounds=[]), request)
    assert error.field == "grounds"
    request.refuse(at(3, 11), actor="head", calendar=CAL, explanation="a court act in force",
                   grounds=[RefusalGround.COURT_ACT_IN_FORCE])
    assert request.state is S.REFUSED
    assert request.refusal_grounds == (RefusalGround.COURT_ACT_IN_FORCE,)
    assert request.answered_on == date(2026, 3, 11)
    assert not request.answered_late(CAL)
    assert request.history[-1].actor == "head"


def test_no_refusal_without_a_draft() -> None:
    request = proposing_refusal()
    refused(lambda: request.refuse(at(3, 20), actor="head", calendar=CAL, explanation="x"),
            request, IllegalTransition)


def test_draft_needs_grounds_when_the_note_proposed_a_date() -> None:
    request = reviewing()
    request.make_note(at(3, 4), actor="w", calendar=CAL, proposal=Proposal.DATE,
                      proposed_day=date(2026, 3, 31))
    error = refused(lambda: request.send_draft_refusal(at(3, 5), actor="w", calendar=CAL),
                    request)
    assert error.field == "grounds"


def test_late_draft_is_flagged() -> None:
    # The answer is due on 27 March; the draft had to go by 19 March.
    request = proposing_refusal()
    request.send_draft_refusal(at(3, 20), actor="w", calendar=CAL)
    assert request.draft_refusal_late(CAL)
    request.refuse(at(3, 30), actor="head", calendar=CAL, explanation="outside competence")
    assert request.answered_late(CAL)


def test_hearing_may_end_in_approval() -> None:
    request = proposing_refusal()
    request.send_draft_refusal(at(3, 5), actor="w", calendar=CAL)
    request.approve(at(3, 11), actor="head", calendar=CAL, booking=BOOKED)
    assert request.state is S.APPROVED


# --------------------------------------------------------------------------- extension


def test_extensions() -> None:
    request = reviewing()
    assert request.answer_deadline(CAL).kind is K.ANSWER
    assert request.answer_deadline(CAL).due == date(2026, 3, 27)
    error = refused(lambda: request.extend(at(3, 6), actor="w", calendar=CAL,
                                           kind=ExtensionKind.THIRTY_DAYS, reason=""), request)
    assert error.field == "reason"
    request.extend(at(3, 6), actor="w", calendar=CAL, kind=ExtensionKind.THIRTY_DAYS,
                   reason="a complex question")
    deadline = request.answer_deadline(CAL)
    assert (deadline.kind, deadline.due) == (K.EXTENDED_ANSWER, date(2026, 4, 1))
    assert request.extension_notice_pending() is None  # the letter is the notice
    refused(lambda: request.extend(at(3, 9), actor="w", calendar=CAL,
                                   kind=ExtensionKind.THIRTY_DAYS, reason="again"),
            request, Conflict)
    error = refused(lambda: request.extend(at(3, 9), actor="head", calendar=CAL,
                                           kind=ExtensionKind.MOTIVATED, reason="facts"),
                    request)
    assert error.field == "decision"
    request.extend(at(3, 9), actor="head", calendar=CAL, kind=ExtensionKind.MOTIVATED,
                   reason="facts to establish", decision="№ 7")
    deadline = request.answer_deadline(CAL)
    assert (deadline.kind, deadline.due) == (K.MOTIVATED_ANSWER, date(2026, 5, 4))
    pending = request.extension_notice_pending()
    assert pending is not None and pending.decision == "№ 7"
    status = next_deadline(request, CAL, at(3, 9, 12))
    assert status is not None
    assert (status.deadline.kind, status.deadline.due) == (K.EXTENSION_NOTICE, date(2026, 3, 12))
    assert "002 §26" in status.deadline.citation
    request.record_extension_notice(at(3, 10), actor="w")
    assert request.history[-1].event == "extension_notice"
    assert request.state is S.EXTENDED
    assert request.extension_notice_pending() is None
    refused(lambda: request.record_extension_notice(at(3, 11), actor="w"), request, Conflict)
    refused(lambda: request.extend(at(3, 11), actor="head", calendar=CAL,
                                   kind=ExtensionKind.MOTIVATED, reason="x", decision="№ 8"),
            request, Conflict)


def test_no_extension_after_the_term() -> None:
    request = reviewing()
    error = refused(lambda: request.extend(at(3, 30), actor="w", calendar=CAL,
                                           kind=ExtensionKind.THIRTY_DAYS, reason="late"),
                    request, DeadlinePassed)
    assert "27.03.2026" in error.text.ru
    request.extend(at(3, 27, 18), actor="w", calendar=CAL, kind=ExtensionKind.THIRTY_DAYS,
                   reason="on the last day")


def test_no_motivated_extension_without_it_in_the_profile() -> None:
    profile = dataclasses.replace(MODEL_2023, name="no_motivated", motivated_extension=None,
                                  extension_notice=None)
    request = reviewing(profile=profile)
    error = refused(lambda: request.extend(at(3, 6), actor="head", calendar=CAL,
                                           kind=ExtensionKind.MOTIVATED, reason="x",
                                           decision="№ 1"), request)
    assert error.field == "kind"


def test_no_extension_when_nothing_is_extended_to_notify() -> None:
    refused(lambda: make().record_extension_notice(at(3, 3), actor="w"), make(), Conflict)


# --------------------------------------------------------------------------- approval


def noting(**overrides: Any) -> BookingRequest:
    request = reviewing(**overrides)
    request.make_note(at(3, 4), actor="worker", calendar=CAL, proposal=Proposal.DATE,
                      proposed_day=date(2026, 3, 31))
    return request


def test_model_answer_needs_the_date_and_time() -> None:
    request = noting()
    error = refused(lambda: request.approve(at(3, 5), actor="head", calendar=CAL), request)
    assert error.field == "booking"
    request.approve(at(3, 5), actor="head", calendar=CAL, booking=BOOKED)
    assert request.booking == BOOKED
    assert request.official == "akim"
    assert request.answered_on == request.date_time_told_on == date(2026, 3, 5)


def test_booking_after_the_final_list_is_refused() -> None:
    request = noting()
    error = refused(lambda: request.approve(at(3, 30), actor="head", calendar=CAL,
                                            booking=BOOKED), request, DeadlinePassed)
    assert error.extra["final_list"] == "2026-03-27"
    request.approve(at(3, 27, 18), actor="head", calendar=CAL, booking=BOOKED)


def test_booking_with_another_official_than_named() -> None:
    request = noting()
    error = refused(lambda: request.approve(at(3, 5), actor="head", calendar=CAL,
                                            official="deputy", booking=BOOKED), request)
    assert error.field == "booking"


def test_almaty_answer_then_date_and_time() -> None:
    request = noting(profile=ALMATY_2025)
    request.approve(at(3, 5), actor="head", calendar=CAL)
    assert request.booking is None
    status = next_deadline(request, CAL, at(3, 5, 12))
    assert status is not None
    assert (status.deadline.kind, status.deadline.due) == (K.DATE_TIME_NOTICE, date(2026, 3, 10))
    refused(lambda: request.book(at(3, 6), actor="w", calendar=CAL,
                                 booking=slot(3, 31, official="deputy")), request)
    request.book(at(3, 6), actor="w", calendar=CAL, booking=BOOKED)
    assert request.state is S.APPROVED
    assert request.history[-1].event == "booked"
    assert request.date_time_told_on == date(2026, 3, 6)
    refused(lambda: request.book(at(3, 7), actor="w", calendar=CAL, booking=slot(3, 31, 16)),
            request, IllegalTransition)


def test_book_is_not_an_approval() -> None:
    request = noting()
    refused(lambda: request.book(at(3, 5), actor="w", calendar=CAL, booking=BOOKED), request,
            IllegalTransition)


# --------------------------------------------------------------------------- moves


def approved(**overrides: Any) -> BookingRequest:
    request = noting(**overrides)
    request.approve(at(3, 5), actor="head", calendar=CAL, booking=BOOKED)
    return request


def test_move_in_time_and_book_again() -> None:
    request = approved()
    error = refused(lambda: request.move(at(3, 26), actor="w", calendar=CAL, reason=""),
                    request)
    assert error.field == "reason"
    # Two working days before Tuesday 31 March: Friday 27 March.
    request.move(at(3, 27, 17), actor="w", calendar=CAL, reason="sick leave")
    assert request.state is S.MOVED
    assert request.booking is None
    assert request.moved_bookings == [BOOKED]
    assert request.late_cancellations == []
    assert next_deadline(request, CAL, at(3, 27, 18)) is None
    step = request.book(at(3, 30), actor="w", calendar=CAL, booking=slot(4, 7))
    assert (step.source, step.target) == (S.MOVED, S.APPROVED)
    assert request.booking == slot(4, 7)


def test_late_notice_is_recorded_and_on_the_day_is_allowed() -> None:
    late = approved()
    late.move(at(3, 30), actor="w", calendar=CAL, reason="business trip")
    assert late.late_cancellations == [BOOKED]
    on_the_day = approved()
    on_the_day.move(at(3, 31, 8), actor="w", calendar=CAL, reason="sick")
    assert on_the_day.late_cancellations == []


def test_a_past_reception_cannot_be_moved() -> None:
    request = approved()
    refused(lambda: request.move(at(4, 1), actor="w", calendar=CAL, reason="x"), request,
            DeadlinePassed)


# --------------------------------------------------------------------------- the day


def test_check_in_on_the_day_only() -> None:
    request = approved()
    refused(lambda: request.check_in(at(3, 30), actor="r", calendar=CAL), request, TermNotOver)
    refused(lambda: request.check_in(at(4, 1), actor="r", calendar=CAL), request, DeadlinePassed)
    request.check_in(at(3, 31, 14), actor="r", calendar=CAL)
    request.mark_received(at(3, 31, 15, 25), actor="akim", note="protocol № 3")
    request.close(at(3, 31, 16), actor="worker", note="taken off control")
    assert [step.target for step in request.history] == [
        S.REGISTERED, S.UNDER_REVIEW, S.NOTE_MADE, S.APPROVED, S.CHECKED_IN, S.RECEIVED,
        S.CLOSED]


def test_absent_only_after_the_booked_time() -> None:
    request = approved()
    refused(lambda: request.mark_absent(at(3, 31, 14, 59), actor="r"), request, TermNotOver)
    request.mark_absent(at(3, 31, 15, 1), actor="r", note="did not come")
    assert request.state is S.ABSENT


# --------------------------------------------------------------------------- next deadline


def test_next_deadline_through_the_procedure() -> None:
    request = make()
    status = next_deadline(request, CAL, at(3, 2, 12))
    assert status is not None
    assert (status.deadline.kind, status.deadline.due) == (K.ANSWER, date(2026, 3, 27))
    assert (status.overdue, status.due_soon, status.working_days_left) == (False, False, 15)
    request.start_review(at(3, 2, 13), actor="w", considered_for=date(2026, 3, 31))
    status = next_deadline(request, CAL, at(3, 2, 14))
    assert status is not None
    assert (status.deadline.kind, status.deadline.due) == (K.REFERENCE_NOTE, date(2026, 3, 19))
    request.make_note(at(3, 4), actor="w", calendar=CAL, proposal=Proposal.REFUSAL,
                      grounds=[OUTSIDE])
    status = next_deadline(request, CAL, at(3, 18))
    assert status is not None
    assert (status.deadline.kind, status.deadline.due) == (K.DRAFT_REFUSAL, date(2026, 3, 19))
    assert status.due_soon and not status.overdue and status.working_days_left == 1
    status = next_deadline(request, CAL, at(3, 20))
    assert status is not None
    assert status.overdue and not status.due_soon and status.working_days_left == -1
    request.send_draft_refusal(at(3, 5), actor="w", calendar=CAL)
    status = next_deadline(request, CAL, at(3, 27, 9))
    assert status is not None
    assert (status.deadline.kind, status.working_days_left) == (K.ANSWER, 0)
    assert status.due_soon


def test_next_deadline_of_a_booked_request() -> None:
    request = approved()
    status = next_deadline(request, CAL, at(3, 19))
    assert status is not None
    assert (status.deadline.kind, status.deadline.due) == (K.FINAL_LIST, date(2026, 3, 27))
    assert "000 §13" in status.deadline.citation
    assert (status.working_days_left, status.due_soon) == (3, False)  # 20, 26, 27 March
    assert next_deadline(request, CAL, at(3, 19), soon=3).due_soon  # type: ignore[union-attr]
    status = next_deadline(request, CAL, at(3, 30))
    assert status is not None
    assert (status.deadline.kind, status.deadline.due) == (K.RECEPTION, date(2026, 3, 31))
    status = next_deadline(request, CAL, at(4, 1))
    assert status is not None and status.overdue
    request.check_in(at(3, 31, 14), actor="r", calendar=CAL)
    status = next_deadline(request, CAL, at(3, 31, 14, 5))
    assert status is not None
    assert status.deadline.kind is K.RECEPTION
    request.mark_received(at(3, 31, 15, 30), actor="akim")
    assert next_deadline(request, CAL, at(3, 31, 16)) is None


def test_next_deadline_awaiting_correction() -> None:
    request = make()
    request.ask_correction(at(3, 2, 11), actor="w", defects="x", calendar=CAL)
    status = next_deadline(request, CAL, at(3, 10))
    assert status is not None
    assert (status.deadline.kind, status.deadline.due, status.overdue) == (
        K.CORRECTION, date(2026, 3, 10), False)
    status = next_deadline(request, CAL, at(3, 11))
    assert status is not None and status.overdue


def test_next_deadline_karaganda_in_calendar_days() -> None:
    status = next_deadline(make(profile=KARAGANDA_2021), CAL, at(3, 2, 12))
    assert status is not None
    assert (status.deadline.kind, status.deadline.due) == (K.ANSWER, date(2026, 3, 17))
    assert "001 §31" in status.deadline.citation


def test_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        next_deadline(make(), CAL, at(3, 2, 12), soon=-1)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(S)), st.integers(0, 60), st.integers(0, 5))
def test_next_deadline_is_consistent(state: RequestState, offset: int, soon: int) -> None:
    request = request_in(state)
    now = at(3, 2, 12) + timedelta(days=offset)
    status = next_deadline(request, CAL, now, soon=soon)
    if state in OUTCOME_STATES | FINAL_STATES | {S.MOVED}:
        assert status is None
        return
    assert status is not None
    today = now.date()
    assert status.overdue is (today > status.deadline.due)
    assert status.working_days_left == CAL.working_days_between(today, status.deadline.due)
    assert status.due_soon is (not status.overdue and status.working_days_left <= soon)
    assert not (status.overdue and status.due_soon)
    assert status.deadline.citation.strip()


# --------------------------------------------------------------------------- placement

AKIM = ReceptionSchedule("akim", ReceptionHours(time(15), time(16)), weekdays=frozenset({1}))


def test_place_approved_in_order_of_arrival() -> None:
    requests = []
    for number, received in (("ЖҚ-3", at(3, 3, 9)), ("ЖҚ-1", at(3, 2, 9)),
                             ("ЖҚ-2", at(3, 2, 15)), ("ЖҚ-4", at(3, 4, 9))):
        request = make(number=number, received_at=received, registered_at=received,
                       profile=ALMATY_2025)
        request.start_review(at(3, 4, 11), actor="w")
        request.make_note(at(3, 5), actor="w", calendar=CAL, proposal=Proposal.DATE,
                          proposed_day=date(2026, 3, 31))
        request.approve(at(3, 6), actor="head", calendar=CAL)
        requests.append(request)
    requests[3].book(at(3, 6, 12), actor="w", calendar=CAL, booking=slot(3, 31, 15))
    other = make(number="ЖҚ-5", official_asked="deputy")
    placement = place_approved([*requests, other], AKIM, CAL, first_day=date(2026, 3, 31),
                               last_day=date(2026, 4, 7))
    assert [(key, s.starts_at) for key, s in placement.assigned] == [
        ("ЖҚ-1", at(3, 31, 15, 30)), ("ЖҚ-2", at(4, 7, 15)), ("ЖҚ-3", at(4, 7, 15, 30))]
    by_number = {r.number: r for r in requests}
    for key, booked in placement.assigned:
        by_number[key].book(at(3, 9), actor="w", calendar=CAL, booking=booked)
    assert len({r.booking for r in requests}) == 4
