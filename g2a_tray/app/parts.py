"""The parts one running app is made of, built once by ``root.py`` and handed to each
room of the composition root, which takes from it what its job needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from g2a_tray.app.notices import Notices
from g2a_tray.core.markers import Markers
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import Settings
from g2a_tray.qt.helpdesk import NoteDelivery
from g2a_tray.qt.listener import CallbackListener
from g2a_tray.qt.notifier import NotificationCenter
from g2a_tray.qt.relay import RelayConnection
from g2a_tray.qt.shortcut import GlobalShortcut
from g2a_tray.qt.tray import TrayController


class Parts(NamedTuple):
    store: SessionStore
    tray: TrayController
    listener: CallbackListener
    relay: RelayConnection
    notifications: NotificationCenter
    shortcut: GlobalShortcut
    notices: Notices
    notes: NoteDelivery  # the helpdesk outbox and its courier
    markers: Markers
    settings: Callable[[], Settings]  # the settings in force (app/reconfigure.py owns them)
