"""Starting a session, without Qt: check the request, make its secret, build the
callback URL and the session URL, and remember the launch before anything opens.

The composition root adds only what needs a desktop (the browser hand-off, telling the
user); so the whole use case is tested with plain pytest (tests/unit/sessions/test_start.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from g2a_tray.core.sessions.launch import (
    Launch,
    LaunchRequest,
    build_session_url,
    check_request,
    new_secret,
)
from g2a_tray.core.sessions.store import SessionStore, StoreError
from g2a_tray.core.settings.schema import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartedSession:
    """A launch ready to open; ``problem``: plain words when it could not be remembered
    (the session still starts, but no update will be matched to it)."""

    launch: Launch
    launch_id: int | None
    problem: str | None = None


class SessionStarter:
    """``callback_url(secret)``: where GoToAssist is to POST this launch's updates (the
    local listener's or the relay's address, whichever is in use)."""

    def __init__(self, store: SessionStore, callback_url: Callable[[str], str]) -> None:
        self._store = store
        self._callback_url = callback_url

    def start(self, request: LaunchRequest, settings: Settings) -> StartedSession:
        """Raises LaunchError for input to correct (it names the field)."""
        checked = check_request(request, settings)
        secret = new_secret()
        url = build_session_url(settings, checked, self._callback_url(secret))
        launch = Launch(checked, url, secret)
        try:
            # Stored before the browser opens, so even the quickest callback finds it.
            launch_id: int | None = self._store.record(launch)
        except StoreError as exc:
            log.error("launch not stored: %s", exc)
            return StartedSession(
                launch,
                None,
                f"The session starts, but g2a-tray could not record it ({exc}), so you "
                "will not be told when the customer joins.",
            )
        log.info("session launched for %r", checked.partner_object)
        return StartedSession(launch, launch_id)
