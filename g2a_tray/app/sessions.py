"""Sessions as the technician meets them: started, updated, marked ended, exported.

Data flows one way through here: the listener's and the relay's queued
``event_recorded`` → a notification and one coalesced refresh of the tray → ``changed``,
which open views (the history window) follow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from g2a_tray.app.parts import Parts
from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.model import HistoryQuery, RecordedEvent, SessionSummary
from g2a_tray.core.sessions.notifications import note_for
from g2a_tray.core.sessions.start import SessionStarter
from g2a_tray.core.sessions.status import SessionState, next_change, state_of
from g2a_tray.core.sessions.store import StoreError
from g2a_tray.core.urls import check_http_url
from g2a_tray.qt.browser import Opener
from g2a_tray.qt.single_instance import PendingAnswer

log = logging.getLogger(__name__)

REFRESH_COALESCE_MS = 100
RECENT_IN_TRAY = 10


class Sessions(QObject):
    """Starting sessions and keeping every view of them current."""

    # The stored sessions changed (the tray is already refreshed): whether any is open.
    changed = Signal(bool)
    started = Signal()  # a session was started (its page handed to the browser)

    def __init__(self, parts: Parts, opener: Opener, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = parts.store
        self._settings = parts.settings
        self._listener, self._relay = parts.listener, parts.relay
        self._tray = parts.tray
        self._notifications = parts.notifications
        self._notices = parts.notices
        self._open = opener
        self.starter = SessionStarter(parts.store, self._callback_url)
        # A burst of callbacks refreshes the tray and the history once, not per event:
        # the GUI thread's work must not grow with the rate of callbacks.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_COALESCE_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        # A session turns "no update since …" at a moment known in advance: one timer
        # set for that moment, not a poll.
        self._stale_timer = QTimer(self)
        self._stale_timer.setSingleShot(True)
        self._stale_timer.timeout.connect(self.refresh)

    def _callback_url(self, secret: str) -> str:
        if self._relay.active:
            return self._relay.callback_url(secret)
        return self._listener.callback_url(secret)

    def start_session(
        self, request: LaunchRequest, on_opened: Callable[[Launch, bool], None] | None = None
    ) -> Launch:
        """Start a session (core/sessions/start.py) and hand its page to the browser.

        Raises LaunchError for input to correct. ``on_opened(launch, opened)`` comes once the
        browser took the page or could not (then the user has been shown the URL to copy).
        """
        started = self.starter.start(request, self._settings())
        if started.problem is not None:
            self._notices.tell("Session not recorded", started.problem)
        self._relay.resubscribe()  # watch the new launch's topic
        self.refresh()
        self.started.emit()
        launch = started.launch
        self._hand_off(
            launch.url,
            "the session page",
            None if on_opened is None else lambda opened: on_opened(launch, opened),
        )
        return launch

    def start_and_answer(self, request: LaunchRequest) -> PendingAnswer:
        """For ``start`` and links: the answer waits for the browser's hand-off."""
        answer = PendingAnswer()
        self.start_session(
            request,
            lambda launch, opened: answer.resolve(
                {"ok": True, "url": launch.url, "opened": opened}
            ),
        )
        return answer

    def open_ticket(self, url: str) -> None:
        """Open a ticket URL from history or a notification, after checking it again."""
        try:
            checked = check_http_url(url)
        except ValueError as exc:
            log.warning("not opening ticket URL %r: %s", url, exc)
            return
        self._hand_off(checked, "the ticket")

    def _hand_off(self, url: str, what: str, then: Callable[[bool], None] | None = None) -> None:
        """The browser gets ``url``; if it cannot, the user gets it to open by hand."""

        def handed_off(opened: bool) -> None:
            if not opened:
                self._notices.tell_not_opened(what, url)
            if then is not None:
                then(opened)

        self._open(url, handed_off)

    def on_event_recorded(self, change: RecordedEvent) -> None:
        note = note_for(change)
        if note is not None:
            self._notifications.notify(note)
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def state_of(self, session: SessionSummary) -> SessionState:
        """The one reading of a session every view shows (core/sessions/status.py)."""
        return state_of(session, datetime.now(UTC), self._settings().sessions.stale_after)

    def refresh(self) -> None:
        """The tray's lists and badge from the store, and the next stale moment's timer."""
        now = datetime.now(UTC)
        stale_after = self._settings().sessions.stale_after
        try:
            recent = self.store.sessions(limit=RECENT_IN_TRAY)
            open_sessions = self.store.open_sessions()
        except StoreError as exc:
            log.error("history not read: %s", exc)
            return
        self._tray.show_sessions(
            [(s, state_of(s, now, stale_after)) for s in recent],
            [(s, state_of(s, now, stale_after)) for s in open_sessions],
        )
        self.changed.emit(bool(open_sessions))
        moment = next_change(list(open_sessions), now, stale_after)
        if moment is None:
            self._stale_timer.stop()
        else:  # +1 s: past the moment, whatever the timer's rounding
            self._stale_timer.start(int((moment - now).total_seconds() * 1000) + 1000)

    def mark_ended(self, launch_id: int) -> None:
        """The technician says a session is over (its "ended" callback never came)."""
        try:
            self.store.mark_ended(launch_id)
        except (StoreError, KeyError) as exc:
            log.error("could not mark launch %s ended: %s", launch_id, exc)
            self._notices.tell("g2a-tray session history", f"Could not mark it ended: {exc}")
            return
        log.info("launch %s marked ended by the user", launch_id)
        self._relay.resubscribe()  # one topic less to watch
        self.refresh()

    def export_history(self, path: str, query: HistoryQuery) -> bool:
        """The CSV of every session ``query`` selects (the history window's filter)."""
        from g2a_tray.core.sessions.export import export_csv

        try:
            count = export_csv(
                Path(path), self.store.iter_sessions(query), self._settings().sessions.stale_after
            )
        except (OSError, ValueError, StoreError) as exc:  # ValueError: a NUL in the name
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self._notices.tell("Export failed", f"Could not write {path}: {reason}.")
            return False
        log.info("exported %d sessions to CSV", count)
        return True
