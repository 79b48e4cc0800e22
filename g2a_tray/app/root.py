"""The composition root: builds the parts, wires their signals, runs their life cycle.

Nothing else happens here. What each part does lives in its own room:
``sessions.py`` (start, links' sessions, mark ended, export, refresh and stale timers),
``windows.py`` (form, history, settings, greeting), ``reconfigure.py`` (settings in force,
applied old → new), ``requests.py`` (the instance socket's answers), ``notices.py``
(message boxes), ``helpdesk_notes.py`` (notes written into the helpdesk). It is built one
event-loop turn after ``boot.py`` has shown the icon; windows are built on first use
(tests/benchmarks/bench_performance.py measures it).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from g2a_tray import APP_NAME
from g2a_tray.app.helpdesk_notes import HelpdeskNotes
from g2a_tray.app.notices import Notices
from g2a_tray.app.parts import Parts
from g2a_tray.app.reconfigure import Reconfigure
from g2a_tray.app.requests import Requests
from g2a_tray.app.sessions import Sessions
from g2a_tray.app.updates_watch import UpdatesWatch
from g2a_tray.app.windows import Windows
from g2a_tray.core.instance.activation import Activation
from g2a_tray.core.markers import GREETED, Markers
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.store import SettingsStore
from g2a_tray.qt.browser import Opener, SystemBrowser
from g2a_tray.qt.from_worker import quietly
from g2a_tray.qt.helpdesk import NoteDelivery
from g2a_tray.qt.icons import tray_icons
from g2a_tray.qt.listener import CallbackListener
from g2a_tray.qt.notifier import NotificationCenter
from g2a_tray.qt.relay import RelayConnection
from g2a_tray.qt.shortcut import GlobalShortcut
from g2a_tray.qt.tray import TrayController

log = logging.getLogger(__name__)

FORM_AHEAD_MS = 1500  # after start-up's own work (listener, relay, history check)


class TrayApp(QObject):
    """One running g2a-tray: its parts, and when they start and stop."""

    store_problem = Signal(str)  # from the history check's thread, queued to this one

    def __init__(
        self,
        app: QApplication,
        paths: AppPaths,
        *,
        opener: Opener | None = None,
        tray: TrayController | None = None,
        shortcut: GlobalShortcut | None = None,
    ) -> None:
        """``tray``: the icon g2a_tray/boot.py already showed (else one is made here).
        ``opener`` and ``shortcut``: stand-ins for the browser and the key grab (tests)."""
        super().__init__()
        self._qapp = app
        self.paths = paths
        markers = Markers(paths.data_dir)
        # The first start on this account: no settings file, and never greeted before.
        self.greeting_due = not paths.settings_file.exists() and not markers.seen(GREETED)
        settings_store = SettingsStore(paths.settings_file)
        loaded = settings_store.load()
        self._startup_messages: list[tuple[str, str]] = []
        if (message := loaded.message()) is not None:
            self._startup_messages.append(("g2a-tray: a problem with your settings", message))
        # No integrity scan before the icon: it grows with the history (started below,
        # on its own thread).
        self.store = SessionStore(paths.sessions_file, check=False)
        if self.store.problem:
            self._startup_messages.append(("g2a-tray session history", self.store.problem))

        self.tray = tray or TrayController(tray_icons())
        self.tray.setParent(self)
        self.notices = Notices(self)
        # Data flows one way: listener thread → store → queued signal → tray/notifications.
        self.listener = CallbackListener(self.store, self)
        # Updates through an ntfy relay take the same path as the listener's.
        self.relay = RelayConnection(self.store, self)
        self.notifications = NotificationCenter(self.tray.icon, APP_NAME, self)
        self.shortcut = shortcut or GlobalShortcut(parent=self)
        self.shortcut.setParent(self)
        parts = Parts(
            store=self.store,
            tray=self.tray,
            listener=self.listener,
            relay=self.relay,
            notifications=self.notifications,
            shortcut=self.shortcut,
            notices=self.notices,
            notes=NoteDelivery(self.store, self),  # queues notes from the first callback on
            markers=markers,
            settings=lambda: self.reconfigure.settings,
        )
        self.reconfigure = Reconfigure(parts, settings_store, loaded.settings, self)
        self.helpdesk = HelpdeskNotes(parts, self)
        self.sessions = Sessions(parts, opener or SystemBrowser(self), self)
        self.windows = Windows(paths, parts, self.sessions, self.reconfigure, self.helpdesk, self)
        self.requests = Requests(parts, self.sessions, self.windows, self.quit, self)
        self.updates_watch = UpdatesWatch(parts, self)
        self._wire()

    def _wire(self) -> None:
        tray, windows, sessions = self.tray, self.windows, self.sessions
        tray.start_requested.connect(windows.show_form)
        tray.settings_requested.connect(windows.show_settings)
        tray.history_requested.connect(windows.show_history)
        tray.log_folder_requested.connect(windows.open_log_folder)
        tray.ticket_requested.connect(sessions.open_ticket)
        tray.mark_ended_requested.connect(sessions.mark_ended)
        tray.quit_requested.connect(self.quit)
        tray.icon_replaced.connect(self.notifications.set_tray)
        windows.quit_requested.connect(self.quit)
        self.listener.event_recorded.connect(sessions.on_event_recorded)
        self.relay.event_recorded.connect(sessions.on_event_recorded)
        self.notifications.open_ticket.connect(sessions.open_ticket)
        self.shortcut.activated.connect(
            lambda token: windows.show_form(activation=Activation(token=token))
        )
        watch = self.updates_watch
        tray.updates_problem_requested.connect(windows.show_updates_settings)
        sessions.started.connect(watch.session_started)
        sessions.changed.connect(watch.sessions_changed)
        self.reconfigure.listener_started.connect(watch.listener_started)
        self.reconfigure.saved.connect(watch.settings_applied)
        self.listener.event_recorded.connect(lambda _event: watch.update_arrived())
        self.relay.event_recorded.connect(lambda _event: watch.update_arrived())
        self.reconfigure.saved.connect(self.helpdesk.settings_applied)
        self.helpdesk.changed.connect(windows.refresh_history)
        self.store_problem.connect(
            lambda message: self.notices.tell("g2a-tray session history", message)
        )

    # -- life cycle

    def start(self) -> None:
        self.notifications.start()
        self.reconfigure.start_listener()
        self.reconfigure.start_relay()
        self.store.check_in_background(quietly(self.store_problem.emit))
        self.sessions.refresh()
        self.helpdesk.start()  # notes left from an earlier run go out in a moment
        if not self.tray.start():
            self.windows.show_form()
        for title, message in self._startup_messages:
            self.notices.tell(title, message)
        if self.greeting_due:
            QTimer.singleShot(0, self.windows.show_welcome)
        # Grabbing the key needs its own X connection (or a D-Bus round trip): after the
        # icon is up, so the icon does not wait for it.
        QTimer.singleShot(0, self.reconfigure.apply_shortcut)
        # The form is built while nothing else is going on, so that the shortcut's first
        # press only shows it (a tray app is idle a second after its icon appeared).
        QTimer.singleShot(FORM_AHEAD_MS, self.windows.build_form_ahead)

    def quit(self) -> None:
        """End the app whatever is open: forms, dialogs, message boxes, file choosers.

        ``QApplication.quit()`` asks every window to close first, and a window that
        refuses (the form hides instead of closing) cancels the quit, leaving an invisible
        app holding the port and the socket. ``exit()`` ends the main loop and every
        nested one (a modal dialog's) unconditionally.
        """
        log.info("quitting")
        self.shortcut.close()  # free the key for whatever starts next
        self.tray.hide()
        self.notices.close_all()
        QApplication.exit(0)

    def shutdown(self) -> None:
        """Release the port, the database and the D-Bus connection (after the loop ends)."""
        self.shortcut.close()
        self.relay.stop()
        self.listener.stop()
        self.notifications.close()
        self.reconfigure.close()
        self.helpdesk.close()
        self.store.close()
