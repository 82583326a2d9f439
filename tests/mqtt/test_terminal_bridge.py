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
    Reply,
    UpChannel,
    decode,
)
from hub.mqtt.bridge import MqttBridge
from hub.services.clock import ManualClock
from hub.settings import HubSettings
from hub.storage.models import TicketRow
from hub.wiring import Hub, build_hub
from tests.brokers import PrivateMosquitto, wait_until
from tests.conftest import WORKING_MOMENT
from tests.mqtt.conftest import CENTER, HUB_PASSWORD, NodeFactory


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


def test_a_report_resent_after_a_hub_restart_is_answered_not_acted_on(
        hub: Hub, settings: HubSettings, clock: ManualClock, mosquitto: PrivateMosquitto,
        node: NodeFactory) -> None:
    def bridge_of(the_hub: Hub) -> MqttBridge:
        the_hub.settings.center_id = CENTER
        bridge = MqttBridge(the_hub, mosquitto.url, username="hub", password=HUB_PASSWORD)
        bridge.start()
        assert bridge.wait_connected(10)
        return bridge

    first = bridge_of(hub)
    terminal = node("terminal-1")
    wait_until(lambda: hub.nodes.get("terminal-1") is not None)
    block = terminal.ask(LeaseRequest(node="terminal-1", zones=["consultation"])).lease
    assert block is not None
    report = OfflineTicket(node="terminal-1", lease_id=block[0].lease_id, zone="consultation",
                           number=block[0].numbers[0], language="ru", printed_at=WORKING_MOMENT)
    answered = terminal.ask(report)
    first.stop()  # the hub goes down; its persistent session keeps what comes meanwhile

    terminal.publish(UpChannel.OFFLINE_TICKET, report)  # the outbox resends: same id
    second_hub = build_hub(settings, clock=clock)
    second = bridge_of(second_hub)
    try:
        def replies() -> list[bytes]:
            return [raw for raw in list(terminal.received[DownChannel.REPLY])
                    if decode(Reply, raw).request_id == report.id]

        wait_until(lambda: len(replies()) == 2)
        again = decode(Reply, replies()[1])
        assert answered.ticket is not None and not answered.ticket.replayed
        # The stored answer, its ticket marked as given again (docs/mqtt.md).
        assert again.ticket == answered.ticket.model_copy(update={"replayed": True})
        assert again.id == answered.id
        assert ticket_count(second) == 1
    finally:
        second.stop()
        second_hub.close()
