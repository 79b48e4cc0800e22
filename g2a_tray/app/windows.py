"""The app's windows: the quick form, the history, the settings dialog, the greeting.

Each is built on first use (the icon must not wait for widgets) and kept; what a window
asks for goes to the part that does it (sessions, reconfigure), never back into a widget.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCursor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QWidget

from g2a_tray.app.helpdesk_notes import HelpdeskNotes
from g2a_tray.app.parts import Parts
from g2a_tray.app.reconfigure import Reconfigure
from g2a_tray.app.sessions import Sessions
from g2a_tray.core.desktop_integration import Autostart
from g2a_tray.core.instance.activation import NONE, Activation
from g2a_tray.core.markers import GREETED
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.sessions.launch import LaunchError, LaunchRequest
from g2a_tray.core.settings.schema import Settings
from g2a_tray.qt.activation import bring_up
from g2a_tray.qt.icons import app_icon

if TYPE_CHECKING:
    from g2a_tray.ui.history_window import HistoryWindow
    from g2a_tray.ui.quick_form import QuickForm
    from g2a_tray.ui.settings_dialog import SettingsDialog
    from g2a_tray.ui.welcome import WelcomeDialog

log = logging.getLogger(__name__)


def place_on_pointer_screen(window: QWidget) -> None:
    """Centre ``window`` on the screen the pointer is on (not at 0,0 without a window
    manager, and on the technician's screen with several)."""
    screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame = window.frameGeometry()
    frame.moveCenter(area.center())
    window.move(frame.topLeft())


class Windows(QObject):
    """Shows, places and raises the windows, and takes what the user did in them."""

    quit_requested = Signal()  # the form closed where there is no tray: nothing is left

    def __init__(  # noqa: PLR0913, PLR0917  # the rooms whose windows it shows
        self,
        paths: AppPaths,
        parts: Parts,
        sessions: Sessions,
        reconfigure: Reconfigure,
        helpdesk: HelpdeskNotes,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._paths = paths
        self._helpdesk = helpdesk
        self._sessions = sessions
        self._reconfigure = reconfigure
        self._listener, self._relay = parts.listener, parts.relay
        self._tray = parts.tray
        self._shortcut = parts.shortcut
        self._notices = parts.notices
        self._markers = parts.markers
        self.quick_form: QuickForm | None = None
        self._form_dismissed = False  # by Esc, Enter or its close button (not by the WM)
        self.history: HistoryWindow | None = None
        self.welcome: WelcomeDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self._tray.availability_changed.connect(self._on_tray_availability)
        sessions.changed.connect(self.refresh_history)

    @property
    def _settings(self) -> Settings:
        return self._reconfigure.settings

    # -- the quick form

    def form(self) -> QuickForm:
        if self.quick_form is None:
            from g2a_tray.ui.quick_form import QuickForm

            form = QuickForm()
            form.setWindowIcon(app_icon())
            form.submitted.connect(self._on_form_submitted)
            form.settings_requested.connect(self.show_settings)
            form.dismiss_requested.connect(self._dismiss_form)
            form.close_requested.connect(self._close_form)
            form.set_tray_mode(self._tray.available)
            self.quick_form = form
        return self.quick_form

    def build_form_ahead(self) -> None:
        """Build, fill, lay out and paint the form once, hidden, so that showing it later
        is only a show: widgets, style, fonts and the glyph cache are ready by then."""
        if self.quick_form is not None:
            return
        form = self.form()
        form.prepare(self._settings)
        form.grab()  # one paint into a pixmap: polish, layout and fonts, without a window
        self._tray.draw_ahead()  # the badge Enter shows
        import secrets  # noqa: F401  # what Enter needs (new_secret), loaded while idle

        log.info("quick form built ahead")

    def show_form(self, partner_object: str = "", activation: Activation = NONE) -> None:
        """The form, ready for a ticket: empty (or showing ``partner_object``) when it
        comes back, its text selected when it was already up, so typing replaces it."""
        form = self.form()
        fresh = self._form_dismissed or not form.isVisible()  # else: keep what was typed
        if form.isVisible() and (self._form_dismissed or not form.isActiveWindow()):
            # Dismissed without a tray (minimised, or still up where the compositor
            # ignores minimising: sway), or minimised or buried by the user: Wayland lets
            # no client un-minimise or raise itself, so the form comes back as a fresh
            # window, on every platform alike.
            form.hide()
        if fresh:
            form.prepare(self._settings, partner_object)
            place_on_pointer_screen(form)
        elif partner_object:
            form.prepare(self._settings, partner_object)
        else:
            form.select_ticket()
        self._form_dismissed = False
        self._notices.hold(True)  # a box popping up now would take the ticket's keys
        bring_up(form, activation)

    def _on_form_submitted(self, request: LaunchRequest) -> None:
        form = self.form()
        try:
            self._sessions.start_session(request)
        except LaunchError as exc:
            form.show_error(exc.field, str(exc))
            return
        self._dismiss_form()  # out of the way first
        form.prepare(self._settings)  # then emptied: a form still up (sway) starts empty

    def _dismiss_form(self) -> None:
        form = self.form()
        self._form_dismissed = True
        form.select_ticket()
        if self._tray.available:
            form.hide()
        else:
            form.showMinimized()  # without a tray, hiding would make the app invisible
        self._notices.hold(False)

    def _close_form(self) -> None:
        if self._tray.available:
            self._form_dismissed = True
            self.form().hide()
            self._notices.hold(False)
        else:
            self.quit_requested.emit()

    def _on_tray_availability(self, available: bool) -> None:
        if self.quick_form is not None:
            self.quick_form.set_tray_mode(available)

    # -- the history

    def show_history(self, activation: Activation = NONE) -> None:
        if self.history is None:
            from g2a_tray.ui.history_window import HistoryWindow

            history = HistoryWindow(
                self._sessions.store.page,
                self._sessions.state_of,
                notes_of=self._helpdesk.notes_of,
            )
            history.setWindowIcon(app_icon())
            history.retry_note.connect(self._helpdesk.retry)
            history.open_ticket.connect(self._sessions.open_ticket)
            history.mark_ended.connect(self._sessions.mark_ended)
            history.export_requested.connect(self._sessions.export_history)
            self.history = history
            history.refresh()  # first: it may widen for the notes column before it is placed
            place_on_pointer_screen(history)
        else:
            self.history.refresh()
        bring_up(self.history, activation)

    def refresh_history(self, _any_open: bool = False) -> None:
        if self.history is not None and self.history.isVisible():
            self.history.refresh()

    # -- the greeting and the settings

    def show_welcome(self) -> None:
        """The first-run greeting (again from Settings): tickets and session updates.
        Modeless, like every window here: the form takes keys while it is up."""
        from g2a_tray.ui.welcome import WelcomeDialog

        if self.welcome is not None:
            bring_up(self.welcome)
            return
        self._markers.mark(GREETED)  # shown once: whatever the answer, not at the next start
        dialog = WelcomeDialog(self._settings)
        dialog.setWindowIcon(app_icon())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._save_welcome(dialog.chosen()))
        dialog.rejected.connect(lambda: log.info("welcome skipped"))
        dialog.destroyed.connect(lambda: setattr(self, "welcome", None))
        place_on_pointer_screen(dialog)
        self.welcome = dialog
        dialog.show()

    def _save_welcome(self, chosen: Settings) -> None:
        try:
            self._reconfigure.save(chosen)
        except (OSError, ValueError) as exc:
            self._notices.tell(
                "g2a-tray: settings not saved", f"Your answers were not saved: {exc}"
            )

    def show_settings(self) -> None:
        """The settings dialog, modeless; asked for again, the open one comes up."""
        from g2a_tray.ui.settings_dialog import SettingsActions, SettingsDialog

        if self.settings_dialog is not None:
            bring_up(self.settings_dialog)
            return
        autostart = Autostart()  # the login entry: written here, never by the dialog
        actions = SettingsActions(
            save=self._reconfigure.save,
            test_callback=self._listener.test_url,
            test_relay=self._relay.test,
            save_relay_token=self._reconfigure.save_relay_token,
            autostart_enabled=autostart.is_enabled(),
            set_autostart=autostart.set_enabled,
            show_welcome=lambda: QTimer.singleShot(0, self.show_welcome),
            configure_shortcut=self._shortcut.configure if self._shortcut.can_configure() else None,
            save_helpdesk_token=self._helpdesk.save_token,
            test_helpdesk=self._helpdesk.delivery.test,
            helpdesk_token_stored=self._helpdesk.token_stored,
        )
        dialog = SettingsDialog(
            self._settings,
            actions,
            str(self._paths.settings_file),
            relay_state=self._reconfigure.relay_state_text(),
        )
        dialog.setWindowIcon(app_icon())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Connected for the dialog's life: Qt drops a connection to a deleted receiver.
        self._listener.test_finished.connect(dialog.show_test_result)
        self._relay.test_finished.connect(dialog.show_relay_test_result)
        self._relay.state_changed.connect(dialog.show_relay_state_of)
        self._helpdesk.delivery.test_finished.connect(dialog.show_helpdesk_test_result)
        dialog.destroyed.connect(lambda: setattr(self, "settings_dialog", None))
        place_on_pointer_screen(dialog)
        self.settings_dialog = dialog
        dialog.show()

        # The keyring answers later (it may be locked): the token field follows it.
        def told(stored: bool) -> None:
            if self.settings_dialog is dialog:  # still open (a closed one is deleted)
                dialog.show_token_stored(stored)

        self._reconfigure.relay_token_stored(told)

        def helpdesk_told(stored: bool) -> None:
            if self.settings_dialog is dialog:
                dialog.show_helpdesk_token_stored(stored)

        if self._settings.helpdesk.kind:
            self._helpdesk.token_stored(self._settings.helpdesk, helpdesk_told)

    def show_updates_settings(self) -> None:
        """From "Session updates are not arriving — why…": Settings, at that section."""
        self.show_settings()
        if self.settings_dialog is not None:
            self.settings_dialog.focus_updates()

    def open_log_folder(self) -> None:
        log_dir = self._paths.log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir))):
            self._notices.tell("Log folder", f"The log is in {log_dir}", copyable=str(log_dir))
