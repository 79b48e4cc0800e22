"""The status-callback listener: the app's only network surface.

HTTP is parsed by h11 (a maintained, sans-I/O HTTP/1.1 implementation); this module only
moves bytes and decides answers. One thread runs a ``selectors`` loop over every
connection, so an idle or trickling client costs a socket and a few hundred bytes, never
a thread, and the loop sleeps in the kernel until something happens (no polling).

- only ``POST /callback/<secret>`` does anything; every other path, and every unknown
  secret, gets the same 404; other methods on a callback path get 405;
- bodies over 64 KiB get 413 before a byte of them is read (also with
  ``Expect: 100-continue``); content types other than JSON and form-encoded get 415;
  unparsable bodies 400; whatever h11 refuses gets the status it suggests (400, 431) and
  HTTP versions other than 1.x get 505 — every complete request gets a status line;
- a request that stalls for 5 s, or is not complete 10 s after the connection opened,
  is cut off (with 408 if it had started); at most ``max_connections`` are open at once,
  and when a new one arrives past that, the *oldest* open one is cut off to make room, so
  clients that trickle bytes can never keep a quick, valid callback out;
- an event is committed to the store before its 2xx goes out; nothing from a request is
  trusted beyond what the parser maps; secrets never reach the log, and refusals are
  logged at a bounded rate (:class:`g2a_tray.core.log_limit.RateLimitedLog`).

Qt-free: the Qt adapter (``g2a_tray/qt/listener.py``) turns ``on_event`` calls, which
come from the listener thread, into queued signals.
"""

from __future__ import annotations

import contextlib
import errno
import heapq
import json
import logging
import re
import selectors
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import h11

from g2a_tray.core.log_limit import RateLimitedLog
from g2a_tray.core.sessions.model import RecordedEvent
from g2a_tray.core.sessions.store import SessionStore, StoreError
from g2a_tray.core.updates.callback_parser import (
    BadBody,
    UnsupportedContentType,
    is_supported,
    parse_status_body,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_HEAD_BYTES = 16 * 1024  # request line plus headers; h11 answers 431 past it
READ_TIMEOUT_S = 5.0  # no byte for this long: cut off
CONNECTION_DEADLINE_S = 10.0  # a request not complete by then: cut off
DRAIN_S = 1.0  # after answering, how long unread input is read and dropped before closing
MAX_CONNECTIONS = 256
ACCEPT_BURST = 16
CALLBACK_PATH = re.compile(r"^/callback/(?P<secret>[A-Za-z0-9_-]{16,128})/?$")
CALLBACK_PREFIX = "/callback/"
RECV_BYTES = 65536

EventHandler = Callable[[RecordedEvent], None]
ProbeHandler = Callable[[str], None]

_REASONS = {
    100: b"Continue",
    200: b"OK",
    400: b"Bad Request",
    404: b"Not Found",
    405: b"Method Not Allowed",
    408: b"Request Timeout",
    413: b"Content Too Large",
    415: b"Unsupported Media Type",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
    505: b"HTTP Version Not Supported",
}


class ListenerError(Exception):
    """The listener could not start; the message is for the user."""


def url_host(host: str) -> str:
    """The host as it goes into a URL that this computer can call."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _secret_of(target: str) -> str | None:
    match = CALLBACK_PATH.match(target.split("?", 1)[0])
    return match.group("secret") if match else None


class _Conn:
    """One client connection and where its request stands."""

    __slots__ = (
        "answered",
        "body",
        "content_type",
        "deadline",
        "h11",
        "last_data",
        "launch_id",
        "opened",
        "outbox",
        "probe",
        "received",
        "sock",
    )

    def __init__(self, sock: socket.socket, now: float) -> None:
        self.sock = sock
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
        self.opened = now
        self.last_data = now
        self.deadline = now + READ_TIMEOUT_S
        self.received = False  # any byte yet (a connection that sent nothing gets no answer)
        self.answered = False  # the answer is queued; what comes in now is dropped
        self.outbox = b""
        self.body = bytearray()
        self.launch_id: int | None = None
        self.probe: str | None = None
        self.content_type: str | None = None


class CallbackServer:
    """Owns the listening socket and the loop thread; ``start`` binds, ``stop`` closes."""

    def __init__(
        self,
        store: SessionStore,
        on_event: EventHandler,
        on_probe: ProbeHandler | None = None,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.store = store
        self.on_event = on_event
        self._on_probe = on_probe
        self.max_connections = max_connections
        self._listen: socket.socket | None = None
        self._selector: selectors.BaseSelector | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._ending: threading.Thread | None = None  # stopped, still closing connections
        self._stopping = False
        self._conns: OrderedDict[socket.socket, _Conn] = OrderedDict()  # oldest first
        self._timers: list[tuple[float, int, socket.socket]] = []  # (deadline, seq, sock)
        self._seq = 0
        self._probes: set[str] = set()
        self._arrived: set[str] = set()
        self._probe_lock = threading.Lock()
        self._refusals = RateLimitedLog(log, logging.INFO, "listener refusals")
        self.host = ""
        self.port = 0

    # -- life cycle

    def start(self, host: str, port: int) -> bool:
        """Bind and serve; returns True when ``port`` was taken and another was used.

        Raises ListenerError with a plain-words reason when it cannot listen at all.
        """
        fell_back = False
        try:
            listener = self._bind(host, port)
        except OSError as exc:
            if port != 0 and exc.errno in (errno.EADDRINUSE, errno.EACCES):
                log.warning("port %s unavailable (%s); using a free port", port, exc.strerror)
                try:
                    listener = self._bind(host, 0)
                except OSError as exc2:
                    raise ListenerError(
                        f"cannot listen on {host}: {exc2.strerror or exc2}"
                    ) from exc2
                fell_back = True
            else:
                raise ListenerError(
                    f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                ) from exc
        self._listen = listener
        self.host = host
        self.port = listener.getsockname()[1]
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="callback-listener", daemon=True)
        self._thread.start()
        log.info("listening for callbacks on %s:%s", host, self.port)
        return fell_back

    @staticmethod
    def _bind(host: str, port: int) -> socket.socket:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            # TIME_WAIT only; an active listener still blocks the port (not SO_REUSEPORT).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(128)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        return sock

    def stop(self) -> None:
        """Free the port now and let the thread close the connections: returns at once
        (the GUI thread calls this on Quit and on Save), yet a listener started right
        after on the same port can bind it."""
        if self._thread is None:
            return
        self._stopping = True
        listening = self._listen
        if listening is not None:
            with contextlib.suppress(OSError):
                listening.close()  # epoll forgets a closed socket; the loop ends below
        if self._wake_w is not None:
            with contextlib.suppress(OSError):
                self._wake_w.send(b"x")
        self._ending = self._thread
        self._thread = None
        self._refusals.flush()

    def join(self, timeout: float) -> bool:
        """Wait until the stopped loop has closed every connection (tests); True then."""
        ending = self._ending
        if ending is not None:
            ending.join(timeout)
        return ending is None or not ending.is_alive()

    @property
    def local_base_url(self) -> str:
        return f"http://{url_host(self.host)}:{self.port}"

    @property
    def open_connections(self) -> int:
        return len(self._conns)

    # -- the loop

    def _run(self) -> None:
        assert self._selector is not None
        try:
            while not self._stopping:
                timeout = None
                if self._timers:
                    timeout = max(0.0, self._timers[0][0] - time.monotonic())
                for key, _mask in self._selector.select(timeout):
                    if key.data == "accept":
                        self._accept()
                    elif key.data == "wake":
                        self._drain_wake()
                    else:
                        self._on_ready(key.fileobj, _mask)  # type: ignore[arg-type]
                self._expire(time.monotonic())
        except Exception:
            log.exception("listener loop failed")  # never expected; logged for the report
        finally:
            self._close_all()

    def _drain_wake(self) -> None:
        assert self._wake_r is not None
        try:
            while self._wake_r.recv(512):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _close_all(self) -> None:
        for sock in list(self._conns):
            self._close(sock)
        for own in (self._listen, self._wake_r, self._wake_w):
            if own is not None:
                own.close()
        if self._selector is not None:
            self._selector.close()
        self._listen = self._wake_r = self._wake_w = None
        self._selector = None
        self._timers.clear()

    def _accept(self) -> None:
        assert self._listen is not None and self._selector is not None
        if self._stopping:
            return  # stop() closed the socket meanwhile
        for _ in range(ACCEPT_BURST):  # the rest on the next turn, after reading what came
            try:
                sock, _address = self._listen.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # EMFILE and friends: log (bounded) and go on
                self._refusals.log("listener: accept failed: %s", exc.strerror or exc)
                return
            if len(self._conns) >= self.max_connections:
                self._evict_oldest()
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            now = time.monotonic()
            conn = _Conn(sock, now)
            self._conns[sock] = conn
            self._selector.register(sock, selectors.EVENT_READ, conn)
            self._arm(conn)
            self._on_ready(sock, selectors.EVENT_READ)  # its request is usually there already

    def _evict_oldest(self) -> None:
        """Make room: cut off the connection that has been open longest.

        A quick, valid callback finishes in milliseconds; only a connection that is
        slow (or already answered and draining) lives long enough to be the oldest. A
        newcomer is read as soon as it is accepted, and at most :data:`ACCEPT_BURST`
        (well under the limit) are accepted per turn, so a burst of new connections
        cannot push a newcomer out before its request has been read.
        """
        sock, conn = next(iter(self._conns.items()))
        if conn.received and not conn.answered:
            self._refusals.log("listener: full; cut off the oldest connection")
            self._answer(conn, 503, {"error": "busy, try again"}, {"Retry-After": "1"})
            self._flush(conn)
        self._close(sock)

    # -- timers: one heap entry per deadline; stale entries are skipped when they pop

    def _arm(self, conn: _Conn) -> None:
        self._seq += 1
        heapq.heappush(self._timers, (conn.deadline, self._seq, conn.sock))

    def _expire(self, now: float) -> None:
        while self._timers and self._timers[0][0] <= now:
            _deadline, _seq, sock = heapq.heappop(self._timers)
            conn = self._conns.get(sock)
            if conn is None or conn.deadline > now:
                continue  # closed, or its deadline moved (a later entry exists)
            if conn.answered:
                self._close(sock)  # drained long enough
                continue
            # Moved by data since this entry? Re-arm at the new time.
            due = min(conn.last_data + READ_TIMEOUT_S, conn.opened + CONNECTION_DEADLINE_S)
            if due > now:
                conn.deadline = due
                self._arm(conn)
                continue
            if conn.received:
                self._refusals.log("listener: a request timed out")
                self._answer(conn, 408, {"error": "request not complete in time"})
                self._flush(conn)
            self._close(sock)

    # -- reading and answering

    def _on_ready(self, sock: socket.socket, mask: int) -> None:
        conn = self._conns.get(sock)
        if conn is None:
            return
        if mask & selectors.EVENT_WRITE:
            self._flush(conn)
            if sock not in self._conns:
                return
        if not mask & selectors.EVENT_READ:
            return
        try:
            data = sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(sock)
            return
        if conn.answered:  # draining what the client still sends after our answer
            if not data:
                self._close(sock)
            return
        if data:
            conn.received = True
            conn.last_data = time.monotonic()
        conn.h11.receive_data(data)  # b"" tells h11 the client closed its side
        self._pump(conn)
        if not data and not conn.answered:
            if conn.received:  # half a request, then the client stopped sending
                self._refuse(conn, 400, "the request ended early")
            else:
                self._close(sock)  # connected and left without a word

    def _pump(self, conn: _Conn) -> None:
        """Feed h11's events to the request logic until it needs more bytes."""
        while not conn.answered:
            try:
                event = conn.h11.next_event()
            except h11.RemoteProtocolError as exc:
                status = exc.error_status_hint if exc.error_status_hint in _REASONS else 400
                self._refusals.log("listener: bad request (%s): %s", status, exc)
                self._answer(conn, status, {"error": "bad request"})
                return
            except ValueError as exc:  # h11 passes some int() errors through
                self._refusals.log("listener: bad request: %s", exc)
                self._answer(conn, 400, {"error": "bad request"})
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Request):
                self._on_request(conn, event)
            elif isinstance(event, h11.Data):
                conn.body += event.data
                if len(conn.body) > MAX_BODY_BYTES:  # chunked bodies have no length up front
                    self._answer(conn, 413, {"error": f"body over {MAX_BODY_BYTES} bytes"})
            elif isinstance(event, h11.EndOfMessage):
                self._on_complete(conn)
            elif isinstance(event, h11.ConnectionClosed):
                return

    def _on_request(self, conn: _Conn, request: h11.Request) -> None:
        """Route and header checks, before any of the body is read."""
        if request.http_version not in (b"1.0", b"1.1"):
            self._refuse(conn, 505, "HTTP/1.0 or HTTP/1.1 only")
            return
        target = request.target.decode("ascii", "replace")
        secret = _secret_of(target)
        if request.method != b"POST" and target.startswith(CALLBACK_PREFIX):
            self._refuse(conn, 405, "use POST", {"Allow": "POST"})
            return
        if secret is None:
            self._refuse(conn, 404, "not found")
            return
        if request.method != b"POST":
            self._refuse(conn, 405, "use POST", {"Allow": "POST"})
            return
        probe = self.match_probe(secret)
        launch_id = None
        if probe is None:
            try:
                launch_id = self.store.launch_id_for_secret(secret)
            except StoreError as exc:
                log.error("listener: store unavailable: %s", exc)
                self._answer(conn, 503, {"error": "try again"}, {"Retry-After": "5"})
                return
            if launch_id is None:
                self._refuse(conn, 404, "not found")
                return
        headers = {name: value for name, value in request.headers}
        length = headers.get(b"content-length")
        if length is not None and int(length) > MAX_BODY_BYTES:  # h11 checked it is digits
            self._refuse(conn, 413, f"body over {MAX_BODY_BYTES} bytes")
            return
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if not is_supported(content_type):
            self._refuse(conn, 415, "send application/json or application/x-www-form-urlencoded")
            return
        conn.launch_id, conn.probe, conn.content_type = launch_id, probe, content_type
        if conn.h11.they_are_waiting_for_100_continue:
            conn.outbox += conn.h11.send(h11.InformationalResponse(status_code=100, headers=[]))
            self._flush(conn)

    def _on_complete(self, conn: _Conn) -> None:
        try:
            event = parse_status_body(bytes(conn.body), conn.content_type)
        except UnsupportedContentType:
            self._refuse(conn, 415, "unsupported content type")
            return
        except BadBody as exc:
            self._refuse(conn, 400, str(exc)[:200])
            return
        if conn.probe is not None:
            self.probe_arrived(conn.probe)
            self._answer(conn, 200, {"ok": True, "probe": True})
            return
        assert conn.launch_id is not None
        try:
            recorded = self.store.record_event(conn.launch_id, event)
        except StoreError as exc:
            log.error("listener: could not store an event: %s", exc)
            self._answer(conn, 503, {"error": "try again"}, {"Retry-After": "5"})
            return
        try:
            self.on_event(recorded)
        except Exception:
            log.exception("listener: event handler failed")  # stored; answer 200 anyway
        log.info("listener: callback stored (status %r)", event.status[:64])
        self._answer(conn, 200, {"ok": True, "duplicate": recorded.duplicate})

    def _refuse(
        self, conn: _Conn, status: int, error: str, headers: dict[str, str] | None = None
    ) -> None:
        self._refusals.log("listener: refused with %s: %s", status, error)
        self._answer(conn, status, {"error": error}, headers)

    def _answer(
        self,
        conn: _Conn,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        """Queue the one answer of this connection, then close it gracefully."""
        if conn.answered:
            return
        conn.answered = True
        body = json.dumps(payload).encode()
        fields = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
            *(headers or {}).items(),
        ]
        try:
            data = conn.h11.send(
                h11.Response(status_code=status, headers=fields, reason=_REASONS.get(status, b""))
            )
            data = (data or b"") + (conn.h11.send(h11.Data(data=body)) or b"")
            data += conn.h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError:
            # h11 will not write in its current state (the request was not HTTP at all):
            # the same answer, written out plainly.
            head = f"HTTP/1.1 {status} {_REASONS.get(status, b'').decode()}\r\n"
            data = (
                head + "".join(f"{name}: {value}\r\n" for name, value in fields) + "\r\n"
            ).encode() + body
        conn.outbox += data
        self._flush(conn)
        sock = conn.sock
        if sock not in self._conns:
            return
        # Graceful close: stop sending, read and drop what the client still sends (so
        # its unread body does not turn our answer into a reset), close at EOF or soon.
        if not conn.outbox:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                self._close(sock)
                return
        conn.deadline = time.monotonic() + DRAIN_S
        self._arm(conn)

    def _flush(self, conn: _Conn) -> None:
        sock = conn.sock
        if sock not in self._conns:
            return
        try:
            while conn.outbox:
                sent = sock.send(conn.outbox)
                conn.outbox = conn.outbox[sent:]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self._close(sock)
            return
        assert self._selector is not None
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if conn.outbox else 0)
        self._selector.modify(sock, events, conn)
        if not conn.outbox and conn.answered:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)

    def _close(self, sock: socket.socket) -> None:
        if self._conns.pop(sock, None) is None:
            return
        if not self._conns:
            self._timers.clear()  # only stale entries left: idle means no wake-ups
        if self._selector is not None:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(sock)
        sock.close()

    # -- probes: "Test callback URL" in the settings dialog

    def new_probe(self, secret: str) -> None:
        with self._probe_lock:
            self._probes.add(secret)

    def match_probe(self, secret: str) -> str | None:
        # hmac (and with it OpenSSL's libcrypto, 3.3 MiB) only once a test is waiting.
        import hmac

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
