"""The global shortcut on a real X server (Xvfb): grabbing, firing, taken, invalid."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from g2a_tray.app.root import TrayApp
from g2a_tray.core.paths import AppPaths
from g2a_tray.qt.chord import Chord, ShortcutError
from g2a_tray.qt.shortcut import GlobalShortcut, X11Backend
from tests.helpers.desktop import Desktop
from tests.helpers.profile import Profile


@pytest.fixture
def shortcut(desktop: Desktop) -> Iterator[GlobalShortcut]:
    s = GlobalShortcut(backend=X11Backend(desktop.display))
    yield s
    s.close()


def apply(qtbot: QtBot, shortcut: GlobalShortcut, text: str) -> str:
    """``apply`` answers at once; the X server's answer comes as ``bound``."""
    with qtbot.waitSignal(shortcut.bound, timeout=5000) as bound:
        assert shortcut.apply(text) is None
    return str(bound.args[0])


def grab_elsewhere(desktop: Desktop, chord: str) -> object:
    """Another program holding ``chord`` (a second X connection with the grab)."""
    from Xlib.display import Display

    from g2a_tray.qt.shortcut import _grab

    display = Display(desktop.display)
    _grab(display, Chord.parse(chord))
    return display


def test_pressing_the_shortcut_fires_once(
    shortcut: GlobalShortcut, desktop: Desktop, qtbot: QtBot
) -> None:
    assert apply(qtbot, shortcut, "Ctrl+Alt+K") == "Ctrl+Alt+K"
    assert shortcut.active == "Ctrl+Alt+K"
    with qtbot.waitSignal(shortcut.activated, timeout=5000):
        desktop.x("xdotool", "key", "ctrl+alt+k")
    with qtbot.assertNotEmitted(shortcut.activated, wait=300):
        desktop.x("xdotool", "key", "ctrl+alt+j")  # another chord does nothing


def test_caps_lock_does_not_break_it(
    shortcut: GlobalShortcut, desktop: Desktop, qtbot: QtBot
) -> None:
    assert apply(qtbot, shortcut, "Ctrl+Alt+K") == "Ctrl+Alt+K"
    desktop.x("xdotool", "key", "Caps_Lock")
    try:
        with qtbot.waitSignal(shortcut.activated, timeout=5000):
            desktop.x("xdotool", "key", "ctrl+alt+k")
    finally:
        desktop.x("xdotool", "key", "Caps_Lock")


def test_a_taken_shortcut_is_reported(
    shortcut: GlobalShortcut, desktop: Desktop, qtbot: QtBot
) -> None:
    other = grab_elsewhere(desktop, "Ctrl+Alt+T")
    try:
        with qtbot.waitSignal(shortcut.problem, timeout=5000) as told:
            assert shortcut.apply("Ctrl+Alt+T") is None  # the X server answers later
        assert told.args[0] == (
            "The shortcut could not be set: “Ctrl+Alt+T” is already taken by another program. "
            "Choose another one in Settings."
        )
        assert shortcut.active == ""
    finally:
        other.close()  # type: ignore[attr-defined]


def test_changing_the_shortcut_releases_the_old_one(
    shortcut: GlobalShortcut, desktop: Desktop, qtbot: QtBot
) -> None:
    assert apply(qtbot, shortcut, "Ctrl+Alt+K") == "Ctrl+Alt+K"
    assert apply(qtbot, shortcut, "Ctrl+Alt+L") == "Ctrl+Alt+L"  # the new grab waited for K
    other = grab_elsewhere(desktop, "Ctrl+Alt+K")  # free again: another program may take it
    other.close()  # type: ignore[attr-defined]
    with qtbot.waitSignal(shortcut.activated, timeout=5000):
        desktop.x("xdotool", "key", "ctrl+alt+l")
    assert apply(qtbot, shortcut, "") == "" and shortcut.active == ""
    qtbot.waitUntil(lambda: _free(desktop, "Ctrl+Alt+L"))  # released by its own thread


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("G", "add Ctrl, Alt or Super"),
        ("Ctrl+Alt+", "not a key combination"),
        ("Ctrl+Alt+G, Ctrl+X", "not a key combination"),
    ],
)
def test_invalid_shortcuts_are_explained(text: str, words: str) -> None:
    problem = GlobalShortcut(backend=None, auto=False).apply(text)
    assert problem is not None and words in problem
    with pytest.raises(ShortcutError):
        Chord.parse(text)


def _free(desktop: Desktop, chord: str) -> bool:
    from g2a_tray.qt.chord import ShortcutError as Taken

    try:
        grab_elsewhere(desktop, chord).close()  # type: ignore[attr-defined]
    except Taken:
        return False
    return True


def test_saving_the_same_shortcut_again_retries_a_grab_that_failed(
    qapp: QApplication, profile: Profile, desktop: Desktop, qtbot: QtBot
) -> None:
    app = TrayApp(
        qapp, AppPaths.default(), shortcut=GlobalShortcut(backend=X11Backend(desktop.display))
    )
    wanted = dataclasses.replace(app.reconfigure.settings, shortcut="Ctrl+Alt+T")
    other = grab_elsewhere(desktop, "Ctrl+Alt+T")
    try:
        with qtbot.waitSignal(app.shortcut.problem, timeout=5000):
            app.reconfigure.save(wanted)
        assert app.shortcut.active == ""  # taken: the user was told
        assert "already taken" in app.notices.open[-1].text()
    finally:
        other.close()  # type: ignore[attr-defined]
    try:
        with qtbot.waitSignal(app.shortcut.bound, timeout=5000):
            app.reconfigure.save(wanted)  # the same again, now that the other program let go
        assert app.shortcut.active == "Ctrl+Alt+T"
    finally:
        for box in list(app.notices.open):
            box.close()
        app.shutdown()


def test_grabbing_again_waits_for_nothing_on_the_gui_thread(
    shortcut: GlobalShortcut, qtbot: QtBot, joins_on_the_gui_thread: list[str]
) -> None:
    """The old grab's thread must let go of its key before the new grab: that wait is
    the new grab's thread's, not the GUI thread's (which once waited up to 5 s)."""
    assert apply(qtbot, shortcut, "Ctrl+Alt+K") == "Ctrl+Alt+K"
    assert apply(qtbot, shortcut, "Ctrl+Alt+K") == "Ctrl+Alt+K"  # the same key again
    assert apply(qtbot, shortcut, "") == ""
    assert joins_on_the_gui_thread == []


def test_a_keyboard_layout_switch_moves_the_grab_with_the_key(
    shortcut: GlobalShortcut, desktop: Desktop, qtbot: QtBot
) -> None:
    """The grab is for a keycode; a layout switch can put the letter on another key
    (X sends MappingNotify). The shortcut must follow the letter."""
    from Xlib import XK
    from Xlib.display import Display

    assert apply(qtbot, shortcut, "Ctrl+Alt+K") == "Ctrl+Alt+K"
    x = Display(desktop.display)
    old = x.keysym_to_keycode(XK.string_to_keysym("k"))
    first, last = x.display.info.min_keycode, x.display.info.max_keycode
    rows = x.get_keyboard_mapping(first, last - first + 1)
    spare = next(first + i for i, row in enumerate(rows) if not any(row) and first + i > old)
    k_row, blank = list(rows[old - first]), [0] * len(rows[old - first])
    try:
        # The new layout: the letter k on another key, nothing on its old one.
        x.change_keyboard_mapping(spare, [k_row])
        x.change_keyboard_mapping(old, [blank])
        x.sync()
        qtbot.waitUntil(lambda: not _free(desktop, "Ctrl+Alt+K"), timeout=5000)  # re-grabbed
        with qtbot.waitSignal(shortcut.activated, timeout=5000):
            desktop.x("xdotool", "key", "ctrl+alt+k")  # xdotool finds k on its new key
    finally:
        x.change_keyboard_mapping(old, [k_row])
        x.change_keyboard_mapping(spare, [blank])
        x.sync()
        x.close()
    # And back on its old key (pressed again so soon, the repeat guard would swallow it).
    qtbot.waitUntil(lambda: not _free(desktop, "Ctrl+Alt+K"), timeout=5000)
    assert shortcut.active == "Ctrl+Alt+K"
