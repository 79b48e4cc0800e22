"""An uncaught exception is logged and shown, and the app keeps running."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from g2a_tray.qt.crash import CrashReporter


def test_uncaught_exception_is_logged_and_shown(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shown: list[str] = []

    def fake_exec(box: QMessageBox) -> int:
        assert box.textFormat() == Qt.TextFormat.PlainText  # exception text is not markup
        shown.append(box.text())
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
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
    assert len(shown) == 1
    assert "RuntimeError: boom in a slot" in shown[0]
    assert "/logs/here" in shown[0]
