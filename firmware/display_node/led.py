"""LED board vendor protocols: how the rows of a board become bytes on the wire.

LED boards share no standard; each protocol here is one small class that frames rows of
text, selected by its name in the node's config. The transport (pyserial) lives in
`board.py`; these classes only make bytes, so tests compare them exactly.

* `am03127`: the AM03127 family (and its clones): `<IDxx>` + `<Ln><PA><FE><MA><WC><FE>`
  + text + XOR checksum of everything after `<IDxx>` in two hex digits + `<E>`,
  one packet per line (line n, page A, appear instantly, wait, stay).
* `ledmsg`: LEDmsg controllers: `![` + three-digit row address + text + `]`.
* `line`: numeric modules and simple text boards that show each CR LF ended line.

Boards show ticket numbers and desk numbers only; text is encoded in the board's code
page (latin-1 boards replace what they cannot show with '?')."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


class LedProtocolError(ValueError):
    """A board address or a row the protocol cannot carry."""


@dataclass(frozen=True, slots=True)
class Am03127:
    name: ClassVar[str] = "am03127"
    board_id: int = 1
    encoding: str = "cp1251"

    def __post_init__(self) -> None:
        if not 0 <= self.board_id <= 255:
            raise LedProtocolError(f"AM03127 board id {self.board_id} is not 0..255")

    @staticmethod
    def checksum(data: bytes) -> bytes:
        value = 0
        for byte in data:
            value ^= byte
        return f"{value:02X}".encode("ascii")

    def frame(self, rows: Sequence[str]) -> bytes:
        packets = []
        for line, text in enumerate(rows, start=1):
            if line > 8:
                raise LedProtocolError("an AM03127 page has at most 8 lines")
            body = f"<L{line}><PA><FE><MA><WC><FE>".encode("ascii") + _encoded(
                text, self.encoding)
            packets.append(f"<ID{self.board_id:02X}>".encode("ascii") + body
                           + self.checksum(body) + b"<E>")
        return b"".join(packets)


@dataclass(frozen=True, slots=True)
class LedMsg:
    name: ClassVar[str] = "ledmsg"
    board_id: int = 0
    encoding: str = "cp1251"

    def __post_init__(self) -> None:
        if not 0 <= self.board_id <= 99:
            raise LedProtocolError(f"LEDmsg row base {self.board_id} is not 0..99")

    def frame(self, rows: Sequence[str]) -> bytes:
        out = []
        for row, text in enumerate(rows):
            encoded = _encoded(text, self.encoding)
            if b"]" in encoded:
                raise LedProtocolError("']' ends an LEDmsg frame and cannot be shown")
            out.append(b"![" + f"{self.board_id * 10 + row:03d}".encode("ascii") + encoded
                       + b"]")
        return b"".join(out)


@dataclass(frozen=True, slots=True)
class LinePerRow:
    name: ClassVar[str] = "line"
    board_id: int = 0  # unused: line boards have no address
    encoding: str = "cp1251"

    def frame(self, rows: Sequence[str]) -> bytes:
        return b"".join(_encoded(text, self.encoding) + b"\r\n" for text in rows)


LedProtocol = Am03127 | LedMsg | LinePerRow
PROTOCOLS: dict[str, type[Am03127] | type[LedMsg] | type[LinePerRow]] = {
    cls.name: cls for cls in (Am03127, LedMsg, LinePerRow)}


def protocol(name: str, board_id: int, encoding: str = "cp1251") -> LedProtocol:
    try:
        cls = PROTOCOLS[name]
    except KeyError:
        raise LedProtocolError(f"unknown LED protocol {name!r}; known: "
                               f"{', '.join(sorted(PROTOCOLS))}") from None
    return cls(board_id=board_id, encoding=encoding)


def _encoded(text: str, encoding: str) -> bytes:
    if any(ord(char) < 0x20 for char in text):
        raise LedProtocolError("control characters cannot be shown on a board")
    return text.encode(encoding, errors="replace")
