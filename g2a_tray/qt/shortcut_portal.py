"""The global shortcut on Wayland, through the XDG GlobalShortcuts portal.

Desktops that offer it (KDE Plasma 5.27+, GNOME 48+) may show their own dialog in which
the user confirms or changes the key; the portal then sends ``Activated`` when it is
pressed. Everything runs on a worker thread (the confirmation can take as long as the
user likes); results come back through the callbacks, which the Qt side turns into
queued signals. Spec: org.freedesktop.portal.GlobalShortcuts, versions 1 and 2.

What the desktops actually do, and what this module does about it
(../shared/reference/qt-desktop-notes.md has the measurements):

- xdg-desktop-portal 1.21+ refuses an app that is not sandboxed unless it first says who
  it is: ``org.freedesktop.host.portal.Registry.Register`` with the desktop file's id.
  Older portals have no Registry; that is fine.
- Plasma 5.27 binds only the shortcuts named in ``CreateSession``'s ``shortcuts`` option
  (the portal's earlier draft); its ``BindShortcuts`` answers success and binds nothing
  (fixed in Plasma 6.0.2). So they go in both places.
- KDE asks the user to confirm at every ``BindShortcuts``: ``ListShortcuts`` first, and a
  shortcut the desktop already has is not bound again, so a restart asks nothing.
- What counts is what the desktop assigned, read back with ``ListShortcuts``: with no
  key assigned the user is told where to set one.
- ``Activated`` carries an ``activation_token`` (focus for the form, on Wayland).
- Version 2's ``ConfigureShortcuts`` opens the desktop's own editor: *Change…* there.
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
REGISTRY = "org.freedesktop.host.portal.Registry"
APP_ID = "io.github.g2atray.G2aTray"  # packaging/linux/io.github.g2atray.G2aTray.desktop
SHORTCUT_ID = "open-quick-form"
SESSION_TOKEN = "g2atray"
KGLOBALACCEL = "org.kde.kglobalaccel"
DESCRIPTION = "Open the g2a-tray quick form"
CALL_TIMEOUT_S = 10.0
APPROVAL_TIMEOUT_S = 300.0  # the desktop asks the user; give them time

NO_KEY_ASSIGNED = (
    "Your desktop registered g2a-tray's shortcut but gave it no key. Set one where your "
    "desktop keeps shortcuts (KDE Plasma: System Settings → Shortcuts → g2a-tray; GNOME: "
    "Settings → Apps → g2a-tray)."
)


class PortalUnavailable(Exception):
    """No GlobalShortcuts portal on this session bus."""


def xdg_trigger(chord: Chord) -> str:
    """The chord in the XDG shortcuts notation the portal expects (``CTRL+ALT+g``)."""
    mods = chord.modifiers(("CTRL", "ALT", "SHIFT", "LOGO"))
    return "+".join([*mods, chord.x_keysym_name()])


class PortalBackend:
    def __init__(
        self,
        on_problem: Callable[[str], None],
        on_bound: Callable[[str], None] | None = None,
    ) -> None:
        self._on_problem = on_problem
        self._on_bound = on_bound or (lambda _trigger: None)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._router: Any = None
        self._signals: queue.Queue[Any] = queue.Queue()
        self._session = ""
        self.version = 0  # the portal's, once known (2 offers ConfigureShortcuts)

    def register(
        self,
        chord: Chord,
        on_activated: Callable[[str], None],
        on_result: Callable[[str | None], None],
    ) -> None:
        """Ask the portal on a worker thread. ``on_result`` is not called: what the desktop
        says comes later (the user may take minutes), the key it assigned through
        ``on_bound``, a refusal through ``on_problem``."""
        self.unregister()
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
        self._session = ""

    def can_configure(self) -> bool:
        return self.version >= 2 and bool(self._session)

    def configure(self, activation_token: str = "") -> None:
        """Open the desktop's own shortcut editor (portal version 2), without waiting."""
        from jeepney import DBusAddress, new_method_call

        router, session = self._router, self._session
        if router is None or not session:
            return
        portal = DBusAddress(PORTAL_PATH, bus_name=PORTAL_BUS, interface=SHORTCUTS)
        options = {"activation_token": ("s", activation_token)} if activation_token else {}
        threading.Thread(
            target=lambda: router.send(
                new_method_call(portal, "ConfigureShortcuts", "osa{sv}", (session, "", options))
            ),
            name="shortcut-portal-configure",
            daemon=True,
        ).start()

    def _run(
        self, chord: Chord, on_activated: Callable[[str], None], stop: threading.Event
    ) -> None:
        try:
            self._bind_and_listen(chord, on_activated, stop)
        except PortalUnavailable as exc:
            log.info("no usable GlobalShortcuts portal: %s", exc)
            self._on_problem("manual")
        except Exception as exc:
            if not stop.is_set():
                log.warning("GlobalShortcuts portal failed: %s", exc)
                self._on_problem(f"The shortcut could not be set through your desktop: {exc}.")

    def _bind_and_listen(
        self, chord: Chord, on_activated: Callable[[str], None], stop: threading.Event
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
        self.version = int(reply.body[0][1])
        self._register_app_id(router)

        activated = MatchRule(
            type="signal", interface=SHORTCUTS, member="Activated", path=PORTAL_PATH
        )
        router.send_and_get_reply(message_bus.AddMatch(activated), timeout=CALL_TIMEOUT_S)
        signals = self._signals = queue.Queue()
        router.filter(activated, queue=signals, bufsize=0)

        shortcut = (
            SHORTCUT_ID,
            {
                "description": ("s", DESCRIPTION),
                "preferred_trigger": ("s", xdg_trigger(chord)),
            },
        )
        # The same every start: Plasma names the shortcut's kglobalaccel component after
        # it, and a new name each start left the new component without its key (the old
        # one still held it; seen on KWin 5.27).
        session_token = SESSION_TOKEN
        try:
            results = self._request(
                router,
                portal,
                method="CreateSession",
                signature="a{sv}",
                body=lambda token: (
                    {
                        "handle_token": ("s", token),
                        "session_handle_token": ("s", session_token),
                        # Plasma 5.27 binds these, and only these (see the module's text).
                        "shortcuts": ("a(sa{sv})", [shortcut]),
                    },
                ),
                timeout=APPROVAL_TIMEOUT_S,
            )
        except RuntimeError as exc:
            # A portal that lists the interface but whose desktop cannot serve it (no
            # backend for this desktop): the user binds the command instead.
            raise PortalUnavailable(str(exc)) from exc
        session = str(results["session_handle"][1])
        self._session = session
        trigger = self._assigned(router, portal, session)
        if trigger is None:  # not bound yet: bind (KDE asks the user to confirm)
            answered = self._request(
                router,
                portal,
                method="BindShortcuts",
                signature="oa(sa{sv})sa{sv}",
                body=lambda token: (session, [shortcut], "", {"handle_token": ("s", token)}),
                timeout=APPROVAL_TIMEOUT_S,
            )
            # What it did, not what it said (Plasma 5.27 says it bound what it did not).
            trigger = self._assigned(router, portal, session)
            if trigger is None:
                trigger = _trigger_in(answered) or ""
        if trigger and not self._kde_holds_a_key(router, session_token):
            trigger = ""  # Plasma 5.27's portal names the key it wanted, not the one it got
        log.info("global shortcut through the portal (v%s): %s", self.version, trigger or "no key")
        if not stop.is_set():
            if trigger:
                self._on_bound(trigger)
            else:
                self._on_problem(NO_KEY_ASSIGNED)
        while not stop.is_set():
            message = signals.get()
            if message is None:
                return
            body = message.body
            if len(body) >= 2 and str(body[0]) == session and body[1] == SHORTCUT_ID:
                options = body[3] if len(body) >= 4 and isinstance(body[3], dict) else {}
                token = options.get("activation_token", ("s", ""))[1]
                on_activated(token if isinstance(token, str) else "")

    def _register_app_id(self, router: Any) -> None:
        """Say which app this is (xdg-desktop-portal 1.21+ refuses unsandboxed apps that
        do not); a portal without the Registry is older and does not ask."""
        from jeepney import DBusAddress, new_method_call

        registry = DBusAddress(PORTAL_PATH, bus_name=PORTAL_BUS, interface=REGISTRY)
        reply = router.send_and_get_reply(
            new_method_call(registry, "Register", "sa{sv}", (APP_ID, {})), timeout=CALL_TIMEOUT_S
        )
        if reply.header.message_type.name == "error":
            log.info("portal registry: %s (an older portal: no app id needed)", reply.body)

    def _kde_holds_a_key(self, router: Any, component: str) -> bool:
        """On KDE, whether kglobalaccel (inside KWin) really gave the shortcut a key: its
        portal reports the preferred key even when another component held it. Elsewhere
        (no kglobalaccel on the bus) the portal's word is taken."""
        from jeepney import DBusAddress, new_method_call
        from jeepney.bus_messages import message_bus

        # Asked only where it already runs: a call to its name would start kglobalaccel
        # on a GNOME desktop that merely has it installed (D-Bus activation).
        owned = router.send_and_get_reply(
            message_bus.NameHasOwner(KGLOBALACCEL), timeout=CALL_TIMEOUT_S
        )
        if owned.header.message_type.name == "error" or not owned.body[0]:
            return True  # not KDE: the portal's word is taken
        holder = DBusAddress(
            f"/component/{component}", bus_name=KGLOBALACCEL, interface=f"{KGLOBALACCEL}.Component"
        )
        reply = router.send_and_get_reply(
            new_method_call(holder, "allShortcutInfos"), timeout=CALL_TIMEOUT_S
        )
        if reply.header.message_type.name == "error":
            return True  # not KDE, or a KDE that names components otherwise: trust the portal
        for info in reply.body[0]:
            if len(info) >= 7 and info[0] == SHORTCUT_ID:
                return any(int(key) for key in info[6])
        return True

    def _assigned(self, router: Any, portal: Any, session: str) -> str | None:
        """The key the desktop holds for the shortcut: None when it has no such shortcut,
        "" when it has one without a key."""
        try:
            listed = self._request(
                router,
                portal,
                method="ListShortcuts",
                signature="oa{sv}",
                body=lambda token: (session, {"handle_token": ("s", token)}),
                timeout=CALL_TIMEOUT_S,
            )
        except RuntimeError as exc:  # a portal that cannot list: bind, trust its answer
            log.info("ListShortcuts failed: %s", exc)
            return None
        return _trigger_in(listed)

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


def _trigger_in(results: dict[str, Any]) -> str | None:
    """Our shortcut's key in a portal answer's ``shortcuts`` (None: not there)."""
    for shortcut_id, info in results.get("shortcuts", ("", []))[1]:
        if shortcut_id == SHORTCUT_ID:
            return str(info.get("trigger_description", ("s", ""))[1])
    return None
