"""Quit and Save never wait on the network: a relay behind a network that swallows
packets holds its worker thread, not the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from g2a_tray.app.root import TrayApp
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.sessions.launch import LaunchRequest
from tests.fakes.black_hole import BlackHole
from tests.helpers.profile import Profile


def relay_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "relay" and t.is_alive()]


@pytest.fixture
def hole() -> Iterator[BlackHole]:
    server = BlackHole()
    yield server
    server.close()


@pytest.fixture
def app(qapp: QApplication, profile: Profile, hole: BlackHole) -> Iterator[TrayApp]:
    profile.write_settings(f'[callback]\nlisten_port = 0\n[relay]\nurl = "{hole.url}"\n')
    opened: list[str] = []

    def opener(url: str, done: Callable[[bool], None]) -> None:
        opened.append(url)
        done(True)

    tray_app = TrayApp(qapp, AppPaths.default(), opener=opener)
    tray_app.start()
    yield tray_app
    tray_app.shutdown()


def subscribe_into_the_hole(app: TrayApp, hole: BlackHole, qtbot: QtBot) -> None:
    app.sessions.start_session(LaunchRequest("4711"))  # a topic to watch: it connects
    qtbot.waitUntil(hole.accepted.is_set, timeout=10000)  # once the keyring has answered
    assert relay_threads()


def test_shutdown_does_not_wait_for_a_relay_that_never_answers(
    app: TrayApp, hole: BlackHole, joins_on_the_gui_thread: list[str], qtbot: QtBot
) -> None:
    subscribe_into_the_hole(app, hole, qtbot)
    app.shutdown()  # what Quit runs once the loop has ended
    assert joins_on_the_gui_thread == []
    assert relay_threads()  # it returned while the relay's thread is still blocked


def test_saving_new_relay_settings_replaces_the_worker_without_waiting(
    app: TrayApp, hole: BlackHole, qtbot: QtBot, joins_on_the_gui_thread: list[str]
) -> None:
    subscribe_into_the_hole(app, hole, qtbot)
    blocked = relay_threads()
    settings = app.reconfigure.settings.with_value(("relay", "url"), "")
    app.reconfigure.save(settings)  # back to the listener: the old worker is told to stop
    assert app.reconfigure.settings.relay.url == ""
    assert not app.relay.active
    assert joins_on_the_gui_thread == []
    assert any(t in relay_threads() for t in blocked)  # Save did not wait for it
    hole.close()  # the network gives up at last: the old worker ends by itself
    qtbot.waitUntil(lambda: not any(t.is_alive() for t in blocked), timeout=15000)


class LockedKeyring:
    """A Secret Service that is locked: each call waits until the user has typed the
    password (``unlock``), as GNOME Keyring's prompt makes it wait."""

    def __init__(self) -> None:
        import keyring.backend

        self.unlocked = threading.Event()
        self.asked_on: list[str] = []
        outer = self

        class Backend(keyring.backend.KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def get_password(self, service: str, username: str) -> str | None:
                outer.asked_on.append(threading.current_thread().name)
                outer.unlocked.wait(10)
                return "tk_team"

            def set_password(self, service: str, username: str, password: str) -> None:
                outer.asked_on.append(threading.current_thread().name)
                outer.unlocked.wait(10)

            def delete_password(self, service: str, username: str) -> None:
                outer.unlocked.wait(10)

        self.backend = Backend()


def test_a_locked_keyring_holds_no_window(
    qapp: QApplication, profile: Profile, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    from g2a_tray.core.updates.relay import CONNECTED, CONNECTING
    from g2a_tray.simulator.ntfy import NtfyStandIn

    ntfy = NtfyStandIn(keepalive_s=0.5).start()
    locked = LockedKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(locked.backend)
    profile.write_settings(f'[callback]\nlisten_port = 0\n[relay]\nurl = "{ntfy.url}"\n')
    app = TrayApp(qapp, AppPaths.default())
    try:
        app.start()  # returns although the keyring has not answered
        qtbot.waitUntil(lambda: bool(locked.asked_on))
        assert app.relay.active and app.relay.state.kind == CONNECTING
        app.windows.show_settings()  # opens at once; the token field is told later
        assert app.windows.settings_dialog is not None
        locked.unlocked.set()  # the user typed the keyring's password
        qtbot.waitUntil(lambda: app.relay.state.kind == CONNECTED, timeout=10000)
        assert "MainThread" not in locked.asked_on  # every call ran on the worker
        assert set(locked.asked_on) == {"keyring"}
        dialog = app.windows.settings_dialog
        qtbot.waitUntil(dialog.forget_token.isEnabled)  # the keyring said: a token is stored
    finally:
        locked.unlocked.set()
        if app.windows.settings_dialog is not None:
            app.windows.settings_dialog.close()
        app.shutdown()
        keyring.set_keyring(previous)
        ntfy.stop()


@pytest.mark.usefixtures("profile")
def test_a_helpdesk_that_never_answers_holds_neither_quit_nor_the_next_end(
    qapp: QApplication,
    hole: BlackHole,
    qtbot: QtBot,
    joins_on_the_gui_thread: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The note goes out on the courier's thread: a helpdesk behind a network that
    swallows packets keeps that thread, while ends are still recorded and queued and
    Quit returns at once."""
    from g2a_tray.app import helpdesk_notes
    from g2a_tray.core.updates.callback_parser import StatusEvent

    monkeypatch.setattr(helpdesk_notes, "COURIER_AFTER_MS", 0)
    monkeypatch.setattr("g2a_tray.qt.helpdesk.stored_token", lambda *_: "key")
    AppPaths.default().settings_file.write_text(
        "[callback]\nlisten_port = 0\n"
        f'[helpdesk]\nkind = "freshdesk"\nurl = "{hole.url}"\nwrite_back = "note"\n'
    )
    app = TrayApp(qapp, AppPaths.default())
    # Before start (and so before the listener runs), the helpdesk settings are in force:
    # an "ended" arriving in the first instant is queued.
    assert app.helpdesk.delivery.outbox.settings.kind == "freshdesk"
    app.start()
    try:
        for ticket in ("4711", "4712"):
            launch = app.sessions.start_session(LaunchRequest(ticket))
            launch_id = app.store.launch_id_for_secret(launch.secret)
            assert launch_id is not None
            app.store.record_event(launch_id, StatusEvent(session_id=ticket, status="complete"))
            if ticket == "4711":
                qtbot.waitUntil(hole.accepted.is_set, timeout=10000)  # the courier is stuck
        states = app.helpdesk.notes_of([1, 2])
        assert [states[i].state for i in (1, 2)] == ["pending", "pending"]
    finally:
        app.shutdown()
    assert joins_on_the_gui_thread == []
    assert any(t.name == "helpdesk" and t.is_alive() for t in threading.enumerate())
