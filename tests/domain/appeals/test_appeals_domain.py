"""The appeals register's rules as plain Python: what an appeal must carry
(000 §3, §10), control (002 §33, §35), deadlines' reminders and alerts,
attachments judged by content, masking (000 §2), consultations (000 §12) and
the survey's sample (002 §36)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.domain.appeals.attachments import check_attachment, sniff
from hub.domain.appeals.consultations import ConsultationDraft, Outcome
from hub.domain.appeals.control import ControlRecord, ControlState, Signal, deadline_signal
from hub.domain.appeals.errors import (
    AttachmentRefused,
    ForbiddenAssignee,
    MissingSubject,
    MissingTranslation,
    NoMotivatedAnswer,
    NotOnControl,
)
from hub.domain.appeals.register import AppealDraft, registration_number
from hub.domain.appeals.surveys import SurveyAnswer, SurveyResult, eligible, sampled
from hub.domain.calendar import WorkCalendar
from hub.domain.errors import ValidationFailed
from hub.domain.personal_data import mask_iin, mask_phone
from hub.domain.reception.applicants import Phone, Representative
from hub.domain.reception.errors import InvalidIin
from hub.domain.reception.iin import Iin, check_digit, parse_iin
from tests.security.documents import clean_pdf, image

NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
MONDAY = date(2026, 11, 23)


def make_iin(first_eleven: str) -> str:
    digit = check_digit(first_eleven)
    assert digit is not None
    return first_eleven + str(digit)


APPLICANT = make_iin("85010130000")
OTHER = make_iin("90020240001")


def draft(**changes: object) -> AppealDraft:
    values: dict[str, object] = {
        "kind": "complaint", "form": "individual", "medium": "written",
        "channel": "front_office", "language": "kk", "iin": Iin(APPLICANT),
        "full_name": "Сейітқали Ерлан Бауыржанұлы",
        "subject": "Бородулиха ауданының тұрғын үй бөлімі",
        "summary": "Пәтер кезегі туралы шағым"}
    values.update(changes)
    return AppealDraft(**values)  # type: ignore[arg-type]


@pytest.fixture
def work(borodulikha_calendar: WorkCalendar) -> WorkCalendar:
    return borodulikha_calendar


def test_an_appeal_is_one_of_the_five_kinds_with_its_form_and_medium() -> None:
    appeal = draft(kind="proposal", form="collective", medium="electronic",
                   co_applicants=14)
    assert (appeal.kind.value, appeal.form.value, appeal.medium.value) == (
        "proposal", "collective", "electronic")
    with pytest.raises(ValueError, match="petition"):
        draft(kind="petition")
    with pytest.raises(ValidationFailed) as refused:
        draft(co_applicants=3)  # an individual appeal has no co-signatories
    assert refused.value.field == "co_applicants"


def test_an_appeal_without_a_subject_is_refused_in_both_languages() -> None:
    with pytest.raises(MissingSubject) as refused:
        draft(subject="   ")
    assert refused.value.field == "subject"
    assert "құзыретіне" in refused.value.text.kk and "компетенции" in refused.value.text.ru


def test_a_foreign_language_appeal_needs_a_notarised_translation() -> None:
    with pytest.raises(MissingTranslation) as refused:
        draft(language="en")
    assert "нотариус" in refused.value.text.kk and "нотариусом" in refused.value.text.ru
    assert draft(language="EN", translation_notarised=True).language == "en"
    assert draft(language="ru").translation_notarised is False  # not needed


def test_the_representative_is_recorded_and_is_another_person() -> None:
    rep = Representative("Ахметова Динара", Iin(OTHER), "сенімхат № 15, 01.11.2026")
    assert draft(representative=rep).representative == rep
    with pytest.raises(ValidationFailed):
        draft(representative=Representative("Өзі", Iin(APPLICANT), "сенімхат"))


def test_an_invalid_iin_never_makes_an_appeal() -> None:
    wrong = APPLICANT[:11] + str((int(APPLICANT[11]) + 1) % 10)
    with pytest.raises(InvalidIin) as refused:
        parse_iin(wrong)
    assert "бақылау цифры" in refused.value.text.kk
    assert wrong not in refused.value.detail


def test_an_appeal_from_a_reception_carries_the_mark() -> None:
    assert draft().mark is None
    marked = draft(channel="personal_reception")
    assert marked.from_reception
    assert marked.mark is not None
    assert (marked.mark.ru, marked.mark.kk) == ("с личного приема", "жеке қабылдаудан")


def test_registration_numbers_are_per_year_and_ascii() -> None:
    assert registration_number(2026, 17) == "AP-2026-00017"
    with pytest.raises(ValueError, match="starts at 1"):
        registration_number(2026, 0)


def test_control_ends_only_with_a_final_motivated_answer(work: WorkCalendar) -> None:
    record = ControlRecord(from_reception=False)
    with pytest.raises(NotOnControl):
        record.close("Жауап", "Негіздеме " * 5, at=NOW)
    record.assign("ispolnitel", date(2026, 12, 4), at=NOW, by="admin", calendar=work,
                  today=MONDAY)
    assert record.state is ControlState.ON_CONTROL
    record.answer_interim("Қарау жалғасуда")
    assert record.state is ControlState.ANSWERED  # an interim answer keeps it on control
    with pytest.raises(NoMotivatedAnswer) as refused:
        record.close("Сіздің өтінішіңіз қанағаттандырылды", "", at=NOW)
    assert refused.value.field == "motivation"
    assert "уәжді" in refused.value.text.kk and "мотивированный" in refused.value.text.ru
    with pytest.raises(NoMotivatedAnswer) as refused:
        record.close("", "Тұрғын үй кодексінің 74-бабы негізінде", at=NOW)
    assert refused.value.field == "answer"
    assert record.state is ControlState.ANSWERED
    record.close("Сіз кезекке қойылдыңыз", "Тұрғын үй қатынастары туралы заңның 74-бабы",
                 at=NOW)
    assert record.state is ControlState.CLOSED and record.closed_at == NOW
    with pytest.raises(NotOnControl):
        record.assign("other", date(2026, 12, 4), at=NOW, by="admin", calendar=work,
                      today=MONDAY)


def test_a_reception_appeal_never_goes_back_to_an_earlier_assignee(
        work: WorkCalendar) -> None:
    record = ControlRecord(from_reception=True, handled_before=("old.hand",))
    with pytest.raises(ForbiddenAssignee) as refused:
        record.assign("old.hand", date(2026, 12, 4), at=NOW, by="a", calendar=work,
                      today=MONDAY)
    assert "35" in refused.value.text.ru and "ранее поручалось" in refused.value.text.ru
    record.assign("first", date(2026, 12, 4), at=NOW, by="a", calendar=work, today=MONDAY)
    record.assign("second", date(2026, 12, 7), at=NOW, by="a", calendar=work, today=MONDAY)
    with pytest.raises(ForbiddenAssignee):
        record.assign("first", date(2026, 12, 8), at=NOW, by="a", calendar=work,
                      today=MONDAY)
    assert record.assignee == "second"
    # An appeal that did not come from a reception may go back (002 §35 is about those).
    ordinary = ControlRecord(from_reception=False)
    ordinary.assign("first", date(2026, 12, 4), at=NOW, by="a", calendar=work, today=MONDAY)
    ordinary.assign("first", date(2026, 12, 7), at=NOW, by="a", calendar=work, today=MONDAY)


def test_a_deadline_must_be_a_future_working_day(work: WorkCalendar) -> None:
    record = ControlRecord(from_reception=False)
    for bad in (MONDAY, date(2026, 11, 28)):  # today; a Saturday
        with pytest.raises(ValidationFailed):
            record.assign("x", bad, at=NOW, by="a", calendar=work, today=MONDAY)


def test_reminders_before_and_alerts_after_a_deadline(work: WorkCalendar) -> None:
    friday = date(2026, 11, 27)
    assert deadline_signal(friday, MONDAY, work, remind_working_days=2) == (
        Signal.IN_TIME, 4)
    assert deadline_signal(friday, date(2026, 11, 25), work, remind_working_days=2) == (
        Signal.REMINDER, 2)
    assert deadline_signal(friday, friday, work, remind_working_days=0)[0] is Signal.REMINDER
    assert deadline_signal(friday, date(2026, 11, 30), work, remind_working_days=2) == (
        Signal.OVERDUE, -1)


def test_attachments_are_judged_by_their_first_bytes() -> None:
    assert check_attachment(clean_pdf()).media_type == "application/pdf"
    assert check_attachment(image("JPEG")).extension == "jpg"
    assert check_attachment(image("PNG")).media_type == "image/png"
    assert sniff(b"II*\x00rest") is not None and sniff(b"MM\x00*rest") is not None
    for content, reason in ((b"MZ\x90\x00 an exe", "not_a_document"),
                            (b"<html>%PDF-</html>", "not_a_document"), (b"", "empty"),
                            (b"%PDF-" + b"x" * 2000, "too_large")):
        with pytest.raises(AttachmentRefused) as refused:
            check_attachment(content, max_bytes=1024)
        assert refused.value.extra["reason"] == reason


def test_lists_mask_the_iin_and_the_phone() -> None:
    assert mask_iin("850101300024") == "••••••••0024"
    assert mask_iin("123") == "•••"
    assert mask_phone(Phone.parse("8 701 234 56 78").value) == "+7 ••• ••• •• 78"


def test_a_consultation_records_question_history_advice_and_outcome() -> None:
    consultation = ConsultationDraft(
        question="Жер телімі", advice="Әкімдікке өтініш беру тәртібі түсіндірілді",
        outcome=Outcome.SELF_SERVICE, applied_before="Жер қатынастары бөлімі",
        answer_before="Бас тарту", court_decision="")
    assert consultation.outcome is Outcome.SELF_SERVICE
    with pytest.raises(ValidationFailed) as refused:
        ConsultationDraft(question=" ", advice="x", outcome=Outcome.ENOUGH)
    assert refused.value.field == "question"


def test_the_call_list_takes_consultations_without_a_booking_and_samples_them() -> None:
    assert eligible(Outcome.ENOUGH, has_phone=True)
    assert not eligible(Outcome.BOOKING_REQUESTED, has_phone=True)
    assert not eligible(Outcome.ENOUGH, has_phone=False)
    picks = [sampled(i, 0.3, "seed") for i in range(2000)]
    assert picks == [sampled(i, 0.3, "seed") for i in range(2000)]  # the same every time
    assert 500 < sum(picks) < 700
    assert all(sampled(i, 1.0) for i in range(50)) and not any(sampled(i, 0.0)
                                                               for i in range(50))
    with pytest.raises(ValueError, match="between 0 and 1"):
        sampled(1, 1.5)


def test_a_survey_answer_has_a_score_only_when_answered() -> None:
    assert SurveyAnswer(SurveyResult.SATISFIED, 5).score == 5
    assert SurveyAnswer(SurveyResult.NOT_REACHED).score is None
    with pytest.raises(ValidationFailed):
        SurveyAnswer(SurveyResult.PARTLY)
    with pytest.raises(ValidationFailed):
        SurveyAnswer(SurveyResult.NOT_REACHED, 3)
