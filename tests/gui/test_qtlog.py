"""Qt's warnings reach the app's log, bounded."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from PySide6.QtCore import qInstallMessageHandler, qWarning

from g2a_tray.qt.qtlog import route_qt_messages_to_the_log


@pytest.fixture
def routed() -> Iterator[None]:
    route_qt_messages_to_the_log()
    yield
    qInstallMessageHandler(None)  # Qt's default again (stderr)


def test_a_qt_warning_is_a_log_line(routed: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="qt"):
        qWarning("QSystemTrayIcon::setVisible: No Icon set")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("qt", logging.WARNING, "QSystemTrayIcon::setVisible: No Icon set")
    ]


def test_a_flood_of_qt_warnings_is_bounded(routed: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="qt"):
        for i in range(500):
            qWarning(f"warning {i}")
    assert 1 <= len(caplog.records) <= 20
