"""The identity rule: a node acts as the hub's record of it, and a declaration that
differs in role, desk or zones is refused, naming what differs."""

from __future__ import annotations

import pytest

from contract.mqtt import NodeRole
from hub.domain.errors import NodeNotAllowed, ValidationFailed
from hub.domain.node_identity import (
    DESK_ROLE,
    ROLES,
    Identity,
    IdentityMismatch,
    Mismatch,
    NoRecord,
    check,
    check_zones,
    mismatches,
    valid_record,
    zone_allowed,
)

PANEL_2 = Identity.of("call_button", "window-2", ["consultation"])


def test_a_declaration_that_agrees_acts_as_the_record() -> None:
    same = Identity.of("call_button", "window-2", ("consultation",))
    assert mismatches(PANEL_2, same) == ()
    assert check("buttons-2", PANEL_2, same) is PANEL_2


def test_zones_are_a_set_their_order_means_nothing() -> None:
    record = Identity.of("display", None, ["personal", "consultation"])
    assert mismatches(record, Identity.of("display", None, ["consultation", "personal"])) == ()
    assert mismatches(record, Identity.of("display", None, ["consultation"])) == (
        Mismatch.ZONES,)



def test_a_record_without_zones_is_contradicted_by_no_declaration_of_zones() -> None:
    """Records made by migration 0012 from what terminals declared before they declared
    their purposes' zones: the new firmware's declaration does not lock them out."""
    migrated = Identity.of("ticket_terminal", None, [])
    updated = Identity.of("ticket_terminal", None, ["consultation", "self_service"])
    assert mismatches(migrated, updated) == ()
    assert check("terminal-1", migrated, updated) is migrated
    assert mismatches(migrated, Identity.of("call_button", "window-1", ["x"])) == (
        Mismatch.ROLE, Mismatch.DESK)


@pytest.mark.parametrize(("declared", "found"), [
    # A terminal's password used to declare the panel of window 2.
    (Identity.of("ticket_terminal", None, ["consultation"]), (Mismatch.ROLE, Mismatch.DESK)),
    # Window 2's panel declaring window 1.
    (Identity.of("call_button", "window-1", ["consultation"]), (Mismatch.DESK,)),
    (Identity.of("call_button", "window-2", []), (Mismatch.ZONES,)),
    (Identity.of("display", None, []), (Mismatch.ROLE, Mismatch.DESK, Mismatch.ZONES)),
])
def test_every_difference_is_named_and_refused(declared: Identity,
                                               found: tuple[Mismatch, ...]) -> None:
    assert mismatches(PANEL_2, declared) == found
    with pytest.raises(IdentityMismatch) as refused:
        check("buttons-2", PANEL_2, declared)
    error = refused.value
    assert error.code == "identity_mismatch" and error.status == 403
    assert error.field == found[0].value
    assert error.extra["mismatches"] == [m.value for m in found]
    assert error.text.kk and error.text.ru and error.text.kk != error.text.ru
    assert "buttons-2" in error.detail


def test_no_record_is_refused() -> None:
    with pytest.raises(NoRecord) as refused:
        check("claim-1", None, PANEL_2)
    assert refused.value.code == "not_allowed" and refused.value.field == "node"


DESKS = ("window-1", "window-2")
ZONES = ("consultation", "personal")


def test_a_valid_record_names_what_the_center_has() -> None:
    assert valid_record("call_button", "window-1", ["consultation"], desks=DESKS,
                        zone_codes=ZONES) == Identity.of("call_button", "window-1",
                                                         ["consultation"])
    # An empty desk from a form is no desk.
    assert valid_record("ticket_terminal", "", [], desks=DESKS, zone_codes=ZONES).desk is None


@pytest.mark.parametrize(("role", "desk", "zones", "field"), [
    ("printer", None, [], "role"),
    ("call_button", None, [], "desk"),
    ("call_button", "window-9", [], "desk"),
    ("display", None, ["nowhere"], "zones"),
])
def test_an_invalid_record_is_refused_naming_the_field(role: str, desk: str | None,
                                                      zones: list[str], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        valid_record(role, desk, zones, desks=DESKS, zone_codes=ZONES)
    assert refused.value.field == field
    assert refused.value.text.kk and refused.value.text.ru


def test_the_roles_are_the_contracts() -> None:
    assert tuple(role.value for role in NodeRole) == ROLES
    assert NodeRole.CALL_BUTTON.value == DESK_ROLE


@pytest.mark.parametrize(("recorded", "zone", "allowed"), [
    (frozenset({"self_service"}), "self_service", True),
    (frozenset({"self_service"}), "personal", False),
    (("consultation", "personal"), "personal", True),
    (("consultation", "personal"), "self_service", False),
    # Nothing recorded (a record of an older firmware's first status): every zone.
    ((), "personal", True),
    (frozenset(), "consultation", True),
])
def test_a_terminal_acts_only_in_its_recorded_zones(recorded: tuple[str, ...] | frozenset[str],
                                                    zone: str, allowed: bool) -> None:
    assert zone_allowed(recorded, zone) is allowed


def test_the_first_zone_outside_the_record_is_refused_in_both_languages() -> None:
    check_zones("terminal-1", ("self_service",), ["self_service", "self_service"])
    check_zones("terminal-1", (), ["personal", "consultation"])
    check_zones("terminal-1", ("self_service",), [])  # a request naming no zone
    with pytest.raises(NodeNotAllowed) as refused:
        check_zones("terminal-1", ("self_service",), ["self_service", "personal",
                                                      "consultation"])
    error = refused.value
    assert error.code == "not_allowed" and error.status == 403 and error.field == "zone"
    assert error.extra == {"zone": "personal"}
    assert "terminal-1" in error.detail and "'personal'" in error.detail
    assert error.text.kk == "Құрылғы бұл аймаққа бекітілмеген"
    assert error.text.ru == "Устройство не закреплено за этой зоной"
