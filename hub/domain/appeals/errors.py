"""Errors of the appeals register; codes are prefixed ``appeals_``."""

from __future__ import annotations

from hub.domain.errors import Conflict, ValidationFailed

__all__ = [
    "AttachmentRefused",
    "ForbiddenAssignee",
    "MissingSubject",
    "MissingTranslation",
    "NoMotivatedAnswer",
    "NotOnControl",
]


class MissingSubject(ValidationFailed):
    """The appeal names no body whose competence it is."""

    code = "appeals_no_subject"


class MissingTranslation(ValidationFailed):
    """A foreign-language appeal has no notarised translation (000 §10)."""

    code = "appeals_no_translation"


class ForbiddenAssignee(Conflict):
    """An appeal from a reception goes to someone it was given to before (002 §35)."""

    code = "appeals_forbidden_assignee"


class NoMotivatedAnswer(Conflict):
    """Control ends only with a final motivated answer (002 §33)."""

    code = "appeals_no_motivated_answer"


class NotOnControl(Conflict):
    """The step needs an appeal under control and this one is not."""

    code = "appeals_not_on_control"


class AttachmentRefused(ValidationFailed):
    """The file is not a document scan (PDF, JPEG, PNG, TIFF) or is too large."""

    code = "appeals_bad_attachment"
