"""The global shortcut on KDE Plasma 5.27 against the real portal: KWin headless,
Debian's xdg-desktop-portal 1.16 and xdg-desktop-portal-kde 5.27 (what Debian 12 and
Kubuntu 24.04 ship), each test on a fresh KWin whose kglobalaccel remembers nothing.

There the app used to log "bound" while kglobalaccel held no g2a-tray shortcut at all:
Plasma 5.27 binds only what ``CreateSession`` names. kglobalaccel is asked directly
what it holds, and told to fire the shortcut as the key would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from g2a_tray.qt.shortcut_portal import SESSION_TOKEN, SHORTCUT_ID
from tests.helpers.app_process import AppProcess
from tests.helpers.procs import wait_for
from tests.helpers.profile import Profile
from tests.helpers.wayland import Plasma, running_plasma
from tests.process.test_sni import Panel

CTRL, ALT = 0x04000000, 0x08000000
CTRL_ALT_K = CTRL | ALT | ord("K")
ACTIVE = "quick form has the keyboard focus"


@pytest.fixture
def plasma(tmp_path: Path) -> Iterator[Plasma]:
    yield from running_plasma(tmp_path)


def log_of(profile: Profile) -> str:
    return profile.log_file.read_text() if profile.log_file.exists() else ""


def app_on(plasma: Plasma, profile: Profile, tmp_path: Path) -> Iterator[AppProcess]:
    """The app with a tray (a StatusNotifierWatcher on KDE's bus), so the form waits
    hidden until the shortcut asks for it."""
    panel = Panel(tmp_path, plasma.bus_address)
    panel.start_watcher()
    proc = AppProcess(profile, plasma.env(profile, plasma.bus_address))
    try:
        yield proc
    finally:
        proc.stop()
        panel.stop()


@pytest.fixture
def app(plasma: Plasma, profile: Profile, tmp_path: Path) -> Iterator[AppProcess]:
    yield from app_on(plasma, profile, tmp_path)


def test_the_shortcut_is_bound_to_the_users_key_and_brings_the_form(
    app: AppProcess, plasma: Plasma, profile: Profile
) -> None:
    profile.write_settings('shortcut = "Ctrl+Alt+K"\n')
    app.start()
    wait_for(lambda: "global shortcut through the portal" in log_of(profile), 20, "the portal")
    assert plasma.active_keys(SESSION_TOKEN, SHORTCUT_ID) == [CTRL_ALT_K]
    assert app.cli("status", "--json").returncode == 0
    assert ACTIVE not in log_of(profile)  # a tray: the form waits
    plasma.press(SESSION_TOKEN, SHORTCUT_ID)
    wait_for(lambda: ACTIVE in log_of(profile), 10, "the form, active, after the shortcut")

    # A restart keeps it (the same component, the same key) and asks nothing again.
    assert app.cli("quit").returncode == 0
    app.start()
    wait_for(lambda: log_of(profile).count("global shortcut through the portal") == 2, 20, "again")
    assert plasma.active_keys(SESSION_TOKEN, SHORTCUT_ID) == [CTRL_ALT_K]
    assert "no key" not in log_of(profile)


def test_a_key_the_desktop_would_not_give_is_told(
    app: AppProcess, plasma: Plasma, profile: Profile
) -> None:
    plasma.take_key(CTRL_ALT_K)
    profile.write_settings('shortcut = "Ctrl+Alt+K"\n')
    app.start()
    wait_for(lambda: "global shortcut:" in log_of(profile), 20, "the app to say so")
    assert plasma.active_keys(SESSION_TOKEN, SHORTCUT_ID) == []
    assert "System Settings → Shortcuts" in log_of(profile)
