"""The relay subscription as the app sees it: Qt signals in, URLs out.

Wraps :class:`g2a_tray.core.relay.RelaySubscriber`, whose callbacks run on its own
thread; emitting from there queues into the GUI thread, so nothing touches a widget
from another thread (the same path as the local listener's events).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import RelaySettings
from g2a_tray.core.updates.relay import (
    CONNECTING,
    OFF,
    RelayState,
    RelaySubscriber,
    relay_callback_url,
    server_name,
)
from g2a_tray.qt.from_worker import quietly


class RelayConnection(QObject):
    event_recorded = Signal(object)  # RecordedEvent
    state_changed = Signal(object)  # RelayState
    test_finished = Signal(bool, str)

    def __init__(self, store: SessionStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._settings = RelaySettings()
        self._subscriber: RelaySubscriber | None = None
        self.state = RelayState(OFF)

    @property
    def active(self) -> bool:
        """A relay is set: sessions get its callback URLs (also while it connects)."""
        return bool(self._settings.url)

    def start(self, settings: RelaySettings, token: str, keepalive_s: float | None = None) -> None:
        """(Re)subscribe with ``settings``; an empty URL means no relay."""
        self.configure(settings)
        if settings.url:
            self.subscribe(token, keepalive_s)

    def configure(self, settings: RelaySettings) -> None:
        """Use ``settings`` from now on: the old subscription is told to stop and new
        sessions get the new relay's callback URLs; :meth:`subscribe` follows once the
        token is read from the keyring (off the GUI thread)."""
        self.stop()
        self._settings = settings
        if not settings.url:
            self._on_state(RelayState(OFF))
        else:
            self.state = RelayState(CONNECTING, server_name(settings.url))

    def subscribe(self, token: str, keepalive_s: float | None = None) -> None:
        settings = self._settings
        if not settings.url:
            return
        self.stop()
        self.state = RelayState(CONNECTING, server_name(settings.url))
        extra = {} if keepalive_s is None else {"keepalive_s": keepalive_s}
        self._subscriber = RelaySubscriber(
            self._store,
            settings.url,
            settings.topic_prefix,
            quietly(self.event_recorded.emit),
            quietly(self.state_changed.emit),
            token=token,
            **extra,
        )
        self.state_changed.connect(self._on_state)
        self._subscriber.start()

    def _on_state(self, state: RelayState) -> None:
        self.state = state

    def stop(self) -> None:
        if self._subscriber is not None:
            self.state_changed.disconnect(self._on_state)
            self._subscriber.stop()
            self._subscriber = None
            self.state = RelayState(OFF)

    def resubscribe(self) -> None:
        if self._subscriber is not None:
            self._subscriber.resubscribe()

    def callback_url(self, secret: str) -> str:
        return relay_callback_url(self._settings.url, self._settings.topic_prefix, secret)

    def test(self) -> None:
        """ "Test relay" on a thread; the answer comes through ``test_finished``."""
        subscriber = self._subscriber
        if subscriber is None:
            self.test_finished.emit(False, "No relay is set: save a relay URL first.")
            return

        def run() -> None:
            ok, message = subscriber.test()
            quietly(self.test_finished.emit)(ok, message[:1].upper() + message[1:] + ".")

        threading.Thread(target=run, name="relay-test", daemon=True).start()
