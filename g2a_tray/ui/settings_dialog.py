"""The settings dialog for partner defaults and app preferences.

It edits a copy of :class:`Settings`; nothing changes until Save succeeds. Checks come
from the core's field table, so the dialog refuses exactly what the file loader does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from g2a_tray.core.settings.schema import (
    DEFAULT_SESSION_TYPE,
    FIELD_BY_NAME,
    LAYOUT_FULL,
    LAYOUT_IFRAME,
    MAX_STALE_MINUTES,
    MIN_STALE_MINUTES,
    CallbackSettings,
    NotificationSettings,
    Problem,
    RelaySettings,
    SessionSettings,
    Settings,
    check_public_url,
    normalized,
)
from g2a_tray.qt.dialogs import plain_box, warn
from g2a_tray.ui.quick_form import ERROR_STYLE

RELAY, LISTENER = "relay", "listener"
TRY_OUT_RELAY = "https://ntfy.sh"
HINT_STYLE = "color: palette(placeholder-text);"
INVALID_STYLE = "border: 1px solid #c62828;"
OK_STYLE = "background: #e8f5e9; border-left: 3px solid #2e7d32; padding: 4px 6px;"


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    # Lines are broken by hand: word-wrapped labels inside group boxes make QDialog
    # under-size itself (height-for-width is not applied to a dialog's first size).
    label.setWordWrap(False)
    label.setStyleSheet(HINT_STYLE)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def _buddy(text: str, field: QWidget) -> QLabel:
    """A row label whose &-mnemonic focuses ``field`` (a row of several widgets has none)."""
    label = QLabel(text)
    label.setBuddy(field)
    return label


def _row(
    form: QFormLayout, key: str, field: QWidget, shown: QWidget | QHBoxLayout | None = None
) -> None:
    """A row for settings key ``key``, labelled as the core's field table names it."""
    label = _buddy(FIELD_BY_NAME[key].label + ":", field)
    if isinstance(shown, QHBoxLayout):
        form.addRow(label, shown)
    else:
        form.addRow(label, shown or field)


def _align_labels(forms: list[QFormLayout]) -> None:
    """One label column for every group: fields start at the same x all down the dialog."""
    labels = [
        widget
        for form in forms
        for row in range(form.rowCount())
        if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None
        and (widget := item.widget()) is not None
    ]
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)


def _group(title: str) -> tuple[QGroupBox, QFormLayout, QVBoxLayout]:
    """A titled box with a form; wrapped hints go below the form, where Qt sizes them right."""
    box = QGroupBox(title)
    outer = QVBoxLayout(box)
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    outer.addLayout(form)
    return box, form, outer


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        save: Callable[[Settings], None],
        settings_path: str,
        *,
        parent: QWidget | None = None,
        test_callback: Callable[[str], None] | None = None,
        autostart_enabled: bool | None = None,
        set_autostart: Callable[[bool], None] | None = None,
        show_welcome: Callable[[], None] | None = None,
        test_relay: Callable[[], None] | None = None,
        relay_token_stored: bool = False,
        save_relay_token: Callable[[str, str], None] | None = None,
        relay_state: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("g2a-tray settings")
        self.setObjectName("settingsDialog")
        self._save = save
        self._save_relay_token = save_relay_token
        self._base = settings
        self._marked: set[str] = set()

        self.service_url = QLineEdit()
        self.session_type = QComboBox()  # the only type there is, in words (its API value kept)
        self.session_type.addItem("Screen sharing", DEFAULT_SESSION_TYPE)
        self.layout_choice = QComboBox()
        self.layout_choice.addItem("Full browser window", LAYOUT_FULL)
        self.layout_choice.addItem("iFrame", LAYOUT_IFRAME)
        self.template = QLineEdit()
        self.template.setPlaceholderText("https://helpdesk.example.com/tickets/{partnerObject}")
        service, form, service_box = _group("GoToAssist")
        forms = [form]
        _row(form, "service_url", self.service_url)
        _row(form, "session_type", self.session_type)
        _row(form, "layout", self.layout_choice)
        _row(form, "partner_object_url_template", self.template)
        service_box.addWidget(_hint(FIELD_BY_NAME["partner_object_url_template"].hint))

        self.shortcut = QKeySequenceEdit()
        self.shortcut.setMaximumSequenceLength(1)
        self.shortcut.setClearButtonEnabled(True)
        self.stale_after = QSpinBox()
        self.stale_after.setRange(MIN_STALE_MINUTES, MAX_STALE_MINUTES)
        self.stale_after.setSuffix(" minutes without news")
        keyboard, form, keyboard_box = _group("Keyboard and sessions")
        forms.append(form)
        _row(form, "shortcut", self.shortcut)
        _row(form, "sessions.stale_after_minutes", self.stale_after)
        keyboard_box.addWidget(_hint(FIELD_BY_NAME["sessions.stale_after_minutes"].hint))

        self.listen_host = QLineEdit()
        self.listen_port = QSpinBox()
        self.listen_port.setRange(0, 65535)
        self.listen_port.setSpecialValueText("any free port")
        self.public_url = QLineEdit()
        self.public_url.setPlaceholderText("empty: http://<listen address>:<port>")
        # Session updates: the local listener (with a public URL forwarded to it) or a relay.
        callbacks = QGroupBox("Session updates (customer joined, session ended)")
        updates_box = QVBoxLayout(callbacks)
        self.updates_mode = QComboBox()
        self.updates_mode.addItem("A relay (ntfy): no tunnel needed", RELAY)
        self.updates_mode.addItem("This computer's listener, through a public URL", LISTENER)
        mode_form = QFormLayout()
        mode_form.addRow(_buddy("Receive upd&ates through:", self.updates_mode), self.updates_mode)
        forms.append(mode_form)
        updates_box.addLayout(mode_form)
        self.updates_pages = QStackedWidget()
        updates_box.addWidget(self.updates_pages)

        relay_page = QWidget()
        relay_box = QVBoxLayout(relay_page)
        relay_box.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        forms.append(form)
        self.relay_url = QLineEdit()
        self.relay_url.setPlaceholderText("https://ntfy.example.com")
        try_out = QPushButton("Try ntfy.sh")
        try_out.setToolTip("Fill in the public ntfy.sh server, to try relay mode out")
        try_out.clicked.connect(lambda: self.relay_url.setText(TRY_OUT_RELAY))
        url_row = QHBoxLayout()
        url_row.addWidget(self.relay_url, 1)
        url_row.addWidget(try_out)
        _row(form, "relay.url", self.relay_url, url_row)
        self.topic_prefix = QLineEdit()
        _row(form, "relay.topic_prefix", self.topic_prefix)
        self.relay_token = QLineEdit()
        self.relay_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.relay_token.setPlaceholderText(
            "a token is stored: type to replace it" if relay_token_stored else "optional"
        )
        self.forget_token = QPushButton("Forget")
        self.forget_token.setToolTip("Remove the stored access token from the keyring")
        self.forget_token.setEnabled(relay_token_stored)
        self.forget_token.clicked.connect(self._forget_token)
        self._forget_requested = False
        token_row = QHBoxLayout()
        token_row.addWidget(self.relay_token, 1)
        token_row.addWidget(self.forget_token)
        form.addRow(_buddy("Access &token:", self.relay_token), token_row)
        relay_box.addLayout(form)
        self.relay_state = QLabel()
        self.relay_state.setTextFormat(Qt.TextFormat.PlainText)  # carries error text
        self.relay_state.setWordWrap(True)
        self.show_relay_state(relay_state)
        relay_box.addWidget(self.relay_state)
        relay_box.addWidget(
            _hint(
                "GoToAssist posts each update to the relay; g2a-tray picks it up from there.<br>"
                "<b>The relay server sees ticket ids, customer names and session times.</b><br>"
                "ntfy.sh is for trying this out; a team should run its own ntfy server<br>"
                "(README: <i>Session updates without a tunnel</i>). The token is kept in<br>"
                "your system keyring, never in the settings file."
            )
        )
        self._test_relay = test_relay
        self.relay_test_button = QPushButton("Test re&lay")
        self.relay_test_button.setToolTip(
            "Post a test update to the relay as GoToAssist would and check that it comes back. "
            "Uses the relay as it runs now: save first after changing it."
        )
        self.relay_test_button.clicked.connect(self._start_relay_test)
        self.relay_test_button.setVisible(test_relay is not None)
        self.relay_test_result = QLabel()
        self.relay_test_result.setTextFormat(Qt.TextFormat.PlainText)
        self.relay_test_result.setWordWrap(True)
        self.relay_test_result.hide()
        relay_test_row = QHBoxLayout()
        relay_test_row.addWidget(self.relay_test_button)
        relay_test_row.addWidget(self.relay_test_result, 1)
        relay_box.addLayout(relay_test_row)
        self.updates_pages.addWidget(relay_page)

        listener_page = QWidget()
        callbacks_box = QVBoxLayout(listener_page)
        callbacks_box.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        forms.append(form)
        _row(form, "callback.listen_host", self.listen_host)
        _row(form, "callback.listen_port", self.listen_port)
        _row(form, "callback.public_url", self.public_url)
        callbacks_box.addLayout(form)
        callbacks_box.addWidget(
            _hint(
                "GoToAssist's servers cannot reach this computer's own address: forward a<br>"
                "public URL (a tunnel or a reverse proxy) to the listen address and port,<br>"
                "and enter it above."
            )
        )
        self.updates_pages.addWidget(listener_page)
        self.updates_mode.currentIndexChanged.connect(self._show_updates_page)

        self._test_callback = test_callback
        self._set_autostart = set_autostart
        self._autostart_was = bool(autostart_enabled)
        self.test_button = QPushButton("&Test callback URL")
        self.test_button.setToolTip(
            "Send a test update to the public URL (or the listener itself) and check that it "
            "arrives here. Uses the listener as it runs now: save first after changing the port."
        )
        self.test_button.clicked.connect(self._start_test)
        self.test_button.setVisible(test_callback is not None)
        self.test_result = QLabel()
        self.test_result.setTextFormat(Qt.TextFormat.PlainText)  # carries error text
        self.test_result.setWordWrap(True)
        self.test_result.hide()
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        callbacks_box.addLayout(test_row)

        self.notifications = QCheckBox(
            "Show a notification when a customer joins or a session ends"
        )

        self.errors = QLabel()
        self.errors.setTextFormat(Qt.TextFormat.PlainText)
        self.errors.setWordWrap(True)
        self.errors.setStyleSheet(ERROR_STYLE)
        self.errors.hide()

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            lambda: self._fill(Settings())
        )

        layout = QVBoxLayout(self)
        layout.addWidget(service)
        layout.addWidget(keyboard)
        layout.addWidget(callbacks)
        layout.addWidget(self.notifications)
        self.start_with_desktop = QCheckBox("Start g2a-tray when I log in")
        self.start_with_desktop.setVisible(autostart_enabled is not None)
        self.start_with_desktop.setChecked(self._autostart_was)
        layout.addWidget(self.start_with_desktop)
        layout.addWidget(self.errors)
        footer = QHBoxLayout()
        footer.addWidget(_hint(f"Stored in <code>{settings_path}</code>"), 1)
        if show_welcome is not None:
            welcome = QPushButton("&Welcome guide…")
            welcome.setToolTip("The first-run questions again: your helpdesk and session updates")
            welcome.clicked.connect(self.reject)  # this dialog closes; the guide opens
            welcome.clicked.connect(show_welcome)
            footer.addWidget(welcome)
        layout.addLayout(footer)
        layout.addWidget(buttons)
        _align_labels(forms)
        self.setMinimumWidth(600)
        self._fields: dict[str, QWidget] = {
            "service_url": self.service_url,
            "session_type": self.session_type,
            "layout": self.layout_choice,
            "partner_object_url_template": self.template,
            "shortcut": self.shortcut,
            "callback.listen_host": self.listen_host,
            "callback.listen_port": self.listen_port,
            "callback.public_url": self.public_url,
            "notifications.enabled": self.notifications,
            "relay.url": self.relay_url,
            "relay.topic_prefix": self.topic_prefix,
            "sessions.stale_after_minutes": self.stale_after,
        }
        self._fill(settings)
        # A red mark goes as soon as its field is edited; the list of problems with the last.
        for key, widget in self._fields.items():
            for signal_name in (
                "textEdited",
                "currentIndexChanged",
                "valueChanged",
                "keySequenceChanged",
                "toggled",
            ):
                signal = getattr(widget, signal_name, None)
                if signal is not None:
                    signal.connect(lambda *_args, k=key: self._clear_mark(k))

    def _clear_mark(self, key: str) -> None:
        if key not in self._marked:
            return
        self._marked.discard(key)
        self._fields[key].setStyleSheet("")
        if not self._marked:
            self.errors.hide()

    def _confirm_no_shortcut(self) -> bool:
        """An empty shortcut is kept only when meant: a combination another program holds
        never reaches this field, so the field can end up empty by accident."""
        box = plain_box(
            QMessageBox.Icon.Question,
            "No shortcut?",
            f"The shortcut field is empty, so {self._base.shortcut} would no longer open the "
            "form.\n\nIf you pressed a key combination and nothing appeared, another program "
            "holds it: try another.",
            self,
        )
        keep = box.addButton(f"Keep {self._base.shortcut}", QMessageBox.ButtonRole.RejectRole)
        box.addButton("No shortcut", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is not keep

    def _start_test(self) -> None:
        assert self._test_callback is not None
        try:
            public_url = check_public_url(self.public_url.text())
        except ValueError as exc:
            self.show_test_result(False, f"Public URL: {exc}.")
            return
        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet("")
        self.test_result.setText("Sending a test update…")
        self.test_result.show()
        self._test_callback(public_url)

    def _start_relay_test(self) -> None:
        assert self._test_relay is not None
        self.relay_test_button.setEnabled(False)
        self.relay_test_result.setStyleSheet("")
        self.relay_test_result.setText("Sending a test update through the relay…")
        self.relay_test_result.show()
        self._test_relay()

    def show_relay_test_result(self, ok: bool, message: str) -> None:
        self.relay_test_button.setEnabled(True)
        self.relay_test_result.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.relay_test_result.setText(("✓ " if ok else "✗ ") + message)
        self.relay_test_result.show()
        self._fit_height()

    def _show_updates_page(self, index: int) -> None:
        # A stacked widget is as tall as its tallest page; size by the page shown only.
        for page in range(self.updates_pages.count()):
            vertical = QSizePolicy.Policy.Preferred if page == index else QSizePolicy.Policy.Ignored
            widget = self.updates_pages.widget(page)
            if widget is not None:
                widget.setSizePolicy(QSizePolicy.Policy.Preferred, vertical)
        self.updates_pages.setCurrentIndex(index)
        self._fit_height()

    def show_relay_state(self, text: str) -> None:
        """Where updates stand now (the running relay), e.g. "updates via …: connected"."""
        self.relay_state.setText(f"Now: {text}" if text else "")
        self.relay_state.setVisible(bool(text))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to show a wrapped message in full: Qt does not re-apply height-for-width
        to a shown dialog, so rows would be squashed instead."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        width = self.width()
        needed = (
            layout.totalHeightForWidth(width)
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if needed > self.height():
            self.resize(width, needed)

    def _forget_token(self) -> None:
        self._forget_requested = True
        self.relay_token.clear()
        self.relay_token.setPlaceholderText("the stored token is removed when you save")
        self.forget_token.setEnabled(False)

    def show_test_result(self, ok: bool, message: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.test_result.setText(("✓ " if ok else "✗ ") + message)
        self.test_result.show()
        self._fit_height()

    def _fill(self, settings: Settings) -> None:
        self.service_url.setText(settings.service_url)
        self.session_type.setItemData(0, settings.session_type)  # the user's spelling, kept
        self.layout_choice.setCurrentIndex(max(self.layout_choice.findData(settings.layout), 0))
        self.template.setText(settings.partner_object_url_template)
        self.shortcut.setKeySequence(
            QKeySequence.fromString(settings.shortcut, QKeySequence.SequenceFormat.PortableText)
        )
        self.listen_host.setText(settings.callback.listen_host)
        self.listen_port.setValue(settings.callback.listen_port)
        self.public_url.setText(settings.callback.public_url)
        self.notifications.setChecked(settings.notifications.enabled)
        relay_mode = bool(settings.relay.url)
        self.updates_mode.setCurrentIndex(
            self.updates_mode.findData(RELAY if relay_mode else LISTENER)
        )
        self._show_updates_page(self.updates_mode.currentIndex())
        if relay_mode or not self.relay_url.text():
            self.relay_url.setText(settings.relay.url)
        self.topic_prefix.setText(settings.relay.topic_prefix)
        self.stale_after.setValue(settings.sessions.stale_after_minutes)

    def edited(self) -> Settings:
        """The settings as shown, not yet checked."""
        return Settings(
            service_url=self.service_url.text(),
            session_type=str(self.session_type.currentData()),
            layout=str(self.layout_choice.currentData()),
            partner_object_url_template=self.template.text(),
            shortcut=self.shortcut.keySequence().toString(QKeySequence.SequenceFormat.PortableText),
            callback=CallbackSettings(
                listen_host=self.listen_host.text(),
                listen_port=self.listen_port.value(),
                public_url=self.public_url.text(),
            ),
            notifications=NotificationSettings(enabled=self.notifications.isChecked()),
            relay=RelaySettings(
                url=self.relay_url.text() if self.relay_mode else "",
                topic_prefix=self.topic_prefix.text(),
            ),
            sessions=SessionSettings(stale_after_minutes=self.stale_after.value()),
        )

    @property
    def relay_mode(self) -> bool:
        return bool(self.updates_mode.currentData() == RELAY)

    def accept(self) -> None:
        settings, problems = normalized(self.edited())
        if self.relay_mode and not settings.relay.url:
            problems.append(Problem("relay.url", "enter the relay's address, or use the listener"))
        for widget in self._fields.values():
            widget.setStyleSheet("")
        if problems:
            for problem in problems:
                self._fields[problem.key].setStyleSheet(INVALID_STYLE)
            self._marked = {p.key for p in problems}
            self.errors.setText(
                "Please correct:\n" + "\n".join(f"• {_label(p.key)}: {p.reason}." for p in problems)
            )
            self.errors.show()
            self._fit_height()
            self._fields[problems[0].key].setFocus()
            return
        self.errors.hide()
        if not settings.shortcut and self._base.shortcut and not self._confirm_no_shortcut():
            self.shortcut.setKeySequence(
                QKeySequence.fromString(
                    self._base.shortcut, QKeySequence.SequenceFormat.PortableText
                )
            )
            return
        token = self.relay_token.text().strip()
        if self._save_relay_token is not None and (token or self._forget_requested):
            try:
                self._save_relay_token(settings.relay.url or self._base.relay.url, token)
            except Exception as exc:  # TokenStoreError: no keyring; the message says why
                warn(self, "Access token not saved", str(exc))
                return
        try:
            self._save(settings)
        except OSError as exc:
            warn(
                self,
                "Settings not saved",
                f"g2a-tray could not save your settings: {exc.strerror or exc}.\n\n"
                "Your previous settings file is unchanged.",
            )
            return
        if self._set_autostart is not None:
            wanted = self.start_with_desktop.isChecked()
            try:
                if wanted != self._autostart_was:
                    self._set_autostart(wanted)
            except OSError as exc:
                warn(
                    self,
                    "Start with my desktop",
                    f"Your settings were saved, but starting at login could not be turned "
                    f"{'on' if wanted else 'off'}: {exc.strerror or exc}.",
                )
        super().accept()


def _label(key: str) -> str:
    field = FIELD_BY_NAME.get(key)
    return field.plain_label if field is not None else key
