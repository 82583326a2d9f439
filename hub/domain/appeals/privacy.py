"""Personal data of applicants (000 §2): who may see it whole, and how lists
show it. Lists mask the IIN; a full record is shown only to the roles whose
work needs it (registering appeals, consulting, calling for the survey), and
each such read is audited by the service."""

from __future__ import annotations

from hub.domain.roles import Role

__all__ = ["FULL_DATA_ROLES", "mask_iin", "mask_phone", "sees_full_data"]

# The reception registers appeals, the consultation worker (operator) records
# consultations and may call back, the administrator answers for the center.
# Officials and analysts read lists and figures only.
FULL_DATA_ROLES = frozenset({Role.ADMINISTRATOR, Role.RECEPTION, Role.OPERATOR})

MASK = "•"


def sees_full_data(role: Role) -> bool:
    return role in FULL_DATA_ROLES


def mask_iin(iin: str) -> str:
    """``850101300024`` → ``85010•••••24``: the birth date's first five digits
    and the last two stay, enough to tell two rows apart, not to identify."""
    if len(iin) != 12:
        return MASK * len(iin)
    return iin[:5] + MASK * 5 + iin[-2:]


def mask_phone(phone: str) -> str:
    """``+77012345678`` → ``+7 701 ••• •• 78``."""
    digits = phone.removeprefix("+7")
    if len(digits) != 10:
        return MASK * 4
    return f"+7 {digits[:3]} {MASK * 3} {MASK * 2} {digits[-2:]}"
