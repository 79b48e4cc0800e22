"""The quick form takes keys whatever else the app has open (the real app, a real X
session): the first-run greeting, a notice box, the history's file chooser, Settings.

Each window is opened the way a technician opens it, and each time the ticket typed
into the form must start a session for exactly that ticket.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers.app_process import AppProcess
from tests.helpers.desktop import Desktop
from tests.helpers.procs import wait_for
from tests.helpers.profile import Profile
from tests.process.test_app_process import FORM_TITLE, shortcut_in_effect, visible_windows
from tests.process.test_e2e import type_into_form

WELCOME = "Welcome to g2a-tray"
SETTINGS = "g2a-tray settings"
HISTORY = "Session history"
CHOOSER = "Export session history"


@pytest.fixture
def first_run(desktop: Desktop, profile: Profile) -> Iterator[AppProcess]:
    """The app as a new technician starts it: no settings file, so the greeting is up."""
    profile.settings_file.unlink()  # a brand-new account
    proc = AppProcess(profile, desktop.env(profile))
    proc.start()
    yield proc
    proc.stop()


def tickets_opened(profile: Profile) -> list[str]:
    return [parse_qs(urlsplit(url).query)["partnerObject"][0] for url in profile.opened_urls()]


def start_from_the_form(desktop: Desktop, profile: Profile, ticket: str) -> None:
    before = len(profile.opened_urls())
    type_into_form(desktop, ticket)
    wait_for(lambda: len(profile.opened_urls()) > before, 10, f"a session for {ticket}")
    assert tickets_opened(profile)[before:] == [ticket]


def wait_visible(desktop: Desktop, title: str) -> None:
    wait_for(lambda: bool(visible_windows(desktop, title)), 10, f"the window {title!r}")


def focused_title(desktop: Desktop) -> str:
    return desktop.x("xdotool", "getwindowfocus", "getwindowname").strip()


def press_in(desktop: Desktop, title: str, keys: str) -> None:
    """Focus the window ``title`` as a person would and press ``keys`` there."""
    wait_visible(desktop, title)
    [window] = visible_windows(desktop, title)
    desktop.x("xdotool", "windowfocus", "--sync", window)
    desktop.x("xdotool", "key", keys)


def test_the_form_takes_keys_whatever_else_is_open(
    first_run: AppProcess, desktop: Desktop, profile: Profile
) -> None:
    app = first_run
    wait_visible(desktop, WELCOME)
    # A notice box: a link that cannot start a session (the browser fired it).
    assert app.cli("open", "g2a-tray://start?nonsense=1").returncode == 2
    wait_visible(desktop, "g2a-tray link")

    assert app.cli("new-session").returncode == 0
    start_from_the_form(desktop, profile, "T-9001")

    # The history's CSV export: its file chooser stays open.
    assert app.cli("history").returncode == 0
    press_in(desktop, HISTORY, "alt+e")  # &Export CSV…
    wait_visible(desktop, CHOOSER)
    wait_for(lambda: shortcut_in_effect(profile) == "Ctrl+Alt+G", 10, "the grab")
    desktop.x("xdotool", "key", "ctrl+alt+g")  # the global shortcut this time
    start_from_the_form(desktop, profile, "T-9002")

    # Settings from the form's own button; a second press raises the same dialog.
    assert app.cli("new-session").returncode == 0
    press_in(desktop, FORM_TITLE, "alt+n")  # Setti&ngs…
    wait_visible(desktop, SETTINGS)
    assert app.cli("new-session").returncode == 0
    press_in(desktop, FORM_TITLE, "alt+n")
    # Handled once the open dialog has come up with the focus (it is visible already): a
    # new-session sent before the app read the key would have its ticket typed into
    # Settings when the key raised it after all (seen: 4 runs in 4 on a fast machine).
    wait_for(lambda: focused_title(desktop).startswith(SETTINGS), 10, "Settings raised")
    assert len(visible_windows(desktop, SETTINGS)) == 1
    assert app.cli("new-session").returncode == 0
    start_from_the_form(desktop, profile, "T-9003")

    # Everything that was opened is still there, none of it in the way.
    for title in (WELCOME, "g2a-tray link", HISTORY, CHOOSER, SETTINGS):
        assert visible_windows(desktop, title), title
    assert tickets_opened(profile) == ["T-9001", "T-9002", "T-9003"]
    assert app.cli("quit").returncode == 0
