"""Uncaught exceptions are logged and shown in a dialog instead of vanishing.

A tray app has no console: without this, an exception in a slot is printed to a
stderr nobody reads and the app goes on in an unknown state.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from g2a_tray.qt.dialogs import plain_box
from g2a_tray.qt.from_worker import quietly

log = logging.getLogger(__name__)


class _CrashRelay(QObject):
    """Carries a report from any thread to the GUI thread."""

    report = Signal(str)


class CrashReporter:
    def __init__(self, log_dir: str) -> None:
        self._log_dir = log_dir
        self._relay = _CrashRelay()
        self._relay.report.connect(self._show)
        self._showing = False
        self.box: QMessageBox | None = None  # the one shown now

    def install(self) -> None:
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def _excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            app = QApplication.instance()
            if app is not None:
                app.quit()
            return
        log.critical("uncaught exception", exc_info=(kind, exc, tb))
        text = "".join(traceback.format_exception_only(kind, exc)).strip()
        quietly(self._relay.report.emit)(text)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self._excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, text: str) -> None:
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread() or self._showing:
            return
        # Shown, not run: a nested event loop inside sys.excepthook would stop the tray,
        # the form and the socket until the box is closed. One box at a time.
        self._showing = True
        box = plain_box(
            QMessageBox.Icon.Critical,
            "g2a-tray: unexpected error",
            "Something went wrong inside g2a-tray. It keeps running, but the last "
            f"action may not have finished.\n\n{text}\n\nDetails are in the log in "
            f"{self._log_dir}.",
        )
        box.addButton(QMessageBox.StandardButton.Ok)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._closed)
        self.box = box
        box.show()

    def _closed(self, _result: int) -> None:
        self._showing = False
        self.box = None
