"""LED board protocols byte for byte, and the serial board over pyserial's loop:// and
socket:// URLs: rows written, a vanished port reported as a fault and reopened."""

from __future__ import annotations

import queue
from collections.abc import Iterator

import pytest
import serial  # type: ignore[import-untyped]

from contract.mqtt import DriverState
from firmware.display_node.board import SerialBoard
from firmware.display_node.led import Am03127, LedMsg, LedProtocolError, LinePerRow, protocol
from tests.brokers import free_port, wait_until
from tests.display_node.conftest import BoardServer


def test_am03127_frame_with_its_xor_checksum() -> None:
    body = b"<L1><PA><FE><MA><WC><FE>105 > 3"
    xor = 0
    for byte in body:
        xor ^= byte
    assert Am03127(board_id=1).frame(["105 > 3"]) == (
        b"<ID01>" + body + f"{xor:02X}".encode() + b"<E>")
    two = Am03127(board_id=0x1A).frame(["7", "8"])
    assert two.startswith(b"<ID1A><L1>") and b"<ID1A><L2><PA><FE><MA><WC><FE>8" in two
    assert two.count(b"<E>") == 2


def test_am03127_checksum_worked_by_hand() -> None:
    # '<' 3C ^ 'L' 4C = 70; ^ '1' 31 = 41; ^ '>' 3E = 7F. Two hex digits, upper case.
    assert Am03127.checksum(b"<L1>") == b"7F"
    assert Am03127.checksum(b"AB") == b"03"
    assert Am03127.checksum(b"") == b"00"


def test_ledmsg_and_line_frames() -> None:
    assert LedMsg(board_id=0).frame(["105 > 3", "106 > 1"]) == b"![000105 > 3]![001106 > 1]"
    assert LedMsg(board_id=2).frame(["9"]) == b"![0209]"
    assert LinePerRow().frame(["105", ""]) == b"105\r\n\r\n"


def test_bad_rows_and_names_are_refused() -> None:
    with pytest.raises(LedProtocolError, match="unknown LED protocol 'modbus'"):
        protocol("modbus", 1)
    with pytest.raises(LedProtocolError):
        LedMsg().frame(["a]b"])
    with pytest.raises(LedProtocolError):
        LinePerRow().frame(["a\rb"])
    with pytest.raises(LedProtocolError):
        Am03127(board_id=300)


def test_board_on_loop_writes_exact_bytes() -> None:
    ports: list[serial.Serial] = []

    def opener(url: str, **kwargs: object) -> serial.Serial:
        port = serial.serial_for_url(url, **kwargs)
        ports.append(port)
        return port

    board = SerialBoard("hall", "loop://", LinePerRow(), opener=opener)
    board.start()
    try:
        board.show(["105 > 3", "104 > 1"])
        wait_until(lambda: board.frames_written == 1, what="the frame written")
        assert ports[0].read(ports[0].in_waiting) == b"105 > 3\r\n104 > 1\r\n"
        assert board.state().state is DriverState.OK
    finally:
        board.close()


def test_a_write_error_of_any_kind_does_not_end_the_writer() -> None:
    """pyserial's loop:// raises queue.Full when nobody reads it: the writer reopens
    the port and goes on, as after a lost port, instead of dying for the day."""
    ports: list[serial.Serial] = []

    def opener(url: str, **kwargs: object) -> serial.Serial:
        port = serial.serial_for_url(url, **kwargs)
        ports.append(port)
        if len(ports) == 1:
            def full(data: object) -> int:
                raise queue.Full
            port.write = full  # type: ignore[method-assign]
        return port

    board = SerialBoard("hall", "loop://", LinePerRow(), opener=opener, retry_seconds=0.05,
                        refresh_seconds=0.05)
    board.start()
    try:
        board.show(["105 > 3"])
        wait_until(lambda: board.frames_written == 1, what="the frame on the reopened port")
        assert len(ports) >= 2
        assert ports[-1].read(ports[-1].in_waiting) == b"105 > 3\r\n"
    finally:
        board.close()


@pytest.fixture
def board_port() -> int:
    return free_port()


@pytest.fixture
def board_server(board_port: int) -> Iterator[BoardServer]:
    server = BoardServer(board_port)
    yield server
    if server.running:
        server.stop()


def test_a_port_that_disappears_is_reported_and_reopened(
        board_server: BoardServer, board_port: int) -> None:
    board = SerialBoard("hall", f"socket://127.0.0.1:{board_port}", Am03127(board_id=1),
                        retry_seconds=0.05, refresh_seconds=0.05)
    board.start()
    try:
        board.show(["105 > 3"])
        frame = Am03127(board_id=1).frame(["105 > 3"])
        wait_until(lambda: frame in board_server.bytes(), what="the first frame")
        assert board.state().state is DriverState.OK

        board_server.stop()  # the board's converter is unplugged
        wait_until(lambda: board.state().state is DriverState.FAULT, what="the fault")
        assert board.state().detail in ("port_lost", "port_missing")
        board.show(["106 > 2"])  # asked for while the board is away

        back = BoardServer(board_port)
        try:
            newer = Am03127(board_id=1).frame(["106 > 2"])
            wait_until(lambda: newer in back.bytes(), what="the rows after reconnecting")
            wait_until(lambda: board.state().state is DriverState.OK, what="ok again")
        finally:
            back.stop()
    finally:
        board.close()
