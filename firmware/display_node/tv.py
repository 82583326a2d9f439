"""The TV page: a small HTTP server on the node that the Pi's Chromium shows in kiosk mode
(`chromium --kiosk http://127.0.0.1:8080/`). It serves the page and its assets from the
package (no CDN, no web fonts: DejaVu Sans from Raspberry Pi OS) and `/state.json`, the
node's own view of the hall, which the page polls several times a second. The server
lives in the node process, so when the node loses the hub the page says so instead of
showing stale calls, and when the node itself is gone the page's requests fail and it
says so too.

The page's clock shows the hub's time, not the browser's: `/state.json` carries
`now_ms`, the hub's time as the node knows it (firmware/common/hub_clock.py), and the
page runs its clock at that offset from its own."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any

from contract.mqtt import Driver, DriverState

log = logging.getLogger(__name__)

ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/page.js": ("page.js", "text/javascript; charset=utf-8"),
    "/page.css": ("page.css", "text/css; charset=utf-8"),
}


def _asset(name: str) -> bytes:
    return files("firmware.display_node").joinpath("static", name).read_bytes()


class TvPageServer:
    """Serves the page on `host:port` (port 0: any free port, see `.port`); `now` is the
    time its clock shows (the hub's)."""

    def __init__(self, state: Callable[[], dict[str, Any]], *, host: str = "127.0.0.1",
                 port: int = 8080, title: dict[str, str] | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._state = state
        self._now = now
        self.title = title or {}
        assets = {path: (_asset(name), kind) for path, (name, kind) in ASSETS.items()}
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/state.json":
                    body = json.dumps(server_self.payload(), ensure_ascii=False).encode()
                    self._send(body, "application/json; charset=utf-8")
                elif path in assets:
                    body, kind = assets[path]
                    self._send(body, kind)
                else:
                    self.send_error(HTTPStatus.NOT_FOUND)

            def _send(self, body: bytes, kind: str) -> None:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # polled several times a second: access logs would flood the journal

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="kezek-tv-page", daemon=True)
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def payload(self) -> dict[str, Any]:
        self.requests += 1
        return self._state() | {"title": self.title,
                                "now_ms": round(self._now().timestamp() * 1000)}

    def start(self) -> None:
        self._thread.start()
        log.info("TV page served", extra={"url": self.url})

    def state(self) -> Driver:
        return Driver(state=DriverState.OK if self._thread.is_alive() else DriverState.FAULT)

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
