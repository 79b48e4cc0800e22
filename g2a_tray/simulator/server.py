"""The simulator's HTTP server (standard library), loopback by default."""

from __future__ import annotations

import json
import logging
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from g2a_tray.simulator import page
from g2a_tray.simulator.service import SimError, Simulator

log = logging.getLogger(__name__)

API = "/G2A/rest/v1"
LAUNCHER = re.compile(r"^/launcher/(?P<key>[A-Za-z0-9_-]+)$")
ACTION = re.compile(r"^/launcher/(?P<key>[A-Za-z0-9_-]+)/(?P<step>join|end|abandon|cancel)$")
SESSION = re.compile(rf"^{API}/sessions/(?P<id>[^/]+)$")
TICKET = re.compile(r"^/tickets/(?P<ticket>[^/]+)$")
MAX_QUERY = 8192


class _Handler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 10
    server_version = "g2a-tray-simulator"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("simulator %s", format % args)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _html(self, status: int, html: str) -> None:
        self._send(status, html.encode(), "text/html; charset=utf-8")

    def _redirect(self, status: int, location: str) -> None:
        self._send(status, b"", "text/plain", {"Location": location})

    def do_GET(self) -> None:
        sim = self.server.simulator
        parts = urlsplit(self.path)
        path = parts.path
        try:
            if path == f"{API}/session":
                if len(parts.query) > MAX_QUERY:
                    raise SimError(414, "query too long")
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                session = sim.create(query)
                # As the real service sends the browser on to its launcher page.
                self._redirect(HTTPStatus.FOUND, f"/launcher/{session.key}")
            elif match := LAUNCHER.match(path):
                self._html(200, page.launcher_page(sim.get(match["key"]), sim.auto is not None))
            elif match := SESSION.match(path):
                self._json(200, sim.by_session_id(unquote(match["id"])).as_object())
            elif match := TICKET.match(path):
                self._html(200, page.ticket_page(unquote(match["ticket"])))
            elif path == "/":
                self._html(200, page.index_page(self.server.base_url, len(sim.sessions())))
            else:
                raise SimError(404, "not found")
        except SimError as exc:
            if path.startswith(API):
                self._json(exc.status, {"error": str(exc)})
            else:
                self._html(exc.status, page.message_page(str(exc)))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 4096:
            self._html(413, page.message_page("request too large"))
            return
        self.rfile.read(length)
        match = ACTION.match(urlsplit(self.path).path)
        if match is None:
            self._html(404, page.message_page("not found"))
            return
        try:
            self.server.simulator.act(match["key"], match["step"])
        except SimError as exc:
            self._html(exc.status, page.message_page(str(exc)))
            return
        self._redirect(HTTPStatus.SEE_OTHER, f"/launcher/{match['key']}")


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator
        super().__init__((host, port), _Handler)
        self.host, self.port = host, int(self.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def service_url(self) -> str:
        """What g2a-tray's ``service_url`` setting should be to use this simulator."""
        return f"{self.base_url}{API}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="simulator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.simulator.close()
