"""The app icon, drawn from the SVG in resources/ at whatever size the panel asks."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QIcon


def resource_path(name: str) -> str:
    return str(resources.files("g2a_tray.resources").joinpath(name))


def app_icon(state: str = "") -> QIcon:
    """The icon, or with a badge for a session that is ``waiting`` or ``active``."""
    # The SVG icon engine renders each requested size crisply, HiDPI included.
    return QIcon(resource_path(f"g2a-tray-{state}.svg" if state else "g2a-tray.svg"))


def tray_icons() -> dict[str, QIcon]:
    return {"idle": app_icon(), "waiting": app_icon("waiting"), "active": app_icon("active")}
