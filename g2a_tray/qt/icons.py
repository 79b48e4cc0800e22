"""The app icon, drawn from the SVGs in resources/, and the tray's icons.

Windows get the SVG as it is (Qt's SVG engine renders each size crisply, HiDPI
included). The tray gets more: a StatusNotifierItem panel receives the icon over D-Bus
as a themed icon *name* (``IconName``) and as *pixmaps* (``IconPixmap``), and an SVG
icon has no fixed sizes to send, so panels got a blank square. Tray icons therefore
carry PNG-sized pixmaps rendered from the SVG, and the plain icon also carries the
name the desktop entry installs into the icon theme (panels that prefer names use it).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap

from g2a_tray import APP_ID
from g2a_tray.core.paths import resource_file

TRAY_SIZES = (16, 22, 24, 32, 48, 64)  # what panels ask for; D-Bus trays send ≤ 64 px


def resource_path(name: str) -> str:
    return str(resource_file(name))


def app_icon(state: str = "") -> QIcon:
    """The icon, or with a badge for a session that is ``waiting`` or ``active``."""
    return QIcon(resource_path(f"g2a-tray-{state}.svg" if state else "g2a-tray.svg"))


class _NamedIcon(QIconEngine):
    """Fixed pixmaps plus a theme name: what ``QIcon::name()`` (and so a
    StatusNotifierItem's ``IconName``) reports. Qt has no public way to give an icon
    both, short of an engine."""

    def __init__(self, pixmaps: QIcon, name: str) -> None:
        super().__init__()
        self._pixmaps = pixmaps
        self._name = name

    def iconName(self) -> str:
        return self._name

    def availableSizes(
        self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off
    ) -> list[QSize]:
        return self._pixmaps.availableSizes(mode, state)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self._pixmaps.pixmap(size, mode, state)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        self._pixmaps.paint(painter, rect, mode=mode, state=state)

    def clone(self) -> QIconEngine:
        return _NamedIcon(self._pixmaps, self._name)


def tray_icon(state: str = "") -> QIcon:
    """The tray's icon for ``state``: pixmaps at the sizes panels use; the plain one
    also named after the app (a badge has no themed name, so only pixmaps show it)."""
    svg = app_icon(state)
    pixmaps = QIcon()
    for size in TRAY_SIZES:
        pixmaps.addPixmap(svg.pixmap(QSize(size, size)))
    return pixmaps if state else QIcon(_NamedIcon(pixmaps, APP_ID))


def tray_icons() -> dict[str, QIcon]:
    return {"idle": tray_icon(), "waiting": tray_icon("waiting"), "active": tray_icon("active")}
