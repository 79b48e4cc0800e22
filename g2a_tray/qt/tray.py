"""The tray icon and its menu, and what to do when the desktop has no tray.

The controller only emits intentions (``start_requested`` …); the composition root
decides what they do. When no tray is available (GNOME without the AppIndicator
extension, or an autostarted app that came up before the panel) it polls until one
appears and says so through ``availability_changed``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from g2a_tray.core.notifications import status_label, ticket_label
from g2a_tray.core.session_store import SessionSummary

log = logging.getLogger(__name__)

TRAY_POLL_MS = 2000
IDLE, WAITING, ACTIVE = "idle", "waiting", "active"
IDLE_TOOLTIP = "g2a-tray: start a GoToAssist session"


class TrayController(QObject):
    start_requested = Signal()
    settings_requested = Signal()
    log_folder_requested = Signal()
    quit_requested = Signal()
    history_requested = Signal()
    ticket_requested = Signal(str)  # a ticket URL from "Recent sessions"
    availability_changed = Signal(bool)

    def __init__(self, icons: dict[str, QIcon], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icons = icons
        self._icon = QSystemTrayIcon(icons[IDLE], self)
        self._icon.setToolTip(IDLE_TOOLTIP)
        self._session_lines: list[str] = []
        self._updates = ""
        self._icon.activated.connect(self._on_activated)
        # The menu must outlive this call: some tray hosts keep only a pointer to it.
        self._menu = QMenu()
        self._start_action = QAction("Start session…", self._menu)
        self._start_action.triggered.connect(self.start_requested)
        self._menu.addAction(self._start_action)
        self._menu.setDefaultAction(self._start_action)  # bold: what a click on the icon does
        self._recent = self._menu.addMenu("Recent sessions")
        self._recent.setEnabled(False)
        history_action = self._menu.addAction("Session history…")
        history_action.triggered.connect(self.history_requested)
        self._menu.addSeparator()
        settings_action = self._menu.addAction("Settings…")
        settings_action.triggered.connect(self.settings_requested)
        log_action = self._menu.addAction("Open log folder")
        log_action.triggered.connect(self.log_folder_requested)
        self._menu.addSeparator()
        quit_action = self._menu.addAction("Quit")
        quit_action.triggered.connect(self.quit_requested)
        self._icon.setContextMenu(self._menu)
        self._poll = QTimer(self)
        self._poll.setInterval(TRAY_POLL_MS)
        self._poll.timeout.connect(self._check_tray)
        self.available = False

    @property
    def menu(self) -> QMenu:
        return self._menu

    @property
    def icon(self) -> QSystemTrayIcon:
        return self._icon

    def set_shortcut_hint(self, shortcut: str) -> None:
        """Show the global shortcut beside "Start session…" (display only)."""
        self._start_action.setText("Start session…" + (f"\t{shortcut}" if shortcut else ""))

    def set_updates_state(self, text: str) -> None:
        """Where session updates stand (the relay's state), as a tooltip line; "" for none."""
        self._updates = text
        self._show_tooltip()

    def _show_tooltip(self) -> None:
        lines = self._session_lines or [IDLE_TOOLTIP]
        if self._updates:
            lines = [*lines, self._updates[:1].upper() + self._updates[1:]]
        self._icon.setToolTip("\n".join(lines))

    def show_sessions(
        self, recent: list[SessionSummary], open_sessions: list[SessionSummary]
    ) -> None:
        """Reflect the history: icon and tooltip for open sessions, the recent submenu."""
        active = [s for s in open_sessions if s.status == "active"]
        waiting = [s for s in open_sessions if s.status == "waiting"]
        state = ACTIVE if active else WAITING if waiting else IDLE
        self._icon.setIcon(self._icons[state])
        lines = [f"Active: {ticket_label(s)}" for s in active]
        lines += [f"Waiting for customer: {ticket_label(s)}" for s in waiting]
        self._session_lines = ["g2a-tray", *lines] if lines else []
        self._show_tooltip()
        self._recent.clear()
        for s in recent:
            action = self._recent.addAction(f"{ticket_label(s)} — {status_label(s.status)}")
            if s.partner_object_url:
                action.triggered.connect(
                    lambda _=False, url=s.partner_object_url: self.ticket_requested.emit(url)
                )
            else:
                action.setEnabled(False)
        self._recent.setEnabled(bool(recent))

    def start(self) -> bool:
        """Show the icon if a tray exists, else keep looking for one. Returns availability."""
        self._check_tray()
        if not self.available:
            log.warning("no system tray found; showing the form as a window and polling")
            self._poll.start()
        return self.available

    def hide(self) -> None:
        self._poll.stop()
        self._icon.hide()

    def _check_tray(self) -> None:
        available = QSystemTrayIcon.isSystemTrayAvailable()
        if available and not self.available:
            self._poll.stop()
            self._icon.show()
            log.info("tray icon shown")
        if available != self.available:
            self.available = available
            self.availability_changed.emit(available)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.start_requested.emit()
