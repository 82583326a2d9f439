"""What a letter says, as plain data: the caller fills these from its own
records (no database here) and hands a ``Letter`` to the renderer, the mail
sender or the dispatcher.

A ``Letter`` carries what every letter has (its id, the applicant's language,
the center's name in both languages, the addressee, the request's
registration number and date) and a ``content``: one dataclass per
``LetterKind`` with the fields of that kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from email.errors import HeaderParseError
from email.headerregistry import Address
from enum import StrEnum

from hub.domain.reception.applicants import Phone
from hub.domain.reception.grounds import RefusalGround
from hub.domain.reception.requests import ExtensionKind
from hub.domain.safe_text import TextRefused, safe_text
from hub.domain.text import Bilingual, Language
from hub.letters.errors import InvalidLetter

__all__ = [
    "Booking",
    "BookingConfirmed",
    "BookingMoved",
    "Contacts",
    "CorrectionRequested",
    "DraftRefusal",
    "LeftWithoutConsideration",
    "Letter",
    "LetterContent",
    "LetterKind",
    "Refusal",
    "Signatory",
    "TermExtended",
    "Text",
    "pick",
]

Text = Bilingual | str
"""A text given in both languages, or once (a name, an office number)."""


def pick(text: Text, language: Language) -> str:
    return text if isinstance(text, str) else text.get(language)


class LetterKind(StrEnum):
    CONFIRMATION = "confirmation"  # booked: date, time, place, booking code (004 §29)
    CORRECTION = "correction"  # a term to correct a non-conforming request (002 §6)
    DRAFT_REFUSAL = "draft_refusal"  # the draft refusal sent for a hearing (002 §28)
    REFUSAL = "refusal"  # refused, with the grounds (002 §15, 001 §16)
    EXTENSION = "extension"  # the term extended (002 §26)
    MOVE = "move"  # the official cannot receive: the booking moved (002 §16)
    LEFT_WITHOUT_CONSIDERATION = "left_without_consideration"  # no essence (002 §5)


def _check_text(value: str, what: str, *, required: bool = True,
                multiline: bool = False) -> None:
    """Only characters that print as themselves (``safe_text``; line breaks
    allowed in the ``multiline`` free texts a worker writes: defects, reasons,
    explanations), and present where ``required``."""
    try:
        safe_text(value, field=what, max_length=None, multiline=multiline, required=required)
    except TextRefused as error:
        raise InvalidLetter(error.detail) from error


def _check(value: Text, what: str) -> None:
    if isinstance(value, str):
        _check_text(value, what)
    else:
        _check_text(value.kk, what)
        _check_text(value.ru, what)


@dataclass(frozen=True, slots=True)
class Booking:
    """A booked reception: who receives, when (the center's local date and
    time) and where, with the code the applicant shows at the terminal."""

    official_name: str
    official_position: Text
    day: date
    time: time
    place: Text
    code: str

    def __post_init__(self) -> None:
        _check(self.official_name, "booking.official_name")
        _check(self.official_position, "booking.official_position")
        _check(self.place, "booking.place")
        _check_text(self.code, "booking.code")
        if not self.code.isascii() or any(char.isspace() for char in self.code):
            raise InvalidLetter("booking.code: printable ASCII without spaces is expected")


@dataclass(frozen=True, slots=True)
class BookingConfirmed:
    booking: Booking
    kind = LetterKind.CONFIRMATION


@dataclass(frozen=True, slots=True)
class CorrectionRequested:
    defects: str  # what to correct, as the worker wrote it
    correct_by: date  # the last day of the term, inclusive
    kind = LetterKind.CORRECTION

    def __post_init__(self) -> None:
        _check_text(self.defects, "defects", multiline=True)


@dataclass(frozen=True, slots=True)
class DraftRefusal:
    grounds: tuple[RefusalGround, ...]
    object_by: date  # the last day the applicant may object, inclusive
    explanation: str | None = None
    kind = LetterKind.DRAFT_REFUSAL

    def __post_init__(self) -> None:
        if not self.grounds:
            raise InvalidLetter("a draft refusal names at least one ground")
        if self.explanation is not None:
            _check_text(self.explanation, "explanation", required=False, multiline=True)


@dataclass(frozen=True, slots=True)
class Refusal:
    grounds: tuple[RefusalGround, ...]
    explanation: str
    kind = LetterKind.REFUSAL

    def __post_init__(self) -> None:
        if not self.grounds:
            raise InvalidLetter("a refusal names at least one ground")
        _check_text(self.explanation, "explanation", multiline=True)


@dataclass(frozen=True, slots=True)
class TermExtended:
    extension: ExtensionKind
    new_term: date  # the last day of the extended term
    reason: str
    decision_number: str | None = None  # the motivated decision of the head: its number
    decision_date: date | None = None  # … and its date
    kind = LetterKind.EXTENSION

    def __post_init__(self) -> None:
        _check_text(self.reason, "reason", multiline=True)
        if ExtensionKind(self.extension) is ExtensionKind.MOTIVATED:
            if self.decision_number is None or self.decision_date is None:
                raise InvalidLetter("a motivated extension names the decision's number and date")
            _check_text(self.decision_number, "decision_number")


@dataclass(frozen=True, slots=True)
class BookingMoved:
    """The official cannot receive. ``new_booking`` when the new date is
    already known; otherwise the applicant is told it will follow."""

    cancelled: Booking
    reason: str
    new_booking: Booking | None = None
    kind = LetterKind.MOVE

    def __post_init__(self) -> None:
        _check_text(self.reason, "reason", multiline=True)


@dataclass(frozen=True, slots=True)
class LeftWithoutConsideration:
    note: str | None = None  # an optional word from the worker
    kind = LetterKind.LEFT_WITHOUT_CONSIDERATION

    def __post_init__(self) -> None:
        if self.note is not None:
            _check_text(self.note, "note", required=False, multiline=True)


LetterContent = (BookingConfirmed | CorrectionRequested | DraftRefusal | Refusal | TermExtended
                 | BookingMoved | LeftWithoutConsideration)


@dataclass(frozen=True, slots=True)
class Signatory:
    position: Text
    name: str

    def __post_init__(self) -> None:
        _check(self.position, "signatory.position")
        _check_text(self.name, "signatory.name")


DEFAULT_SIGNATORY_POSITION = Bilingual(
    kk="Жеке қабылдауға жауапты қызметкер",
    ru="Работник, ответственный за личный прием")


@dataclass(frozen=True, slots=True)
class Letter:
    """One letter to one applicant.

    ``id`` names the letter for good: sending the same letter again (a retry)
    uses the same id, and so the same e-mail Message-ID. ``issued_on`` is the
    letter's date."""

    id: str
    language: Language
    center: Bilingual
    addressee: str
    registration_number: str
    registration_date: date
    issued_on: date
    content: LetterContent
    signatory: Signatory | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "language", Language(self.language))
        _check_text(self.id, "id")
        _check(self.center, "center")
        _check_text(self.addressee, "addressee")
        _check_text(self.registration_number, "registration_number")

    @property
    def kind(self) -> LetterKind:
        return self.content.kind

    @property
    def signer_position(self) -> str:
        position = (self.signatory.position if self.signatory is not None
                    else DEFAULT_SIGNATORY_POSITION)
        return pick(position, self.language)

    @property
    def signer_name(self) -> str:
        return self.signatory.name if self.signatory is not None else ""

    @property
    def booking_for_qr(self) -> Booking | None:
        """The booking whose code the letter shows as a QR image, if any."""
        if isinstance(self.content, BookingConfirmed):
            return self.content.booking
        if isinstance(self.content, BookingMoved):
            return self.content.new_booking
        return None


@dataclass(frozen=True, slots=True)
class Contacts:
    """Where the applicant can be reached: either, both or neither."""

    email: str | None = None
    phone: Phone | None = None

    def __post_init__(self) -> None:
        if self.email is not None:
            object.__setattr__(self, "email", check_email(self.email))


def check_email(value: str) -> str:
    """A bare ASCII address ``user@domain`` (no display name, no header tricks)."""
    value = value.strip()
    if not value.isascii():
        raise InvalidLetter(f"an e-mail address in ASCII is expected: {value!r}")
    try:
        safe_text(value, field="email", max_length=None)
        address = Address(addr_spec=value)
    except (ValueError, HeaderParseError, IndexError) as error:
        raise InvalidLetter(f"not an e-mail address: {value!r}") from error
    if not address.username or "." not in address.domain or address.addr_spec != value:
        raise InvalidLetter(f"not an e-mail address: {value!r}")
    return value
