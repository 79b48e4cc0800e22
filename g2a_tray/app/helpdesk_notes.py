"""Notes in the helpdesk as the technician meets them: what they are told, once; the
history kept current as notes are written; the token in the keyring; *Test connection*.

Deliveries come from the courier's thread as queued signals (qt/helpdesk.py). A refusal
the technician must act on (wrong credentials, no permission, no such ticket, given up
after 7 days) is told in one box — once per problem and helpdesk, or once per note for a
ticket's own problem — and the history shows it on the session's row with *Retry*.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from g2a_tray.app.parts import Parts
from g2a_tray.core.helpdesk.courier import Delivery
from g2a_tray.core.helpdesk.kinds import CREDENTIALS, PERMISSION, kind_name
from g2a_tray.core.helpdesk.outbox import GAVE_UP, NoteStatus
from g2a_tray.core.sessions.store import StoreError
from g2a_tray.core.settings.schema import HelpdeskSettings
from g2a_tray.core.updates.token_store import (
    HELPDESK_SERVICE,
    helpdesk_key,
    load_token,
    save_token,
)
from g2a_tray.qt.helpdesk import NoteDelivery
from g2a_tray.qt.keyring_worker import TokenKeeper

log = logging.getLogger(__name__)

TITLE = "g2a-tray: a note was not written"
COURIER_AFTER_MS = 2000


class HelpdeskNotes(QObject):
    changed = Signal()  # a note's state changed: open views read again

    def __init__(self, parts: Parts, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = parts.settings
        self._notices = parts.notices
        self.delivery: NoteDelivery = parts.notes
        self._keeper = TokenKeeper(
            self,
            load=lambda key: load_token(key, HELPDESK_SERVICE),
            save=lambda key, token: save_token(key, token, HELPDESK_SERVICE),
        )
        self._told: set[tuple[str, str]] = set()
        self.delivery.delivered.connect(self._on_delivered)
        # Now, before the listener and the relay start: an "ended" that arrives in the
        # first instant (GoToAssist retrying one sent while the app was away) is queued.
        self.settings_applied()

    def start(self) -> None:
        """Deliveries begin once start-up's own work is done: what an earlier run left in
        the outbox waits those seconds (the HTTP client is not loaded before the icon's
        first second is over), what is queued meanwhile waits with it."""
        QTimer.singleShot(COURIER_AFTER_MS, self.delivery.start)

    def settings_applied(self) -> None:
        """The settings in force changed (or the app started)."""
        current = self._settings().helpdesk
        if current != self.delivery.outbox.settings:
            self._told.clear()  # a new helpdesk or sign-in: its problems are news again
        self.delivery.apply(current)

    def notes_of(self, launch_ids: list[int]) -> dict[int, NoteStatus]:
        """For the history window's rows (none, logged, when the history cannot be read:
        the rows themselves say so)."""
        try:
            return self.delivery.outbox.statuses(launch_ids)
        except StoreError as exc:
            log.error("helpdesk notes not read: %s", exc)
            return {}

    def retry(self, launch_id: int) -> None:
        if self.delivery.retry(launch_id):
            log.info("note for launch %s retried by the user", launch_id)
            self._told = {t for t in self._told if t[1] != str(launch_id)}
        self.changed.emit()

    # -- the token

    def save_token(
        self, settings: HelpdeskSettings, token: str, then: Callable[[str], None]
    ) -> None:
        """Into the keyring, off this thread ("" forgets it); ``then(problem)``. Notes
        refused for the old credentials are sent again with the new ones."""

        def saved(problem: str) -> None:
            if not problem and token:
                self._told.discard((CREDENTIALS, settings.kind))
                self.delivery.credentials_changed()
            then(problem)

        self._keeper.save(helpdesk_key(settings.kind, settings.url, settings.user), token, saved)

    def token_stored(self, settings: HelpdeskSettings, then: Callable[[bool], None]) -> None:
        key = helpdesk_key(settings.kind, settings.url, settings.user)
        self._keeper.load(key, lambda token: then(bool(token)))

    def close(self) -> None:
        self._keeper.close()
        self.delivery.stop()

    # -- deliveries

    def _on_delivered(self, delivery: Delivery) -> None:
        self.changed.emit()
        if delivery.outcome not in ("refused", GAVE_UP):
            return
        # Credentials and permission concern every note to that helpdesk: told once.
        # A ticket's own problem (no such ticket, refused, given up): once per note.
        shared = delivery.reason in (CREDENTIALS, PERMISSION)
        key = (delivery.reason, delivery.kind if shared else str(delivery.launch_id))
        if key in self._told:
            return
        self._told.add(key)
        name = kind_name(delivery.kind)
        what = "time entry" if delivery.step == "time" else "note"
        ticket = delivery.ticket or "(no ticket)"
        if delivery.reason == CREDENTIALS:
            advice = (
                "Notes wait: fix the sign-in in Settings → Helpdesk, and the notes refused "
                "for it are sent again. The session history shows each one."
            )
        elif delivery.outcome == GAVE_UP:
            advice = "The session history keeps it: press Retry there to try again."
        else:
            advice = "The session history shows it: press Retry there once it is fixed."
        self._notices.tell(
            TITLE,
            f"g2a-tray could not write the {what} for ticket {ticket} into {name}. "
            f"{delivery.words[:1].upper()}{delivery.words[1:]}.\n\n{advice}",
        )
