"""The helpdesk courier as the app sees it: Qt signals in, deliveries out.

The courier (core/helpdesk/courier.py) works on its own thread, reading the token from
the keyring there too; what it reports is emitted from that thread and so queued into
the GUI thread, the same one-way path as the listener's events. *Test connection* runs
on a thread of its own.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from g2a_tray.core.helpdesk.courier import Courier, check_credentials
from g2a_tray.core.helpdesk.kinds import CREDENTIALS
from g2a_tray.core.helpdesk.outbox import Outbox
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import HelpdeskSettings
from g2a_tray.core.updates.token_store import HELPDESK_SERVICE, helpdesk_key, load_token
from g2a_tray.qt.from_worker import quietly


def stored_token(kind: str, url: str, user: str) -> str:
    """The helpdesk's token from the keyring ("" when none): worker threads only."""
    return load_token(helpdesk_key(kind, url, user), HELPDESK_SERVICE)


class NoteDelivery(QObject):
    delivered = Signal(object)  # courier.Delivery
    test_finished = Signal(bool, str)

    def __init__(self, store: SessionStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.outbox = Outbox(store)
        self._courier = Courier(self.outbox, stored_token, quietly(self.delivered.emit))

    def start(self) -> None:
        """Deliver what is due, including what an earlier run left in the outbox."""
        self._courier.start()

    def apply(self, settings: HelpdeskSettings) -> None:
        """Sessions that end from now on are written with ``settings``."""
        self.outbox.settings = settings
        self._courier.wake()

    def retry(self, launch_id: int) -> bool:
        done = self.outbox.retry(launch_id)
        self._courier.wake()
        return done

    def credentials_changed(self) -> None:
        """New credentials were saved: notes refused for the old ones are due again."""
        self.outbox.retry_refused(CREDENTIALS)
        self._courier.wake()

    def wake(self) -> None:
        self._courier.wake()

    def stop(self) -> None:
        self._courier.stop()

    def test(self, settings: HelpdeskSettings, typed_token: str = "") -> None:
        """*Test connection* with ``settings`` and the token typed (else the stored one)."""

        def run() -> None:
            token = typed_token or stored_token(settings.kind, settings.url, settings.user)
            ok, words = check_credentials(settings.kind, settings.url, settings.user, token)
            quietly(self.test_finished.emit)(ok, words)

        threading.Thread(target=run, name="helpdesk-test", daemon=True).start()
