"""Desktop notifications: freedesktop Notifications over D-Bus, else the tray's balloon,
else the log.

Why jeepney and not QtDBus: ``Notify`` takes ``replaces_id`` as ``u``, and PySide6 cannot
produce one. Python ints marshal as ``i`` (QDBusMessage, appendVariant) or ``q``
(``QDBusArgument <<``), and the introspected QDBusInterface turns ``a{sv}`` into a raw type
for daemons without Qt's type annotations (dunst, GNOME Shell), so
``QMetaObject.invokeMethod`` cannot call it either; the daemon answers UnknownMethod.
jeepney (pure Python, maintained, used by ``keyring``) takes the signature as written.

All D-Bus traffic runs on a worker thread: a hung daemon never freezes the tray (a blocked
call waits up to its timeout). Clicks on "Open ticket" come back as a queued Qt signal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sys
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from g2a_tray import APP_ID
from g2a_tray.core.paths import resource_file
from g2a_tray.core.sessions.notifications import Note
from g2a_tray.core.text import markup_escape
from g2a_tray.qt.from_worker import quietly

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
OPEN_ACTION = "open-ticket"
CALL_TIMEOUT_S = 5.0
EXPIRE_MS = 10_000


class FreedesktopNotifier(QObject):
    """Sends notes to the session's notification daemon from a worker thread."""

    action_invoked = Signal(str)  # the ticket URL of a clicked "Open ticket"
    failed = Signal(object)  # a Note that could not be shown; show it another way
    ready = Signal(bool)  # whether the daemon answered at start

    def __init__(self, app_name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app_name = app_name
        self._icon = str(resource_file("g2a-tray.svg"))
        self._outbox: queue.Queue[Note | None] = queue.Queue()
        self._signals: queue.Queue[Any] = queue.Queue()
        self._urls: dict[int, str] = {}  # notification id → ticket URL
        self._ids: dict[str, int] = {}  # note key → id, so a launch's notes replace each other
        self._lock = threading.Lock()
        self.available: bool | None = None  # None until the daemon answered or failed
        self.supports_actions = False
        self.supports_markup = False
        self._router: Any = None
        self._filter: Any = None
        self._sender = threading.Thread(target=self._send_loop, name="notifier", daemon=True)
        self._receiver = threading.Thread(
            target=self._receive_loop, name="notifier-signals", daemon=True
        )

    def start(self) -> None:
        """Connect to the daemon on the worker thread (after the signals are connected)."""
        self._sender.start()

    def notify(self, note: Note) -> None:
        self._outbox.put(note)

    def close(self) -> None:
        if not self._sender.is_alive():
            return
        # Not joined: a daemon that does not answer would hold Quit for CALL_TIMEOUT_S.
        # Interrupting the connection ends jeepney's receiver thread at once and fails a
        # call still waiting for its reply, so the sender thread ends soon after.
        self._outbox.put(None)
        self._signals.put(None)
        router = self._router
        if router is not None:
            with contextlib.suppress(OSError):
                router.conn.interrupt()

    # -- worker threads

    def _connect(self) -> bool:
        try:
            from jeepney import DBusAddress, MatchRule, message_bus, new_method_call
            from jeepney.io.threading import DBusRouter, open_dbus_connection

            self._router = DBusRouter(open_dbus_connection("SESSION"))
            daemon = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=BUS_NAME)
            reply = self._router.send_and_get_reply(
                new_method_call(daemon, "GetCapabilities"), timeout=CALL_TIMEOUT_S
            )
            if reply.header.message_type.name == "error":
                raise RuntimeError(f"GetCapabilities failed: {reply.body}")
            capabilities = reply.body[0]
            self.supports_actions = "actions" in capabilities
            # With body-markup the daemon reads the body as a small HTML subset; a ticket
            # id or a customer name is text, so its &, < and > must be escaped.
            self.supports_markup = "body-markup" in capabilities
            rule = MatchRule(type="signal", interface=BUS_NAME, path=OBJECT_PATH)
            self._router.send_and_get_reply(message_bus.AddMatch(rule), timeout=CALL_TIMEOUT_S)
            self._filter = self._router.filter(rule, queue=self._signals, bufsize=0)
        except Exception as exc:  # no bus, no daemon, a daemon that does not answer
            log.info("no freedesktop notification daemon: %s", exc)
            if self._router is not None:
                self._router.close()
                self._router = None
            return False
        log.info("notifications over D-Bus (capabilities: %s)", ", ".join(capabilities))
        self._receiver.start()
        return True

    def _send_loop(self) -> None:
        self.available = self._connect()
        quietly(self.ready.emit)(self.available)
        while (note := self._outbox.get()) is not None:
            if not self.available or not self._send(note):
                quietly(self.failed.emit)(note)
        if self._router is not None:
            self._router.close()

    def _send(self, note: Note) -> bool:
        from jeepney import DBusAddress, new_method_call

        daemon = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=BUS_NAME)
        actions: list[str] = []
        if note.ticket_url and self.supports_actions:
            actions = ["default", "Open ticket", OPEN_ACTION, "Open ticket"]
        with self._lock:
            replaces = self._ids.get(note.key, 0)
        message = new_method_call(
            daemon,
            "Notify",
            "susssasa{sv}i",
            (
                self._app_name,
                replaces,
                self._icon,
                note.title,  # the summary is never markup (the spec)
                markup_escape(note.body) if self.supports_markup else note.body,
                actions,
                {"urgency": ("y", 1), "desktop-entry": ("s", APP_ID)},
                EXPIRE_MS,
            ),
        )
        try:
            reply = self._router.send_and_get_reply(message, timeout=CALL_TIMEOUT_S)
        except Exception as exc:
            log.warning("notification not sent: %s", exc)
            return False
        if reply.header.message_type.name == "error":
            log.warning("notification refused: %s", reply.body)
            return False
        notification_id = int(reply.body[0])
        with self._lock:
            self._ids[note.key] = notification_id
            if note.ticket_url:
                self._urls[notification_id] = note.ticket_url
        log.info("notified: %s (id %s)", note.title, notification_id)
        return True

    def _receive_loop(self) -> None:
        while (message := self._signals.get()) is not None:
            member = message.header.fields.get(_member_field())
            if member == "ActionInvoked" and len(message.body) == 2:
                notification_id, action = message.body
                with self._lock:
                    url = self._urls.get(int(notification_id))
                if url and action in ("default", OPEN_ACTION):
                    quietly(self.action_invoked.emit)(url)
            elif member == "NotificationClosed" and message.body:
                with self._lock:
                    self._urls.pop(int(message.body[0]), None)


def _member_field() -> Any:
    from jeepney import HeaderFields

    return HeaderFields.member


class NotificationCenter(QObject):
    """Picks the best way to show a note and falls back when it fails."""

    open_ticket = Signal(str)

    def __init__(self, tray: QSystemTrayIcon, app_name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray = tray
        self.enabled = True
        self._last_ticket_url = ""
        self._dbus: FreedesktopNotifier | None = None
        if sys.platform.startswith("linux") or os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            self._dbus = FreedesktopNotifier(app_name, self)
            self._dbus.failed.connect(self._fallback)
            self._dbus.action_invoked.connect(self.open_ticket)
        tray.messageClicked.connect(self._on_balloon_clicked)

    def set_tray(self, tray: QSystemTrayIcon) -> None:
        """The tray icon was built anew (a tray appeared after start): balloons go there."""
        self._tray = tray
        tray.messageClicked.connect(self._on_balloon_clicked)

    def start(self) -> None:
        if self._dbus is not None:
            self._dbus.start()

    def notify(self, note: Note) -> None:
        if not self.enabled:
            log.info("notifications off; not shown: %s: %s", note.title, note.body)
            return
        if self._dbus is not None and self._dbus.available is not False:
            self._dbus.notify(note)  # falls back through ``failed`` if it cannot
        else:
            self._fallback(note)

    def _fallback(self, note: Note) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable() and self._tray.isVisible():
            self._last_ticket_url = note.ticket_url
            self._tray.showMessage(
                note.title, note.body, QSystemTrayIcon.MessageIcon.Information, EXPIRE_MS
            )
            log.info("notified in the tray: %s", note.title)
        else:
            log.info("notification (nowhere to show it): %s: %s", note.title, note.body)

    def _on_balloon_clicked(self) -> None:
        if self._last_ticket_url:
            self.open_ticket.emit(self._last_ticket_url)

    def close(self) -> None:
        if self._dbus is not None:
            self._dbus.close()
