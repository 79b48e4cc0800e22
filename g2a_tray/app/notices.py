"""Message boxes the user must see: start-up problems and failures.

Every box the app opens on its own goes through :class:`Notices`, so that each is plain
text, Esc means OK, Quit can close them all, and none is modal: a ``QMessageBox`` is
application-modal even when opened with ``show()``, and while one was up the quick form
took no keys (tests/process/test_never_in_the_way.py).

While the quick form is up, boxes wait (:meth:`Notices.hold`): a window shown then takes
the keyboard on most desktops (sway and i3 give every new window the focus), and the
ticket being typed would go into the box. They appear once the form has gone.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from g2a_tray.qt.dialogs import plain_box
from g2a_tray.qt.icons import app_icon


class Notices(QObject):
    """The notice boxes open now (``open``), newest last."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.open: list[QMessageBox] = []  # shown, or waiting for the form to go
        self._held = False
        self._waiting: list[QMessageBox] = []

    def tell(self, title: str, text: str, copyable: str | None = None) -> QMessageBox:
        """A message box shown without waiting for it; ``copyable``: a text the box offers
        to copy (an address to open by hand)."""
        box = plain_box(QMessageBox.Icon.Warning, title, text)
        box.setWindowIcon(app_icon())
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if copyable is not None:
            copy = box.addButton("Copy and close", QMessageBox.ButtonRole.ActionRole)
            copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(copyable))
        # Esc and closing the window mean OK (with a second button, Qt would refuse both).
        box.setEscapeButton(box.addButton(QMessageBox.StandardButton.Ok))
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.finished.connect(lambda _result, b=box: self._closed(b))
        self.open.append(box)
        if self._held:
            self._waiting.append(box)
        else:
            box.show()
        return box

    def hold(self, held: bool) -> None:
        """Keep new boxes back while ``held`` (the form is up); show those that waited
        when it ends, in the order they came."""
        self._held = held
        if not held:
            waiting, self._waiting = self._waiting, []
            for box in waiting:
                box.show()

    def is_up(self, box: QMessageBox | None) -> bool:
        """Whether ``box`` is still open, shown or waiting to be."""
        return box is not None and box in self.open

    def tell_not_opened(self, what: str, url: str) -> QMessageBox:
        """The browser did not take ``url``: the user gets it to open by hand."""
        return self.tell(
            "Could not open the browser",
            f"g2a-tray could not hand {what} to your browser. Open this address yourself:\n\n{url}",
            copyable=url,
        )

    def _closed(self, box: QMessageBox) -> None:
        if box in self.open:
            self.open.remove(box)
        box.deleteLater()

    def close_all(self) -> None:
        self._waiting = []
        for box in list(self.open):
            box.close()
            self._closed(box)  # one that never showed sends no finished
