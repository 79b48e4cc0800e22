"""Ctrl+C, SIGTERM and SIGHUP end the app cleanly and at once.

Python runs a signal handler only when the interpreter next runs bytecode, and while Qt
waits in its event loop that may be never (until the next event: Ctrl+C used to land on
the next request and kill the app mid-answer). ``signal.set_wakeup_fd`` makes the C-level
handler write the signal number into a socket that a ``QSocketNotifier`` watches, so the
loop wakes up, and the quit runs as an ordinary Qt slot: the port, the socket and the
database are released the same way as with "Quit" in the menu.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier

log = logging.getLogger(__name__)

SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class QuitOnSignals(QObject):
    def __init__(self, quit_app: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._quit = quit_app
        self._previous: dict[int, object] = {}
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        for signum in SIGNALS:
            # A Python handler that does nothing: it makes CPython install its C handler
            # (which writes to the wake-up socket); the work happens in _on_signal.
            self._previous[signum] = signal.signal(signum, lambda *_: None)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_signal)

    def _on_signal(self) -> None:
        try:
            data = self._reader.recv(64)
        except BlockingIOError:
            return
        names = ", ".join(signal.Signals(b).name for b in data if b in SIGNALS) or "a signal"
        log.info("%s received: quitting", names)
        self._quit()

    def close(self) -> None:
        """Give the signals back (the loop has ended; default behaviour from now on)."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._old_fd)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._reader.close()
        self._writer.close()
