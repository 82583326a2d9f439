"""A terminal's recorded zones authorise (issue 17): a terminal whose inventory gives it
one purpose button, "appeal_help" (zone self_service), is recorded for self_service
and, through a real Mosquitto with its generated credentials, gets tickets, leases and
offline tickets there and nowhere else: a request naming `personal` or `consultation`,
itself or by its purpose, is refused `not_allowed` (field `zone`, in both languages)
and nothing is written. A terminal with every purpose is still served in every zone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from contract.mqtt import LeaseRequest, NodeRole, OfflineTicket, Reply, TicketRequest
from hub.services.clock import ManualClock
from hub.storage.lease_models import NumberLeaseRow
from hub.storage.models import TicketRow
from hub.wiring import Hub
from tests.conftest import WORKING_MOMENT
from tests.provisioning.conftest import example_data
from tests.security.test_node_impersonation import Center, generated_center

SELF_SERVICE_TERMINAL = "terminal-self"


@pytest.fixture
def center(tmp_path: Path, clock: ManualClock) -> Iterator[Center]:
    first = next(node for node in example_data()["nodes"] if node["id"] == "terminal-1")
    only_help = first | {"id": SELF_SERVICE_TERMINAL, "buttons": first["buttons"] | {
        "purposes": [{"code": "appeal_help", "pin": 22}]}}
    with generated_center(tmp_path, clock, [only_help]) as running:
        yield running


def tickets_in(hub: Hub) -> list[str]:
    """The zone of every ticket issued, in order."""
    with hub.db.read() as session:
        return list(session.scalars(select(TicketRow.issued_zone).order_by(TicketRow.id)))


def leased_zones(hub: Hub, node_id: str) -> list[str]:
    with hub.db.read() as session:
        return list(session.scalars(select(NumberLeaseRow.zone).where(
            NumberLeaseRow.node_id == node_id).order_by(NumberLeaseRow.id)))


def refused_for_zone(reply: Reply) -> None:
    assert not reply.ok and reply.problem is not None, reply
    assert reply.problem.code == "not_allowed" and reply.problem.field == "zone"
    assert reply.problem.text.kk == "Құрылғы бұл аймаққа бекітілмеген"
    assert reply.problem.text.ru == "Устройство не закреплено за этой зоной"


def test_a_terminal_recorded_for_self_service_acts_there_only(center: Center) -> None:
    hub = center.hub
    record = hub.nodes.get(SELF_SERVICE_TERMINAL)
    assert record is not None and record.zones == ("self_service",)
    # It declares what its firmware declares with its settings: the record agrees.
    terminal = center.terminal(SELF_SERVICE_TERMINAL)
    assert terminal.status.zones == ["self_service"]
    assert hub.nodes.get(SELF_SERVICE_TERMINAL).mismatches == ()  # type: ignore[union-attr]

    def ticket(**asked: str) -> Reply:
        return terminal.ask(TicketRequest(node=SELF_SERVICE_TERMINAL, language="kk",
                                          **asked))

    served = ticket(purpose="appeal_help")
    assert served.ok and served.ticket is not None, served.problem
    assert served.ticket.zone == "self_service"
    for asked in ({"zone": "personal"}, {"zone": "consultation"}, {"purpose": "complaint"},
                  {"purpose": "booked_reception"},
                  {"purpose": "appeal_help", "zone": "consultation"}):
        refused_for_zone(ticket(**asked))
    assert tickets_in(hub) == ["self_service"]

    for zones in (["consultation"], ["personal"], ["self_service", "personal"]):
        refused_for_zone(terminal.ask(LeaseRequest(node=SELF_SERVICE_TERMINAL, zones=zones)))
    assert leased_zones(hub, SELF_SERVICE_TERMINAL) == []
    own = terminal.ask(LeaseRequest(node=SELF_SERVICE_TERMINAL, zones=["self_service"]))
    assert own.ok and own.lease is not None and [b.zone for b in own.lease] == ["self_service"]
    block = own.lease[0]

    # Numbers of its own block reported as printed in another zone, or for a purpose
    # of another zone: refused before the lease is looked at.
    for zone, purpose in (("personal", None), ("consultation", "appeal_paper"),
                          ("self_service", "complaint")):
        refused_for_zone(terminal.ask(OfflineTicket(
            node=SELF_SERVICE_TERMINAL, lease_id=block.lease_id, zone=zone,
            number=block.numbers[0], language="ru", purpose=purpose,
            printed_at=WORKING_MOMENT)))
    assert tickets_in(hub) == ["self_service"]
    printed = terminal.ask(OfflineTicket(
        node=SELF_SERVICE_TERMINAL, lease_id=block.lease_id, zone="self_service",
        number=block.numbers[0], language="ru", purpose="appeal_help",
        printed_at=WORKING_MOMENT))
    assert printed.ok and printed.ticket is not None, printed.problem
    assert printed.ticket.number == block.numbers[0]
    assert tickets_in(hub) == ["self_service", "self_service"]

    # A terminal with every purpose button is recorded for every zone they lead to.
    everything = center.terminal("terminal-1")
    assert set(everything.status.zones) == {"self_service", "consultation", "personal"}
    assert everything.ask(TicketRequest(node="terminal-1", language="ru",
                                        purpose="booked_reception")).ok
    assert everything.ask(LeaseRequest(node="terminal-1", zones=["consultation"])).ok
    assert tickets_in(hub) == ["self_service", "self_service",
                                                     "personal"]


def test_the_record_not_the_declaration_decides_the_zones(center: Center) -> None:
    """Declaring more zones than recorded gains nothing: the declaration is refused as
    not what the node is."""
    hub = center.hub
    liar = center.node(SELF_SERVICE_TERMINAL, NodeRole.TICKET_TERMINAL,
                       zones=("self_service", "consultation"))
    reply = liar.ask(TicketRequest(node=SELF_SERVICE_TERMINAL, language="kk",
                                   zone="consultation"))
    assert reply.problem is not None and reply.problem.code == "identity_mismatch"
    assert reply.problem.field == "zones"
    assert tickets_in(hub) == []
