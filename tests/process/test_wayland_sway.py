"""The hot path on a real Wayland compositor: sway (wlroots, tiling), headless.

The real app runs with ``QT_QPA_PLATFORM=wayland`` and no X at all; keys go in through
the virtual-keyboard protocol, so they land wherever the compositor put the keyboard
focus, as a technician's would. Nothing here focuses a window on the app's behalf.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.app_process import AppProcess
from tests.helpers.procs import wait_for
from tests.helpers.profile import Profile
from tests.helpers.wayland import Sway, running_sway
from tests.process.test_app_process import FORM_TITLE
from tests.process.test_never_in_the_way import tickets_opened
from tests.process.test_sni import Panel

SHORTCUT_NOTICE = "g2a-tray shortcut"


@pytest.fixture(scope="module")
def sway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sway]:
    yield from running_sway(tmp_path_factory.mktemp("sway"))


@pytest.fixture
def app(sway: Sway, profile: Profile) -> Iterator[AppProcess]:
    """The app with no tray (GNOME without AppIndicator is this case) and no portal: the
    form is its window. No shortcut is set, so no start-up notice comes."""
    profile.write_settings('shortcut = ""\n')
    proc = AppProcess(profile, sway.env(profile))
    yield proc
    proc.stop()
    wait_for(lambda: not sway.windows(), 10, "the app's windows to go")


def start_from_the_form(sway: Sway, profile: Profile, ticket: str) -> None:
    """Wait for the compositor to give the form the keys, type, press Enter."""
    before = len(profile.opened_urls())
    sway.wait_focused(FORM_TITLE)
    sway.type(ticket)
    sway.key("Return")
    wait_for(lambda: len(profile.opened_urls()) > before, 10, f"a session for {ticket}")
    assert tickets_opened(profile)[before:] == [ticket]


def test_each_new_session_gets_exactly_the_ticket_typed(
    app: AppProcess, sway: Sway, profile: Profile
) -> None:
    app.start()
    assert app.cli("new-session").returncode == 0
    start_from_the_form(sway, profile, "4711")

    # Typed, then Esc: the next form must not keep "711" to be appended to.
    assert app.cli("new-session").returncode == 0
    sway.wait_focused(FORM_TITLE)
    sway.type("711")
    sway.key("Escape")
    assert app.cli("new-session").returncode == 0
    start_from_the_form(sway, profile, "4712")
    assert app.cli("new-session").returncode == 0
    start_from_the_form(sway, profile, "T-3")
    assert tickets_opened(profile) == ["4711", "4712", "T-3"]


def test_the_form_floats_at_its_natural_size(app: AppProcess, sway: Sway, tmp_path: Path) -> None:
    app.start()
    form = sway.wait_focused(FORM_TITLE)
    sway.screenshot(tmp_path / "form.png")
    assert form.floating, form
    assert 400 <= form.width <= 800 and 150 <= form.height <= 500, form


def test_a_start_up_notice_never_takes_the_keys_meant_for_the_form(
    sway: Sway, profile: Profile
) -> None:
    """The default shortcut cannot be grabbed on Wayland without a portal: the app says
    how to bind it, once, at first start. That box must not take the first ticket."""
    proc = AppProcess(profile, sway.env(profile))
    proc.start()
    try:
        start_from_the_form(sway, profile, "4711")
        # Not lost: the notice comes up once the form is done with.
        sway.wait_focused(SHORTCUT_NOTICE)
    finally:
        proc.stop()
    wait_for(lambda: not sway.windows(), 10, "the app's windows to go")


def test_the_tray_icon_registers_and_its_menu_starts_a_session(
    sway: Sway, profile: Profile, tmp_path: Path
) -> None:
    panel = Panel(tmp_path)
    try:
        panel.start_watcher()
        profile.write_settings('shortcut = ""\nservice_url = "http://127.0.0.1:9/G2A/rest/v1"\n')
        proc = AppProcess(profile, sway.env(profile, panel.address))
        proc.start()
        try:
            wait_for(lambda: len(panel.items()) == 1, 20, "the item to register")
            assert sway.window(FORM_TITLE) is None  # a tray: the icon only
            idle = panel.props()["IconPixmap"]
            assert next(iter(panel.menu_labels())) == "Start session…"  # AppIndicator's default
            panel.click_menu("Start session…")
            start_from_the_form(sway, profile, "4711")
            wait_for(lambda: panel.props()["IconPixmap"] != idle, 10, "the waiting badge")
        finally:
            proc.stop()
    finally:
        panel.stop()


def test_quit_ends_everything(app: AppProcess, sway: Sway) -> None:
    app.start()
    sway.wait_focused(FORM_TITLE)
    assert app.cli("history").returncode == 0
    wait_for(lambda: sway.window("Session history") is not None, 10, "the history")
    assert app.cli("quit").returncode == 0
    assert app.proc is not None
    assert app.proc.wait(10) == 0
    wait_for(lambda: not sway.windows(), 10, "every window to go")


def test_at_first_start_with_the_greeting_up_the_form_takes_the_ticket(
    sway: Sway, profile: Profile, tmp_path: Path
) -> None:
    """A new technician: no settings, so the greeting is up (sway gives it the keys, it
    came last). ``new-session`` (their desktop shortcut) must bring the form back with
    the keys, and the ticket typed must start exactly that session."""
    profile.settings_file.unlink()
    proc = AppProcess(profile, sway.env(profile))
    proc.start()
    try:
        sway.wait_focused("Welcome to g2a-tray")
        sway.screenshot(tmp_path / "first-start.png")
        assert proc.cli("new-session").returncode == 0
        start_from_the_form(sway, profile, "T-100")
        assert sway.window("Welcome to g2a-tray") is not None  # still there, not in the way
    finally:
        proc.stop()
    wait_for(lambda: not sway.windows(), 10, "the app's windows to go")
