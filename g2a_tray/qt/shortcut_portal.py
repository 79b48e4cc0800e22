"""The global shortcut on Wayland, through the XDG GlobalShortcuts portal.

Desktops that offer it (KDE Plasma 5.27+, GNOME 48+) show their own dialog in which the
user confirms or changes the key; the portal then sends ``Activated`` when it is pressed.
Everything runs on a worker thread (the confirmation can take as long as the user likes);
results come back through the callbacks, which the Qt side turns into queued signals.
Spec: org.freedesktop.portal.GlobalShortcuts, version 1.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from g2a_tray.qt.chord import Chord

log = logging.getLogger(__name__)

PORTAL_BUS = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"
SHORTCUT_ID = "open-quick-form"
CALL_TIMEOUT_S = 10.0
APPROVAL_TIMEOUT_S = 300.0  # the desktop asks the user; give them time


class PortalUnavailable(Exception):
    """No GlobalShortcuts portal on this session bus."""


def xdg_trigger(chord: Chord) -> str:
    """The chord in the XDG shortcuts notation the portal expects (``CTRL+ALT+g``)."""
    mods = chord.modifiers(("CTRL", "ALT", "SHIFT", "LOGO"))
    return "+".join([*mods, chord.x_keysym_name()])


class PortalBackend:
    def __init__(self, on_problem: Callable[[str], None]) -> None:
        self._on_problem = on_problem
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._router: Any = None
        self._signals: queue.Queue[Any] = queue.Queue()

    def register(
        self,
        chord: Chord,
        on_activated: Callable[[], None],
        on_result: Callable[[str | None], None],
    ) -> None:
        """Ask the portal on a worker thread. Taken as set at once: what the desktop then
        says against it comes through ``on_problem`` (the user may take minutes)."""
        self.unregister()
        on_result(None)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(chord, on_activated, self._stop),
            name="shortcut-portal",
            daemon=True,
        )
        self._thread.start()

    def unregister(self) -> None:
        self._stop.set()
        self._signals.put(None)  # wakes the worker waiting for Activated
        if self._router is not None:
            self._router.close()  # ends the wait for signals in the worker
            self._router = None
        self._thread = None  # ends by itself once its connection is closed: not waited for

    def _run(self, chord: Chord, on_activated: Callable[[], None], stop: threading.Event) -> None:
        try:
            self._bind_and_listen(chord, on_activated, stop)
        except PortalUnavailable as exc:
            log.info("no GlobalShortcuts portal: %s", exc)
            self._on_problem("manual")
        except Exception as exc:
            if not stop.is_set():
                log.warning("GlobalShortcuts portal failed: %s", exc)
                self._on_problem(f"The shortcut could not be set through your desktop: {exc}.")

    def _bind_and_listen(
        self, chord: Chord, on_activated: Callable[[], None], stop: threading.Event
    ) -> None:
        from jeepney import DBusAddress, MatchRule, message_bus, new_method_call
        from jeepney.io.threading import DBusRouter, open_dbus_connection

        try:
            router = DBusRouter(open_dbus_connection("SESSION"))
        except Exception as exc:
            raise PortalUnavailable(f"no session bus ({exc})") from exc
        self._router = router
        portal = DBusAddress(PORTAL_PATH, bus_name=PORTAL_BUS, interface=SHORTCUTS)
        props = DBusAddress(
            PORTAL_PATH, bus_name=PORTAL_BUS, interface="org.freedesktop.DBus.Properties"
        )
        reply = router.send_and_get_reply(
            new_method_call(props, "Get", "ss", (SHORTCUTS, "version")), timeout=CALL_TIMEOUT_S
        )
        if reply.header.message_type.name == "error":
            raise PortalUnavailable(str(reply.body))

        activated = MatchRule(
            type="signal", interface=SHORTCUTS, member="Activated", path=PORTAL_PATH
        )
        router.send_and_get_reply(message_bus.AddMatch(activated), timeout=CALL_TIMEOUT_S)
        signals = self._signals = queue.Queue()
        router.filter(activated, queue=signals, bufsize=0)

        session_token = "g2atray" + secrets.token_hex(8)
        results = self._request(
            router,
            portal,
            method="CreateSession",
            signature="a{sv}",
            body=lambda token: (
                {"handle_token": ("s", token), "session_handle_token": ("s", session_token)},
            ),
            timeout=APPROVAL_TIMEOUT_S,
        )
        session = str(results["session_handle"][1])
        shortcut = (
            SHORTCUT_ID,
            {
                "description": ("s", "Open the g2a-tray quick form"),
                "preferred_trigger": ("s", xdg_trigger(chord)),
            },
        )
        bound = self._request(
            router,
            portal,
            method="BindShortcuts",
            signature="oa(sa{sv})sa{sv}",
            body=lambda token: (session, [shortcut], "", {"handle_token": ("s", token)}),
            timeout=APPROVAL_TIMEOUT_S,
        )
        triggers = [
            info.get("trigger_description", ("s", ""))[1]
            for _id, info in bound.get("shortcuts", ("", []))[1]
        ]
        log.info(
            "global shortcut bound through the portal: %s", ", ".join(triggers) or "(no key yet)"
        )
        while not stop.is_set():
            message = signals.get()
            if message is None:
                return
            body = message.body
            if len(body) >= 2 and str(body[0]) == session and body[1] == SHORTCUT_ID:
                on_activated()

    def _request(  # noqa: PLR0913  # a D-Bus call spelled out, each part by keyword
        self,
        router: Any,
        portal: Any,
        *,
        method: str,
        signature: str,
        body: Callable[[str], tuple[Any, ...]],
        timeout: float,
    ) -> dict[str, Any]:
        """Call a portal method that answers through a Request object's Response signal."""
        from jeepney import MatchRule, message_bus, new_method_call

        token = "g2atray" + secrets.token_hex(8)
        sender = router.unique_name.lstrip(":").replace(".", "_")
        path = f"{PORTAL_PATH}/request/{sender}/{token}"
        rule = MatchRule(
            type="signal", interface="org.freedesktop.portal.Request", member="Response", path=path
        )
        # Listen before calling: the Response may come before the call returns.
        router.send_and_get_reply(message_bus.AddMatch(rule), timeout=CALL_TIMEOUT_S)
        responses: queue.Queue[Any] = queue.Queue()
        with router.filter(rule, queue=responses, bufsize=0):
            reply = router.send_and_get_reply(
                new_method_call(portal, method, signature, body(token)), timeout=CALL_TIMEOUT_S
            )
            if reply.header.message_type.name == "error":
                raise RuntimeError(f"{method} failed: {reply.body}")
            try:
                response = responses.get(timeout=timeout)
            except queue.Empty:
                raise RuntimeError(f"the desktop did not answer {method}") from None
        code, results = response.body
        if code == 1:
            raise RuntimeError("the request was declined")
        if code != 0:
            raise RuntimeError(f"{method} ended with code {code}")
        return dict(results)
