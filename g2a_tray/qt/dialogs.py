"""Message boxes that show text from outside as text.

``QMessageBox`` guesses whether its text is HTML (``Qt.AutoText``): a link parameter
named ``<b>x</b>``, a path or an exception message would be rendered as markup. Every
box g2a-tray shows goes through here and is plain text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def plain_box(
    icon: QMessageBox.Icon, title: str, text: str, parent: QWidget | None = None
) -> QMessageBox:
    """A message box whose text is never read as markup."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def warn(parent: QWidget, title: str, text: str) -> QMessageBox:
    """A warning with an OK button (plain text) over ``parent`` only: window-modal, shown
    with ``open()`` (no nested event loop), so the app's other windows still take keys."""
    box = plain_box(QMessageBox.Icon.Warning, title, text, parent)
    box.addButton(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
