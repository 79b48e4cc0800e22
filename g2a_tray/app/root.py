"""The composition root: builds the parts, wires their signals, and owns the app's state.

Widgets only present; adapters only adapt; everything they ask for comes here.
It is built one event-loop turn after ``boot.py`` has shown the icon; dialogs and the
form are built on first use (tests/benchmarks/bench_performance.py measures it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCursor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from g2a_tray import APP_NAME, __version__
from g2a_tray.core.desktop_integration import Autostart
from g2a_tray.core.instance.protocol import Command
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.sessions.launch import Launch, LaunchError, LaunchRequest
from g2a_tray.core.sessions.notifications import note_for
from g2a_tray.core.sessions.start import SessionStarter
from g2a_tray.core.sessions.status import SessionState, next_change, state_of
from g2a_tray.core.sessions.store import (
    HistoryQuery,
    RecordedEvent,
    SessionStore,
    SessionSummary,
    StoreError,
)
from g2a_tray.core.settings.schema import Settings
from g2a_tray.core.settings.store import SettingsStore
from g2a_tray.core.updates.relay import OFF, RelayState
from g2a_tray.core.updates.token_store import load_token, save_token
from g2a_tray.core.urls import check_http_url
from g2a_tray.qt.browser import Opener, SystemBrowser
from g2a_tray.qt.dialogs import plain_box
from g2a_tray.qt.icons import app_icon, tray_icons
from g2a_tray.qt.listener import CallbackListener
from g2a_tray.qt.notifier import NotificationCenter
from g2a_tray.qt.relay import RelayConnection
from g2a_tray.qt.shortcut import MANUAL, WAYLAND_HELP, GlobalShortcut
from g2a_tray.qt.single_instance import PendingAnswer
from g2a_tray.qt.tray import TrayController

if TYPE_CHECKING:
    from g2a_tray.ui.history_window import HistoryWindow
    from g2a_tray.ui.quick_form import QuickForm

log = logging.getLogger(__name__)

REFRESH_COALESCE_MS = 100


class TrayApp(QObject):
    """One running g2a-tray: settings, tray, form, launches, and the instance socket."""

    store_problem = Signal(str)  # from the history check's thread, queued to this one

    def __init__(
        self,
        app: QApplication,
        paths: AppPaths,
        opener: Opener | None = None,
        tray: TrayController | None = None,
    ) -> None:
        """``tray``: the icon g2a_tray/boot.py already showed (else one is made here)."""
        super().__init__()
        self._qapp = app
        self.paths = paths
        self._open: Opener = opener or SystemBrowser(self)
        self.settings_store = SettingsStore(paths.settings_file)
        # The first start on this account: no settings file, and never greeted before.
        self._greet = not paths.settings_file.exists() and not self._greeted_marker.exists()
        loaded = self.settings_store.load()
        self.settings: Settings = loaded.settings
        self._startup_messages: list[tuple[str, str]] = []
        if (message := loaded.message()) is not None:
            self._startup_messages.append(("g2a-tray: a problem with your settings", message))
        # No integrity scan before the icon: it grows with the history (started below,
        # on its own thread).
        self.store = SessionStore(paths.sessions_file, check=False)
        if self.store.problem:
            self._startup_messages.append(("g2a-tray session history", self.store.problem))
        self._relay_token_changed = False
        self._link_notice: QMessageBox | None = None
        self._links_refused = 0
        self._form: QuickForm | None = None
        self._history: HistoryWindow | None = None
        self._notices: list[QMessageBox] = []

        self.tray = tray or TrayController(tray_icons())
        self.tray.setParent(self)
        self.tray.start_requested.connect(self.show_form)
        self.tray.settings_requested.connect(self.show_settings)
        self.tray.history_requested.connect(self.show_history)
        self.tray.ticket_requested.connect(self.open_ticket)
        self.tray.log_folder_requested.connect(self.open_log_folder)
        self.tray.quit_requested.connect(self.quit)
        self.tray.availability_changed.connect(self._on_tray_availability)
        self.tray.mark_ended_requested.connect(self.mark_ended)

        # Data flows one way: listener thread → store → queued signal → tray/notifications.
        self.listener = CallbackListener(self.store, self)
        self.listener.event_recorded.connect(self._on_event_recorded)
        # A burst of callbacks refreshes the tray and the history once, not per event:
        # the GUI thread's work must not grow with the rate of callbacks.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_COALESCE_MS)
        self._refresh_timer.timeout.connect(self._refresh_sessions)
        # A session turns "no update since …" at a moment known in advance: one timer
        # set for that moment, not a poll.
        self._stale_timer = QTimer(self)
        self._stale_timer.setSingleShot(True)
        self._stale_timer.timeout.connect(self._refresh_sessions)
        # Updates through an ntfy relay take the same path as the listener's.
        self.relay = RelayConnection(self.store, self)
        self.relay.event_recorded.connect(self._on_event_recorded)
        self.relay.state_changed.connect(self._on_relay_state)
        self.starter = SessionStarter(self.store, self._callback_url)
        self.notifications = NotificationCenter(self.tray.icon, APP_NAME, self)
        self.notifications.enabled = self.settings.notifications.enabled
        self.notifications.open_ticket.connect(self.open_ticket)
        self.tray.icon_replaced.connect(self.notifications.set_tray)

        self.shortcut = GlobalShortcut(parent=self)
        self.shortcut.activated.connect(self.show_form)
        self.shortcut.problem.connect(self._on_shortcut_problem)

    # -- life cycle

    def start(self) -> None:
        self.notifications.start()
        state = self.listener.start(self.settings.callback)
        if state.message:
            self._startup_messages.append(("g2a-tray session updates", state.message))
        self._start_relay()
        self.store_problem.connect(
            lambda message: self.notify_user("g2a-tray session history", message)
        )
        self.store.check_in_background(self.store_problem.emit)
        self._refresh_sessions()
        if not self.tray.start():
            self.show_form()
        for title, message in self._startup_messages:
            self.notify_user(title, message)
        if self._greet:
            QTimer.singleShot(0, self.show_welcome)
        # Grabbing the key needs its own X connection (or a D-Bus round trip): after the
        # icon is up, so the icon does not wait for it.
        QTimer.singleShot(0, lambda: self._apply_shortcut(self.settings.shortcut))

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
        for box in list(self._notices):
            box.close()
        QApplication.exit(0)

    def shutdown(self) -> None:
        """Release the port, the database and the D-Bus connection (after the loop ends)."""
        self.shortcut.close()
        self.relay.stop()
        self.listener.stop()
        self.notifications.close()
        self.store.close()

    # -- the instance socket

    def handle_request(self, request: dict[str, Any]) -> dict[str, Any] | PendingAnswer:
        """Answer a later ``g2a-tray`` process: ``request`` was checked against the
        protocol's command table (core/instance/protocol.py), so its ``cmd`` is a Command."""
        handlers: dict[Command, Callable[[dict[str, Any]], dict[str, Any] | PendingAnswer]] = {
            Command.PING: self._ping,
            Command.SHOW_FORM: lambda r: self._soon(self.show_form, r.get("partnerObject", "")),
            Command.SHOW_HISTORY: lambda _r: self._soon(self.show_history),
            Command.START: self._start_request,
            Command.OPEN_LINK: lambda r: self.open_link(r.get("url", "")),
            Command.QUIT: self._quit_request,
        }
        return handlers[Command(request["cmd"])](request)

    @staticmethod
    def _soon(action: Callable[..., None], *args: Any) -> dict[str, Any]:
        """Answer first, then act: the client (a keyboard shortcut's command) returns at
        once instead of waiting for a window to be built and shown."""
        QTimer.singleShot(0, lambda: action(*args))
        return {"ok": True}

    def _ping(self, _request: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "version": __version__,
            "pid": os.getpid(),
            "updates": self.relay.state.describe(),
        }

    def _quit_request(self, _request: dict[str, Any]) -> dict[str, Any]:
        QTimer.singleShot(0, self.quit)  # answer first, then go
        return {"ok": True, "pid": os.getpid()}

    def _start_request(self, request: dict[str, Any]) -> dict[str, Any] | PendingAnswer:
        launch_request = LaunchRequest(
            partner_object=request.get("partnerObject", ""),
            partner_object_url=request.get("partnerObjectUrl", ""),
            layout=request.get("layout", self.settings.layout),
        )
        try:
            return self._start_and_answer(launch_request)
        except LaunchError as exc:
            return {"ok": False, "error": str(exc)}

    def open_link(self, link: str) -> dict[str, Any] | PendingAnswer:
        """A ``g2a-tray://start?…`` link, usually from a browser: start the session it
        names, or tell the user (who is not looking at a terminal) why not."""
        from g2a_tray.core.sessions.links import LinkError, parse_link

        try:
            return self._start_and_answer(parse_link(link))
        except (LinkError, LaunchError) as exc:
            log.warning("link refused: %s", exc)
            message = f"This link cannot start a session: {exc}"
            self._tell_refused_link(message)
            return {"ok": False, "error": message}

    def _tell_refused_link(self, message: str) -> None:
        """One box for refused links, however many a page fires: the count and the last."""
        box = self._link_notice
        if box is not None and box.isVisible():
            self._links_refused += 1
            box.setText(
                f"{self._links_refused} links could not start a session.\n\nThe last: {message}"
            )
            return
        self._links_refused = 1
        self._link_notice = self.notify_user("g2a-tray link", message)

    # -- sessions

    def _callback_url(self, secret: str) -> str:
        if self.relay.active:
            return self.relay.callback_url(secret)
        return self.listener.callback_url(secret)

    def start_session(
        self, request: LaunchRequest, on_opened: Callable[[Launch, bool], None] | None = None
    ) -> Launch:
        """Start a session (core/sessions/start.py) and hand its page to the browser.

        Raises LaunchError for input to correct. ``on_opened(launch, opened)`` comes once the
        browser took the page or could not (then the user has been shown the URL to copy).
        """
        started = self.starter.start(request, self.settings)
        if started.problem is not None:
            self.notify_user("Session not recorded", started.problem)
        self.relay.resubscribe()  # watch the new launch's topic
        self._refresh_sessions()
        url = started.launch.url

        def handed_off(opened: bool) -> None:
            if not opened:
                self.notify_user(
                    "Could not open the browser",
                    "g2a-tray could not hand the session page to your browser. Open this "
                    f"address yourself:\n\n{url}",
                    copyable=url,
                )
            if on_opened is not None:
                on_opened(started.launch, opened)

        self._open(url, handed_off)
        return started.launch

    def _start_and_answer(self, request: LaunchRequest) -> dict[str, Any] | PendingAnswer:
        """For ``start`` and links: the answer waits for the browser's hand-off."""
        answer = PendingAnswer()
        self.start_session(
            request,
            lambda launch, opened: answer.resolve(
                {"ok": True, "url": launch.url, "opened": opened}
            ),
        )
        return answer

    def _on_event_recorded(self, change: RecordedEvent) -> None:
        note = note_for(change)
        if note is not None:
            self.notifications.notify(note)
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _start_relay(self) -> None:
        relay = self.settings.relay
        token = load_token(relay.url) if relay.url else ""
        keepalive: float | None = None
        try:  # a test seam (docs/ARCHITECTURE.md): how soon a stalled stream is noticed
            keepalive = float(os.environ.get("G2A_TRAY_RELAY_KEEPALIVE_S") or "nan")
        except ValueError:
            log.warning("G2A_TRAY_RELAY_KEEPALIVE_S is not a number; ignored")
        if keepalive is not None and not keepalive > 0:
            keepalive = None  # unset, NaN or not positive: ntfy's default
        self.relay.start(relay, token, keepalive)

    def _on_relay_state(self, state: RelayState) -> None:
        self.tray.set_updates_state(self._relay_state_text(state))

    def _relay_state_text(self, state: RelayState | None = None) -> str:
        state = state or self.relay.state
        return "" if state.kind == OFF else state.describe()

    def state_of(self, session: SessionSummary) -> SessionState:
        """The one reading of a session every view shows (core/sessions/status.py)."""
        return state_of(session, datetime.now(UTC), self.settings.sessions.stale_after)

    def _refresh_sessions(self) -> None:
        now = datetime.now(UTC)
        stale_after = self.settings.sessions.stale_after
        try:
            recent = self.store.sessions(limit=10)
            open_sessions = self.store.open_sessions()
        except StoreError as exc:
            log.error("history not read: %s", exc)
            return
        self.tray.show_sessions(
            [(s, state_of(s, now, stale_after)) for s in recent],
            [(s, state_of(s, now, stale_after)) for s in open_sessions],
        )
        if self._history is not None and self._history.isVisible():
            self._history.refresh()
        moment = next_change(list(open_sessions), now, stale_after)
        if moment is None:
            self._stale_timer.stop()
        else:  # +1 s: past the moment, whatever the timer's rounding
            self._stale_timer.start(int((moment - now).total_seconds() * 1000) + 1000)

    def mark_ended(self, launch_id: int) -> None:
        """The technician says a session is over (its "ended" callback never came)."""
        try:
            self.store.mark_ended(launch_id)
        except (StoreError, KeyError) as exc:
            log.error("could not mark launch %s ended: %s", launch_id, exc)
            self.notify_user("g2a-tray session history", f"Could not mark it ended: {exc}")
            return
        log.info("launch %s marked ended by the user", launch_id)
        self.relay.resubscribe()  # one topic less to watch
        self._refresh_sessions()

    def export_history(self, path: str, query: HistoryQuery) -> bool:
        """The CSV of every session ``query`` selects (the history window's filter)."""
        from g2a_tray.core.sessions.export import export_csv

        try:
            count = export_csv(
                Path(path), self.store.iter_sessions(query), self.settings.sessions.stale_after
            )
        except (OSError, ValueError, StoreError) as exc:  # ValueError: a NUL in the name
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self.notify_user("Export failed", f"Could not write {path}: {reason}.")
            return False
        log.info("exported %d sessions to CSV", count)
        return True

    def open_ticket(self, url: str) -> None:
        """Open a ticket URL from history or a notification, after checking it again."""
        try:
            checked = check_http_url(url)
        except ValueError as exc:
            log.warning("not opening ticket URL %r: %s", url, exc)
            return

        def handed_off(opened: bool) -> None:
            if not opened:
                self.notify_user(
                    "Could not open the browser",
                    f"Open this address yourself:\n\n{checked}",
                    copyable=checked,
                )

        self._open(checked, handed_off)

    # -- windows

    def form(self) -> QuickForm:
        if self._form is None:
            from g2a_tray.ui.quick_form import QuickForm

            self._form = QuickForm()
            self._form.setWindowIcon(app_icon())
            self._form.submitted.connect(self._on_form_submitted)
            self._form.settings_requested.connect(self.show_settings)
            self._form.dismiss_requested.connect(self._dismiss_form)
            self._form.close_requested.connect(self._close_form)
            self._form.set_tray_mode(self.tray.available)
        return self._form

    def show_form(self, partner_object: str = "") -> None:
        form = self.form()
        if not form.isVisible() or form.isMinimized():
            form.prepare(self.settings, partner_object)
            form.adjustSize()
            self._place_on_pointer_screen(form)
        elif partner_object:
            form.prepare(self.settings, partner_object)
        form.showNormal()
        form.raise_()
        form.activateWindow()

    @staticmethod
    def _place_on_pointer_screen(form: QWidget) -> None:
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        frame = form.frameGeometry()
        frame.moveCenter(area.center())
        form.move(frame.topLeft())

    def _on_form_submitted(self, request: LaunchRequest) -> None:
        form = self.form()
        try:
            self.start_session(request)
        except LaunchError as exc:
            form.show_error(exc.field, str(exc))
            return
        self._dismiss_form()

    def _dismiss_form(self) -> None:
        form = self.form()
        if self.tray.available:
            form.hide()
        else:
            form.showMinimized()  # without a tray, hiding would make the app invisible

    def _close_form(self) -> None:
        if self.tray.available:
            self.form().hide()
        else:
            self.quit()

    def _on_tray_availability(self, available: bool) -> None:
        if self._form is not None:
            self._form.set_tray_mode(available)

    def show_history(self) -> None:
        if self._history is None:
            from g2a_tray.ui.history_window import HistoryWindow

            self._history = HistoryWindow(self.store.page, self.state_of)
            self._history.setWindowIcon(app_icon())
            self._history.open_ticket.connect(self.open_ticket)
            self._history.mark_ended.connect(self.mark_ended)
            self._history.export_requested.connect(self.export_history)
            self._place_on_pointer_screen(self._history)  # not at 0,0 without a window manager
        self._history.refresh()
        self._history.show()
        self._history.raise_()
        self._history.activateWindow()

    @property
    def _greeted_marker(self) -> Path:
        return self.paths.data_dir / "greeted"

    def show_welcome(self) -> None:
        """The first-run greeting (again from Settings): tickets and session updates."""
        from g2a_tray.ui.welcome import WelcomeDialog

        try:  # shown once: whatever the answer, not again at the next start
            self._greeted_marker.parent.mkdir(parents=True, exist_ok=True)
            self._greeted_marker.touch()
        except OSError as exc:
            log.warning("could not remember the greeting: %s", exc)
        dialog = WelcomeDialog(self.settings)
        dialog.setWindowIcon(app_icon())
        self._place_on_pointer_screen(dialog)
        if dialog.exec() != WelcomeDialog.DialogCode.Accepted:
            log.info("welcome skipped")
            return
        try:
            self._save_settings(dialog.chosen())
        except (OSError, ValueError) as exc:
            self.notify_user("g2a-tray: settings not saved", f"Your answers were not saved: {exc}")

    def show_settings(self) -> None:
        from g2a_tray.ui.settings_dialog import SettingsDialog

        autostart = Autostart()  # the login entry: written here, never by the dialog
        dialog = SettingsDialog(
            self.settings,
            self._save_settings,
            str(self.paths.settings_file),
            test_callback=self.listener.test_url,
            autostart_enabled=autostart.is_enabled(),
            set_autostart=autostart.set_enabled,
            show_welcome=lambda: QTimer.singleShot(0, self.show_welcome),
            test_relay=self.relay.test,
            relay_token_stored=bool(load_token(self.settings.relay.url)),
            save_relay_token=self._save_relay_token,
            relay_state=self._relay_state_text(),
        )
        self.listener.test_finished.connect(dialog.show_test_result)
        self.relay.test_finished.connect(dialog.show_relay_test_result)
        show_state = lambda state: dialog.show_relay_state(self._relay_state_text(state))  # noqa: E731
        self.relay.state_changed.connect(show_state)
        dialog.setWindowIcon(app_icon())
        dialog.exec()
        self.listener.test_finished.disconnect(dialog.show_test_result)
        self.relay.test_finished.disconnect(dialog.show_relay_test_result)
        self.relay.state_changed.disconnect(show_state)

    def _save_relay_token(self, relay_url: str, token: str) -> None:
        """Into the system keyring (raises TokenStoreError); the relay restarts with it."""
        save_token(relay_url, token)
        self._relay_token_changed = True

    def _save_settings(self, settings: Settings) -> None:
        self.settings_store.save(settings)
        previous, self.settings = self.settings, settings
        if settings.shortcut != previous.shortcut or settings.shortcut != self.shortcut.active:
            # Saving the same combination again retries a grab that failed (the program
            # that held it may have gone).
            self._apply_shortcut(settings.shortcut)
        self.notifications.enabled = settings.notifications.enabled
        if settings.callback != previous.callback:
            state = self.listener.start(settings.callback)
            if state.message:
                self.notify_user("g2a-tray session updates", state.message)
        if settings.relay != previous.relay or self._relay_token_changed:
            self._relay_token_changed = False
            self._start_relay()
        log.info("settings saved to %s", self.paths.settings_file)

    def _apply_shortcut(self, text: str) -> None:
        problem = self.shortcut.apply(text)
        self.tray.set_shortcut_hint(self.shortcut.active)
        if problem is not None:
            self.notify_user("g2a-tray shortcut", problem)

    def _on_shortcut_problem(self, problem: str) -> None:
        """A problem the shortcut backend found later (the Wayland portal answers late)."""
        self.tray.set_shortcut_hint("")
        if problem != MANUAL:
            self.notify_user("g2a-tray shortcut", problem)
            return
        marker = self.paths.data_dir / "told-how-to-bind-the-shortcut"
        if not marker.exists():  # told once, not at every start
            self.notify_user("g2a-tray shortcut", WAYLAND_HELP)
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()

    def open_log_folder(self) -> None:
        self.paths.log_dir.mkdir(parents=True, exist_ok=True)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.paths.log_dir))):
            self.notify_user(
                "Log folder",
                f"The log is in {self.paths.log_dir}",
                copyable=str(self.paths.log_dir),
            )

    def notify_user(self, title: str, text: str, copyable: str | None = None) -> QMessageBox:
        """A non-blocking message box: start-up problems and failures the user must see."""
        box = plain_box(QMessageBox.Icon.Warning, title, text)
        box.setWindowIcon(app_icon())
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if copyable is not None:
            copy = box.addButton("Copy and close", QMessageBox.ButtonRole.ActionRole)
            copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(copyable))
        # Esc and closing the window mean OK (with a second button, Qt would refuse both).
        box.setEscapeButton(box.addButton(QMessageBox.StandardButton.Ok))
        box.finished.connect(lambda _result, b=box: self._notices.remove(b))
        self._notices.append(box)
        box.show()
        return box
