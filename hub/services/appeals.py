"""The appeals register (issue 8, items 1, 3, 6, 7): registration, control of
consideration, attachments, personal data and the export for e-Өтініш.

Personal data (000 §2): who reads an appeal in full and who masked, who may
read its scans and who may export is decided by ``hub.domain.personal_data``
alone; each full read, scan read and export writes an audit row with its basis
and purpose (an export's purpose is typed by the exporter).
Audit rows keep the masked IIN, never a name, a phone or an address; a refused
attempt is audited too (what was refused and why, not what was typed).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hub.domain.appeals.attachments import check_attachment, check_file_name
from hub.domain.appeals.control import (
    OPEN_STATES,
    Assignment,
    ControlRecord,
    ControlState,
    Signal,
    deadline_signal,
)
from hub.domain.appeals.register import (
    RECEPTION_MARK,
    AppealDraft,
    clean_text,
    registration_number,
)
from hub.domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from hub.domain.personal_data import (
    Grant,
    appeal_reading,
    export_purpose,
    mask_address,
    mask_email,
    mask_iin,
    mask_name,
    mask_phone,
    may_export,
)
from hub.domain.reception.applicants import Phone, Representative
from hub.domain.reception.iin import parse_iin
from hub.domain.spreadsheet_cells import csv_cell
from hub.domain.text import Bilingual
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.users import Principal
from hub.settings import AppealSettings
from hub.storage.appeal_models import (
    AppealAssignmentRow,
    AppealAttachmentRow,
    AppealCounterRow,
    AppealRow,
)
from hub.storage.db import Database
from hub.storage.models import UserRow
from hub.storage.private_files import private_dir, tighten, write_private

EXPORT_FORMAT = "kezek.appeals/1"
CSV_COLUMNS = (
    "number", "registered_on", "kind", "form", "medium", "channel", "language",
    "translation_notarised", "iin", "full_name", "phone", "email", "address",
    "representative_name", "representative_iin", "representative_basis", "co_applicants",
    "subject", "summary", "mark", "reception_request", "state", "assignee", "due",
    "answer", "motivation", "closed_at", "attachments",
)
ENTITY = "appeal"


@dataclass(frozen=True, slots=True)
class AppealInput:
    """What a person entered to register an appeal, as typed (strings, flags)."""

    kind: str
    form: str
    medium: str
    channel: str
    language: str
    iin: str
    full_name: str
    subject: str
    summary: str
    phone: str = ""
    email: str = ""
    address: str = ""
    representative_name: str = ""
    representative_iin: str = ""
    representative_basis: str = ""
    translation_notarised: bool = False
    from_reception: bool = False
    reception_request: str = ""
    handled_before: tuple[str, ...] = ()
    co_applicants: int = 0


@dataclass(frozen=True, slots=True)
class AppealSummary:
    """A row of the register's list: the IIN masked; the name in full for a
    viewer who reads this appeal in full, its initials otherwise."""

    number: str
    registered_on: date
    kind: str
    form: str
    channel: str
    language: str
    iin_masked: str
    applicant: str  # the name in full or masked (hub.domain.personal_data)
    subject: str
    state: str
    from_reception: bool
    assignee: str | None
    due: date | None
    signal: Signal | None
    working_days_left: int | None


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    id: int
    file_name: str
    media_type: str
    size: int
    sha256: str
    added_at: datetime
    added_by: str


@dataclass(frozen=True, slots=True)
class AppealRecord:
    """One appeal. With ``full`` False the personal fields are masked."""

    full: bool
    number: str
    registered_on: date
    registered_at: datetime
    registered_by: str
    kind: str
    form: str
    medium: str
    channel: str
    language: str
    translation_notarised: bool
    iin: str
    full_name: str
    phone: str
    email: str
    address: str
    representative_name: str
    representative_iin: str
    representative_basis: str
    co_applicants: int
    subject: str
    summary: str
    mark: dict[str, str] | None
    reception_request: str | None
    handled_before: list[str]
    state: str
    assignee: str | None
    due: date | None
    signal: Signal | None
    working_days_left: int | None
    answer: str | None
    motivation: str | None
    closed_at: datetime | None
    assignments: list[Assignment] = field(default_factory=list)
    attachments: list[AttachmentInfo] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AppealFigures:
    """The appeals of a period for the reports (002 §38, 004 §40)."""

    start: date
    end: date
    total: int
    by_kind: dict[str, int]
    by_channel: dict[str, int]
    by_state: dict[str, int]
    from_reception: int
    on_control: int
    overdue: int
    closed_in_time: int
    closed_late: int


def _refused_view(error: DomainError) -> dict[str, Any]:
    return {"refused": error.code, "field": error.field,
            "reason": error.extra.get("reason"), "detail": error.detail}


class AppealService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock,
                 settings: AppealSettings, data_dir: Path) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self.settings = settings
        self._files = data_dir / "attachments"
        self._tighten_scans()

    # ------------------------------------------------------------------ helpers

    def _tighten_scans(self) -> None:
        """Scans kept by an older hub may be 0644: restrict them at start."""
        if not self._files.is_dir():
            return
        for directory, _, names in os.walk(self._files):
            private_dir(Path(directory))
            for name in names:
                tighten(Path(directory) / name)

    def _today(self) -> date:
        return self._centers.snapshot().calendar.service_day(self._clock.now())

    def audit_refusal(self, actor: str, action: str, entity_id: str,
                      error: DomainError) -> None:
        """Write down a refused attempt: nothing changed, but it happened."""
        with self._db.write() as session:
            audit.record(session, actor=actor, action=f"{action}_refused", entity=ENTITY,
                         entity_id=entity_id or "-", at=self._clock.now(),
                         after=_refused_view(error))

    def _row(self, session: Session, number: str) -> AppealRow:
        row = session.scalars(select(AppealRow).where(AppealRow.number == number)).first()
        if row is None:
            raise NotFound(f"no appeal {number!r}",
                           Bilingual(kk="Өтініш табылмады.", ru="Обращение не найдено."),
                           field="number")
        return row

    @staticmethod
    def _audit_view(row: AppealRow) -> dict[str, Any]:
        return {"number": row.number, "kind": row.kind, "channel": row.channel,
                "iin": mask_iin(row.iin), "subject": row.subject, "state": row.state,
                "from_reception": row.from_reception, "assignee": row.assignee,
                "due": row.due.isoformat() if row.due else None,
                "representative": row.representative_iin is not None}

    def _signal(self, row: AppealRow, today: date) -> tuple[Signal | None, int | None]:
        if row.due is None or ControlState(row.state) not in OPEN_STATES:
            return None, None
        return deadline_signal(row.due, today, self._centers.snapshot().calendar,
                               remind_working_days=self.settings.remind_working_days)

    @staticmethod
    def _control(session: Session, row: AppealRow) -> ControlRecord:
        history = list(session.scalars(select(AppealAssignmentRow).where(
            AppealAssignmentRow.appeal_id == row.id).order_by(AppealAssignmentRow.id)))
        return ControlRecord(
            from_reception=row.from_reception, state=ControlState(row.state),
            assignments=[Assignment(a.assignee, a.due, a.at, a.by) for a in history],
            handled_before=tuple(row.handled_before), answer=row.answer,
            motivation=row.motivation, closed_at=row.closed_at)

    # ------------------------------------------------------------ registration

    @staticmethod
    def draft_of(given: AppealInput, today: date) -> AppealDraft:
        """The domain's draft from what was typed; raises the first error found."""
        representative = None
        if given.representative_name.strip() or given.representative_iin.strip():
            try:
                rep_iin = parse_iin(given.representative_iin, today=today)
            except DomainError as error:
                error.field = "representative_iin"
                raise
            representative = Representative(given.representative_name, rep_iin,
                                            given.representative_basis)
        phone = Phone.parse(given.phone) if given.phone.strip() else None
        return AppealDraft(
            kind=given.kind, form=given.form, medium=given.medium,  # type: ignore[arg-type]
            channel=given.channel, language=given.language,  # type: ignore[arg-type]
            iin=parse_iin(given.iin, today=today), full_name=given.full_name,
            subject=given.subject, summary=given.summary, phone=phone, email=given.email,
            address=given.address, representative=representative,
            translation_notarised=given.translation_notarised,
            from_reception=given.from_reception,
            reception_request=given.reception_request.strip() or None,
            handled_before=tuple(given.handled_before), co_applicants=given.co_applicants)

    def register(self, given: AppealInput, *, actor: str) -> AppealRecord:
        today, now = self._today(), self._clock.now()
        try:
            try:
                draft = self.draft_of(given, today)
            except ValueError as error:  # an enum value the form should not have sent
                if isinstance(error, DomainError):
                    raise
                raise ValidationFailed(str(error), Bilingual(
                    kk="Тізімнен мән таңдаңыз.", ru="Выберите значение из списка."),
                    field="kind") from error
            with self._db.write() as session:
                counter = session.get(AppealCounterRow, today.year)
                if counter is None:
                    counter = AppealCounterRow(year=today.year, last=0)
                    session.add(counter)
                counter.last += 1
                rep = draft.representative
                row = AppealRow(
                    number=registration_number(today.year, counter.last),
                    registered_on=self._centers.snapshot().calendar.registration_day(today),
                    registered_at=now, registered_by=actor, kind=draft.kind.value,
                    form=draft.form.value, medium=draft.medium.value,
                    channel=draft.channel.value, language=draft.language,
                    translation_notarised=draft.translation_notarised,
                    iin=draft.iin.value, full_name=draft.full_name,
                    phone=draft.phone.value if draft.phone else None, email=draft.email,
                    address=draft.address,
                    representative_name=rep.full_name if rep else None,
                    representative_iin=rep.iin.value if rep else None,
                    representative_basis=rep.basis if rep else None,
                    co_applicants=draft.co_applicants, subject=draft.subject,
                    summary=draft.summary, from_reception=draft.from_reception,
                    reception_request=draft.reception_request,
                    handled_before=list(draft.handled_before),
                    state=ControlState.REGISTERED.value, updated_at=now)
                session.add(row)
                session.flush()
                audit.record(session, actor=actor, action="appeal_register", entity=ENTITY,
                             entity_id=row.number, at=now, after=self._audit_view(row))
                return self._record(session, row, today, full=True)
        except DomainError as error:
            self.audit_refusal(actor, "appeal_register", "-", error)
            raise
        except IntegrityError as error:  # two registrations took the same number at once
            raise Conflict("the register changed meanwhile", Bilingual(
                kk="Тізілім осы уақытта өзгерді — қайталаңыз.",
                ru="Реестр тем временем изменился — повторите."), field="number") from error

    # ---------------------------------------------------------------- reading

    def list_appeals(self, viewer: Principal, *, state: str | None = None,
             subject: str | None = None, limit: int = 500) -> list[AppealSummary]:
        """Newest first; IINs masked, names as ``hub.domain.personal_data`` lets
        the viewer read each appeal."""
        today = self._today()
        with self._db.read() as session:
            query = select(AppealRow).order_by(AppealRow.id.desc()).limit(limit)
            if state == "open":
                query = query.where(AppealRow.state.in_([s.value for s in OPEN_STATES]))
            elif state:
                query = query.where(AppealRow.state == state)
            if subject:
                query = query.where(AppealRow.subject == subject)
            rows = list(session.scalars(query))
        summaries = []
        for row in rows:
            signal, left = self._signal(row, today)
            full = self.reading(viewer, row.assignee).full
            summaries.append(AppealSummary(
                number=row.number, registered_on=row.registered_on, kind=row.kind,
                form=row.form, channel=row.channel, language=row.language,
                iin_masked=mask_iin(row.iin),
                applicant=row.full_name if full else mask_name(row.full_name),
                subject=row.subject, state=row.state, from_reception=row.from_reception,
                assignee=row.assignee, due=row.due, signal=signal, working_days_left=left))
        return summaries

    @staticmethod
    def reading(viewer: Principal, holder: str | None) -> Grant:
        """How ``viewer`` reads an appeal held by ``holder`` (000 §2)."""
        return appeal_reading(viewer.role, viewer=viewer.name if viewer.kind == "user"
                              else None, holder=holder)

    def get(self, number: str, viewer: Principal, *, purpose: str = "") -> AppealRecord:
        """One appeal, in full or masked as ``hub.domain.personal_data`` says; a
        full read is audited with its basis and the purpose the reader gave."""
        with self._db.read() as session:
            row = self._row(session, number)
            grant = self.reading(viewer, row.assignee)
            record = self._record(session, row, self._today(), full=grant.full)
        if grant.full:
            with self._db.write() as session:
                audit.record(session, actor=viewer.actor, action="appeal_read_full",
                             entity=ENTITY, entity_id=number, at=self._clock.now(),
                             after={"basis": grant.basis,
                                    "purpose": " ".join(purpose.split())[:300] or None})
        return record

    def _record(self, session: Session, row: AppealRow, today: date, *,
                full: bool) -> AppealRecord:
        control = self._control(session, row)
        files = list(session.scalars(select(AppealAttachmentRow).where(
            AppealAttachmentRow.appeal_id == row.id).order_by(AppealAttachmentRow.id)))
        signal, left = self._signal(row, today)

        def personal(value: str | None, mask: Any = lambda _: "") -> str:
            return (value or "") if full else mask(value or "")

        return AppealRecord(
            full=full, number=row.number, registered_on=row.registered_on,
            registered_at=row.registered_at, registered_by=row.registered_by,
            kind=row.kind, form=row.form, medium=row.medium, channel=row.channel,
            language=row.language, translation_notarised=row.translation_notarised,
            iin=row.iin if full else mask_iin(row.iin),
            full_name=personal(row.full_name, mask_name),
            phone=(Phone(row.phone).display if row.phone else "") if full
            else (mask_phone(row.phone) if row.phone else ""),
            email=personal(row.email, mask_email), address=personal(row.address, mask_address),
            representative_name=personal(row.representative_name, mask_name),
            representative_iin=(row.representative_iin or "") if full
            else mask_iin(row.representative_iin or ""),
            representative_basis=personal(row.representative_basis),
            co_applicants=row.co_applicants, subject=row.subject, summary=row.summary,
            mark=RECEPTION_MARK.as_dict() if row.from_reception else None,
            reception_request=row.reception_request, handled_before=list(row.handled_before),
            state=row.state, assignee=row.assignee, due=row.due, signal=signal,
            working_days_left=left, answer=row.answer, motivation=row.motivation,
            closed_at=row.closed_at, assignments=control.assignments,
            attachments=[AttachmentInfo(f.id, f.file_name, f.media_type, f.size, f.sha256,
                                        f.added_at, f.added_by) for f in files])

    # ---------------------------------------------------------------- control

    def _change(self, number: str, action: str, actor: str,
                step: Any, extra: dict[str, Any] | None = None) -> AppealRecord:
        """Apply `step(session, row, control, today, now)` to the appeal, store
        the control record and audit the change; a refusal is audited too."""
        today, now = self._today(), self._clock.now()
        try:
            with self._db.write() as session:
                row = self._row(session, number)
                before = self._audit_view(row)
                control = self._control(session, row)
                step(session, row, control, today, now)
                row.state = control.state.value
                row.assignee = control.assignee
                row.due = control.due
                row.answer = control.answer
                row.motivation = control.motivation
                row.closed_at = control.closed_at
                row.updated_at = now
                session.flush()
                audit.record(session, actor=actor, action=action, entity=ENTITY,
                             entity_id=row.number, at=now, before=before,
                             after=self._audit_view(row) | (extra or {}))
                return self._record(session, row, today, full=False)
        except DomainError as error:
            self.audit_refusal(actor, action, number, error)
            raise
        except StaleDataError as error:
            raise Conflict(f"appeal {number} changed meanwhile", Bilingual(
                kk="Өтінішті осы уақытта басқа қызметкер өзгертті — қайталаңыз.",
                ru="Обращение тем временем изменили — повторите."),
                field="number") from error

    def assign(self, number: str, assignee: str, *, actor: str,
               due: date | None = None, working_days: int | None = None) -> AppealRecord:
        """Give the appeal to an employee (a console user) with a deadline; it is
        then on control. Refused for an appeal from a reception given to that
        employee before (002 §35)."""
        calendar = self._centers.snapshot().calendar

        def step(session: Session, row: AppealRow, control: ControlRecord, today: date,
                 now: datetime) -> None:
            name = assignee.strip()
            if name and session.scalars(select(UserRow.id).where(
                    UserRow.username == name)).first() is None:
                raise ValidationFailed(f"no console user {name!r}", Bilingual(
                    kk="Мұндай қызметкер жүйеде тіркелмеген.",
                    ru="Такой работник в системе не зарегистрирован."), field="assignee")
            days = working_days if working_days is not None else (
                None if due is not None else self.settings.answer_working_days)
            deadline = calendar.add_working_days(today, days) if days is not None else due
            assert deadline is not None
            given = control.assign(name, deadline, at=now, by=actor, calendar=calendar,
                                   today=today)
            session.add(AppealAssignmentRow(appeal_id=row.id, assignee=given.assignee,
                                            due=given.due, at=now, by=actor))

        return self._change(number, "appeal_assign", actor, step)

    def answer(self, number: str, text: str, *, actor: str) -> AppealRecord:
        """An interim answer: the appeal stays on control."""
        return self._change(number, "appeal_interim_answer", actor,
                            lambda s, r, c, t, n: c.answer_interim(text))

    def close(self, number: str, answer: str, motivation: str, *,
              actor: str) -> AppealRecord:
        """Take the appeal off control with the final motivated answer (002 §33)."""
        return self._change(number, "appeal_close", actor,
                            lambda s, r, c, t, n: c.close(answer, motivation, at=n),
                            extra={"answer": "final", "motivated": True})

    # ------------------------------------------------------------ attachments

    def attach(self, number: str, file_name: str, content: bytes, *,
               actor: str) -> AttachmentInfo:
        """Keep a scan of the appeal under the data directory (content-checked)."""
        now = self._clock.now()
        try:
            kind = check_attachment(content, max_bytes=int(
                self.settings.max_attachment_mb * 1024 * 1024))
            name = clean_text(check_file_name(Path(file_name or "").name)
                              or f"scan.{kind.extension}",
                              "file", Bilingual(kk="файл атауы", ru="имя файла"),
                              limit=200)
            digest = hashlib.sha256(content).hexdigest()
            with self._db.write() as session:
                row = self._row(session, number)
                stored_as = f"{row.id}/{digest}.{kind.extension}"
                target = self._files / stored_as
                private_dir(self._files)
                private_dir(target.parent)
                write_private(target, content)
                file = AppealAttachmentRow(
                    appeal_id=row.id, file_name=name, media_type=kind.media_type,
                    size=len(content), sha256=digest, stored_as=stored_as, added_at=now,
                    added_by=actor)
                session.add(file)
                session.flush()
                audit.record(session, actor=actor, action="appeal_attach", entity=ENTITY,
                             entity_id=row.number, at=now,
                             after={"attachment": file.id, "media_type": kind.media_type,
                                    "size": len(content), "sha256": digest})
                return AttachmentInfo(file.id, name, kind.media_type, len(content), digest,
                                      now, actor)
        except DomainError as error:
            self.audit_refusal(actor, "appeal_attach", number, error)
            raise

    def attachment(self, number: str, attachment_id: int,
                   viewer: Principal) -> tuple[AttachmentInfo, bytes]:
        """A scan's bytes, for a viewer who reads the appeal in full; audited."""
        with self._db.read() as session:
            grant = self.reading(viewer, self._row(session, number).assignee)
        if not grant.full:
            self._refuse(viewer, number, "appeal_attachment_read")
        with self._db.write() as session:
            row = self._row(session, number)
            file = session.get(AppealAttachmentRow, attachment_id)
            if file is None or file.appeal_id != row.id:
                raise NotFound(f"appeal {number} has no attachment {attachment_id}",
                               Bilingual(kk="Файл табылмады.", ru="Файл не найден."),
                               field="attachment")
            content = (self._files / file.stored_as).read_bytes()
            audit.record(session, actor=viewer.actor, action="appeal_attachment_read",
                         entity=ENTITY, entity_id=row.number, at=self._clock.now(),
                         after={"attachment": file.id, "basis": grant.basis})
            return AttachmentInfo(file.id, file.file_name, file.media_type, file.size,
                                  file.sha256, file.added_at, file.added_by), content

    def _refuse(self, viewer: Principal, entity_id: str, action: str) -> None:
        error = Forbidden(
            f"role {viewer.role.value} does not see this personal data",
            Bilingual(kk="Сіздің рөліңізге өтініш берушілердің бұл дербес деректері "
                         "көрсетілмейді.",
                      ru="Вашей роли эти персональные данные заявителей не показываются."),
            field="role")
        self.audit_refusal(viewer.actor, action, entity_id, error)
        raise error

    # ----------------------------------------------------------------- export

    def export(self, viewer: Principal, *, purpose: str | None, start: date | None = None,
               end: date | None = None) -> dict[str, Any]:
        """The appeals registered from `start` to `end` inclusive, in the format
        of docs/appeals-export.md, for e-Өтініш's operators: only for the roles
        ``hub.domain.personal_data.may_export`` names and with the purpose the
        exporter typed, which the audit row keeps."""
        if not may_export(viewer.role):
            self._refuse(viewer, "export", "appeal_export")
        try:
            purpose = export_purpose(purpose)
        except DomainError as error:
            self.audit_refusal(viewer.actor, "appeal_export", "export", error)
            raise
        with self._db.write() as session:
            query = select(AppealRow).order_by(AppealRow.id)
            if start is not None:
                query = query.where(AppealRow.registered_on >= start)
            if end is not None:
                query = query.where(AppealRow.registered_on <= end)
            rows = list(session.scalars(query))
            counts: dict[int, int] = {row.appeal_id: row.files for row in session.execute(
                select(AppealAttachmentRow.appeal_id, func.count().label("files")).group_by(
                    AppealAttachmentRow.appeal_id))}
            now = self._clock.now()
            audit.record(session, actor=viewer.actor, action="appeal_export", entity=ENTITY,
                         entity_id="export", at=now,
                         after={"start": start.isoformat() if start else None,
                                "end": end.isoformat() if end else None,
                                "appeals": len(rows), "purpose": purpose})
        return {"format": EXPORT_FORMAT, "exported_at": now.isoformat(),
                "period": {"start": start.isoformat() if start else None,
                           "end": end.isoformat() if end else None},
                "appeals": [self._exported(row, counts.get(row.id, 0)) for row in rows]}

    @staticmethod
    def _exported(row: AppealRow, attachments: int) -> dict[str, Any]:
        representative = None
        if row.representative_iin is not None:
            representative = {"full_name": row.representative_name,
                              "iin": row.representative_iin,
                              "basis": row.representative_basis}
        return {
            "number": row.number, "registered_on": row.registered_on.isoformat(),
            "kind": row.kind, "form": row.form, "medium": row.medium, "channel": row.channel,
            "language": row.language, "translation_notarised": row.translation_notarised,
            "applicant": {"iin": row.iin, "full_name": row.full_name, "phone": row.phone,
                          "email": row.email or None, "address": row.address or None},
            "representative": representative, "co_applicants": row.co_applicants,
            "subject": row.subject, "summary": row.summary,
            "mark": RECEPTION_MARK.ru if row.from_reception else None,
            "reception_request": row.reception_request,
            "control": {"state": row.state, "assignee": row.assignee,
                        "due": row.due.isoformat() if row.due else None,
                        "answer": row.answer, "motivation": row.motivation,
                        "closed_at": row.closed_at.isoformat() if row.closed_at else None},
            "attachments": attachments,
        }

    @staticmethod
    def export_csv(exported: dict[str, Any]) -> str:
        """The same export flattened to CSV (UTF-8, a header row, comma-separated)."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for a in exported["appeals"]:
            rep = a["representative"] or {}
            control = a["control"]
            writer.writerow({column: csv_cell(value) for column, value in {
                "number": a["number"], "registered_on": a["registered_on"],
                "kind": a["kind"], "form": a["form"], "medium": a["medium"],
                "channel": a["channel"], "language": a["language"],
                "translation_notarised": "yes" if a["translation_notarised"] else "no",
                "iin": a["applicant"]["iin"], "full_name": a["applicant"]["full_name"],
                "phone": a["applicant"]["phone"] or "", "email": a["applicant"]["email"] or "",
                "address": a["applicant"]["address"] or "",
                "representative_name": rep.get("full_name") or "",
                "representative_iin": rep.get("iin") or "",
                "representative_basis": rep.get("basis") or "",
                "co_applicants": a["co_applicants"], "subject": a["subject"],
                "summary": a["summary"], "mark": a["mark"] or "",
                "reception_request": a["reception_request"] or "",
                "state": control["state"], "assignee": control["assignee"] or "",
                "due": control["due"] or "", "answer": control["answer"] or "",
                "motivation": control["motivation"] or "",
                "closed_at": control["closed_at"] or "", "attachments": a["attachments"],
            }.items()})
        return out.getvalue()

    # ---------------------------------------------------------------- figures

    def figures(self, start: date, end: date) -> AppealFigures:
        """Counts of the appeals registered from `start` to `end` inclusive, and
        where their control stands today."""
        today = self._today()
        with self._db.read() as session:
            rows = list(session.scalars(select(AppealRow).where(
                AppealRow.registered_on >= start, AppealRow.registered_on <= end)))
        overdue = sum(1 for r in rows if self._signal(r, today)[0] is Signal.OVERDUE)
        closed = [r for r in rows if r.state == ControlState.CLOSED.value]
        calendar = self._centers.snapshot().calendar
        late = sum(1 for r in closed if r.due is not None and r.closed_at is not None
                   and calendar.service_day(r.closed_at) > r.due)
        return AppealFigures(
            start=start, end=end, total=len(rows),
            by_kind=dict(Counter(r.kind for r in rows)),
            by_channel=dict(Counter(r.channel for r in rows)),
            by_state=dict(Counter(r.state for r in rows)),
            from_reception=sum(1 for r in rows if r.from_reception),
            on_control=sum(1 for r in rows if r.state in (
                ControlState.ON_CONTROL.value, ControlState.ANSWERED.value)),
            overdue=overdue, closed_in_time=len(closed) - late, closed_late=late)

    def holder(self, number: str) -> str | None:
        """The employee an open appeal is given to, if any."""
        with self._db.read() as session:
            row = self._row(session, number)
            return row.assignee if ControlState(row.state) in OPEN_STATES else None

    def users_for_assignment(self) -> list[tuple[str, str]]:
        """(username, full name) of active console users, for the assign form."""
        with self._db.read() as session:
            return [(u.username, u.full_name) for u in session.scalars(
                select(UserRow).where(UserRow.active.is_(True)).order_by(UserRow.username))]


__all__ = ["CSV_COLUMNS", "EXPORT_FORMAT", "AppealFigures", "AppealInput", "AppealRecord",
           "AppealService", "AppealSummary", "AttachmentInfo"]
