"""Who a node is: its role, its desk and its zones as the hub's record says, never as
the node says.

A node's retained status declares a role, a desk and zones, and anyone holding one
node's password (readable from a hall terminal's SD card) can make it declare
anything: a terminal declaring itself the call button of window 2 pressed Recall
there, a display declaring itself a terminal got tickets (issue 17). So the hub keeps
a record of each node, written by provisioning's inventory, by an administrator's
approval of a claim, or by an administrator's change; in the one-box demo (no
approval asked) by the node's first status (trust on first use). A node acts only as
its record; a node declaring anything else is refused on every request until an
administrator changes the record or the node is put right (its declaration is kept
and shown, so the fleet page says what it claims).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hub.domain.errors import Forbidden, NodeNotAllowed, ValidationFailed
from hub.domain.text import Bilingual

# The contract's NodeRole values (the domain imports no contract; a test keeps them equal).
ROLES = ("ticket_terminal", "display", "call_button")
# The role whose node belongs to one desk (contract: a call-button panel's presses
# name its desk); the other roles serve a hall, not a desk.
DESK_ROLE = "call_button"


@dataclass(frozen=True, slots=True)
class Identity:
    """A node's role, desk and zones. Zones are a set: their order means nothing."""

    role: str
    desk: str | None = None
    zones: frozenset[str] = frozenset()

    @classmethod
    def of(cls, role: str, desk: str | None, zones: Iterable[str]) -> Identity:
        return cls(role=role, desk=desk, zones=frozenset(zones))

    def as_dict(self) -> dict[str, object]:
        """As the audit log and the API show it."""
        return {"role": self.role, "desk": self.desk, "zones": sorted(self.zones)}


class Mismatch(StrEnum):
    """What a declaration says otherwise than the record, in the order it is judged."""

    ROLE = "role"
    DESK = "desk"
    ZONES = "zones"


class IdentityMismatch(Forbidden):
    """The node declares another role, desk or zones than the hub's record of it."""

    code = "identity_mismatch"


class NoRecord(Forbidden):
    """The hub has no record of the node yet: nobody said what it is."""

    code = "not_allowed"


MISMATCH_TEXT = Bilingual(
    kk="Құрылғы өзін тіркелгенінен басқаша атайды; сұрау қабылданбады. Әкімшіге хабарласыңыз",
    ru="Устройство называет себя не тем, кем оно зарегистрировано; запрос отклонён. "
       "Обратитесь к администратору")


def mismatches(record: Identity, declared: Identity) -> tuple[Mismatch, ...]:
    """Every way the declaration differs from the record (empty: it agrees). A record
    with no zones restricts none (`zone_allowed`), so no declaration of zones
    contradicts it: the records migration 0012 made from what terminals declared
    before they declared their purposes' zones stay valid when the new firmware
    declares them (an administrator narrows such a record on the fleet page, or
    `kezek-hub nodes import` records the inventory's zones)."""
    found = []
    if declared.role != record.role:
        found.append(Mismatch.ROLE)
    if declared.desk != record.desk:
        found.append(Mismatch.DESK)
    if record.zones and declared.zones != record.zones:
        found.append(Mismatch.ZONES)
    return tuple(found)


def check(node_id: str, record: Identity | None, declared: Identity) -> Identity:
    """The identity the node may act as: its record. Raises NoRecord when there is no
    record and IdentityMismatch when the declaration differs from it (the first
    difference is the error's field)."""
    if record is None:
        raise NoRecord(f"node {node_id} has no record at the hub",
                       Bilingual(kk="Құрылғы орталық серверде тіркелмеген",
                                 ru="Устройство не зарегистрировано на центральном сервере"),
                       field="node")
    differences = mismatches(record, declared)
    if differences:
        said = ", ".join(f"{d.value} {_shown(declared, d)!r} (recorded {_shown(record, d)!r})"
                         for d in differences)
        raise IdentityMismatch(f"node {node_id} declares {said}", MISMATCH_TEXT,
                               field=differences[0].value,
                               mismatches=[d.value for d in differences])
    return record


def _shown(identity: Identity, what: Mismatch) -> object:
    if what is Mismatch.ROLE:
        return identity.role
    if what is Mismatch.DESK:
        return identity.desk
    return sorted(identity.zones)


def zone_allowed(record_zones: Collection[str], zone: str) -> bool:
    """Whether a node recorded with `record_zones` may act in `zone`: get a ticket there
    (the zone a ticket request names, or its purpose's), lease its numbers, report a
    ticket printed there offline, check a booking in whose ticket waits there. A
    terminal with one node's password could otherwise issue in every zone; the record
    names the zones its purpose buttons give (firmware TerminalSettings.served_zones).

    An empty list means every zone. That is safe because nothing that guards a record
    leaves it empty: provisioning's inventory import always fills a terminal's (it has
    at least one purpose button), and so does the first status of today's firmware.
    Only a record taken on trust from an older firmware's first status (the one-box
    demo, no approval) or approved from its claim, or cleared by an administrator, is
    empty; those served every zone before, and still do until the record is changed."""
    return not record_zones or zone in record_zones


def check_zones(node_id: str, record_zones: Collection[str], zones: Iterable[str]) -> None:
    """Raises NodeNotAllowed (field `zone`) for the first of `zones` its record does not
    allow (`zone_allowed`)."""
    for zone in zones:
        if not zone_allowed(record_zones, zone):
            raise NodeNotAllowed(
                f"node {node_id} is recorded for zones {sorted(record_zones)}, not {zone!r}",
                Bilingual(kk="Құрылғы бұл аймаққа бекітілмеген",
                          ru="Устройство не закреплено за этой зоной"),
                field="zone", zone=zone)


def valid_record(role: str, desk: str | None, zones: Sequence[str], *,
                 desks: Iterable[str], zone_codes: Iterable[str]) -> Identity:
    """A record an administrator may write: a known role; a call-button panel bound to
    a desk (its presses act there); only the center's desks and zones (another role
    may name a desk, e.g. a window's own board: it authorizes nothing). Raises
    ValidationFailed naming the field."""
    if role not in ROLES:
        raise ValidationFailed(f"unknown role {role!r}",
                               Bilingual(kk="Құрылғының мұндай рөлі жоқ",
                                         ru="Такой роли устройства нет"), field="role")
    desk = desk or None
    if role == DESK_ROLE and desk is None:
        raise ValidationFailed("a call-button panel needs its desk",
                               Bilingual(kk="Шақыру пультіне жұмыс орнын көрсетіңіз",
                                         ru="Для пульта вызова укажите рабочее место"),
                               field="desk")
    if desk is not None and desk not in set(desks):
        raise ValidationFailed(f"no desk {desk!r}",
                               Bilingual(kk="Мұндай жұмыс орны жоқ",
                                         ru="Такого рабочего места нет"), field="desk")
    unknown = sorted(set(zones) - set(zone_codes))
    if unknown:
        raise ValidationFailed(f"no zone {unknown[0]!r}",
                               Bilingual(kk="Мұндай аймақ жоқ", ru="Такой зоны нет"),
                               field="zones")
    return Identity.of(role, desk, zones)
