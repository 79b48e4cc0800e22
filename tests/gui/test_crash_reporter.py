"""An uncaught exception is logged and shown, and the app keeps running."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from g2a_tray.qt.crash import CrashReporter


def test_uncaught_exception_is_logged_and_shown(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # both restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    reporter = CrashReporter("/logs/here")
    reporter.install()
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError:
        with caplog.at_level(logging.CRITICAL):
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    assert "uncaught exception" in caplog.text
    assert "boom in a slot" in caplog.text
    box = reporter.box
    assert box is not None and box.isVisible()
    assert box.textFormat() == Qt.TextFormat.PlainText  # exception text is not markup
    assert box.windowModality() == Qt.WindowModality.NonModal  # the app goes on working
    assert QApplication.activeModalWidget() is None
    assert "RuntimeError: boom in a slot" in box.text()
    assert "/logs/here" in box.text()
    box.close()
    assert reporter.box is None
