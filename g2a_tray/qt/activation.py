"""Showing a window with the focus a launcher handed over (core/instance/activation.py).

Wayland: Qt's xdg-shell plugin takes ``XDG_ACTIVATION_TOKEN`` from the process
environment when a window is shown or activated, and unsets it
(``QWaylandXdgSurface::requestActivate``); so the token a client sent is put there for
exactly that call and taken out again, so it reaches neither another window nor a
browser started later. X11: the window is raised and activated the usual way (Qt 6
offers no public way to hand a startup id to its xcb connection), and the launcher's
startup sequence is ended for it (qt/x11_startup.py).
"""

from __future__ import annotations

import logging
import os

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from g2a_tray.core.instance.activation import ENV_TOKEN, NONE, Activation

log = logging.getLogger(__name__)


def bring_up(window: QWidget, activation: Activation = NONE) -> None:
    """Show ``window`` normal (not minimised), raised, and asking for the focus."""
    platform = QGuiApplication.platformName()
    token = activation.token if platform.startswith("wayland") else ""
    if token:
        os.environ[ENV_TOKEN] = token
        log.debug("showing %s with an activation token", window.objectName() or "a window")
    try:
        window.showNormal()
        window.raise_()
        window.activateWindow()
    finally:
        if token:
            os.environ.pop(ENV_TOKEN, None)  # used or not, it is not for anything else
    if activation.startup_id and platform == "xcb":
        from g2a_tray.qt.x11_startup import end_startup

        end_startup(activation.startup_id)  # the launcher's "busy" ends: the window is up
