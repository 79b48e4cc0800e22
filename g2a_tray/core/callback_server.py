"""The status-callback listener: the app's only network surface.

Python's standard-library HTTP server (no hand-written HTTP parsing), hardened:

- only ``POST /callback/<secret>`` does anything; every other path, and every unknown
  secret, gets the same 404; other methods on a callback path get 405;
- bodies over 64 KiB are refused with 413 before a byte of them is read; content types
  other than JSON and form-encoded get 415; unparsable bodies 400;
- a read timeout per socket operation and a hard deadline per connection, so a client
  that never finishes cannot hold a worker; at most ``max_workers`` connections are
  served at once and the rest are turned away with 503 at once;
- an event is committed to the store before its 2xx goes out; nothing from a request is
  trusted beyond what the parser maps, and secrets never reach the log.

Qt-free: the Qt adapter (``g2a_tray/qt/listener.py``) turns ``on_event`` calls, which
come from worker threads, into queued signals.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from g2a_tray.core.callback_parser import (
    BadBody,
    UnsupportedContentType,
    is_supported,
    parse_status_body,
)
from g2a_tray.core.session_store import RecordedEvent, SessionStore, StoreError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
READ_TIMEOUT_S = 5.0
CONNECTION_DEADLINE_S = 10.0
MAX_WORKERS = 16
CALLBACK_PATH = re.compile(r"^/callback/(?P<secret>[A-Za-z0-9_-]{16,128})/?$")
CALLBACK_PREFIX = "/callback/"

EventHandler = Callable[[RecordedEvent], None]
ProbeHandler = Callable[[str], None]


class ListenerError(Exception):
    """The listener could not start; the message is for the user."""


def url_host(host: str) -> str:
    """The host as it goes into a URL that this computer can call."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # TIME_WAIT only; an active listener still blocks the port
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], owner: CallbackServer) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.owner = owner
        self._slots = threading.BoundedSemaphore(owner.max_workers)
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning("listener busy: turning a connection away")
            try:
                request.settimeout(0.2)
                request.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
            except OSError:
                pass
            self.shutdown_request(request)
            return
        thread = threading.Thread(
            target=self._serve_in_slot,
            args=(request, client_address),
            name="callback-worker",
            daemon=True,
        )
        thread.start()

    def _serve_in_slot(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("listener: error while serving a request")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else HTTP/1.1 answers wait for delayed ACKs (~40 ms)
    timeout = READ_TIMEOUT_S
    server_version = "g2a-tray"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # A hard deadline: a client that trickles bytes just under the read timeout
        # would otherwise hold this worker for as long as it likes.
        self._deadline = threading.Timer(CONNECTION_DEADLINE_S, self._expire)
        self._deadline.daemon = True
        self._deadline.start()

    def _expire(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        self._deadline.cancel()
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("listener %s: %s", self.client_address[0], format % args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith(CALLBACK_PREFIX):
            path = CALLBACK_PREFIX + "…"  # never log a secret
        log.info("listener %s %s %s", self.command, path, code)

    # -- answers

    def _answer(
        self, status: HTTPStatus, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def _not_found(self) -> None:
        self._answer(HTTPStatus.NOT_FOUND, {"error": "not found"})

    # -- routing

    def _secret(self) -> str | None:
        match = CALLBACK_PATH.match(self.path.split("?", 1)[0])
        return match.group("secret") if match else None

    def _precheck(self) -> tuple[int | None, str | None]:
        """Route and header checks before any of the body is read.

        Returns ``(launch_id, probe)`` on success (one of them set), or answers and
        returns ``(None, None)``.
        """
        secret = self._secret()
        owner = self.server.owner
        launch_id = probe = None
        if secret is not None:
            probe = owner.match_probe(secret)
            if probe is None:
                try:
                    launch_id = owner.store.launch_id_for_secret(secret)
                except StoreError as exc:
                    log.error("listener: store unavailable: %s", exc)
                    self._answer(
                        HTTPStatus.SERVICE_UNAVAILABLE, {"error": "try again"}, {"Retry-After": "5"}
                    )
                    return None, None
        if launch_id is None and probe is None:
            self._not_found()
            return None, None
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._answer(HTTPStatus.LENGTH_REQUIRED, {"error": "send Content-Length, not chunks"})
            return None, None
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            self._answer(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"})
            return None, None
        if not length_text.strip().isdigit():
            self._answer(HTTPStatus.BAD_REQUEST, {"error": "bad Content-Length"})
            return None, None
        if int(length_text) > MAX_BODY_BYTES:
            self._answer(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"body over {MAX_BODY_BYTES} bytes"}
            )
            return None, None
        if not is_supported(self.headers.get("Content-Type")):
            self._answer(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                {"error": "send application/json or application/x-www-form-urlencoded"},
            )
            return None, None
        return launch_id, probe

    def handle_expect_100(self) -> bool:
        # Say "100 Continue" only to a request we would accept; otherwise answer now.
        if self.command != "POST" or self._secret() is None:
            return True  # do_* answers 404/405 without reading a body
        if self._precheck() == (None, None):
            return False
        return super().handle_expect_100()

    def do_POST(self) -> None:
        launch_id, probe = self._precheck()
        if launch_id is None and probe is None:
            return
        length = int(self.headers["Content-Length"])
        try:
            body = self.rfile.read(length)
        except OSError:
            self.close_connection = True
            return  # timed out or cut off: nothing to answer to
        if len(body) != length:
            self.close_connection = True
            return
        owner = self.server.owner
        try:
            event = parse_status_body(body, self.headers.get("Content-Type"))
        except UnsupportedContentType:
            self._answer(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "unsupported content type"})
            return
        except BadBody as exc:
            self._answer(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        if probe is not None:
            owner.probe_arrived(probe)
            self._answer(HTTPStatus.OK, {"ok": True, "probe": True})
            return
        assert launch_id is not None
        try:
            recorded = owner.store.record_event(launch_id, event)
        except StoreError as exc:
            log.error("listener: could not store an event: %s", exc)
            self._answer(
                HTTPStatus.SERVICE_UNAVAILABLE, {"error": "try again"}, {"Retry-After": "5"}
            )
            return
        try:
            owner.on_event(recorded)
        except Exception:
            log.exception("listener: event handler failed")  # stored; answer 200 anyway
        self._answer(HTTPStatus.OK, {"ok": True, "duplicate": recorded.duplicate})

    def _other_method(self) -> None:
        if self._secret() is not None or self.path.split("?", 1)[0].startswith(CALLBACK_PREFIX):
            self._answer(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use POST"}, {"Allow": "POST"})
        else:
            self._not_found()

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD>; every method but POST is answered alike
        # (405 on a callback path, else 404) instead of http.server's 501.
        if name.startswith("do_"):
            return self._other_method
        raise AttributeError(name)


class CallbackServer:
    """Owns the HTTP server and its thread; ``start`` binds, ``stop`` closes."""

    def __init__(
        self,
        store: SessionStore,
        on_event: EventHandler,
        on_probe: ProbeHandler | None = None,
        max_workers: int = MAX_WORKERS,
    ) -> None:
        self.store = store
        self.on_event = on_event
        self._on_probe = on_probe
        self.max_workers = max_workers
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._probes: set[str] = set()
        self._arrived: set[str] = set()
        self._probe_lock = threading.Lock()
        self.host = ""
        self.port = 0

    def start(self, host: str, port: int) -> bool:
        """Bind and serve; returns True when ``port`` was taken and another was used.

        Raises ListenerError with a plain-words reason when it cannot listen at all.
        """
        fell_back = False
        try:
            self._server = _Server((host, port), self)
        except OSError as exc:
            if port != 0 and exc.errno in (errno.EADDRINUSE, errno.EACCES):
                log.warning("port %s unavailable (%s); using a free port", port, exc.strerror)
                try:
                    self._server = _Server((host, 0), self)
                except OSError as exc2:
                    raise ListenerError(
                        f"cannot listen on {host}: {exc2.strerror or exc2}"
                    ) from exc2
                fell_back = True
            else:
                raise ListenerError(
                    f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                ) from exc
        self.host = host
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="callback-listener",
            daemon=True,
        )
        self._thread.start()
        log.info("listening for callbacks on %s:%s", host, self.port)
        return fell_back

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    @property
    def local_base_url(self) -> str:
        return f"http://{url_host(self.host)}:{self.port}"

    # -- probes: "Test callback URL" in the settings dialog

    def new_probe(self, secret: str) -> None:
        with self._probe_lock:
            self._probes.add(secret)

    def match_probe(self, secret: str) -> str | None:
        with self._probe_lock:
            for probe in self._probes:
                if hmac.compare_digest(probe.encode(), secret.encode()):
                    return probe
        return None

    def probe_arrived(self, probe: str) -> None:
        with self._probe_lock:
            self._probes.discard(probe)
            self._arrived.add(probe)
        if self._on_probe is not None:
            self._on_probe(probe)

    def has_arrived(self, probe: str) -> bool:
        with self._probe_lock:
            return probe in self._arrived
