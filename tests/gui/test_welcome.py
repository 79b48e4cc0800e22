"""The first-run greeting: presets, the answers saved, shown once (in-process, offscreen)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from g2a_tray.app.root import TrayApp
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.settings.schema import Settings
from g2a_tray.core.settings.store import SettingsStore
from g2a_tray.ui.welcome import CUSTOM, ERROR_STYLE, HINT_STYLE, NONE, WelcomeDialog
from tests.helpers.profile import Profile


def test_a_preset_needs_only_the_site_name(qtbot: QtBot) -> None:
    dialog = WelcomeDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.helpdesk.setCurrentText("Zendesk")
    # Nothing typed yet: what is missing reads as a hint, not as an error in red.
    assert "Enter your Zendesk subdomain" in dialog.preview.text()
    assert dialog.preview.styleSheet() == HINT_STYLE
    dialog.save_button.click()  # Save with the site name missing: said, in red, still open
    assert dialog.isVisible() and dialog.preview.styleSheet() == ERROR_STYLE
    qtbot.keyClicks(dialog.site, "acme")
    assert dialog.preview.text() == "Ticket 4711 opens https://acme.zendesk.com/agent/tickets/4711"
    # The relay: the team's own server first; ntfy.sh only when asked for, for trying out.
    assert dialog.relay_url.text() == ""
    assert "not for customers" in " ".join(label.text() for label in dialog.findChildren(QLabel))
    dialog.try_out.click()
    with qtbot.waitSignal(dialog.accepted):
        dialog.save_button.click()
    chosen = dialog.chosen()
    assert chosen.partner_object_url_template == (
        "https://acme.zendesk.com/agent/tickets/{partnerObject}"
    )
    assert chosen.relay.url == "https://ntfy.sh"


def test_a_custom_pattern_is_checked_like_the_settings_file(qtbot: QtBot) -> None:
    dialog = WelcomeDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.helpdesk.setCurrentText(CUSTOM)
    qtbot.keyClicks(dialog.pattern, "https://h.example/{ticket}")
    assert "Unknown placeholder {ticket}" in dialog.preview.text()
    assert dialog.preview.styleSheet() == ERROR_STYLE  # typed: now it is an error
    dialog.pattern.setText("https://h.example/t/{partnerObject}")
    assert dialog.preview.text().startswith("Ticket 4711 opens https://h.example/t/4711")
    dialog.helpdesk.setCurrentText(NONE)
    dialog.local_only.setChecked(True)
    assert dialog.relay_url.isEnabled() is False
    chosen = dialog.chosen()
    assert (chosen.partner_object_url_template, chosen.relay.url) == ("", "")


def answer_welcome(act: Callable[[WelcomeDialog], None]) -> list[str]:
    """Once the greeting shows (it runs its own loop), let ``act`` answer it."""
    seen: list[str] = []

    def find() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, WelcomeDialog)]
        visible = [d for d in dialogs if d.isVisible()]
        if not visible:
            QTimer.singleShot(20, find)
            return
        seen.append(visible[0].windowTitle())
        act(visible[0])

    QTimer.singleShot(0, find)
    return seen


@pytest.fixture
def first_start(profile: Profile) -> Profile:
    profile.settings_file.unlink()  # a brand-new account: no settings file at all
    return profile


def test_the_first_start_greets_once_and_saves_the_answers(
    qapp: QApplication, first_start: Profile, qtbot: QtBot
) -> None:
    def answer(dialog: WelcomeDialog) -> None:
        dialog.helpdesk.setCurrentText("Freshdesk")
        dialog.site.setText("acme")
        dialog.try_out.click()
        dialog.save_button.click()

    seen = answer_welcome(answer)
    app = TrayApp(qapp, AppPaths.default())
    try:
        app.start()
        qtbot.waitUntil(first_start.settings_file.exists, timeout=10000)
    finally:
        app.shutdown()
    assert seen == ["Welcome to g2a-tray"]
    saved = SettingsStore(first_start.settings_file).load().settings
    assert saved.partner_object_url_template == (
        "https://acme.freshdesk.com/a/tickets/{partnerObject}"
    )
    assert saved.relay.url == "https://ntfy.sh"
    again = TrayApp(qapp, AppPaths.default())
    assert again.greeting_due is False
    again.shutdown()


def test_skipping_writes_nothing_and_is_not_asked_again(
    qapp: QApplication, first_start: Profile, qtbot: QtBot
) -> None:
    seen = answer_welcome(lambda dialog: dialog.skip_button.click())
    app = TrayApp(qapp, AppPaths.default())
    try:
        app.start()
        qtbot.waitUntil(lambda: bool(seen), timeout=10000)
        qtbot.waitUntil(
            lambda: (
                not any(
                    isinstance(w, WelcomeDialog) and w.isVisible() for w in qapp.topLevelWidgets()
                )
            )
        )
    finally:
        app.shutdown()
    assert not first_start.settings_file.exists()
    again = TrayApp(qapp, AppPaths.default())
    assert again.greeting_due is False
    again.shutdown()


def test_an_existing_user_is_not_greeted(qapp: QApplication, profile: Profile) -> None:
    app = TrayApp(qapp, AppPaths.default())  # the profile has a settings file
    assert app.greeting_due is False
    app.shutdown()


def test_greeting_and_settings_are_modeless_and_one_of_each(
    qapp: QApplication, first_start: Profile, qtbot: QtBot
) -> None:
    """Asked for again, the open window comes up; none of them blocks another window."""
    from g2a_tray.ui.settings_dialog import SettingsDialog

    app = TrayApp(qapp, AppPaths.default())
    try:
        app.windows.show_welcome()
        app.windows.show_settings()
        welcome, settings = app.windows.welcome, app.windows.settings_dialog
        before = set(qapp.topLevelWidgets())
        app.windows.show_welcome()
        app.windows.show_settings()
        assert (app.windows.welcome, app.windows.settings_dialog) == (welcome, settings)
        assert set(qapp.topLevelWidgets()) == before  # no second window of either kind
        assert isinstance(welcome, WelcomeDialog) and welcome.isVisible()
        assert isinstance(settings, SettingsDialog) and settings.isVisible()
        app.notices.tell("A notice", "stays up")
        assert QApplication.activeModalWidget() is None
        app.windows.show_form()
        assert app.windows.form().isVisible() and app.windows.form().isEnabled()
        settings.close()  # deleted on close: a later Settings… builds a fresh one
        qtbot.waitUntil(lambda: app.windows.settings_dialog is None)
    finally:
        app.notices.close_all()
        if app.windows.welcome is not None:
            app.windows.welcome.close()
        app.shutdown()
