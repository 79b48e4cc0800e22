"""The tray icon and its menu, and what to do when the desktop has no tray.

The controller only emits intentions (``start_requested`` …); the composition root
decides what they do. When no tray is available (GNOME without the AppIndicator
extension, or an autostarted app that came up before the panel) it polls until one
appears and says so through ``availability_changed``.

On X11 Qt chooses between StatusNotifierItem (D-Bus) and XEmbed once, when a
``QSystemTrayIcon`` is built. An icon built before any panel existed would stay with
the wrong one for good, so when a tray appears the icon is built anew and
``icon_replaced`` tells whoever held the old one (the notifier's balloon fallback).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

if TYPE_CHECKING:  # neither the store nor the status words are needed to show the icon
    from g2a_tray.core.sessions.model import SessionSummary
    from g2a_tray.core.sessions.status import Phase, SessionState
    from g2a_tray.qt.icons import TrayIcons

log = logging.getLogger(__name__)

TRAY_POLL_MS = 2000
IDLE = "idle"
WARNING = "warning"
IDLE_TOOLTIP = "g2a-tray: start a GoToAssist session"
Row = tuple["SessionSummary", "SessionState"]


class TrayController(QObject):
    start_requested = Signal()
    settings_requested = Signal()
    log_folder_requested = Signal()
    quit_requested = Signal()
    history_requested = Signal()
    ticket_requested = Signal(str)  # a ticket URL from "Recent sessions"
    mark_ended_requested = Signal(int)  # a launch id from "Recent sessions"
    updates_problem_requested = Signal()  # "Session updates are not arriving — why…"
    availability_changed = Signal(bool)
    icon_replaced = Signal(QSystemTrayIcon)

    def __init__(self, icons: TrayIcons, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icons = icons
        self._badge = IDLE
        self._session_lines: list[str] = []
        self._updates = ""
        self._problem = ""  # why session updates cannot arrive, or ""
        # The menu must outlive every icon: some tray hosts keep only a pointer to it.
        self._menu = QMenu()
        self._problem_action = QAction("Session updates are not arriving — why…", self._menu)
        self._problem_action.triggered.connect(self.updates_problem_requested)
        self._problem_action.setVisible(False)
        self._start_action = QAction("Start session…", self._menu)
        self._start_action.triggered.connect(self.start_requested)
        # First and default: GNOME's AppIndicator extension opens this menu on a left
        # click, so the hot path is the entry under the pointer, in bold.
        self._menu.addAction(self._start_action)
        self._menu.setDefaultAction(self._start_action)
        self._menu.addAction(self._problem_action)
        self._recent = self._menu.addMenu("Recent sessions")
        self._recent.setEnabled(False)
        self._submenus: list[QMenu] = []  # one per open session shown, reused
        self._recent_shown: list[tuple[int, str, Phase, str]] = []
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
        self._built_with_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self._icon = self._new_icon()
        self._poll = QTimer(self)
        self._poll.setInterval(TRAY_POLL_MS)
        self._poll.timeout.connect(self._check_tray)
        self.available = False
        self._started = False

    def _new_icon(self) -> QSystemTrayIcon:
        icon = QSystemTrayIcon(self._icons[WARNING if self._problem else self._badge], self)
        icon.setToolTip(self._tooltip())
        icon.setContextMenu(self._menu)
        icon.activated.connect(self._on_activated)
        return icon

    @property
    def icon(self) -> QSystemTrayIcon:
        return self._icon

    def draw_ahead(self) -> None:
        """Draw the badges not drawn for the start (while idle, before the first launch)."""
        self._icons.draw_ahead()

    def set_shortcut_hint(self, shortcut: str) -> None:
        """Show the global shortcut beside "Start session…" (display only)."""
        self._start_action.setText("Start session…" + (f"\t{shortcut}" if shortcut else ""))

    def set_updates_state(self, text: str) -> None:
        """Where session updates stand (the relay's state), as a tooltip line; "" for none."""
        self._updates = text
        self._icon.setToolTip(self._tooltip())

    @property
    def updates_problem(self) -> str:
        return self._problem

    def set_updates_problem(self, text: str) -> None:
        """Why session updates cannot arrive ("" once they can): a warning badge over any
        other, the line under "Start session…" in the menu, and the tooltip's last."""
        if text == self._problem:
            return  # the same again (every refresh asks): the panel is not sent the icon anew
        self._problem = text
        self._problem_action.setVisible(bool(text))
        self._icon.setIcon(self._icons[WARNING if text else self._badge])
        self._icon.setToolTip(self._tooltip())

    def _tooltip(self) -> str:
        lines = self._session_lines or [IDLE_TOOLTIP]
        if self._updates:
            lines = [*lines, self._updates[:1].upper() + self._updates[1:]]
        if self._problem:
            lines = [*lines, "Session updates are not arriving: see the menu"]
        return "\n".join(lines)

    def show_sessions(self, recent: list[Row], open_sessions: list[Row]) -> None:
        """Reflect the history: the badge and tooltip for sessions not ended, the recent
        submenu (a session not ended there can be marked ended by hand)."""
        from g2a_tray.core.sessions.status import Phase, ticket_label

        order = _tooltip_order()
        phases = {state.phase for _s, state in open_sessions}
        self._badge = (
            Phase.ACTIVE.value
            if Phase.ACTIVE in phases
            else Phase.WAITING.value
            if Phase.WAITING in phases
            else IDLE
        )
        self._icon.setIcon(self._icons[WARNING if self._problem else self._badge])
        lines = [
            f"{state.words[:1].upper()}{state.words[1:]}: {ticket_label(s)}"
            for s, state in sorted(open_sessions, key=lambda row: order[row[1].phase])
            if state.phase in order
        ]
        self._session_lines = ["g2a-tray", *lines] if lines else []
        self._icon.setToolTip(self._tooltip())
        shown = [
            (s.launch_id, s.partner_object_url, state.phase, state.words) for s, state in recent
        ]
        if shown == self._recent_shown:
            return  # a callback for a session further back: the menu stays as it is
        self._recent_shown = shown
        # Submenus are kept and refilled, never made anew: a QMenu made and deleted per
        # refresh leaves memory behind (9 MiB per 1,000 refreshes, measured), and
        # QMenu.clear() does not delete submenus at all.
        self._recent.clear()
        pool = iter(self._submenus)
        for s, state in recent:
            text = f"{ticket_label(s)} — {state.words}"
            if state.phase in (Phase.WAITING, Phase.ACTIVE, Phase.STALE, Phase.UNKNOWN):
                self._add_open_session(text, s, next(pool, None))
                continue
            action = self._recent.addAction(text)
            if s.partner_object_url:
                action.triggered.connect(
                    lambda _=False, url=s.partner_object_url: self.ticket_requested.emit(url)
                )
            else:
                action.setEnabled(False)
        self._recent.setEnabled(bool(recent))

    def _add_open_session(self, text: str, s: SessionSummary, submenu: QMenu | None) -> None:
        if submenu is None:
            submenu = QMenu(self._recent)
            self._submenus.append(submenu)
        submenu.clear()
        submenu.setTitle(text)
        self._recent.addMenu(submenu)
        if s.partner_object_url:
            open_action = submenu.addAction("Open ticket")
            open_action.triggered.connect(
                lambda _=False, url=s.partner_object_url: self.ticket_requested.emit(url)
            )
        mark = submenu.addAction("Mark as ended")
        mark.setToolTip("GoToAssist did not say this session ended; say it yourself")
        mark.triggered.connect(lambda _=False, lid=s.launch_id: self.mark_ended_requested.emit(lid))

    def start(self) -> bool:
        """Show the icon if a tray exists, else keep looking for one. Returns availability.
        Called again (the app adopting the icon start-up showed), it only answers."""
        if self._started:
            return self.available
        self._started = True
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
            if not self._built_with_tray:
                self._replace_icon()
            self._icon.show()
            log.info("tray icon shown")
        if available != self.available:
            self.available = available
            self.availability_changed.emit(available)

    def _replace_icon(self) -> None:
        """A tray appeared after the icon was built: build it again so that Qt chooses
        the tray's protocol now (a panel speaking StatusNotifierItem included)."""
        old = self._icon
        self._icon = self._new_icon()
        self._built_with_tray = True
        old.hide()
        old.setContextMenu(None)  # type: ignore[arg-type]  # the menu stays ours
        old.deleteLater()
        log.info("a tray appeared after start: tray icon built again")
        self.icon_replaced.emit(self._icon)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.start_requested.emit()


def _tooltip_order() -> dict[Phase, int]:
    """The tooltip lists what may need the technician, most urgent first."""
    from g2a_tray.core.sessions.status import Phase

    return {Phase.ACTIVE: 0, Phase.WAITING: 1, Phase.UNKNOWN: 2, Phase.STALE: 3}
