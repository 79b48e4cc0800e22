"""The settings dialog for partner defaults and app preferences.

It edits a copy of :class:`Settings`; nothing changes until Save succeeds. Each key of
the core's field table (:data:`FIELDS`) is bound once, in
:data:`g2a_tray.ui.setting_widgets.BINDINGS`, to the kind of widget that edits it: rows,
filling, reading and the red marks all come from that binding, so the dialog refuses
exactly what the file loader does and a new key is one line there. What the dialog can
ask the app for comes in one :class:`SettingsActions`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
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
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from g2a_tray.core.settings.schema import (
    FIELD_BY_NAME,
    HelpdeskSettings,
    Problem,
    Settings,
    check_public_url,
    normalized,
)
from g2a_tray.core.updates.relay import RelayState
from g2a_tray.qt.dialogs import plain_box, warn
from g2a_tray.ui.helpdesk_page import HelpdeskPage
from g2a_tray.ui.quick_form import ERROR_STYLE
from g2a_tray.ui.setting_widgets import BINDINGS

RELAY, LISTENER = "relay", "listener"
TRY_OUT_RELAY = "https://ntfy.sh"
HINT_STYLE = "color: palette(placeholder-text);"
INVALID_STYLE = "border: 1px solid #c62828;"
OK_STYLE = "background: #e8f5e9; border-left: 3px solid #2e7d32; padding: 4px 6px;"


TokenCall = Callable[[Callable[[str], None]], None]  # a keyring save, told then(problem)


@dataclass(frozen=True)
class SettingsActions:
    """What the dialog may ask the app to do. A missing one (None) hides its button."""

    save: Callable[[Settings], None]  # raises OSError when the file cannot be written
    test_callback: Callable[[str], None] | None = None  # answer: show_test_result
    test_relay: Callable[[], None] | None = None  # answer: show_relay_test_result
    # (relay URL, token or "" to forget it, then(problem)): the keyring answers later;
    # "" means stored.
    save_relay_token: Callable[[str, str, Callable[[str], None]], None] | None = None
    relay_token_stored: bool = False  # as far as known when the dialog opens
    autostart_enabled: bool | None = None  # None: this platform has no login entry
    set_autostart: Callable[[bool], None] | None = None
    show_welcome: Callable[[], None] | None = None
    # Where the desktop binds the shortcut itself (GlobalShortcuts portal, version 2).
    configure_shortcut: Callable[[], None] | None = None
    # The helpdesk's token: (helpdesk settings, token or "" to forget it, then(problem)).
    save_helpdesk_token: Callable[[HelpdeskSettings, str, Callable[[str], None]], None] | None = (
        None
    )
    # *Test connection*: (helpdesk settings, the token typed or ""); answer:
    # show_helpdesk_test_result.
    test_helpdesk: Callable[[HelpdeskSettings, str], None] | None = None
    # Asked once the dialog is up: whether a token is stored (then(stored)).
    helpdesk_token_stored: Callable[[HelpdeskSettings, Callable[[bool], None]], None] | None = None


def helpdesk_problems(helpdesk: HelpdeskSettings) -> list[Problem]:
    """What a chosen helpdesk still needs before notes can be written."""
    from g2a_tray.core.helpdesk.kinds import KINDS

    kind = KINDS.get(helpdesk.kind)
    if kind is None:
        return []
    problems = []
    if not helpdesk.url:
        problems.append(Problem("helpdesk.url", f"enter your {kind.name} address"))
    if kind.user_label and not helpdesk.user:
        problems.append(Problem("helpdesk.user", f"enter your {kind.user_label.lower()}"))
    return problems


# -- layout helpers


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


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def _result_label() -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)  # carries error text from outside
    label.setWordWrap(True)
    label.hide()
    return label


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


def _label(key: str) -> str:
    field = FIELD_BY_NAME.get(key)
    return field.plain_label if field is not None else key


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        actions: SettingsActions,
        settings_path: str,
        *,
        relay_state: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("g2a-tray settings")
        self.setObjectName("settingsDialog")
        self._actions = actions
        self._base = settings
        self._marked: set[str] = set()
        self._forms: list[QFormLayout] = []
        self._forget_requested = False
        self.fields: dict[str, QWidget] = {key: b.make() for key, b in BINDINGS.items()}
        for key, binding in BINDINGS.items():
            getattr(self.fields[key], binding.edited).connect(
                lambda *_args, k=key: self._clear_mark(k)
            )

        general_page = QWidget()
        general = QVBoxLayout(general_page)
        general.addWidget(
            self._group(
                "GoToAssist",
                ["service_url", "session_type", "layout", "partner_object_url_template"],
            )
        )
        general.addWidget(self._keyboard_group(actions.configure_shortcut))
        general.addWidget(self._updates_group(relay_state))
        general.addWidget(self.fields["notifications.enabled"])
        self.start_with_desktop = QCheckBox("Start g2a-tray when I log in")
        self.start_with_desktop.setVisible(actions.autostart_enabled is not None)
        self.start_with_desktop.setChecked(bool(actions.autostart_enabled))
        general.addWidget(self.start_with_desktop)
        template = self.fields["partner_object_url_template"]
        assert isinstance(template, QLineEdit)
        self.helpdesk = HelpdeskPage(
            self.fields, template.text, self._forms, actions.test_helpdesk is not None
        )
        self.helpdesk.test_button.clicked.connect(self._start_helpdesk_test)
        self.tabs = QTabWidget()
        self.tabs.addTab(general_page, "&General")
        self.tabs.addTab(self.helpdesk, "Help&desk")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.errors = _result_label()
        self.errors.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.errors)
        layout.addLayout(self._footer(settings_path))
        layout.addWidget(self._buttons())
        _align_labels(self._forms)
        self.setMinimumWidth(600)
        self._fill(settings)

    # -- building

    def _rows(self, form: QFormLayout, keys: Sequence[str]) -> None:
        """A row a key, labelled as the core's field table names it."""
        for key in keys:
            form.addRow(_buddy(FIELD_BY_NAME[key].label + ":", self.fields[key]), self.fields[key])

    def _group(self, title: str, keys: Sequence[str]) -> QGroupBox:
        """A titled box of rows; the keys' hints go below the form, where Qt sizes them."""
        box = QGroupBox(title)
        outer = QVBoxLayout(box)
        form = _form()
        self._forms.append(form)
        self._rows(form, keys)
        outer.addLayout(form)
        for key in keys:
            if FIELD_BY_NAME[key].hint:
                outer.addWidget(_hint(FIELD_BY_NAME[key].hint))
        return box

    def _keyboard_group(self, configure_shortcut: Callable[[], None] | None) -> QGroupBox:
        """The shortcut and the stale-session time; where the desktop has its own shortcut
        editor (the GlobalShortcuts portal, version 2), a button that opens it."""
        box = self._group("Keyboard and sessions", ["shortcut", "sessions.stale_after_minutes"])
        if configure_shortcut is not None:
            change = QPushButton("Change the key in your desktop's settings…")
            change.setObjectName("configureShortcut")
            change.clicked.connect(configure_shortcut)
            outer = box.layout()
            assert isinstance(outer, QVBoxLayout)  # _group gave it one
            outer.addWidget(change, 0, Qt.AlignmentFlag.AlignLeft)
        return box

    def _updates_group(self, relay_state: str) -> QGroupBox:
        """Session updates: through a relay, or the local listener behind a public URL."""
        box = QGroupBox("Session updates (customer joined, session ended)")
        outer = QVBoxLayout(box)
        self.updates_mode = QComboBox()
        self.updates_mode.addItem("A relay (ntfy): no tunnel needed", RELAY)
        self.updates_mode.addItem("This computer's listener, through a public URL", LISTENER)
        mode_form = QFormLayout()
        mode_form.addRow(_buddy("Receive upd&ates through:", self.updates_mode), self.updates_mode)
        self._forms.append(mode_form)
        outer.addLayout(mode_form)
        self.updates_pages = QStackedWidget()
        self.updates_pages.addWidget(self._relay_page(relay_state))
        self.updates_pages.addWidget(self._listener_page())
        outer.addWidget(self.updates_pages)
        self.updates_mode.currentIndexChanged.connect(self._show_updates_page)
        return box

    def _relay_page(self, relay_state: str) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        form = _form()
        self._forms.append(form)
        try_out = QPushButton("Try ntfy.sh")
        try_out.setToolTip("Fill in the public ntfy.sh server, to try relay mode out")
        try_out.clicked.connect(lambda: self._relay_url.setText(TRY_OUT_RELAY))
        url_row = QHBoxLayout()
        url_row.addWidget(self._relay_url, 1)
        url_row.addWidget(try_out)
        form.addRow(_buddy(FIELD_BY_NAME["relay.url"].label + ":", self._relay_url), url_row)
        self._rows(form, ["relay.topic_prefix"])
        self.relay_token = QLineEdit()
        self.relay_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.relay_token.setPlaceholderText(
            "a token is stored: type to replace it"
            if self._actions.relay_token_stored
            else "optional"
        )
        self.forget_token = QPushButton("Forget")
        self.forget_token.setToolTip("Remove the stored access token from the keyring")
        self.forget_token.setEnabled(self._actions.relay_token_stored)
        self.forget_token.clicked.connect(self._forget_token)
        token_row = QHBoxLayout()
        token_row.addWidget(self.relay_token, 1)
        token_row.addWidget(self.forget_token)
        form.addRow(_buddy("Access &token:", self.relay_token), token_row)
        box.addLayout(form)
        self.relay_state = QLabel()
        self.relay_state.setTextFormat(Qt.TextFormat.PlainText)  # carries error text
        self.relay_state.setWordWrap(True)
        self.show_relay_state(relay_state)
        box.addWidget(self.relay_state)
        box.addWidget(
            _hint(
                "GoToAssist posts each update to the relay; g2a-tray picks it up from there.<br>"
                "<b>The relay server sees ticket ids, customer names and session times.</b><br>"
                "ntfy.sh is for trying this out; a team should run its own ntfy server<br>"
                "(README: <i>Session updates without a tunnel</i>). The token is kept in<br>"
                "your system keyring, never in the settings file."
            )
        )
        self.relay_test_button = QPushButton("Test re&lay")
        self.relay_test_button.setToolTip(
            "Post a test update to the relay as GoToAssist would and check that it comes back. "
            "Uses the relay as it runs now: save first after changing it."
        )
        self.relay_test_button.clicked.connect(self._start_relay_test)
        self.relay_test_button.setVisible(self._actions.test_relay is not None)
        self.relay_test_result = _result_label()
        box.addLayout(self._test_row(self.relay_test_button, self.relay_test_result))
        return page

    def _listener_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        form = _form()
        self._forms.append(form)
        self._rows(form, ["callback.listen_host", "callback.listen_port", "callback.public_url"])
        box.addLayout(form)
        box.addWidget(
            _hint(
                "GoToAssist's servers cannot reach this computer's own address: forward a<br>"
                "public URL (a tunnel or a reverse proxy) to the listen address and port,<br>"
                "and enter it above."
            )
        )
        self.test_button = QPushButton("&Test callback URL")
        self.test_button.setToolTip(
            "Send a test update to the public URL (or the listener itself) and check that it "
            "arrives here. Uses the listener as it runs now: save first after changing the port."
        )
        self.test_button.clicked.connect(self._start_test)
        self.test_button.setVisible(self._actions.test_callback is not None)
        self.test_result = _result_label()
        box.addLayout(self._test_row(self.test_button, self.test_result))
        return page

    @staticmethod
    def _test_row(button: QPushButton, result: QLabel) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(button)
        row.addWidget(result, 1)
        return row

    def _footer(self, settings_path: str) -> QHBoxLayout:
        footer = QHBoxLayout()
        footer.addWidget(_hint(f"Stored in <code>{settings_path}</code>"), 1)
        if self._actions.show_welcome is not None:
            welcome = QPushButton("&Welcome guide…")
            welcome.setToolTip("The first-run questions again: your helpdesk and session updates")
            welcome.clicked.connect(self.reject)  # this dialog closes; the guide opens
            welcome.clicked.connect(self._actions.show_welcome)
            footer.addWidget(welcome)
        return footer

    def _buttons(self) -> QDialogButtonBox:
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
        self._buttons_box = buttons
        return buttons

    # -- values in and out

    @property
    def _relay_url(self) -> QLineEdit:
        widget = self.fields["relay.url"]
        assert isinstance(widget, QLineEdit)
        return widget

    @property
    def _shortcut(self) -> QKeySequenceEdit:
        widget = self.fields["shortcut"]
        assert isinstance(widget, QKeySequenceEdit)
        return widget

    def _fill(self, settings: Settings) -> None:
        for key, binding in BINDINGS.items():
            if key != "relay.url":
                binding.put(self.fields[key], settings.get(FIELD_BY_NAME[key].key))
        relay_mode = bool(settings.relay.url)
        self.updates_mode.setCurrentIndex(
            self.updates_mode.findData(RELAY if relay_mode else LISTENER)
        )
        self._show_updates_page(self.updates_mode.currentIndex())
        # The listener's defaults keep a relay address typed earlier, to switch back to.
        if relay_mode or not self._relay_url.text():
            self._relay_url.setText(settings.relay.url)

    def edited(self) -> Settings:
        """The settings as shown, not yet checked."""
        settings = Settings()
        for key, binding in BINDINGS.items():
            settings = settings.with_value(FIELD_BY_NAME[key].key, binding.take(self.fields[key]))
        if not self.relay_mode:
            settings = settings.with_value(("relay", "url"), "")
        return settings

    @property
    def relay_mode(self) -> bool:
        return bool(self.updates_mode.currentData() == RELAY)

    # -- showing state

    def _clear_mark(self, key: str) -> None:
        if key not in self._marked:
            return
        self._marked.discard(key)
        self.fields[key].setStyleSheet("")
        if not self._marked:
            self.errors.hide()

    def _show_updates_page(self, index: int) -> None:
        # A stacked widget is as tall as its tallest page; size by the page shown only.
        for page in range(self.updates_pages.count()):
            vertical = QSizePolicy.Policy.Preferred if page == index else QSizePolicy.Policy.Ignored
            widget = self.updates_pages.widget(page)
            if widget is not None:
                widget.setSizePolicy(QSizePolicy.Policy.Preferred, vertical)
        self.updates_pages.setCurrentIndex(index)
        self._fit_height()

    def focus_updates(self) -> None:
        """Where "Session updates are not arriving — why…" leads: the updates section,
        its state line in view, the access token ready when a relay is in use."""
        self.tabs.setCurrentIndex(0)
        if self.relay_mode:
            self.relay_token.setFocus()
        else:
            self.updates_mode.setFocus()

    def show_relay_state_of(self, state: RelayState) -> None:
        """The running relay's state changed (``RelayConnection.state_changed``)."""
        self.show_relay_state(state.relay_words())

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

    def _show_result(self, button: QPushButton, label: QLabel, ok: bool, message: str) -> None:
        button.setEnabled(True)
        label.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        label.setText(("✓ " if ok else "✗ ") + message)
        label.show()
        self._fit_height()

    def show_test_result(self, ok: bool, message: str) -> None:
        self._show_result(self.test_button, self.test_result, ok, message)

    def show_relay_test_result(self, ok: bool, message: str) -> None:
        self._show_result(self.relay_test_button, self.relay_test_result, ok, message)

    # -- what the user does

    def _start_test(self) -> None:
        assert self._actions.test_callback is not None
        public = self.fields["callback.public_url"]
        assert isinstance(public, QLineEdit)
        try:
            public_url = check_public_url(public.text())
        except ValueError as exc:
            self.show_test_result(False, f"Public URL: {exc}.")
            return
        self._show_pending(self.test_button, self.test_result, "Sending a test update…")
        self._actions.test_callback(public_url)

    def _start_relay_test(self) -> None:
        assert self._actions.test_relay is not None
        self._show_pending(
            self.relay_test_button,
            self.relay_test_result,
            "Sending a test update through the relay…",
        )
        self._actions.test_relay()

    @staticmethod
    def _show_pending(button: QPushButton, label: QLabel, text: str) -> None:
        button.setEnabled(False)
        label.setStyleSheet("")
        label.setText(text)
        label.show()

    def _forget_token(self) -> None:
        self._forget_requested = True
        self.relay_token.clear()
        self.relay_token.setPlaceholderText("the stored token is removed when you save")
        self.forget_token.setEnabled(False)

    def _ask_no_shortcut(self, settings: Settings) -> None:
        """An empty shortcut is kept only when meant: a combination another program holds
        never reaches this field, so the field can end up empty by accident. The question
        is modal to this dialog only (``open()``, no nested loop); the answer saves or
        puts the old combination back."""
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
        box.setEscapeButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            if box.clickedButton() is keep or box.clickedButton() is None:
                BINDINGS["shortcut"].put(self._shortcut, self._base.shortcut)
            else:
                self._save_token_then_commit(settings)

        box.finished.connect(answered)
        box.open()

    def _mark(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.fields[problem.key].setStyleSheet(INVALID_STYLE)
        self._marked = {p.key for p in problems}
        self.errors.setText(
            "Please correct:\n" + "\n".join(f"• {_label(p.key)}: {p.reason}." for p in problems)
        )
        self.errors.show()
        self._fit_height()
        first = problems[0].key
        self.tabs.setCurrentIndex(1 if first.startswith("helpdesk.") else 0)
        self.fields[first].setFocus()

    def accept(self) -> None:
        settings, problems = normalized(self.edited())
        if self.relay_mode and not settings.relay.url:
            problems.append(Problem("relay.url", "enter the relay's address, or use the listener"))
        problems += helpdesk_problems(settings.helpdesk)
        for widget in self.fields.values():
            widget.setStyleSheet("")
        if problems:
            self._mark(problems)
            return
        self.errors.hide()
        if not settings.shortcut and self._base.shortcut:
            self._ask_no_shortcut(settings)
            return
        self._save_token_then_commit(settings)

    def _commit(self, settings: Settings) -> None:
        if self._save(settings) and self._save_autostart():
            super().accept()

    def _save_token_then_commit(self, settings: Settings) -> None:
        """The tokens go to the keyring first, the relay's then the helpdesk's (it may ask
        for a password to unlock it, and answers later); the settings are saved once
        they are stored."""
        self._keep_token(
            self._relay_token_call(settings),
            "Access token not saved",
            lambda: self._keep_token(
                self._helpdesk_token_call(settings),
                "Helpdesk token not saved",
                lambda: self._commit(settings),
            ),
        )

    def _keep_token(self, call: TokenCall | None, title: str, then: Callable[[], None]) -> None:
        """Run one keyring save (None: nothing to save), the dialog busy meanwhile; on to
        ``then`` once stored, or stay open saying why not."""
        if call is None:
            then()
            return
        self._set_busy(True)

        def stored(problem: str) -> None:
            self._set_busy(False)
            if problem:
                warn(self, title, problem)
                return
            then()

        call(stored)

    def _relay_token_call(self, settings: Settings) -> TokenCall | None:
        token = self.relay_token.text().strip()
        save_token = self._actions.save_relay_token
        if save_token is None or not (token or self._forget_requested):
            return None
        url = settings.relay.url or self._base.relay.url

        def call(then: Callable[[str], None]) -> None:
            def stored(problem: str) -> None:
                if not problem:
                    self.relay_token.clear()
                    self._forget_requested = False
                then(problem)

            save_token(url, token, stored)

        return call

    def _helpdesk_token_call(self, settings: Settings) -> TokenCall | None:
        """Under the helpdesk, address and name being saved."""
        page = self.helpdesk
        token = page.token.text().strip()
        save_token = self._actions.save_helpdesk_token
        if save_token is None or not settings.helpdesk.kind or not (token or page.forget_requested):
            return None

        def call(then: Callable[[str], None]) -> None:
            def stored(problem: str) -> None:
                if not problem:
                    page.token.clear()
                    page.forget_requested = False
                then(problem)

            save_token(settings.helpdesk, token, stored)

        return call

    def _start_helpdesk_test(self) -> None:
        test = self._actions.test_helpdesk
        if test is None:
            return
        settings, problems = normalized(self.edited())
        problems = [p for p in problems if p.key.startswith("helpdesk.")]
        if problems:
            self._mark(problems)
            return
        self.helpdesk.show_pending()
        test(settings.helpdesk, self.helpdesk.token.text().strip())

    def show_helpdesk_test_result(self, ok: bool, message: str) -> None:
        self.helpdesk.show_test_result(ok, message, OK_STYLE, ERROR_STYLE)
        self._fit_height()

    def show_helpdesk_token_stored(self, stored: bool) -> None:
        self.helpdesk.show_token_stored(stored)

    def _set_busy(self, busy: bool) -> None:
        """While the keyring works: Save waits, and says what it waits for."""
        self._buttons_box.setEnabled(not busy)
        self.errors.setStyleSheet("" if busy else ERROR_STYLE)
        self.errors.setText("Saving the access token in your keyring…" if busy else "")
        self.errors.setVisible(busy)

    def show_token_stored(self, stored: bool) -> None:
        """What the keyring said (asked when the dialog opened)."""
        if self._forget_requested:
            return
        self.relay_token.setPlaceholderText(
            "a token is stored: type to replace it" if stored else "optional"
        )
        self.forget_token.setEnabled(stored)

    def _save(self, settings: Settings) -> bool:
        try:
            self._actions.save(settings)
        except OSError as exc:
            warn(
                self,
                "Settings not saved",
                f"g2a-tray could not save your settings: {exc.strerror or exc}.\n\n"
                "Your previous settings file is unchanged.",
            )
            return False
        return True

    def _save_autostart(self) -> bool:
        """False (the dialog stays open, saying why) when the login entry could not be
        written; the settings themselves were saved."""
        set_autostart = self._actions.set_autostart
        wanted = self.start_with_desktop.isChecked()
        if set_autostart is None or wanted == bool(self._actions.autostart_enabled):
            return True
        try:
            set_autostart(wanted)
        except OSError as exc:
            warn(
                self,
                "Start with my desktop",
                f"Your settings were saved, but starting at login could not be turned "
                f"{'on' if wanted else 'off'}: {exc.strerror or exc}.",
            )
            return False
        return True
