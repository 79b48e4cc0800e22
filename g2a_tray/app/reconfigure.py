"""Settings applied: at start, and each time they are saved (old → new).

Only what changed is restarted: a new shortcut is grabbed, a new listen address gets a
new listener, a new relay (or token) a new subscription. Whoever wants the settings in
force asks :attr:`Reconfigure.settings`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from g2a_tray.app.parts import Parts
from g2a_tray.core.markers import TOLD_HOW_TO_BIND_SHORTCUT
from g2a_tray.core.seams import env_seconds
from g2a_tray.core.settings.schema import Settings
from g2a_tray.core.settings.store import SettingsStore
from g2a_tray.core.updates.relay import RelayState
from g2a_tray.qt.keyring_worker import TokenKeeper
from g2a_tray.qt.shortcut import MANUAL, WAYLAND_HELP

log = logging.getLogger(__name__)

SHORTCUT_TITLE = "g2a-tray shortcut"


class Reconfigure(QObject):
    """The settings in force, and the parts they configure."""

    # The listener (re)started, with what to tell the user ("" when nothing): whether it
    # had to move, and what that means, is app/updates_watch.py's to say, once.
    listener_started = Signal(str)
    saved = Signal()  # new settings are in force

    def __init__(
        self,
        parts: Parts,
        settings_store: SettingsStore,
        settings: Settings,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = settings_store
        self.settings = settings
        self._shortcut, self._listener, self._relay = parts.shortcut, parts.listener, parts.relay
        self._notifications = parts.notifications
        self._tray = parts.tray
        self._notices = parts.notices
        self._markers = parts.markers
        self._relay_token_changed = False
        self._keeper = TokenKeeper(self)
        self._notifications.enabled = settings.notifications.enabled
        self._shortcut.problem.connect(self._on_shortcut_problem)
        self._shortcut.bound.connect(self._tray.set_shortcut_hint)
        self._relay.state_changed.connect(self._on_relay_state)

    def start_listener(self) -> None:
        """The listener as the settings say."""
        self.listener_started.emit(self._listener.start(self.settings.callback).message or "")

    def start_relay(self) -> None:
        """The relay as the settings say: configured now (new sessions get its callback
        URLs), subscribed once its token is read from the keyring, off this thread."""
        relay = self.settings.relay
        self._relay.configure(relay)
        if not relay.url:
            return
        # A test seam (docs/ARCHITECTURE.md): how soon a stalled stream is noticed.
        keepalive = env_seconds("G2A_TRAY_RELAY_KEEPALIVE_S") or None

        def subscribe(token: str) -> None:
            if self.settings.relay == relay:  # not replaced meanwhile by another Save
                self._relay.subscribe(token, keepalive)

        self._keeper.load(relay.url, subscribe)

    def save(self, settings: Settings) -> None:
        """Write ``settings`` (raises OSError) and apply what changed."""
        self._store.save(settings)
        previous, self.settings = self.settings, settings
        if settings.shortcut != previous.shortcut or settings.shortcut != self._shortcut.active:
            # Saving the same combination again retries a grab that failed (the program
            # that held it may have gone).
            self.apply_shortcut()
        self._notifications.enabled = settings.notifications.enabled
        if settings.callback != previous.callback:
            self.start_listener()
        if settings.relay != previous.relay or self._relay_token_changed:
            self._relay_token_changed = False
            self.start_relay()
        log.info("settings saved to %s", self._store.path)
        self.saved.emit()

    def save_relay_token(self, relay_url: str, token: str, then: Callable[[str], None]) -> None:
        """Into the system keyring, off this thread (token "": forget it); ``then(problem)``
        with "" once it is stored. The relay restarts with it at the next save."""

        def saved(problem: str) -> None:
            if not problem:
                self._relay_token_changed = True
            then(problem)

        self._keeper.save(relay_url, token, saved)

    def relay_token_stored(self, then: Callable[[bool], None]) -> None:
        """Whether a token is stored for the relay in force, told to ``then``."""
        self._keeper.load(self.settings.relay.url, lambda token: then(bool(token)))

    def close(self) -> None:
        self._keeper.close()

    def apply_shortcut(self) -> None:
        """Ask for the shortcut; the desktop's answer comes as ``bound`` or ``problem``."""
        problem = self._shortcut.apply(self.settings.shortcut)
        if problem is not None:
            self._notices.tell(SHORTCUT_TITLE, problem)

    def _on_shortcut_problem(self, problem: str) -> None:
        """A problem the shortcut backend found later (the Wayland portal answers late)."""
        self._tray.set_shortcut_hint("")
        if problem != MANUAL:
            self._notices.tell(SHORTCUT_TITLE, problem)
        elif self._markers.first_time(TOLD_HOW_TO_BIND_SHORTCUT):  # told once, not each start
            self._notices.tell(SHORTCUT_TITLE, WAYLAND_HELP)

    def _on_relay_state(self, state: RelayState) -> None:
        self._tray.set_updates_state(state.relay_words())

    def relay_state_text(self) -> str:
        """Where updates stand, for the tray's tooltip and the settings dialog."""
        return self._relay.state.relay_words()
