"""The app icon, drawn from the SVG in resources/ at whatever size the panel asks."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QIcon


def app_icon() -> QIcon:
    # The SVG icon engine renders each requested size crisply, HiDPI included.
    path = resources.files("g2a_tray.resources").joinpath("g2a-tray.svg")
    return QIcon(str(path))
