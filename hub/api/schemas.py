"""Request and response bodies of the web API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from hub.domain.estimate import WaitEstimate
from hub.domain.roles import Role
from hub.domain.safe_text import safe_text
from hub.domain.text import Language
from hub.services.views import IssuedTicket, TicketInfo

# Row ids are 32-bit on every database we support; a larger one is a bad request, not a 500.
MAX_ID = 2**31 - 1
TicketId = Annotated[int, Path(ge=1, le=MAX_ID, description="the ticket's id")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
# A filter matched against stored text: no control characters (PostgreSQL refuses a NUL
# in a text parameter, which was a 500), no longer than any stored key.
FilterKey = Annotated[str | None, Query(min_length=1, max_length=200,
                                        pattern=r"^[^\x00-\x1f\x7f]*$")]


def _plain_text(value: str, info: ValidationInfo) -> str:
    # Each field's own Field(max_length=…) bounds its length.
    return safe_text(value, field=info.field_name or "text", max_length=None)


PlainText = Annotated[str, AfterValidator(_plain_text)]
"""A person's free text: only characters that print as themselves (``safe_text``),
normalised to NFC and stripped."""


def _multiline_text(value: str, info: ValidationInfo) -> str:
    return safe_text(value, field=info.field_name or "text", max_length=None, multiline=True)


MultilineText = Annotated[str, AfterValidator(_multiline_text)]
"""A free text of several lines (what the console takes in a textarea: a summary, an
answer, a reason): as ``PlainText``, its line breaks kept (``\\r\\n`` stored as
``\\n``), so the API takes what the console takes."""


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueTicketIn(Body):
    language: Language = Field(description="the language the visitor chose: kk or ru")
    purpose: Code | None = Field(None, description="visit purpose code (leads to its zone)")
    zone: Code | None = Field(None, description="zone code, when no purpose is given")
    out_of_turn: Code | None = Field(None, description="out-of-turn category code")
    needs_escort: bool = Field(False, description="a person with a disability to be met (000 §7)")


class BilingualOut(BaseModel):
    kk: str
    ru: str


class EstimateOut(BaseModel):
    people_ahead: int
    minutes: int
    staffed_desks: int

    @classmethod
    def of(cls, estimate: WaitEstimate) -> EstimateOut:
        return cls(people_ahead=estimate.people_ahead, minutes=estimate.minutes,
                   staffed_desks=estimate.staffed_desks)


class TicketOut(BaseModel):
    id: int
    number: int
    zone: str
    issued_zone: str
    language: Language
    purpose: str | None
    out_of_turn: str | None
    needs_escort: bool
    state: str
    desk: str | None
    target_desk: str | None
    recalls: int
    transfers: int
    issued_at: datetime
    queued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, info: TicketInfo) -> TicketOut:
        return cls(id=info.id, number=info.number, zone=info.zone, issued_zone=info.issued_zone,
                   language=Language(info.language), purpose=info.purpose,
                   out_of_turn=info.out_of_turn, needs_escort=info.needs_escort,
                   state=info.state, desk=info.desk, target_desk=info.target_desk,
                   recalls=info.recalls, transfers=info.transfers, issued_at=info.issued_at,
                   queued_at=info.queued_at, called_at=info.called_at,
                   started_at=info.started_at, finished_at=info.finished_at)


class IssuedTicketOut(BaseModel):
    ticket: TicketOut
    estimate: EstimateOut
    note: BilingualOut | None = Field(None, description="e.g. lunch: service resumes at 14:30")
    replayed: bool = Field(description="true when this idempotency key was already used")
    status_url: str | None = Field(None, description="the ticket's public status page (its "
                                                     "QR code): numbers only, no login")

    @classmethod
    def of(cls, issued: IssuedTicket, status_url: str | None = None) -> IssuedTicketOut:
        note = BilingualOut(**issued.note.as_dict()) if issued.note else None
        return cls(ticket=TicketOut.of(issued.ticket), estimate=EstimateOut.of(issued.estimate),
                   note=note, replayed=issued.replayed, status_url=status_url)


class CallIn(Body):
    desk: Code


class TransferIn(Body):
    zone: Code | None = None
    desk: Code | None = None
    note: PlainText | None = Field(None, max_length=500)


class CancelIn(Body):
    note: PlainText | None = Field(None, max_length=500)


class UserIn(Body):
    username: str = Field(min_length=2, max_length=64)
    full_name: PlainText = Field(min_length=1, max_length=300)
    role: Role
    password: str = Field(min_length=1, max_length=200)
    language: Language = Language.KK


class UserPatch(Body):
    full_name: PlainText | None = Field(None, min_length=1, max_length=300)
    role: Role | None = None
    language: Language | None = None
    active: bool | None = None
    password: str | None = Field(None, min_length=1, max_length=200)


class TokenIn(Body):
    name: str = Field(min_length=2, max_length=64)
    role: Role


class TokenOut(BaseModel):
    name: str
    role: Role
    token: str = Field(description="shown once; only its hash is kept")


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, object] | None
    after: dict[str, object] | None
