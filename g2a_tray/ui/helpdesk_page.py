"""Settings → Helpdesk: where an ended session is written as an internal note.

Only presents: the rows are the dialog's fields for the ``helpdesk.*`` keys (built from
ui/setting_widgets.py like every other), plus the token, kept in the keyring by the app,
and *Test connection*, answered by the app through :meth:`HelpdeskPage.show_test_result`.
What each helpdesk needs and who can get its token comes from core/helpdesk/vendors.py.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from g2a_tray.core.helpdesk.kinds import KINDS
from g2a_tray.core.helpdesk.note import PLACEHOLDERS
from g2a_tray.core.settings.presets import helpdesk_url_from_template
from g2a_tray.core.settings.schema import FIELD_BY_NAME, WRITE_BACK_NOTE_TIME

PRIVACY = (
    "Notes are internal: never shown to the customer. The helpdesk receives the "
    "customer's name and the session's times (it already holds the ticket)."
)


def _plain_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class HelpdeskPage(QWidget):
    """The rows of the helpdesk settings; ``fields`` are the dialog's widgets by key."""

    def __init__(
        self,
        fields: dict[str, QWidget],
        template_url: Callable[[], str],
        forms: list[QFormLayout],
        can_test: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._fields = fields
        self._template_url = template_url  # the ticket-URL template being edited
        kind, url = fields["helpdesk.kind"], fields["helpdesk.url"]
        user, write_back = fields["helpdesk.user"], fields["helpdesk.write_back"]
        assert isinstance(kind, QComboBox) and isinstance(url, QLineEdit)
        assert isinstance(user, QLineEdit) and isinstance(write_back, QComboBox)
        self.kind, self.url, self.user, self.write_back = kind, url, user, write_back
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setObjectName("helpdeskToken")
        self.forget_token = QPushButton("Forget")
        self.forget_token.setToolTip("Remove the stored token from the keyring")
        self.forget_token.setEnabled(False)
        self.forget_token.clicked.connect(self._forget)
        self.forget_requested = False
        self.token_stored = False

        outer = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        forms.append(form)
        self._label = {}
        for key in ("helpdesk.kind", "helpdesk.url", "helpdesk.user"):
            self._label[key] = self._row(form, key, fields[key])
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.forget_token)
        self._token_label = QLabel("&Token:")
        self._token_label.setBuddy(self.token)
        form.addRow(self._token_label, token_row)
        self._row(form, "helpdesk.write_back", self.write_back)
        self._row(form, "helpdesk.template", fields["helpdesk.template"])
        outer.addLayout(form)
        self._hints_and_test(outer, can_test)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _hints_and_test(self, outer: QVBoxLayout, can_test: bool) -> None:
        self.who = _plain_label()
        self.who.setObjectName("helpdeskWho")
        outer.addWidget(self.who)
        names = ", ".join("{" + n + "}" for n in PLACEHOLDERS)
        template_hint = _plain_label(
            f"Empty: the note shown in grey. Placeholders: {names}. Every note ends with a "
            "reference line, so a note is never written twice."
        )
        template_hint.setStyleSheet("color: palette(placeholder-text);")
        outer.addWidget(template_hint)
        outer.addWidget(_plain_label(PRIVACY))
        self.test_button = QPushButton("Test &connection")
        self.test_button.setToolTip(
            "Sign in to the helpdesk with what is typed here (and the stored token if none "
            "is typed), as the notes will"
        )
        self.test_button.setVisible(can_test)
        self.test_result = _plain_label()
        self.test_result.hide()
        row = QHBoxLayout()
        row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.test_result, 1)
        outer.addLayout(row)
        outer.addStretch(1)

    @staticmethod
    def _row(form: QFormLayout, key: str, widget: QWidget) -> QLabel:
        label = QLabel(FIELD_BY_NAME[key].label + ":")
        label.setBuddy(widget)
        form.addRow(label, widget)
        return label

    def kind_key(self) -> str:
        return str(self.kind.currentData() or "")

    def _kind_changed(self) -> None:
        """Labels, hints and rows for the helpdesk chosen; its URL from the preset."""
        kind = KINDS.get(self.kind_key())
        chosen = kind is not None
        for widget in (self.url, self.token, self.forget_token, self.write_back, self.user):
            widget.setEnabled(chosen)
        self._fields["helpdesk.template"].setEnabled(chosen)
        self.test_button.setEnabled(chosen)
        if kind is None:
            self.who.setText("Choose your helpdesk to have each session written into its ticket.")
            return
        self.url.setPlaceholderText(kind.url_example)
        if not self.url.text().strip():
            self.url.setText(helpdesk_url_from_template(self._template_url(), kind.key))
        needs_user = bool(kind.user_label)
        self.user.setVisible(needs_user)
        self._label["helpdesk.user"].setVisible(needs_user)
        if needs_user:
            self._label["helpdesk.user"].setText(f"Sign-in &{kind.user_label.lower()}:")
        self._token_label.setText(f"&{kind.token_label}:")
        self.show_token_stored(self.token_stored)
        time_item = self.write_back.findData(WRITE_BACK_NOTE_TIME)
        self.write_back.setItemText(
            time_item,
            "An internal note and the time spent"
            if kind.time_api
            else f"An internal note and the time spent (note only: {kind.name} logs no time)",
        )
        self.who.setText(kind.who_gets_token)

    def show_token_stored(self, stored: bool) -> None:
        """What the keyring said about the helpdesk's token."""
        self.token_stored = stored and not self.forget_requested
        self.token.setPlaceholderText(
            "stored in your keyring: type to replace it"
            if self.token_stored
            else "kept in your system keyring, never in settings.toml"
        )
        self.forget_token.setEnabled(self.token_stored)

    def _forget(self) -> None:
        self.forget_requested = True
        self.token.clear()
        self.token.setPlaceholderText("the stored token is removed when you save")
        self.forget_token.setEnabled(False)

    def show_pending(self) -> None:
        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet("")
        self.test_result.setText("Signing in to the helpdesk…")
        self.test_result.show()

    def show_test_result(self, ok: bool, message: str, ok_style: str, error_style: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setStyleSheet(ok_style if ok else error_style)
        self.test_result.setText(message)
        self.test_result.show()
