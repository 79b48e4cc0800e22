"""The global keyboard shortcut that opens the quick form from anywhere.

One small interface (:class:`GlobalShortcut`: ``apply(text)`` → a problem in plain words
or None; ``activated``) over per-platform backends:

- X11: ``XGrabKey`` through python-xlib, on a connection and thread of its own. A grab
  is exclusive, so a combination another program holds is reported as taken (BadAccess)
  instead of silently firing in two places; the key press is not passed on.
- Windows and macOS: pynput's ``GlobalHotKeys`` (not exercised on this project's Linux
  CI; see the README).
- Wayland: apps cannot grab keys. The user is told once how to bind
  ``g2a-tray new-session`` in the desktop's own keyboard settings.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from g2a_tray.qt.chord import Chord, ShortcutError
from g2a_tray.qt.from_worker import quietly

log = logging.getLogger(__name__)

REPEAT_GUARD_S = 0.3  # a held key repeats; one press opens the form once


Result = Callable[[str | None], None]  # a problem in plain words, or None: it is set


class Backend(Protocol):
    def register(self, chord: Chord, on_activated: Any, on_result: Result) -> None:
        """Set ``chord``; ``on_result`` is called once, from any thread; ``on_activated``
        with a focus token ("" for none) at every press."""

    def unregister(self) -> None:
        """Let the chord go, without waiting."""


class X11Backend:
    """XGrabKey on the root window, served by a thread with its own X connection.

    Nothing here waits on the GUI thread: the grab's result comes through ``on_result``,
    and a new grab's thread first waits (on itself) for the old one's connection to be
    closed, since X lets go of a grabbed key only then.
    """

    def __init__(self, display_name: str | None = None) -> None:
        self._display_name = display_name or os.environ.get("DISPLAY", "")
        self._thread: threading.Thread | None = None
        self._wake_w: int | None = None

    def register(self, chord: Chord, on_activated: Any, on_result: Result) -> None:
        previous = self._let_go()
        wake_r, wake_w = os.pipe()
        self._wake_w = wake_w
        self._thread = threading.Thread(
            target=self._serve,
            args=(chord, on_activated, on_result, wake_r, previous),
            name="global-shortcut",
            daemon=True,
        )
        self._thread.start()

    def unregister(self) -> None:
        self._let_go()

    def _let_go(self) -> threading.Thread | None:
        """Tell the serving thread to release its grab; returns it (not waited for)."""
        thread, self._thread = self._thread, None
        if self._wake_w is not None:
            with contextlib.suppress(OSError):  # the thread may have ended already
                os.write(self._wake_w, b"x")
                os.close(self._wake_w)  # the byte stays readable for the thread
            self._wake_w = None
        return thread

    def _serve(
        self,
        chord: Chord,
        on_activated: Any,
        on_result: Result,
        wake_r: int,
        previous: threading.Thread | None,
    ) -> None:
        from Xlib import error
        from Xlib.display import Display

        if previous is not None:
            previous.join(5)  # its connection's grab must be gone before this one's
        try:
            display = Display(self._display_name)
        except (error.DisplayError, OSError) as exc:
            os.close(wake_r)
            on_result(f"cannot reach the X server: {exc}")
            return
        try:
            keycode = _grab(display, chord)
        except ShortcutError as exc:
            display.close()
            os.close(wake_r)
            on_result(str(exc))
            return
        on_result(None)
        log.info("global shortcut %s grabbed", chord.text)
        try:
            _dispatch(display, chord, keycode, on_activated, wake_r)
        finally:
            display.close()  # closing the connection releases the grabs
            os.close(wake_r)
            log.info("global shortcut %s released", chord.text)


def _grab(display: Any, chord: Chord) -> int:
    """Grab ``chord`` on the root window; returns its keycode or raises ShortcutError."""
    from Xlib import XK, X, error

    keycode = display.keysym_to_keycode(XK.string_to_keysym(chord.x_keysym_name()))
    if not keycode:
        raise ShortcutError(f"this keyboard has no key for “{chord.text}”")
    catcher = error.CatchError(error.BadAccess)
    root = display.screen().root
    for mods in _modifier_sets(chord):
        root.grab_key(keycode, mods, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher)
    display.sync()
    if catcher.get_error() is not None:
        raise ShortcutError(f"“{chord.text}” is already taken by another program")
    return int(keycode)


def _modifier_sets(chord: Chord) -> list[int]:
    """The chord's modifiers, and with each of Caps Lock and Num Lock (modifiers to X)."""
    from Xlib import X

    mods = sum(chord.modifiers((X.ControlMask, X.Mod1Mask, X.ShiftMask, X.Mod4Mask)))
    return [mods | extra for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask)]


def _regrab(display: Any, chord: Chord, keycode: int) -> int:
    """After a keymap change (a layout switch): the chord's key may now sit on another
    keycode. Let the old one go and grab the new one; returns the keycode in force."""
    from Xlib import XK

    now = display.keysym_to_keycode(XK.string_to_keysym(chord.x_keysym_name()))
    if now == keycode:
        return keycode
    root = display.screen().root
    for mods in _modifier_sets(chord):
        root.ungrab_key(keycode, mods)
    if not now:
        log.warning("the keyboard layout has no key for %s now", chord.text)
        return 0
    try:
        now = _grab(display, chord)
    except ShortcutError as exc:
        log.warning("after a keyboard layout change: %s", exc)
        return 0
    log.info(
        "keyboard layout changed: %s grabbed again (keycode %s → %s)", chord.text, keycode, now
    )
    return now


def _dispatch(display: Any, chord: Chord, keycode: int, on_activated: Any, wake_r: int) -> None:
    """Call ``on_activated`` per press of the grabbed key until ``wake_r`` is written;
    follow the key when the keymap changes (X sends MappingNotify to every client)."""
    from Xlib import X

    last = 0.0
    while True:
        readable, _, _ = select.select([display.fileno(), wake_r], [], [])
        if wake_r in readable:
            return
        while display.pending_events():
            event = display.next_event()
            if event.type == X.MappingNotify:
                display.refresh_keyboard_mapping(event)
                if event.request == X.MappingKeyboard:
                    keycode = _regrab(display, chord, keycode)
            elif event.type == X.KeyPress and event.detail == keycode:
                now = time.monotonic()
                if now - last > REPEAT_GUARD_S:
                    on_activated("")
                last = now


class PynputBackend:
    """Windows and macOS, through pynput's GlobalHotKeys."""

    def __init__(self) -> None:
        self._listener: Any = None

    def register(self, chord: Chord, on_activated: Any, on_result: Result) -> None:
        self.unregister()
        try:
            from pynput import keyboard
        except ImportError as exc:
            on_result(f"global shortcuts need pynput ({exc})")
            return
        try:
            self._listener = keyboard.GlobalHotKeys({chord.pynput_text(): lambda: on_activated("")})
            self._listener.start()
        except Exception as exc:
            on_result(f"“{chord.text}” could not be set: {exc}")
            return
        on_result(None)

    def unregister(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None


WAYLAND_HELP = (
    "Your desktop (Wayland) does not let apps set global keyboard shortcuts. To open the "
    "quick form with a key, add a custom shortcut in your desktop's keyboard settings that "
    "runs:\n\n    g2a-tray new-session\n\n(The README's “Global shortcut” section has the "
    "steps for GNOME and KDE.)"
)


class GlobalShortcut(QObject):
    """The shortcut as the app sees it; ``activated`` arrives queued in the GUI thread.

    :meth:`apply` answers at once: a combination it cannot parse is refused there, and
    whether the desktop let the app have it comes later, as ``bound`` (the shortcut in
    effect) or ``problem``.
    """

    activated = Signal(str)  # the desktop's focus token for the form ("" for none)
    # A problem found later (the grab was refused, the portal answered): plain words, or
    # MANUAL when the desktop offers no way at all and the user should bind the command.
    problem = Signal(str)
    bound = Signal(str)  # the shortcut in effect now, as portable text ("" for none)
    _result = Signal(int, object)  # (apply number, problem or None), from any thread
    _desktop_bound = Signal(str)  # the key a desktop (the portal) assigned, from its thread
    _desktop_problem = Signal(str)  # what it refused, from its thread

    def __init__(
        self, backend: Backend | None = None, parent: QObject | None = None, *, auto: bool = True
    ) -> None:
        super().__init__(parent)
        self._backend = (
            backend
            if backend is not None or not auto
            else _pick_backend(
                quietly(self._desktop_problem.emit), quietly(self._desktop_bound.emit)
            )
        )
        self.active = ""  # the shortcut in effect, as portable text
        self._applies = 0
        self._wanted = ""
        self._result.connect(self._on_result)
        self._desktop_bound.connect(self._on_desktop_bound)
        self._desktop_problem.connect(self._on_desktop_problem)

    def apply(self, text: str) -> str | None:
        """Use ``text`` from now on ("" = none). Returns at once: a problem with the text
        itself in plain words, or None (the desktop's answer follows as ``bound`` or
        ``problem``)."""
        if self._backend is not None:
            self._backend.unregister()
        self.active = ""
        self._applies += 1
        if not text.strip():
            self.bound.emit("")
            return None
        try:
            chord = Chord.parse(text)
        except ShortcutError as exc:
            self.bound.emit("")
            return f"The shortcut could not be set: {exc}."
        if self._backend is None:
            return None  # no display to grab keys on (offscreen)
        number, self._wanted = self._applies, chord.text
        self._backend.register(
            chord,
            quietly(self.activated.emit),
            lambda problem: quietly(self._result.emit)(number, problem),
        )
        return None

    def _on_result(self, number: int, problem: str | None) -> None:
        if number != self._applies:
            return  # a later apply replaced this one
        if problem is not None:
            log.warning("global shortcut %s: %s", self._wanted, problem)
            self.active = ""
            self.bound.emit("")
            self.problem.emit(
                f"The shortcut could not be set: {problem}. Choose another one in Settings."
            )
            return
        self.active = self._wanted
        self.bound.emit(self.active)

    def _on_desktop_bound(self, trigger: str) -> None:
        """The portal's answer: the key the desktop holds, in its own words (it may have
        given another than the one asked for)."""
        self.active = trigger
        self.bound.emit(trigger)

    def _on_desktop_problem(self, problem: str) -> None:
        log.warning("global shortcut: %s", problem)
        self.active = ""
        self.bound.emit("")
        self.problem.emit(problem)

    def can_configure(self) -> bool:
        """Whether the desktop has its own editor for the shortcut (portal version 2)."""
        return bool(getattr(self._backend, "can_configure", lambda: False)())

    def configure(self) -> None:
        """Open the desktop's own shortcut editor, where :meth:`can_configure`."""
        if self.can_configure():
            self._backend.configure()  # type: ignore[union-attr]

    def close(self) -> None:
        if self._backend is not None:
            self._backend.unregister()


MANUAL = "manual"


def _pick_backend(on_problem: Any, on_bound: Any) -> Backend | None:
    if sys.platform in ("win32", "darwin"):
        return PynputBackend()
    platform = QGuiApplication.platformName()
    if platform == "xcb":
        return X11Backend()
    if platform == "wayland":
        from g2a_tray.qt.shortcut_portal import PortalBackend

        return PortalBackend(
            lambda message: on_problem(MANUAL if message == "manual" else message), on_bound
        )
    return None  # no display (offscreen): nothing to grab
