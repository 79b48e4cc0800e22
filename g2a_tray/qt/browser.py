"""The hand-off to the system browser, and whether it worked.

``QDesktopServices.openUrl`` only knows that ``xdg-open`` was *started*: on a machine
with no browser xdg-open can use it still says yes, and the technician is told
nothing. So on Linux the app runs ``xdg-open`` itself and reads its exit status. The
answer comes later (a callback), never by blocking the GUI: xdg-open usually ends within
a fraction of a second, but its generic fallback runs the browser in the foreground and
returns only when the browser closes — still running after :data:`HANDOFF_WAIT_S`
counts as opened. The opener runs in its own session, so quitting g2a-tray never takes a
browser it started down with it.

``Opener`` is the seam tests use. Only URLs that passed ``core.urls.check_http_url``
reach it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from g2a_tray.core.redaction import redact
from g2a_tray.qt.from_worker import quietly

log = logging.getLogger(__name__)

HANDOFF_WAIT_S = 4.0
Done = Callable[[bool], None]


class Opener(Protocol):
    def __call__(self, url: str, done: Done) -> None:
        """Open ``url``; ``done(False)`` (in the GUI thread) when the desktop could not."""
        ...


def to_qurl(url: str) -> QUrl:
    """Hand Qt the URL exactly as built: already percent-encoded, strictly parsed."""
    return QUrl.fromEncoded(url.encode("ascii"), QUrl.ParsingMode.StrictMode)


class SystemBrowser(QObject):
    """The real opener: xdg-open with its exit status on Linux, Qt's elsewhere."""

    _finished = Signal(int, bool)  # hand-off number, opened — from the waiting thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: dict[int, tuple[str, Done]] = {}
        self._next = 0
        self._finished.connect(self._on_finished)

    def __call__(self, url: str, done: Done) -> None:
        qurl = to_qurl(url)
        if not qurl.isValid():
            log.error("refusing to open an invalid URL: %s", qurl.errorString())
            done(False)
            return
        opener = _xdg_open()
        if opener is None:
            ok = bool(QDesktopServices.openUrl(qurl))
            log.info("opened in browser (%s): %s", "ok" if ok else "FAILED", redact(url))
            done(ok)
            return
        try:
            proc = subprocess.Popen(
                [opener, qurl.toString(QUrl.ComponentFormattingOption.FullyEncoded)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            log.error("could not run %s: %s", opener, exc)
            done(False)
            return
        self._next += 1
        number = self._next
        self._pending[number] = (url, done)
        threading.Thread(
            target=self._wait, args=(number, proc), name="browser-handoff", daemon=True
        ).start()

    def _wait(self, number: int, proc: subprocess.Popen[bytes]) -> None:
        try:
            code: int | None = proc.wait(HANDOFF_WAIT_S)
        except subprocess.TimeoutExpired:
            code = None  # a browser in the foreground: it took the URL
        quietly(self._finished.emit)(number, code in (0, None))
        if code is None:
            log.info("the opener still runs (a browser in the foreground); taken as opened")
            proc.wait()  # reaped whenever the browser closes

    def _on_finished(self, number: int, ok: bool) -> None:
        url, done = self._pending.pop(number)
        log.info("opened in browser (%s): %s", "ok" if ok else "FAILED", redact(url))
        done(ok)


def _xdg_open() -> str | None:
    """The opener whose exit status means something: xdg-open, outside a sandbox (where
    Qt's own path goes through the desktop portal)."""
    if not sys.platform.startswith("linux") or os.environ.get("FLATPAK_ID"):
        return None
    return shutil.which("xdg-open")
