"""Which widget edits each settings key: one :class:`Binding` a key of the core's field
table, saying how the widget is made, how a value goes in and comes out, and which
signal means the user changed it. The settings dialog builds its rows from this table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QKeySequenceEdit,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from g2a_tray.core.helpdesk.note import DEFAULT_TEMPLATE
from g2a_tray.core.sessions.status import MAX_STALE_MINUTES, MIN_STALE_MINUTES
from g2a_tray.core.settings.schema import (
    DEFAULT_SESSION_TYPE,
    LAYOUT_FULL,
    LAYOUT_IFRAME,
    WRITE_BACK_NOTE,
    WRITE_BACK_NOTE_TIME,
    WRITE_BACK_OFF,
)


@dataclass(frozen=True)
class Binding:
    """How one settings key is edited: the widget that shows it, how a value goes in
    and comes out, and the signal that says the user changed it."""

    make: Callable[[], QWidget]
    put: Callable[[Any, Any], None]  # (widget, value)
    take: Callable[[Any], Any]  # widget → value
    edited: str  # the widget's signal that clears the field's red mark


def _line(placeholder: str = "") -> Binding:
    def make() -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        return edit

    return Binding(make, QLineEdit.setText, QLineEdit.text, "textEdited")


def _number(low: int, high: int, suffix: str = "", special: str = "") -> Binding:
    def make() -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        spin.setSpecialValueText(special)  # shown for the lowest value
        return spin

    return Binding(make, QSpinBox.setValue, QSpinBox.value, "valueChanged")


def _choice(items: Sequence[tuple[str, str]], keep_spelling: bool = False) -> Binding:
    """A list of (words, value). ``keep_spelling``: a value that matches an item but for
    case is kept as the user wrote it (the file's ``SCREEN_SHARING``/``screen_sharing``)."""

    def make() -> QComboBox:
        combo = QComboBox()
        for words, value in items:
            combo.addItem(words, value)
        return combo

    def put(combo: QComboBox, value: str) -> None:
        for index in range(combo.count()):
            if str(combo.itemData(index)).lower() == value.lower():
                if keep_spelling:
                    combo.setItemData(index, value)
                combo.setCurrentIndex(index)
                return
        combo.setCurrentIndex(0)

    return Binding(make, put, lambda combo: str(combo.currentData()), "currentIndexChanged")


def _keys() -> Binding:
    def make() -> QKeySequenceEdit:
        edit = QKeySequenceEdit()
        edit.setMaximumSequenceLength(1)
        edit.setClearButtonEnabled(True)
        return edit

    def put(edit: QKeySequenceEdit, text: str) -> None:
        edit.setKeySequence(QKeySequence.fromString(text, QKeySequence.SequenceFormat.PortableText))

    def take(edit: QKeySequenceEdit) -> str:
        return edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)

    return Binding(make, put, take, "keySequenceChanged")


def _text(placeholder: str, lines: int) -> Binding:
    """Several lines of plain text; empty shows ``placeholder`` (the default in force)."""

    def make() -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setPlaceholderText(placeholder)
        edit.setTabChangesFocus(True)  # Tab moves on, as in every other field
        edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)
        return edit

    return Binding(make, QPlainTextEdit.setPlainText, QPlainTextEdit.toPlainText, "textChanged")


def _check(text: str) -> Binding:
    return Binding(lambda: QCheckBox(text), QCheckBox.setChecked, QCheckBox.isChecked, "toggled")


BINDINGS: dict[str, Binding] = {
    "service_url": _line(),
    "session_type": _choice([("Screen sharing", DEFAULT_SESSION_TYPE)], keep_spelling=True),
    "layout": _choice([("Full browser window", LAYOUT_FULL), ("iFrame", LAYOUT_IFRAME)]),
    "partner_object_url_template": _line("https://helpdesk.example.com/tickets/{partnerObject}"),
    "shortcut": _keys(),
    "sessions.stale_after_minutes": _number(
        MIN_STALE_MINUTES, MAX_STALE_MINUTES, " minutes without news"
    ),
    "notifications.enabled": _check("Show a notification when a customer joins or a session ends"),
    "callback.listen_host": _line(),
    "callback.listen_port": _number(0, 65535, special="any free port"),
    "callback.public_url": _line("empty: http://<listen address>:<port>"),
    "relay.url": _line("https://ntfy.example.com"),
    "relay.topic_prefix": _line(),
    "helpdesk.kind": _choice(
        [
            ("None", ""),
            ("Zendesk", "zendesk"),
            ("Freshdesk", "freshdesk"),
            ("Jira Service Management", "jira"),
            ("ServiceNow", "servicenow"),
        ]
    ),
    "helpdesk.url": _line("https://acme.freshdesk.com"),
    "helpdesk.user": _line(),
    "helpdesk.write_back": _choice(
        [
            ("Nothing", WRITE_BACK_OFF),
            ("An internal note", WRITE_BACK_NOTE),
            ("An internal note and the time spent", WRITE_BACK_NOTE_TIME),
        ]
    ),
    "helpdesk.template": _text(DEFAULT_TEMPLATE, DEFAULT_TEMPLATE.count("\n") + 1),
}
