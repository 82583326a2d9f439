"""The ticket terminal's requests through a real Mosquitto and the hub's bridge, on
SQLite and PostgreSQL: a lease, a ticket printed from it while the hub was away
(sent twice, as an outbox resends it), a print report, and a ticket reception
issues on the terminal arriving on its `down/print` as a PrintJob."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from contract.mqtt import (
    DownChannel,
    LeaseRequest,
    OfflineTicket,
    PrintJob,
    PrintReport,
)
from hub.mqtt.bridge import MqttBridge
from hub.storage.models import TicketRow
from tests.brokers import wait_until
from tests.conftest import WORKING_MOMENT
from tests.mqtt.conftest import NodeFactory


def ticket_count(bridge: MqttBridge) -> int:
    with bridge.hub.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(TicketRow)) or 0)


def test_lease_offline_ticket_and_print_report_over_the_broker(
        bridged_hub: MqttBridge, node: NodeFactory) -> None:
    terminal = node("terminal-1")
    wait_until(lambda: bridged_hub.hub.nodes.get("terminal-1") is not None)
    leased = terminal.ask(LeaseRequest(node="terminal-1", zones=["consultation"]))
    assert leased.ok and leased.lease is not None
    block = leased.lease[0]
    report = OfflineTicket(node="terminal-1", lease_id=block.lease_id, zone="consultation",
                           number=block.numbers[0], language="kk", purpose="appeal_paper",
                           printed_at=WORKING_MOMENT - timedelta(minutes=1))
    first = terminal.ask(report)
    assert first.ok and first.ticket is not None and first.ticket.number == block.numbers[0]
    again = terminal.ask(report.model_copy())  # resent with the same id
    assert again.id == first.id and ticket_count(bridged_hub) == 1
    done = terminal.ask(PrintReport(node="terminal-1", ticket_id=first.ticket.ticket_id,
                                    printed=False, detail="paper_out"))
    assert done.ok
    assert [u.ticket.number for u in bridged_hub.hub.printing.unprinted()] == [
        block.numbers[0]]


def test_reception_issues_on_a_terminal_and_the_print_job_arrives(
        bridged_hub: MqttBridge, node: NodeFactory) -> None:
    terminal = node("terminal-2")
    hub = bridged_hub.hub
    wait_until(lambda: [n.node_id for n in hub.printing.terminals()] == ["terminal-2"])
    issued = hub.printing.issue_on("terminal-2", language="ru", purpose="complaint",
                                   out_of_turn="disability", needs_escort=True,
                                   actor="user:reception")
    job = terminal.wait_for(DownChannel.PRINT, PrintJob)
    assert not job.reprint
    assert job.ticket.ticket_id == issued.ticket.id
    assert (job.ticket.language, job.ticket.out_of_turn, job.ticket.needs_escort) == (
        "ru", "disability", True)
    assert job.ticket.status_url == hub.links.url(issued.ticket.id)
    with hub.db.read() as session:
        source = session.scalar(select(TicketRow.source).where(
            TicketRow.id == issued.ticket.id))
    assert source == "reception"
    assert [u.state for u in hub.printing.unprinted()] == ["sent"]  # until the terminal says
    hub.printing.reprint(issued.ticket.id, "terminal-2", actor="user:reception")
    reprint = terminal.wait_for(DownChannel.PRINT, PrintJob, lambda j: j.reprint)
    assert reprint.ticket.number == issued.ticket.number
    assert terminal.ask(PrintReport(node="terminal-2", ticket_id=issued.ticket.id,
                                    printed=True)).ok
    assert hub.printing.unprinted() == []
