"""Errors of the personal-reception domain.

Each subclasses an error of ``hub.domain.errors`` (so the API maps it to the
same HTTP status) and carries its own code, prefixed ``reception_`` so it
never collides with the codes of other packages.
"""

from __future__ import annotations

from hub.domain.errors import Conflict, ValidationFailed

__all__ = [
    "DeadlinePassed",
    "InvalidIin",
    "InvalidPhone",
    "NonWorkingDay",
    "OutsideReceptionHours",
    "SlotTaken",
    "TermNotOver",
    "UnknownProfile",
]


class InvalidIin(ValidationFailed):
    """The IIN is malformed, has an impossible birth date or a wrong check digit."""

    code = "reception_invalid_iin"


class InvalidPhone(ValidationFailed):
    """The phone number is not a Kazakhstan number +7 7XX XXX XX XX."""

    code = "reception_invalid_phone"


class UnknownProfile(ValidationFailed):
    """No regulation profile has the name given in the configuration."""

    code = "reception_unknown_profile"


class NonWorkingDay(ValidationFailed):
    """A reception was asked for on a day the center does not work."""

    code = "reception_non_working_day"


class OutsideReceptionHours(ValidationFailed):
    """A slot lies outside the official's reception days or hours."""

    code = "reception_outside_hours"


class OfficialAbsent(Conflict):
    """The official declared that they cannot receive on that day (002 §16)."""

    code = "reception_official_absent"


class SlotTaken(Conflict):
    """The slot is already booked for another applicant."""

    code = "reception_slot_taken"


class DeadlinePassed(Conflict):
    """The step is too late: the term allowed for it is over."""

    code = "reception_deadline_passed"


class TermNotOver(Conflict):
    """The step is too early: a term that must run first has not ended."""

    code = "reception_term_not_over"
