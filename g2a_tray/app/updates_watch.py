"""Whether session updates can arrive (core/updates/health.py), as the technician sees
it: a warning badge and a first menu line "Session updates are not arriving — why…",
and a notification once per cause. Everything here clears by itself when the cause does.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer

from g2a_tray.app.parts import Parts
from g2a_tray.core.sessions.notifications import Note
from g2a_tray.core.sessions.store import StoreError
from g2a_tray.core.updates.health import (
    LOCAL_ONLY_CAUSE,
    MOVED_CAUSE,
    REFUSED_CAUSE,
    SUMMARY,
    UNREACHABLE_CAUSE,
    UNREACHABLE_GRACE,
    Blocked,
    UpdateHealth,
    local_only_cause,
    moved_cause,
    relay_cause,
)
from g2a_tray.core.updates.relay import CONNECTED, CONNECTING, OFF, RelayState

log = logging.getLogger(__name__)

UPDATES_TITLE = "g2a-tray session updates"


class UpdatesWatch(QObject):
    """Decides from what the parts report; shows through the tray and the notifier."""

    def __init__(self, parts: Parts, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._parts = parts
        self._health = UpdateHealth()
        self._relay_state = RelayState(OFF)
        self._failing_since: datetime | None = None
        # "Unreachable for two minutes" is a moment known in advance: one timer, no poll.
        self._grace = QTimer(self)
        self._grace.setSingleShot(True)
        self._grace.timeout.connect(self._check_relay)
        parts.relay.state_changed.connect(self.on_relay_state)

    def on_relay_state(self, state: RelayState) -> None:
        failing = state.kind not in (OFF, CONNECTED, CONNECTING)
        if failing and self._failing_since is None:
            self._failing_since = datetime.now(UTC)
            self._grace.start(int(UNREACHABLE_GRACE.total_seconds() * 1000) + 1000)
        elif not failing:
            self._failing_since = None
            self._grace.stop()
        self._relay_state = state
        self._check_relay()

    def _sessions_open(self) -> bool:
        try:
            return bool(self._parts.store.open_sessions())
        except StoreError:
            return False

    def _check_relay(self, sessions_open: bool | None = None) -> None:
        if sessions_open is None:
            sessions_open = self._sessions_open()
        blocked = relay_cause(
            self._relay_state, self._failing_since, datetime.now(UTC), sessions_open
        )
        for cause in (REFUSED_CAUSE, UNREACHABLE_CAUSE):
            self._apply(cause, blocked if blocked is not None and blocked.cause == cause else None)

    def listener_started(self, message: str = "", sessions_open: bool | None = None) -> None:
        """After the listener (re)started: did it get the port the settings name? When it
        moved with sessions open, the notification says it all; else ``message`` (a
        port in use, no listener at all) is told in a box, as before."""
        settings = self._parts.settings()
        self._apply(
            MOVED_CAUSE,
            moved_cause(
                settings.callback.listen_port,
                self._parts.listener.port,
                self._sessions_open() if sessions_open is None else sessions_open,
            ),
        )
        if message and MOVED_CAUSE not in self._health.holding:
            self._parts.notices.tell(UPDATES_TITLE, message)

    def session_started(self) -> None:
        """A session was started: can GoToAssist reach where its updates are to go?"""
        self._apply(LOCAL_ONLY_CAUSE, self._local_only())

    def settings_applied(self) -> None:
        """Settings were saved: a relay or a public URL may have mended a cause."""
        if self._health_holds(LOCAL_ONLY_CAUSE):
            self._apply(LOCAL_ONLY_CAUSE, self._local_only())
        self.listener_started()

    def sessions_changed(self, sessions_open: bool) -> None:
        """Sessions started, updated or ended (the refresh already read whether any is
        open): causes that need an open session decided again, without another query."""
        self._check_relay(sessions_open)
        if self._health_holds(MOVED_CAUSE):
            self.listener_started(sessions_open=sessions_open)

    def update_arrived(self) -> None:
        """An update came in: whatever said they could not was wrong for now."""
        self._apply(LOCAL_ONLY_CAUSE, None)

    def _local_only(self) -> Blocked | None:
        settings = self._parts.settings()
        return local_only_cause(
            settings.service_url, self._parts.relay.active, self._parts.listener.base_url()
        )

    def _health_holds(self, cause: str) -> bool:
        return cause in self._health.holding

    def _apply(self, cause: str, blocked: Blocked | None) -> None:
        new = self._health.update(cause, blocked)
        if new is not None:
            log.warning("session updates: %s", new.text)
            self._parts.notifications.notify(Note(f"updates-{cause}", SUMMARY, new.text, ""))
        first = self._health.first
        self._parts.tray.set_updates_problem(first.text if first is not None else "")
