"""Answers to later ``g2a-tray`` processes (the instance socket), one handler a command.

A request was checked against the protocol's command table (core/instance/protocol.py)
before it comes here, so its ``cmd`` is one of :class:`Command` and its arguments are known.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from g2a_tray import __version__
from g2a_tray.app.parts import Parts
from g2a_tray.app.sessions import Sessions
from g2a_tray.app.windows import Windows
from g2a_tray.core.instance.activation import Activation
from g2a_tray.core.instance.protocol import Command
from g2a_tray.core.sessions.launch import LaunchError, LaunchRequest
from g2a_tray.qt.single_instance import PendingAnswer

log = logging.getLogger(__name__)

Answer = dict[str, Any] | PendingAnswer


class Requests(QObject):
    """The instance socket's handler once the app is built (boot.py hands it over)."""

    def __init__(
        self,
        parts: Parts,
        sessions: Sessions,
        windows: Windows,
        quit_app: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sessions = sessions
        self._relay = parts.relay
        self._tray = parts.tray
        self._shortcut = parts.shortcut
        self._settings = parts.settings
        self._notices = parts.notices
        self._quit = quit_app
        self._link_notice: QMessageBox | None = None
        self._links_refused = 0
        self._handlers: dict[str, Callable[[dict[str, Any]], Answer]] = {
            Command.PING: self._ping,
            Command.SHOW_FORM: lambda r: _soon(
                windows.show_form, r.get("partnerObject", ""), Activation.from_request(r)
            ),
            Command.SHOW_HISTORY: lambda r: _soon(windows.show_history, Activation.from_request(r)),
            Command.START: self._start,
            Command.OPEN_LINK: lambda r: self.open_link(r.get("url", "")),
            Command.QUIT: self._quit_request,
        }

    def handle(self, request: dict[str, Any]) -> Answer:
        return self._handlers[request["cmd"]](request)

    def _ping(self, _request: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "version": __version__,
            "pid": os.getpid(),
            "updates": self._relay.state.describe(),
            "updatesProblem": self._tray.updates_problem,
            "shortcut": self._shortcut.active,  # "" until the desktop let the app have it
        }

    def _quit_request(self, _request: dict[str, Any]) -> dict[str, Any]:
        QTimer.singleShot(0, self._quit)  # answer first, then go
        return {"ok": True, "pid": os.getpid()}

    def _start(self, request: dict[str, Any]) -> Answer:
        launch_request = LaunchRequest(
            partner_object=request.get("partnerObject", ""),
            partner_object_url=request.get("partnerObjectUrl", ""),
            layout=request.get("layout", self._settings().layout),
        )
        try:
            return self._sessions.start_and_answer(launch_request)
        except LaunchError as exc:
            return {"ok": False, "error": str(exc)}

    def open_link(self, link: str) -> Answer:
        """A ``g2a-tray://start?…`` link, usually from a browser: start the session it
        names, or tell the user (who is not looking at a terminal) why not."""
        from g2a_tray.core.sessions.links import LinkError, parse_link

        try:
            return self._sessions.start_and_answer(parse_link(link))
        except (LinkError, LaunchError) as exc:
            log.warning("link refused: %s", exc)
            message = f"This link cannot start a session: {exc}"
            self._tell_refused_link(message)
            return {"ok": False, "error": message}

    def _tell_refused_link(self, message: str) -> None:
        """One box for refused links, however many a page fires: the count and the last."""
        box = self._link_notice
        if box is not None and self._notices.is_up(box):
            self._links_refused += 1
            box.setText(
                f"{self._links_refused} links could not start a session.\n\nThe last: {message}"
            )
            return
        self._links_refused = 1
        self._link_notice = self._notices.tell("g2a-tray link", message)


def _soon(action: Callable[..., None], *args: Any) -> dict[str, Any]:
    """Answer first, then act: the client (a keyboard shortcut's command) returns at once
    instead of waiting for a window to be built and shown."""
    QTimer.singleShot(0, lambda: action(*args))
    return {"ok": True}
