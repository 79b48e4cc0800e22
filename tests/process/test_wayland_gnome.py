"""The hot path on GNOME's own compositor (mutter 43, headless), with no tray: GNOME
without the AppIndicator extension, Fedora's default.

There the form, minimised after a session started, never came back: a Wayland client
cannot un-minimise itself, and ``new-session`` relied on it. The keys go in through
mutter's RemoteDesktop API and land wherever mutter put the focus.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.app_process import AppProcess
from tests.helpers.procs import wait_for
from tests.helpers.profile import Profile
from tests.helpers.wayland import Mutter, running_mutter
from tests.process.test_never_in_the_way import tickets_opened


@pytest.fixture(scope="module")
def mutter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mutter]:
    yield from running_mutter(tmp_path_factory.mktemp("mutter"))


def start_from_the_form(mutter: Mutter, profile: Profile, ticket: str) -> None:
    before = len(profile.opened_urls())
    mutter.type(ticket)
    mutter.key("Return")
    wait_for(lambda: len(profile.opened_urls()) > before, 10, f"a session for {ticket}")
    assert tickets_opened(profile)[before:] == [ticket]


ACTIVE = "quick form has the keyboard focus"


def focused_count(profile: Profile) -> int:
    """How often the form was given the keys (it logs each time), mutter having no
    window list to ask."""
    return profile.log_file.read_text().count(ACTIVE) if profile.log_file.exists() else 0


def new_session(app: AppProcess, profile: Profile) -> None:
    before = focused_count(profile)
    assert app.cli("new-session").returncode == 0
    wait_for(lambda: focused_count(profile) > before, 10, "the form to have the keys again")


def test_the_form_comes_back_after_each_session(mutter: Mutter, profile: Profile) -> None:
    profile.write_settings('shortcut = ""\n')
    app = AppProcess(profile, mutter.env(profile))
    app.start()  # no tray: the form is up
    try:
        wait_for(lambda: focused_count(profile) > 0, 10, "the form to have the keys")
        start_from_the_form(mutter, profile, "4711")
        new_session(app, profile)
        start_from_the_form(mutter, profile, "4712")
        new_session(app, profile)
        mutter.type("711")
        mutter.key("Escape")
        new_session(app, profile)
        start_from_the_form(mutter, profile, "T-3")
        assert tickets_opened(profile) == ["4711", "4712", "T-3"]
    finally:
        app.stop()
