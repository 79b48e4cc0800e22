"""The first-run greeting: where tickets live, and how session updates reach the app.

Shown once, on the first start with no settings file; skippable; reachable again from
Settings. It only presents: :meth:`WelcomeDialog.chosen` turns the answers into new
settings and the app saves them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from g2a_tray.core.sessions.launch import expand_template
from g2a_tray.core.settings.presets import PRESETS
from g2a_tray.core.settings.schema import Settings, check_relay_url, check_template

CUSTOM, NONE = "Another helpdesk (type the pattern)", "No ticket links"
TRY_OUT_RELAY = "https://ntfy.sh"  # public: for trying relay mode out, not for customers
EXAMPLE_TICKET = "4711"
HINT_STYLE = "color: palette(placeholder-text);"
ERROR_STYLE = "color: #c62828;"


class WelcomeDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to g2a-tray")
        self._settings = settings

        intro = QLabel(
            "<b>g2a-tray starts GoToAssist remote support sessions from your tray.</b><br>"
            "Two answers make it yours; you can change both later in Settings."
        )

        tickets = self._tickets_group(settings)
        updates = self._updates_group(settings)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.skip_button = buttons.addButton("Skip", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        # A check speaks up once the technician typed or pressed Save, not before.
        self._tried = False
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(tickets)
        layout.addWidget(updates)
        layout.addWidget(buttons)

        self.helpdesk.currentIndexChanged.connect(self._show_choice)
        for edit in (self.site, self.pattern, self.relay_url):
            edit.textEdited.connect(self._typed)
            edit.textChanged.connect(self._update)
        self.use_relay.toggled.connect(self._update)
        self.helpdesk.setCurrentIndex(len(PRESETS) if settings.partner_object_url_template else 0)
        self._show_choice()
        (self.site if self.site.isVisibleTo(self) else self.helpdesk).setFocus()

    def _tickets_group(self, settings: Settings) -> QGroupBox:
        """1. The helpdesk, from a preset or the technician's own pattern, with a preview."""
        self.helpdesk = QComboBox()
        self.helpdesk.addItems([p.name for p in PRESETS] + [CUSTOM, NONE])
        self.site = QLineEdit()
        self.site_label = QLabel()
        self.pattern = QLineEdit(settings.partner_object_url_template)
        self.pattern.setPlaceholderText("https://help.example.com/tickets/{partnerObject}")
        self.pattern_label = QLabel("Ticket URL pattern:")
        self.preview = QLabel()
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tickets = QGroupBox("1. Where your tickets live")
        tickets_form = QFormLayout(tickets)
        tickets_form.addRow("Helpdesk:", self.helpdesk)
        tickets_form.addRow(self.site_label, self.site)
        tickets_form.addRow(self.pattern_label, self.pattern)
        tickets_form.addRow("", self.preview)
        return tickets

    def _updates_group(self, settings: Settings) -> QGroupBox:
        """2. A relay, or updates from this computer only."""
        explain = QLabel(
            "GoToAssist tells g2a-tray when the customer joins and when the session ends.\n"
            "Its servers cannot reach this computer, so those updates come through a relay:\n"
            "an ntfy server that passes them on, best your team's own."
        )
        explain.setStyleSheet(HINT_STYLE)
        privacy = QLabel(
            "The relay sees each session's ticket id and customer name. "
            "ntfy.sh is public: use it to try this out, not for customers."
        )
        privacy.setWordWrap(True)
        self.use_relay = QRadioButton("Through a relay (recommended)")
        self.relay_url = QLineEdit(settings.relay.url)
        self.relay_url.setPlaceholderText("https://ntfy.example.com")
        self.relay_problem = QLabel()
        self.relay_problem.setTextFormat(Qt.TextFormat.PlainText)
        self.relay_problem.hide()
        self.try_out = QPushButton("Try ntfy.sh")
        self.try_out.setToolTip("Fill in the public ntfy.sh server, to try relay mode out")
        self.try_out.clicked.connect(self._try_out)
        self.local_only = QRadioButton("Only on this computer (no updates from GoToAssist)")
        group = QButtonGroup(self)
        group.addButton(self.use_relay)
        group.addButton(self.local_only)
        # A relay unless the technician already set up a public address of their own.
        relayed = bool(settings.relay.url) or not settings.callback.public_url
        (self.use_relay if relayed else self.local_only).setChecked(True)
        updates = QGroupBox("2. How session updates reach you")
        updates_layout = QVBoxLayout(updates)
        updates_layout.addWidget(explain)
        updates_layout.addWidget(self.use_relay)
        relay_row = QFormLayout()
        relay_row.setContentsMargins(24, 0, 0, 0)
        server_row = QHBoxLayout()
        server_row.addWidget(self.relay_url, 1)
        server_row.addWidget(self.try_out)
        relay_row.addRow("Relay server:", server_row)
        relay_row.addRow("", self.relay_problem)
        relay_row.addRow("", privacy)
        updates_layout.addLayout(relay_row)
        updates_layout.addWidget(self.local_only)
        return updates

    # -- what the technician chose

    def template(self) -> str:
        """The ticket-URL template chosen; raises ValueError in plain words."""
        index = self.helpdesk.currentIndex()
        if index < len(PRESETS):
            return PRESETS[index].template(self.site.text())
        if self.helpdesk.currentText() == NONE:
            return ""
        text = self.pattern.text().strip()
        if not text:
            raise ValueError("type your helpdesk's ticket URL with {partnerObject} in it")
        return check_template(text)

    def chosen(self) -> Settings:
        """The settings with the answers in (call after the dialog was accepted)."""
        relay_url = check_relay_url(self.relay_url.text()) if self.use_relay.isChecked() else ""
        return self._settings.with_value(
            ("partner_object_url_template",), self.template()
        ).with_value(("relay", "url"), relay_url)

    # -- presenting

    def _show_choice(self) -> None:
        index = self.helpdesk.currentIndex()
        preset = PRESETS[index] if index < len(PRESETS) else None
        self.site_label.setVisible(preset is not None)
        self.site.setVisible(preset is not None)
        if preset is not None:
            self.site_label.setText(f"{preset.site_label[:1].upper()}{preset.site_label[1:]}:")
            self.site.setPlaceholderText(preset.site_example)
        custom = self.helpdesk.currentText() == CUSTOM
        self.pattern_label.setVisible(custom)
        self.pattern.setVisible(custom)
        self._update()

    def _typed(self) -> None:
        self._tried = True

    def _try_out(self) -> None:
        self._tried = True
        self.relay_url.setText(TRY_OUT_RELAY)

    def accept(self) -> None:
        """Save: the answers are checked now, and a problem is shown instead of closing."""
        self._tried = True
        if self._update():
            super().accept()

    def _relay_problem(self) -> str:
        if not self.use_relay.isChecked():
            return ""
        if not self.relay_url.text().strip():
            return "enter your team's relay server, or press Try ntfy.sh"
        try:
            check_relay_url(self.relay_url.text())
        except ValueError as exc:
            return str(exc)
        return ""

    def _show_problem(self, label: QLabel, problem: str) -> None:
        # Red only once the technician typed or pressed Save; before, a plain hint.
        label.setStyleSheet(ERROR_STYLE if self._tried else HINT_STYLE)
        label.setText(problem[:1].upper() + problem[1:] + ".")

    def _update(self) -> bool:
        """Show the preview and what is missing; True when the answers can be saved."""
        self.relay_url.setEnabled(self.use_relay.isChecked())
        self.try_out.setEnabled(self.use_relay.isChecked())
        relay_problem = self._relay_problem()
        self.relay_problem.setVisible(bool(relay_problem))
        if relay_problem:
            self._show_problem(self.relay_problem, relay_problem)
        try:
            template, problem = self.template(), ""
        except ValueError as exc:
            template, problem = "", str(exc)
        if problem:
            self._show_problem(self.preview, problem)
        elif template:
            self.preview.setStyleSheet(HINT_STYLE)
            self.preview.setText(
                f"Ticket {EXAMPLE_TICKET} opens {expand_template(template, EXAMPLE_TICKET)}"
            )
        else:
            self.preview.setStyleSheet(HINT_STYLE)
            self.preview.setText("Sessions start without a link to a ticket.")
        return not problem and not relay_problem
