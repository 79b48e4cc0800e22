"""The instance socket's transport: a local server whose connections are *links* (bytes
in, one answer out, then closed), driven by the GUI thread's event loop.

On Unix it is a plain ``AF_UNIX`` socket watched with ``QSocketNotifier``, not
``QLocalServer``: QtNetwork (its module, libQt6Network and the Kerberos libraries it
pulls in) cost 11 ms before the tray icon and 2.3 MiB resident, for a socket the
standard library already speaks (the clients are standard library too). On Windows,
where the instance socket is a named pipe, it is ``QLocalServer``, imported there only.

Every call returns at once: sockets are non-blocking, an answer too big for the socket's
buffer is written as the client reads it, and a client that goes away is forgotten.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QSocketNotifier

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

MAX_LINKS = 64  # open at once; the next one closes the oldest (a flood, not a user)
BACKLOG = 32
CHUNK = 65536


class Link(Protocol):
    """One client's connection, as the instance server sees it."""

    def answer(self, data: bytes) -> None:
        """Send ``data`` and close; what the client sends after is dropped."""

    def is_open(self) -> bool:
        """False once the client went away or the answer was sent."""


class Events(Protocol):
    """What a listener tells the instance server, all in the GUI thread."""

    def link_opened(self, link: Link) -> None: ...
    def link_received(self, link: Link, data: bytes) -> None: ...
    def link_closed(self, link: Link) -> None: ...


class Listener(Protocol):
    def listen(self, name: str) -> str:
        """Listen on ``name``; "" when it does, else why not."""

    def close(self) -> None: ...


def remove_stale(name: str) -> None:
    """Remove a socket file a crashed app left (called under the start-up lock, once
    nothing answered on it)."""
    if sys.platform == "win32":
        from PySide6.QtNetwork import QLocalServer

        QLocalServer.removeServer(name)
        return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)


def new_listener(events: Events, parent: QObject) -> Listener:
    if sys.platform == "win32":
        return _PipeListener(events, parent)
    return UnixListener(events, parent)


class UnixListener(QObject):
    """A Unix socket server in the event loop (``QSocketNotifier``, no thread)."""

    def __init__(self, events: Events, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._events = events
        self._sock: socket.socket | None = None
        self._notifier: QSocketNotifier | None = None
        self._path = ""
        self._inode = 0
        self.links: dict[UnixLink, None] = {}  # oldest first
        self._flooded = False

    def listen(self, name: str) -> str:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(name)
            os.chmod(name, 0o600)  # only this user (the folder is private too)
            sock.listen(BACKLOG)
            sock.setblocking(False)
            self._inode = os.stat(name).st_ino
        except OSError as exc:
            sock.close()
            return exc.strerror or str(exc)
        self._sock, self._path = sock, name
        self._notifier = QSocketNotifier(sock.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)
        return ""

    def close(self) -> None:
        """Stop listening, close every link and remove the socket file if it is still
        this app's (not one a later app put there)."""
        if self._sock is None:
            return
        _drop(self._notifier)
        self._notifier = None
        self._sock.close()
        self._sock = None
        for link in list(self.links):
            link.close()
        with contextlib.suppress(OSError):
            if os.stat(self._path).st_ino == self._inode:
                os.unlink(self._path)

    def _accept(self, *_args: Any) -> None:
        while self._sock is not None:
            try:
                conn, _address = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors, say: the next turn tries again
                log.warning("instance socket: accept failed: %s", exc)
                return
            if len(self.links) >= MAX_LINKS:
                # The newest is the user pressing the shortcut; the oldest has waited longest.
                if not self._flooded:
                    log.warning(
                        "instance socket: %d connections open; closing the oldest", MAX_LINKS
                    )
                self._flooded = True
                next(iter(self.links)).close()
            elif len(self.links) < MAX_LINKS // 2:
                self._flooded = False
            conn.setblocking(False)
            link = UnixLink(conn, self._events, self._forget, self)
            self.links[link] = None
            self._events.link_opened(link)
            link.start()

    def _forget(self, link: UnixLink) -> None:
        self.links.pop(link, None)


class UnixLink(QObject):
    """One accepted connection: reads until answered, then writes the answer as fast
    as the client takes it, and closes."""

    def __init__(
        self,
        conn: socket.socket,
        events: Events,
        forget: Callable[[UnixLink], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._conn: socket.socket | None = conn
        self._events = events
        self._forget = forget
        self._out = b""
        self._reader = QSocketNotifier(conn.fileno(), QSocketNotifier.Type.Read, self)
        self._reader.activated.connect(self._read)
        self._writer = QSocketNotifier(conn.fileno(), QSocketNotifier.Type.Write, self)
        self._writer.setEnabled(False)
        self._writer.activated.connect(self._write)
        self._answered = False

    def start(self) -> None:
        self._read()  # what came with the connection (a client sends at once)

    def is_open(self) -> bool:
        return self._conn is not None and not self._answered

    def answer(self, data: bytes) -> None:
        if not self.is_open():
            return
        self._answered = True
        self._reader.setEnabled(False)  # what else the client sends is not read
        self._out = data
        self._write()

    def close(self) -> None:
        if self._conn is None:
            return
        _drop(self._reader)
        _drop(self._writer)
        self._conn.close()
        self._conn = None
        self._forget(self)
        self._events.link_closed(self)
        self.deleteLater()

    def _read(self, *_args: Any) -> None:
        while self._conn is not None and not self._answered:
            try:
                data = self._conn.recv(CHUNK)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:  # the client went away
                self.close()
                return
            self._events.link_received(self, data)

    def _write(self, *_args: Any) -> None:
        while self._conn is not None and self._out:
            try:
                sent = self._conn.send(self._out)
            except (BlockingIOError, InterruptedError):
                self._writer.setEnabled(True)  # the rest when the client has read some
                return
            except OSError as exc:
                if exc.errno not in (errno.EPIPE, errno.ECONNRESET):
                    log.warning("instance socket: answer not sent: %s", exc)
                self.close()
                return
            self._out = self._out[sent:]
        self.close()


def _drop(notifier: QSocketNotifier | None) -> None:
    """A notifier stops before its descriptor is closed (else Qt watches a dead one)."""
    if notifier is not None:
        notifier.setEnabled(False)
        notifier.deleteLater()


class _PipeListener(QObject):
    """Windows: the same links over ``QLocalServer`` (named pipes). Untested on this
    project's Linux CI."""

    def __init__(self, events: Events, parent: QObject | None = None) -> None:
        from PySide6.QtNetwork import QLocalServer

        super().__init__(parent)
        self._events = events
        self._server: QLocalServer = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)

    def listen(self, name: str) -> str:
        return "" if self._server.listen(name) else self._server.errorString()

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            link = _PipeLink(self._server.nextPendingConnection(), self._events)
            self._events.link_opened(link)


class _PipeLink:
    def __init__(self, sock: QLocalSocket, events: Events) -> None:
        self._sock = sock
        self._open = True
        sock.readyRead.connect(lambda: self._read(events))
        sock.disconnected.connect(lambda: self._closed(events))

    def is_open(self) -> bool:
        return self._open

    def answer(self, data: bytes) -> None:
        if self._open:
            self._open = False
            self._sock.write(data)
            self._sock.flush()
            self._sock.disconnectFromServer()

    def _read(self, events: Events) -> None:
        data = bytes(self._sock.readAll().data())
        if data and self._open:
            events.link_received(self, data)

    def _closed(self, events: Events) -> None:
        self._open = False
        events.link_closed(self)
        self._sock.deleteLater()
