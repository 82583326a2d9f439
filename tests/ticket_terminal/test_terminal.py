"""The terminal's behaviour with a link that records, a clock the test moves and the
simulated printer: online and offline tickets, rate limits, refusals, leases."""

from __future__ import annotations

from datetime import date

from contract.mqtt import (
    BookingScan,
    LeaseRequest,
    OfflineTicket,
    Problem,
    Reply,
    Text,
    TicketRequest,
)
from firmware.ticket_terminal.terminal import Signal
from tests.ticket_terminal.conftest import Rig, issued, kz


def closed_problem() -> Problem:
    return Problem(code="center_closed", detail="closed until 09:00",
                   text=Text(kk="Орталық жабық. Ашылуы: 24.11.2026 09:00",
                             ru="Центр закрыт. Откроется: 24.11.2026 09:00"))


def test_press_asks_the_hub_and_prints_its_ticket_in_the_visitors_language(rig: Rig) -> None:
    rig.link.outbox.clear()
    rig.press("ru")
    (request,) = rig.link.outbox
    assert isinstance(request, TicketRequest)
    assert (request.language, request.purpose) == ("ru", "appeal_paper")
    assert rig.terminal.signal is Signal.BUSY
    rig.answer(request, Reply(request_id=request.id, ok=True, ticket=issued(101, language="ru")))
    out = rig.printed()
    assert b"101" in out and kz("Перед вами: 4 чел.") in out
    assert kz("Алдыңызда") not in out
    assert rig.terminal.signal is Signal.CHOOSE_LANGUAGE


def test_a_purpose_without_a_language_first_prints_nothing(rig: Rig) -> None:
    rig.terminal.press_purpose("appeal_paper")
    assert rig.link.outbox == []


def test_hammering_the_button_gives_one_ticket_until_the_pause(rig: Rig) -> None:
    for _ in range(20):
        rig.press("kk")
    assert rig.link.kinds().count("ticket") == 1
    rig.clock.advance(3)
    rig.press("kk")
    assert rig.link.kinds().count("ticket") == 2


def test_at_most_per_minute_tickets_in_any_minute(rig: Rig) -> None:
    for _ in range(10):
        rig.press("kk")
        rig.clock.advance(3.5)
    assert rig.link.kinds().count("ticket") == 5  # per_minute in the rig's settings


def test_closed_prints_nothing_and_signals_closed(rig: Rig) -> None:
    rig.press("kk")
    request = rig.link.outbox[-1]
    rig.answer(request, Reply(request_id=request.id, ok=False, problem=closed_problem()))
    assert rig.printed() == b""
    assert rig.terminal.signal is Signal.CLOSED


def test_closed_note_when_configured_says_when_it_opens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(tmp_path, printer={"closed_note": True})
    rig.press("ru")
    request = rig.link.outbox[-1]
    rig.answer(request, Reply(request_id=request.id, ok=False, problem=closed_problem()))
    out = rig.printed()
    assert kz("Центр закрыт. Откроется: 24.11.2026 09:00") in out
    assert kz("Талон") not in out


def test_hub_silent_prints_from_the_lease_and_reports_it_replacing_the_request(
        rig: Rig) -> None:
    rig.lease(numbers=[300, 301, 302, 303, 304])
    rig.press("kk")
    (request,) = rig.link.outbox
    rig.clock.advance(5)
    rig.terminal.tick()
    assert rig.link.withdrawn == [request.id]
    (offline,) = rig.link.outbox
    assert isinstance(offline, OfflineTicket)
    assert (offline.number, offline.lease_id, offline.replaces) == (300, 1, request.id)
    assert offline.printed_at == rig.clock.now
    out = rig.printed()
    assert b"300" in out and kz("Байланыс уақытша жоқ") in out
    # The hub's late answer to the withdrawn request prints nothing more.
    rig.terminal.on_reply(request, Reply(request_id=request.id, ok=True, ticket=issued(102)))
    assert rig.printed() == b""


def test_while_the_hub_is_away_presses_print_at_once_in_order(rig: Rig) -> None:
    rig.lease(numbers=[300, 301, 302, 303, 304])
    rig.press("kk")
    rig.clock.advance(5)
    rig.terminal.tick()
    for _ in range(2):
        rig.clock.advance(3)
        rig.press("ru")
    numbers = [r.number for r in rig.link.outbox if isinstance(r, OfflineTicket)]
    assert numbers == [300, 301, 302]
    # The hub answers again: the next press goes to the hub.
    rig.answer(rig.link.outbox[0], Reply(request_id=rig.link.outbox[0].id, ok=True))
    rig.clock.advance(3)
    rig.press("kk")
    assert isinstance(rig.link.outbox[-1], TicketRequest)


def test_broker_away_at_the_press_prints_from_the_lease_without_asking(rig: Rig) -> None:
    rig.lease()
    rig.link.connected.clear()
    rig.press("kk")
    (offline,) = rig.link.outbox
    assert isinstance(offline, OfflineTicket) and offline.replaces is None


def test_no_lease_left_prints_nothing_and_says_so(rig: Rig) -> None:
    rig.lease(numbers=[300])
    rig.link.connected.clear()
    rig.press("kk")
    rig.clock.advance(3)
    rig.press("kk")
    assert [r.kind for r in rig.link.outbox] == ["offline_ticket"]
    assert rig.terminal.signal is Signal.NO_NUMBERS
    assert rig.printed().count(b"\x1dV") == 1  # one cut: one slip


def test_a_block_of_another_day_or_after_closing_is_not_used(rig: Rig) -> None:
    rig.lease(day=date(2026, 11, 22))
    rig.link.connected.clear()
    rig.press("kk")
    assert rig.link.outbox == []
    rig.lease(lease_id=2)  # today's, valid until 13:30 UTC
    rig.clock.advance(9 * 3600)  # 19:00 in Almaty
    rig.press("kk")
    assert rig.link.outbox == []


def test_a_number_is_never_printed_twice_across_a_restart(rig: Rig) -> None:
    rig.lease(numbers=[300, 301, 302])
    rig.link.connected.clear()
    rig.press("kk")
    rig.restart()
    rig.clock.advance(3)
    rig.press("kk")
    assert [r.number for r in rig.link.outbox if isinstance(r, OfflineTicket)] == [300, 301]


def test_leases_are_asked_for_when_low_and_replace_the_zone_block(rig: Rig) -> None:
    rig.terminal.tick()
    (lease,) = rig.link.outbox
    assert isinstance(lease, LeaseRequest)
    assert lease.zones == ["consultation", "personal"]
    rig.terminal.tick()
    assert len(rig.link.outbox) == 1  # not asked twice while waiting
    block = rig.block(numbers=list(range(300, 320)), lease_id=9)
    rig.answer(lease, Reply(request_id=lease.id, ok=True, lease=[block]))
    assert rig.store.remaining("consultation", rig.clock.now) == 20
    rig.terminal.tick()
    (again,) = rig.link.outbox
    assert isinstance(again, LeaseRequest) and again.zones == ["personal"]


def test_an_unanswered_lease_request_is_withdrawn_before_printing_from_the_old_block(
        rig: Rig) -> None:
    rig.lease(numbers=[300, 301])
    rig.terminal.tick()
    (lease,) = rig.link.outbox
    rig.press("kk")
    rig.clock.advance(5)
    rig.terminal.tick()
    assert lease.id in rig.link.withdrawn
    assert [r.kind for r in rig.link.outbox] == ["offline_ticket"]


def test_garbage_scan_is_rejected_here(rig: Rig) -> None:
    rig.terminal.scan("hello world; DROP TABLE")
    assert rig.link.outbox == []
    assert rig.terminal.signal is Signal.REFUSED
    assert rig.printed() == b""


def test_booking_code_scan_asks_the_hub_and_an_unknown_code_prints_a_clear_note(
        rig: Rig) -> None:
    rig.terminal.press_language("ru")
    rig.terminal.scan("BK-7F3Q2\r")
    (scan,) = rig.link.outbox
    assert isinstance(scan, BookingScan)
    assert (scan.code, scan.language) == ("BK-7F3Q2", "ru")
    rig.answer(scan, Reply(request_id=scan.id, ok=False, problem=Problem(
        code="not_found", detail="no booking", text=Text(
            kk="Мұндай жазылу жоқ", ru="Такой записи нет"))))
    out = rig.printed()
    assert kz("Код записи не найден") in out and kz("Такой записи нет") in out


def test_booking_code_scan_answered_with_a_ticket_prints_it(rig: Rig) -> None:
    rig.terminal.scan("BK-1")
    scan = rig.link.outbox[0]
    rig.answer(scan, Reply(request_id=scan.id, ok=True, ticket=issued(512)))
    assert b"512" in rig.printed()


def test_a_refused_lease_is_not_asked_again_at_once(rig: Rig) -> None:
    rig.terminal.tick()
    (lease,) = rig.link.outbox
    rig.answer(lease, Reply(request_id=lease.id, ok=False, problem=Problem(
        code="invalid", detail="not yet", text=Text(kk="Жоқ", ru="Нет"))))
    rig.terminal.tick()
    assert rig.link.outbox == []
    rig.clock.advance(61)
    rig.terminal.tick()
    assert [r.kind for r in rig.link.outbox] == ["lease"]


def test_a_code_scanned_without_a_language_gets_its_note_in_both_languages(
        rig: Rig) -> None:
    rig.terminal.press_language("ru")  # the previous visitor's choice...
    rig.clock.advance(3)
    rig.terminal.press_purpose("appeal_paper")
    rig.link.outbox.clear()
    rig.clock.advance(3)
    rig.terminal.scan("ZZZZ2222")  # ...says nothing about who scans now
    (scan,) = rig.link.outbox
    assert isinstance(scan, BookingScan) and scan.language == "kk"  # the default
    rig.answer(scan, Reply(request_id=scan.id, ok=False, problem=Problem(
        code="check_in_unknown_code", detail="no booking", text=Text(
            kk="Мұндай жазылу коды табылмады", ru="Такой код записи не найден"))))
    out = rig.printed()
    for words in ("Жазылу коды табылмады", "Мұндай жазылу коды табылмады",
                  "Код записи не найден", "Такой код записи не найден"):
        assert kz(words) in out
    assert out.index(kz("Жазылу коды табылмады")) < out.index(kz("Код записи не найден"))


def test_a_known_code_scanned_too_early_is_not_called_unknown(rig: Rig) -> None:
    rig.terminal.press_language("ru")
    rig.terminal.scan("ABCD2345")
    (scan,) = rig.link.outbox
    rig.answer(scan, Reply(request_id=scan.id, ok=False, problem=Problem(
        code="check_in_too_early", detail="too early", text=Text(
            kk="Тіркеу 09:00-де ашылады", ru="Регистрация откроется в 09:00"))))
    out = rig.printed()
    assert kz("Запись на") in out and kz("Регистрация откроется в 09:00") in out  # wrapped
    assert kz("Код записи не найден") not in out
    assert kz("Тіркеу 09:00-де ашылады") not in out  # the visitor chose Russian
