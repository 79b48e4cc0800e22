"""The app icon, drawn from the SVGs in resources/, and the tray's icons.

Windows get the SVG as it is (Qt's SVG engine renders each size crisply, HiDPI
included). The tray gets more: a StatusNotifierItem panel receives the icon over D-Bus
as a themed icon *name* (``IconName``) and as *pixmaps* (``IconPixmap``), and an SVG
file icon has no fixed sizes to send. Tray icons therefore carry pixmaps rendered from
the SVG; and when the icon theme has the app's icon (``g2a-tray desktop-integration``
or a package installed it, the freedesktop convention), the plain icon is taken from
the theme, so the panel also gets its name.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from g2a_tray import APP_ID
from g2a_tray.core.paths import resource_file

TRAY_SIZES = (16, 22, 24, 32, 48, 64)  # what panels ask for; D-Bus trays send ≤ 64 px


def resource_path(name: str) -> str:
    return str(resource_file(name))


def app_icon(state: str = "") -> QIcon:
    """The icon, or with a badge: a session ``waiting`` or ``active``, or ``warning``
    (session updates are not arriving)."""
    return QIcon(resource_path(f"g2a-tray-{state}.svg" if state else "g2a-tray.svg"))


def tray_icon(state: str = "") -> QIcon:
    """The tray's icon for ``state``: the theme's (named) app icon when it has one, else
    pixmaps at the sizes panels use. A badge has no themed name: pixmaps show it."""
    if not state:
        themed = QIcon.fromTheme(APP_ID)
        if not themed.isNull():
            return themed
    svg = app_icon(state)
    pixmaps = QIcon()
    for size in TRAY_SIZES:
        pixmaps.addPixmap(svg.pixmap(QSize(size, size)))
    return pixmaps


class TrayIcons(dict[str, QIcon]):
    """The tray's icons by state; one not drawn yet is drawn when first asked for (only
    the idle icon is drawn before the tray icon shows)."""

    def __missing__(self, state: str) -> QIcon:
        icon = self[state] = tray_icon("" if state == "idle" else state)
        return icon

    def draw_ahead(self) -> None:
        """The badges a launch shows, drawn before the first one (Enter's path)."""
        for state in ("waiting", "active"):
            self[state]  # drawn by __missing__


def tray_icons() -> TrayIcons:
    """The idle icon, drawn now (what start-up shows); the badges when first shown, or
    while idle (:meth:`TrayIcons.draw_ahead`)."""
    icons = TrayIcons()
    icons["idle"] = tray_icon()
    return icons
