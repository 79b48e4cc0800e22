"""One app per user and config folder: the server half (its transport is
:mod:`g2a_tray.qt.local_links`: a Unix socket, or a named pipe on Windows).

The client half is :mod:`g2a_tray.client` (standard library, with the
peer check); only on Windows does it use :func:`send_request_qt` here, for named pipes. The
server runs in the app's GUI thread and is event-driven, so a slow client never blocks
the UI; each connection is bounded in size and idle time, and whatever arrives on it
gets an answer, never an exception.

Races: becoming the server happens under a QLockFile, so two launches at the same
instant end with exactly one app; a socket file left by a crashed app is removed only
under that lock and only when nothing answers on it. On Unix the socket and the lock
live in a private folder (:func:`g2a_tray.core.protocol.runtime_dir`).
"""

from __future__ import annotations

import functools
import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLockFile, QObject, QTimer

from g2a_tray.core.instance import protocol
from g2a_tray.qt import local_links

log = logging.getLogger(__name__)


class PendingAnswer:
    """An answer a handler gives later, from the GUI thread (``start`` waits for the
    browser's hand-off without blocking anything)."""

    def __init__(self) -> None:
        self._send: Callable[[dict[str, Any]], None] | None = None
        self._value: dict[str, Any] | None = None

    def resolve(self, response: dict[str, Any]) -> None:
        if self._send is not None:
            self._send(response)
        else:
            self._value = response

    def on_resolved(self, send: Callable[[dict[str, Any]], None]) -> None:
        if self._value is not None:
            send(self._value)
        else:
            self._send = send


Handler = Callable[[dict[str, Any]], "dict[str, Any] | PendingAnswer"]
Probe = Callable[[str], bool]  # whether an app answers on a socket name (client.is_running)
CONNECT_TIMEOUT_MS = 1000
REPLY_TIMEOUT_MS = 10000
IDLE_TIMEOUT_MS = 5000  # a connection that has not sent its request by then is closed


def send_request_qt(
    name: str, message: dict[str, Any], timeout_ms: int = REPLY_TIMEOUT_MS
) -> dict[str, Any]:
    """The Windows client: one request over QLocalSocket (a named pipe). Raises
    ConnectionRefusedError when nothing listens (``client.send_request`` turns it into
    NotRunning), else as ``client.send_request`` does."""
    from PySide6.QtCore import QByteArray
    from PySide6.QtNetwork import QLocalSocket

    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(CONNECT_TIMEOUT_MS):
        raise ConnectionRefusedError(sock.errorString())
    try:
        sock.write(QByteArray(protocol.encode(message)))
        if not sock.waitForBytesWritten(timeout_ms):
            raise TimeoutError("the running g2a-tray did not take the request")
        answer = protocol.LineBuffer()
        line = None
        while line is None:
            if not sock.waitForReadyRead(timeout_ms):
                if sock.state() != QLocalSocket.LocalSocketState.ConnectedState:
                    raise protocol.ProtocolError("the running g2a-tray closed the connection")
                raise TimeoutError("the running g2a-tray did not answer in time")
            line = answer.feed(bytes(sock.readAll().data()))
        return protocol.decode_response(line)
    finally:
        sock.disconnectFromServer()


def _lock_path(name: str) -> str:
    if sys.platform == "win32":
        return str(Path(tempfile.gettempdir()) / f"{name}.lock")
    return f"{name}.lock"  # beside the socket, in the private folder


class InstanceServer(QObject):
    """Answers requests from later ``g2a-tray`` processes with ``handler``."""

    def __init__(self, name: str, probe: Probe, parent: QObject | None = None) -> None:
        """``probe``: whether an app already answers on ``name`` (checked under the lock)."""
        super().__init__(parent)
        self.name = name
        self._probe = probe
        self._handler: Handler = lambda _request: {"ok": False, "error": "g2a-tray is starting"}
        self._listener = local_links.new_listener(self, self)
        self._buffers: dict[local_links.Link, protocol.LineBuffer] = {}
        self._idle: dict[local_links.Link, QTimer] = {}

    def set_handler(self, handler: Handler) -> None:
        """Who answers requests; set once the app is built (after :meth:`listen` won)."""
        self._handler = handler

    def listen(self) -> bool:
        """Become the one app for ``name``; False when another app already is.

        Holding the lock while checking and listening closes the gap in which two
        starting apps could both find no server and both remove each other's socket.
        """
        lock = QLockFile(_lock_path(self.name))
        lock.setStaleLockTime(10000)
        if not lock.tryLock(15000):
            log.error("could not take the start-up lock %s", lock.fileName())
            return False
        try:
            if self._probe(self.name):
                return False
            # Nothing answers: any socket file left is from a crashed app.
            local_links.remove_stale(self.name)
            why = self._listener.listen(self.name)
            if why:
                log.error("cannot listen on %s: %s", self.name, why)
                return False
            log.info("single-instance socket %s", self.name)
            return True
        finally:
            lock.unlock()

    def close(self) -> None:
        self._listener.close()

    # -- the listener's events (local_links.Events)

    def link_opened(self, link: local_links.Link) -> None:
        self._buffers[link] = protocol.LineBuffer()
        # A client that connects and says nothing is let go (no timer outlives it).
        idle = self._idle[link] = QTimer(self)
        idle.setSingleShot(True)
        idle.timeout.connect(lambda: self._on_idle(link))
        idle.start(IDLE_TIMEOUT_MS)

    def link_closed(self, link: local_links.Link) -> None:
        self._buffers.pop(link, None)
        self._stop_idle(link)

    def link_received(self, link: local_links.Link, chunk: bytes) -> None:
        if link not in self._buffers:
            return  # answered or being answered: what else comes is dropped
        try:
            line = self._buffers[link].feed(chunk)
        except protocol.ProtocolError:
            log.warning("instance socket: a request over %s bytes", protocol.MAX_LINE_BYTES)
            self._reply(link, {"ok": False, "error": "request too long"})
            return
        if line is None:
            return
        self._buffers.pop(link, None)
        self._stop_idle(link)
        try:
            request = protocol.decode_request(line)
        except protocol.ProtocolError as exc:
            log.warning("bad request on the instance socket: %s", str(exc)[:200])
            self._reply(link, {"ok": False, "error": str(exc)[:200]})
            return
        log.info("instance request %s", request.get("cmd"))
        try:
            response = self._handler(request)
        except Exception as exc:
            log.exception("instance request %s failed", request.get("cmd"))
            response = {"ok": False, "error": f"internal error: {exc}"}
        if isinstance(response, PendingAnswer):
            response.on_resolved(functools.partial(self._reply, link))
        else:
            self._reply(link, response)

    def _on_idle(self, link: local_links.Link) -> None:
        if link in self._buffers:
            log.warning("instance socket: a client sent no request in time")
            self._reply(link, {"ok": False, "error": "no request in time"})

    def _stop_idle(self, link: local_links.Link) -> None:
        idle = self._idle.pop(link, None)
        if idle is not None:
            idle.stop()
            idle.deleteLater()

    def _reply(self, link: local_links.Link, response: dict[str, Any]) -> None:
        self._buffers.pop(link, None)
        self._stop_idle(link)
        link.answer(protocol.encode(response))  # nothing when the client went away
