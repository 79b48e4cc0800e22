"""Qt's own messages (a platform plugin's complaint, a missing icon, a D-Bus hiccup) go
into the app's log, not only to a terminal nobody sees when the app starts with the
desktop. Rate-limited like every line something outside the app can cause, and with
their level kept: Qt's debug noise stays at DEBUG. (qutebrowser's ``utils/qtlog.py``
does the same.)"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from g2a_tray.core.log_limit import RateLimitedLog

log = logging.getLogger("qt")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
_limits = {level: RateLimitedLog(log, level, "Qt messages") for level in _LEVELS.values()}


def _handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    level = _LEVELS.get(kind, logging.WARNING)
    category = context.category if context.category and context.category != "default" else ""
    _limits[level].log("%s%s", f"{category}: " if category else "", message)


def route_qt_messages_to_the_log() -> None:
    qInstallMessageHandler(_handler)
