"""A server on a network that swallows packets, for tests of what must not wait on it."""

from __future__ import annotations

import contextlib
import socket
import threading


class BlackHole:
    """A relay behind a network that swallows packets (hotel Wi-Fi, a captive portal):
    the TCP connection is accepted, what comes is read, and nothing is ever answered."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.accepted = threading.Event()
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self._sock.accept()
                self._conns.append(conn)
                self.accepted.set()

    def close(self) -> None:
        for conn in self._conns:
            conn.close()
        self._sock.close()
