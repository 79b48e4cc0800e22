"""The callback listener as the app sees it: Qt signals in, URLs out.

Wraps :class:`g2a_tray.core.callback_server.CallbackServer`. Its ``on_event`` runs on a
worker thread; emitting ``event_recorded`` from there queues the event into the GUI
thread, so nothing touches a widget from another thread. "Test callback URL" runs on a
thread too, with httpx, so a slow tunnel never freezes a dialog.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from g2a_tray.core.sessions.launch import new_secret
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import CallbackSettings
from g2a_tray.core.updates.callback_server import CallbackServer, ListenerError
from g2a_tray.core.urls import reachable_from_internet
from g2a_tray.qt.from_worker import quietly

log = logging.getLogger(__name__)

TEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ListenerState:
    """What the user may need to know about the listener."""

    listening: bool
    base_url: str = ""
    message: str | None = None  # plain words for the user, once


class CallbackListener(QObject):
    event_recorded = Signal(object)  # RecordedEvent
    test_finished = Signal(bool, str)  # arrived?, what to tell the user

    def __init__(self, store: SessionStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._server: CallbackServer | None = None
        self._settings = CallbackSettings()

    def start(self, settings: CallbackSettings) -> ListenerState:
        """(Re)start on the configured address; never raises."""
        self.stop()
        self._settings = settings
        server = CallbackServer(self._store, quietly(self.event_recorded.emit))
        try:
            fell_back = server.start(settings.listen_host, settings.listen_port)
        except ListenerError as exc:
            log.error("callback listener not started: %s", exc)
            return ListenerState(
                False,
                message=f"g2a-tray cannot receive session updates: {exc}. Sessions still "
                "start, but you will not be told when customers join or sessions end. "
                "Check Listen address and port in Settings.",
            )
        self._server = server
        message = None
        if fell_back:
            message = (
                f"Port {settings.listen_port} is in use by another program, so g2a-tray "
                f"listens for session updates on port {server.port} for now."
                + (
                    " Your public URL forwards to the configured port, so updates may not "
                    "arrive until that port is free or you change the setting."
                    if settings.public_url
                    else ""
                )
            )
        return ListenerState(True, self.base_url(), message)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def port(self) -> int:
        return self._server.port if self._server is not None else 0

    def base_url(self, public_url: str | None = None) -> str:
        """Where GoToAssist should POST: the public URL if set, else the listener itself."""
        public = self._settings.public_url if public_url is None else public_url
        if public:
            return public.rstrip("/")
        return self._server.local_base_url if self._server is not None else ""

    def callback_url(self, secret: str) -> str:
        """The callback URL for one launch, or "" when nothing listens."""
        if self._server is None:
            return ""
        return f"{self.base_url()}/callback/{secret}"

    def test_url(self, public_url: str) -> None:
        """POST a test event to ``<public_url or listener>/callback/<probe>``; answer
        through ``test_finished``. It passes only if it reached this listener."""
        server = self._server
        if server is None:
            self.test_finished.emit(False, "g2a-tray is not listening, so nothing can arrive.")
            return
        probe = new_secret()
        server.new_probe(probe)
        base = self.base_url(public_url)
        thread = threading.Thread(
            target=self._run_test, args=(server, base, probe), name="callback-test", daemon=True
        )
        thread.start()

    def _run_test(self, server: CallbackServer, base: str, probe: str) -> None:
        done = quietly(self.test_finished.emit)  # from this thread: the app may quit
        import httpx

        url = f"{base}/callback/{probe}"
        shown = f"{base}/callback/…"
        try:
            response = httpx.post(
                url, json={"status": "test", "sessionId": "g2a-tray-test"}, timeout=TEST_TIMEOUT_S
            )
        except httpx.HTTPError as exc:
            done(False, f"Could not reach {shown}: {exc}")
            return
        if server.has_arrived(probe) and not reachable_from_internet(base):
            # True here, but not what GoToAssist needs: say so, not "it works".
            done(
                False,
                f"A test update sent to {shown} arrived, but that address works on this "
                "computer only: GoToAssist's servers cannot reach it, so updates will not "
                "arrive. Set a public URL forwarded to the listener, or use a relay.",
            )
        elif server.has_arrived(probe):
            done(True, f"It works: a test update sent to {shown} arrived.")
        else:
            done(
                False,
                f"{shown} answered {response.status_code}, but the test update did not arrive "
                "here. Check that it forwards to this computer's listen address and port.",
            )
