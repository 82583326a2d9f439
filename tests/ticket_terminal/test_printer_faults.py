"""Printer faults: read from the printer's real-time status, shown on the lamps and in
the driver state, reported to the hub for its tickets; no slip is ever lost."""

from __future__ import annotations

from contract.mqtt import DriverState, PrintJob, PrintReport, Reply
from firmware.ticket_terminal.terminal import Signal
from tests.ticket_terminal.conftest import Rig, issued


def reports(rig: Rig) -> list[PrintReport]:
    return [r for r in rig.link.outbox if isinstance(r, PrintReport)]


def hub_ticket(rig: Rig, number: int, ticket_id: int) -> None:
    rig.clock.advance(3)
    rig.press("kk")
    request = rig.link.outbox[-1]
    rig.answer(request, Reply(request_id=request.id, ok=True,
                              ticket=issued(number, ticket_id=ticket_id)))


def test_paper_low_is_a_warning_and_still_prints(rig: Rig) -> None:
    rig.printer_device.paper = 1
    hub_ticket(rig, 101, 1)
    assert b"101" in rig.printed()
    assert rig.spooler.driver.state is DriverState.WARNING
    assert rig.spooler.driver.detail == "paper_low"
    assert rig.terminal.signal is Signal.CHOOSE_LANGUAGE


def test_paper_out_keeps_the_ticket_reports_it_and_prints_it_when_paper_is_back(
        rig: Rig) -> None:
    hub_ticket(rig, 101, 41)
    rig.printer_device.paper = 0
    assert rig.printed() == b""
    assert rig.spooler.driver.detail == "paper_out"
    assert rig.terminal.signal is Signal.OUT_OF_SERVICE
    (failed,) = reports(rig)
    assert (failed.ticket_id, failed.printed, failed.detail) == (41, False, "paper_out")
    rig.press("kk")  # out of service: presses do nothing
    assert [r.kind for r in rig.link.outbox] == ["print_report"]
    rig.spooler.run_once()
    assert len(reports(rig)) == 1  # reported once
    rig.printer_device.paper = 2
    assert b"101" in rig.printed()
    assert [(r.ticket_id, r.printed) for r in reports(rig)] == [(41, False), (41, True)]
    assert rig.terminal.signal is Signal.CHOOSE_LANGUAGE


def test_cover_open_and_offline_are_faults(rig: Rig) -> None:
    rig.printer_device.cover_open = True
    rig.spooler.run_once()
    assert rig.spooler.driver.detail == "cover_open"
    rig.printer_device.cover_open = False
    rig.printer_device.online = False
    rig.spooler.run_once()
    assert (rig.spooler.driver.state, rig.spooler.driver.detail) == (DriverState.FAULT,
                                                                    "offline")


def test_printer_unplugged_mid_ticket_loses_nothing(rig: Rig) -> None:
    hub_ticket(rig, 101, 5)
    hub_ticket(rig, 102, 6)
    rig.printer_device.unplug_after_bytes = 40
    rig.spooler.run_once()
    assert rig.spooler.driver.detail == "offline"
    assert [(r.ticket_id, r.detail) for r in reports(rig)] == [(5, "offline"), (6, "offline")]
    assert len(rig.store.pending()) == 2
    rig.printer_device.clear()
    rig.printer_device.unplugged = False
    rig.printer_device.unplug_after_bytes = None
    out = rig.printed()
    assert out.index(b"101") < out.index(b"102")  # in their order
    assert rig.store.pending() == []


def test_pending_slips_survive_a_restart(rig: Rig) -> None:
    rig.printer_device.paper = 0
    hub_ticket(rig, 101, 5)
    rig.spooler.run_once()
    rig.restart()
    rig.printer_device.paper = 2
    assert b"101" in rig.printed()


def test_reception_print_job_is_printed_once_and_confirmed(rig: Rig) -> None:
    job = PrintJob(ticket=issued(250, ticket_id=77), reprint=True)
    rig.terminal.on_print(job)
    rig.terminal.on_print(job)  # QoS 1 delivered it twice
    out = rig.printed()
    assert out.count(b"250") == 1
    assert "Қайта басылған талон".encode("kz1048") in out
    (report,) = reports(rig)
    assert (report.ticket_id, report.printed) == (77, True)
