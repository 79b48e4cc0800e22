"""The quick form: a ticket id in, a session out, in as few keystrokes as possible.

Enter starts, Esc hides. The ticket URL follows the template while the technician
types the ticket id, until they edit the URL themselves (clearing it hands it back to
the template). Errors appear under the field they concern; the form never closes on
an error.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from g2a_tray.core.sessions.launch import LaunchRequest, expand_template
from g2a_tray.core.settings.schema import LAYOUT_FULL, LAYOUT_IFRAME, Settings

log = logging.getLogger(__name__)

ERROR_STYLE = (
    "color: palette(text); background: #fdecea; border-left: 3px solid #c62828; padding: 4px 6px;"
)
NOTICE_STYLE = "background: #fff8e1; border-left: 3px solid #f9a825; padding: 6px 8px;"
FORM_WIDTH = 460  # room for a ticket URL; never narrower
NO_URL_PLACEHOLDER = "https://… (optional)"
NO_TICKET_QUESTION = (
    "No ticket id. Press Enter again to start a session without a ticket, or type one."
)


class QuickForm(QWidget):
    """Emits ``submitted`` with what was typed; the app checks it and answers with
    :meth:`show_error` or hides the form."""

    submitted = Signal(object)  # LaunchRequest
    settings_requested = Signal()
    dismiss_requested = Signal()  # Esc or Cancel
    close_requested = Signal()  # the window manager's close button

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Start a GoToAssist session")
        self.setObjectName("quickForm")
        self._template = ""
        self._url_follows_template = True
        self._no_ticket_confirmed = False

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setTextFormat(Qt.TextFormat.RichText)
        self.notice.hide()

        self.partner_object = QLineEdit()
        self.partner_object.setObjectName("partnerObject")
        self.partner_object.setPlaceholderText("e.g. 4711")
        self.partner_object.setClearButtonEnabled(True)
        self.partner_object.textEdited.connect(self._on_partner_object_edited)
        self.partner_object_error = self._error_label()

        self.partner_object_url = QLineEdit()
        self.partner_object_url.setObjectName("partnerObjectUrl")
        self.partner_object_url.setPlaceholderText(NO_URL_PLACEHOLDER)
        self.partner_object_url.textEdited.connect(self._on_url_edited)
        self.partner_object_url_error = self._error_label()

        self.layout_choice = QComboBox()
        self.layout_choice.setObjectName("layout")
        self.layout_choice.addItem("Full browser window", LAYOUT_FULL)
        self.layout_choice.addItem("iFrame", LAYOUT_IFRAME)

        self.general_error = self._error_label()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("&Ticket id:", self.partner_object)
        form.addRow("", self.partner_object_error)
        form.addRow("Ticket &URL:", self.partner_object_url)
        form.addRow("", self.partner_object_url_error)
        form.addRow("&Layout:", self.layout_choice)

        buttons = QDialogButtonBox()
        self.start_button = buttons.addButton(
            "&Start session", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.start_button.setDefault(True)
        settings_button = buttons.addButton("Setti&ngs…", QDialogButtonBox.ButtonRole.ResetRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start_button.clicked.connect(self.submit)
        settings_button.clicked.connect(self.settings_requested)
        self.cancel_button.clicked.connect(self.dismiss_requested)

        outer = QVBoxLayout(self)
        outer.addWidget(self.notice)
        outer.addLayout(form)
        outer.addWidget(self.general_error)
        outer.addWidget(buttons)
        self._fit()

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setStyleSheet(ERROR_STYLE)
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        label.hide()
        return label

    # -- filling in

    def prepare(self, settings: Settings, partner_object: str = "") -> None:
        """Reset for a new session with the stored partner defaults."""
        self._template = settings.partner_object_url_template
        self._url_follows_template = True
        self.partner_object.setText(partner_object)
        self._no_ticket_confirmed = False
        self._fill_url_from_template()
        index = self.layout_choice.findData(settings.layout)
        self.layout_choice.setCurrentIndex(max(index, 0))
        self.clear_errors()
        self.select_ticket()

    def select_ticket(self) -> None:
        """Focus the ticket id with its text selected: what is typed next replaces it."""
        self.partner_object.setFocus()
        self.partner_object.selectAll()

    def set_tray_mode(self, has_tray: bool) -> None:
        """Without a tray the form is the app's only window; say how to get it back."""
        if has_tray:
            self.notice.hide()
        else:
            self.notice.setText(
                "<b>No system tray was found</b>, so g2a-tray lives in this window. "
                "Closing it quits g2a-tray; <i>Cancel</i> or Esc minimises it. To bring "
                "it back, run <code>g2a-tray new-session</code> or start g2a-tray again. "
                "The tray icon appears by itself once your desktop offers a tray."
            )
            self.notice.show()
        self._fit()

    def _on_partner_object_edited(self, _text: str) -> None:
        self._no_ticket_confirmed = False
        self._hide_message(self.partner_object_error)
        self._hide_message(self.general_error)
        if self._url_follows_template:
            self._fill_url_from_template()

    def _on_url_edited(self, text: str) -> None:
        self._hide_message(self.partner_object_url_error)
        # Typing takes the URL over; clearing it gives it back to the template.
        self._url_follows_template = not text.strip()
        self._show_url_placeholder()

    def _fill_url_from_template(self) -> None:
        ticket = self.partner_object.text().strip()
        url = expand_template(self._template, ticket) if self._template and ticket else ""
        self.partner_object_url.setText(url)
        self._show_url_placeholder()

    def _show_url_placeholder(self) -> None:
        """An empty URL field says what will be used: the template's URL, if there is one."""
        ticket = self.partner_object.text().strip()
        if self._template and ticket:
            text = f"{expand_template(self._template, ticket)} (from the template)"
        elif self._template:
            text = f"{self._template} (from the template)"
        else:
            text = NO_URL_PLACEHOLDER
        self.partner_object_url.setPlaceholderText(text)

    # -- submitting

    def request(self) -> LaunchRequest:
        return LaunchRequest(
            partner_object=self.partner_object.text(),
            partner_object_url=self.partner_object_url.text(),
            layout=str(self.layout_choice.currentData()),
        )

    def submit(self) -> None:
        request = self.request()
        nothing = not request.partner_object.strip() and not request.partner_object_url.strip()
        if nothing and not self._template and not self._no_ticket_confirmed:
            # Asked once: Enter again means it (a session for a walk-in customer).
            self._no_ticket_confirmed = True
            self.clear_errors()
            self.general_error.setStyleSheet(NOTICE_STYLE)
            self.show_error("", NO_TICKET_QUESTION)
            self.partner_object.setFocus()
            return
        self.clear_errors()
        self.submitted.emit(request)

    def clear_errors(self) -> None:
        for label in (self.partner_object_error, self.partner_object_url_error, self.general_error):
            label.hide()
            label.clear()
        self._fit()

    def _hide_message(self, label: QLabel) -> None:
        if label.isVisible():
            label.hide()
            label.clear()
            self._fit()

    def show_error(self, field: str, message: str) -> None:
        """Show ``message`` under ``field`` (a LaunchError field name) and focus it."""
        label, widget = {
            "partner_object": (self.partner_object_error, self.partner_object),
            "partner_object_url": (self.partner_object_url_error, self.partner_object_url),
            "layout": (self.general_error, self.layout_choice),
        }.get(field, (self.general_error, None))
        if message != NO_TICKET_QUESTION:
            self.general_error.setStyleSheet(ERROR_STYLE)
        label.setText(message)
        label.show()
        self._fit()
        if widget is not None:
            widget.setFocus()

    def _fit(self) -> None:
        """Fit the height to what is shown: grow for a message, shrink back when it goes.
        Qt's height-for-width under-counts the padded, word-wrapped message labels, so
        take the (generous) size hint instead.

        The size is fixed, not just set: a fixed-size window is what tiling compositors
        (sway, Hyprland, i3) float instead of stretching a small popup over the screen;
        on Wayland Qt sends it as equal minimum and maximum sizes."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        hint = self.sizeHint()
        size = (max(FORM_WIDTH, hint.width()), hint.height())
        if size != (self.minimumWidth(), self.minimumHeight()) or size != (
            self.maximumWidth(),
            self.maximumHeight(),
        ):
            self.setFixedSize(*size)

    # -- keys and closing

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        elif event.key() == Qt.Key.Key_Escape:
            self.dismiss_requested.emit()
        else:
            super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        # Logged: on Wayland only the compositor knows who has the keys, and this is
        # where the app learns it was given them (and tests without a window list, too).
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            log.info("quick form has the keyboard focus")
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window manager's close button: the app decides (hide, or quit without tray).
        event.ignore()
        self.close_requested.emit()
