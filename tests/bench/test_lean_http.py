"""The benchmark's lean HTTP client reads answers as a real server sends them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest

from bench.lean_http import LeanClient

# Canned answers, chosen by the request's path.
ANSWERS = {
    b"/length": b"HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{\"a\": \"b\"}\n",
    b"/chunked": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"4\r\nkeep\r\n6\r\n-alive\r\n0\r\n\r\n"),
    b"/close": (b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                b"Content-Length: 4\r\n\r\nbusy"),
}


def run_apart(coroutine: Coroutine[Any, Any, None]) -> None:
    """asyncio.run on a thread of its own: a sync Playwright started earlier in the run
    (the root conftest's) keeps an event loop running on the main thread."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


class CannedServer:
    """Answers every request from ANSWERS; counts the connections it accepted."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                answer = ANSWERS[head.split(b" ")[1]]
                writer.write(answer)
                await writer.drain()
                if b"Connection: close" in answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def serve_and(test: Callable[[LeanClient, CannedServer], Awaitable[None]]) -> None:
    canned = CannedServer()
    server = await asyncio.start_server(canned.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = LeanClient("127.0.0.1", port, headers={"Authorization": "Bearer t"},
                        timeout_s=5)
    try:
        await test(client, canned)
    finally:
        client.close()
        server.close()
        await server.wait_closed()


def test_answers_are_read_whole_over_one_kept_connection() -> None:
    async def test(client: LeanClient, canned: CannedServer) -> None:
        posted = client.encode("POST", "/length", b'{"x": 1}',
                               {"Content-Type": "application/json"})
        first = await client.send(posted)
        chunked = await client.send(client.encode("GET", "/chunked"))
        again = await client.send(posted)
        assert (first.status, first.body) == (201, b'{"a": "b"}\n')
        assert (chunked.status, chunked.body) == (200, b"keep-alive")
        assert again == first
        assert canned.connections == 1
        assert canned.requests[0].startswith(b"POST /length HTTP/1.1\r\n")
        assert b"Authorization: Bearer t\r\n" in canned.requests[0]
        assert canned.requests[0].endswith(b'Content-Length: 8\r\n\r\n{"x": 1}')

    run_apart(serve_and(test))


def test_a_connection_the_server_closes_is_replaced() -> None:
    async def test(client: LeanClient, canned: CannedServer) -> None:
        closing = await client.send(client.encode("GET", "/close"))
        after = await client.send(client.encode("GET", "/length"))
        assert (closing.status, closing.body) == (503, b"busy")
        assert after.status == 201
        assert canned.connections == 2

    run_apart(serve_and(test))


def test_concurrent_requests_use_their_own_connections() -> None:
    async def test(client: LeanClient, canned: CannedServer) -> None:
        request = client.encode("GET", "/chunked")
        answers = await asyncio.gather(*(client.send(request) for _ in range(5)))
        assert {a.body for a in answers} == {b"keep-alive"}
        assert canned.connections == 5
        await asyncio.gather(*(client.send(request) for _ in range(5)))
        assert canned.connections == 5  # all five were kept and reused

    run_apart(serve_and(test))


def test_a_server_that_hangs_up_mid_answer_is_an_error() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        await writer.drain()
        writer.close()

    async def run() -> None:
        server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
        client = LeanClient("127.0.0.1", server.sockets[0].getsockname()[1], timeout_s=5)
        try:
            with pytest.raises(ConnectionError):
                await client.send(client.encode("GET", "/"))
        finally:
            client.close()
            server.close()
            await server.wait_closed()

    run_apart(run())
