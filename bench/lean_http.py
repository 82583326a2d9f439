"""A lean HTTP/1.1 load client: keep-alive connections on asyncio, responses parsed
by httptools (the parser uvicorn itself uses).

Why not httpx: on this 2-core machine the client shares the CPU with the hub
it measures, and httpx spends about 2.5 ms of CPU per request, more than the
hub spends issuing a ticket. This client sends requests already encoded as
bytes and costs a few tens of microseconds each, so what the figures show is
the hub. It speaks only what the benchmark needs: one request at a time per
connection, Content-Length or chunked bodies, reconnecting when the server
closed an idle connection.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import cast

import httptools


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes


class _Connection(asyncio.Protocol):
    """One keep-alive connection; `send` waits for the whole answer."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[Answer] | None = None
        self._body: list[bytes] = []
        self.closed = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio.Transport, only alike.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        answer = Answer(self._parser.get_status_code(), b"".join(self._body))
        self._body = []
        if not self._parser.should_keep_alive():
            self.close()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(answer)

    # ours
    def _fail(self, exc: BaseException) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)

    async def send(self, request: bytes) -> Answer:
        assert self._transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return await self._waiter

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()


class LeanClient:
    """A pool of keep-alive connections to one server, one request in flight on each."""

    def __init__(self, host: str, port: int, *, headers: dict[str, str] | None = None,
                 timeout_s: float = 120.0) -> None:
        self._host, self._port = host, port
        self._timeout_s = timeout_s
        common = {"Host": f"{host}:{port}", **(headers or {})}
        self._head = "".join(f"{k}: {v}\r\n" for k, v in common.items())
        self._idle: list[_Connection] = []

    def encode(self, method: str, path: str, body: bytes = b"",
               headers: dict[str, str] | None = None) -> bytes:
        """The request as bytes: build it once, send it as often as wanted."""
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        length = f"Content-Length: {len(body)}\r\n" if body or method != "GET" else ""
        return (f"{method} {path} HTTP/1.1\r\n{self._head}{extra}{length}\r\n"
                .encode("latin-1") + body)

    async def send(self, request: bytes) -> Answer:
        connection = await self._borrow()
        try:
            return await asyncio.wait_for(connection.send(request), self._timeout_s)
        except BaseException:
            connection.close()
            raise
        finally:
            if not connection.closed:
                self._idle.append(connection)

    async def _borrow(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(_Connection, self._host, self._port)
        return connection

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
