"""The settings dialog writes the TOML contract and refuses what the loader refuses."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from g2a_tray.core.desktop_integration import Autostart
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import CallbackSettings, Settings
from g2a_tray.core.settings.store import SettingsStore
from g2a_tray.qt.listener import CallbackListener
from g2a_tray.ui.settings_dialog import SettingsActions, SettingsDialog


@pytest.fixture
def store(tmp_path: Path) -> SettingsStore:
    path = tmp_path / "settings.toml"
    path.write_text('mystery = "kept"\n')
    s = SettingsStore(path)
    s.load()
    return s


def boxes_over(dialog: SettingsDialog) -> list[str]:
    """The texts of the message boxes shown over the dialog: modal to it alone (opened
    with ``open()``), never to the app, and always plain text."""
    shown = [b for b in dialog.findChildren(QMessageBox) if b.isVisible()]
    for box in shown:
        assert box.textFormat() == Qt.TextFormat.PlainText
        assert box.windowModality() == Qt.WindowModality.WindowModal
    return [b.text() for b in shown]


def make(qtbot: QtBot, store: SettingsStore, settings: Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(
        settings or Settings(), SettingsActions(save=store.save), str(store.path)
    )
    qtbot.addWidget(dialog)
    return dialog


def test_edit_and_save_writes_the_file(qtbot: QtBot, store: SettingsStore) -> None:
    dialog = make(qtbot, store)
    dialog.fields["partner_object_url_template"].setText("https://h.example/t/{partnerObject}")
    dialog.fields["layout"].setCurrentIndex(dialog.fields["layout"].findData("iFrame"))
    dialog.fields["shortcut"].setKeySequence(QKeySequence("Ctrl+Shift+F5"))
    dialog.fields["callback.listen_port"].setValue(0)
    dialog.fields["notifications.enabled"].setChecked(False)
    with qtbot.waitSignal(dialog.accepted):
        dialog.accept()
    loaded = SettingsStore(store.path).load()
    assert loaded.problems == []
    s = loaded.settings
    assert s.partner_object_url_template == "https://h.example/t/{partnerObject}"
    assert s.layout == "iFrame"
    assert s.shortcut == "Ctrl+Shift+F5"
    assert s.callback.listen_port == 0
    assert s.notifications.enabled is False
    assert 'mystery = "kept"' in store.path.read_text()


def test_invalid_values_are_marked_and_nothing_is_saved(qtbot: QtBot, store: SettingsStore) -> None:
    before = store.path.read_text()
    dialog = make(qtbot, store)
    dialog.show()
    dialog.fields["service_url"].setText("http://api.example.com/G2A")
    dialog.fields["callback.public_url"].setText("file:///etc/passwd")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.result() == 0
    text = dialog.errors.text()
    assert "Service URL: use https://" in text
    assert "Public URL: the URL must start with http:// or https://" in text
    assert dialog.fields["service_url"].styleSheet() != ""
    assert store.path.read_text() == before


def test_restore_defaults_fills_defaults(qtbot: QtBot, store: SettingsStore) -> None:
    dialog = make(qtbot, store, Settings(layout="iFrame", shortcut="F9"))
    assert dialog.edited().layout == "iFrame"
    from PySide6.QtWidgets import QDialogButtonBox

    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    qtbot.mouseClick(
        box.button(QDialogButtonBox.StandardButton.RestoreDefaults), Qt.MouseButton.LeftButton
    )
    assert dialog.edited() == Settings()


def test_save_failure_keeps_dialog_open_and_says_so(qtbot: QtBot, store: SettingsStore) -> None:
    def failing_save(_settings: Settings) -> None:
        raise PermissionError(13, "Permission denied")

    dialog = SettingsDialog(Settings(), SettingsActions(save=failing_save), "x")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.accept()
    assert dialog.isVisible()
    [shown] = boxes_over(dialog)
    assert "Permission denied" in shown and "unchanged" in shown
    assert QApplication.activeModalWidget() is not None  # over the dialog, not the app
    assert QApplication.activeModalWidget().parent() is dialog


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[CallbackListener]:
    store = SessionStore(tmp_path / "s.sqlite3")
    lst = CallbackListener(store)
    state = lst.start(CallbackSettings(listen_port=0))
    assert state.listening
    yield lst
    lst.stop()
    store.close()


def run_test(
    qtbot: QtBot, store: SettingsStore, listener: CallbackListener, public_url: str
) -> str:
    dialog = SettingsDialog(
        Settings(), SettingsActions(save=store.save, test_callback=listener.test_url), "x"
    )
    qtbot.addWidget(dialog)
    listener.test_finished.connect(dialog.show_test_result)
    dialog.fields["callback.public_url"].setText(public_url)
    with qtbot.waitSignal(listener.test_finished, timeout=20000):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.test_button.isEnabled()
    return dialog.test_result.text()


def test_callback_test_reaches_the_listener(
    qtbot: QtBot, store: SettingsStore, listener: CallbackListener
) -> None:
    # Empty public URL: the listener's own address. It arrives, but GoToAssist could not
    # reach it: the dialog says so instead of "it works" (a loopback "tunnel" alike).
    for public in ("", f"http://localhost:{listener.port}"):
        text = run_test(qtbot, store, listener, public)
        assert text.startswith("✗ A test update sent to") and "arrived" in text
        assert "works on this computer only" in text and "use a relay" in text


def test_callback_test_reports_an_unreachable_url(
    qtbot: QtBot, store: SettingsStore, listener: CallbackListener
) -> None:
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    text = run_test(qtbot, store, listener, f"http://127.0.0.1:{port}")
    assert text.startswith("✗ Could not reach")


def test_callback_test_is_not_fooled_by_another_server(
    qtbot: QtBot, store: SettingsStore, listener: CallbackListener
) -> None:
    class Yes(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    imposter = ThreadingHTTPServer(("127.0.0.1", 0), Yes)
    thread = threading.Thread(target=imposter.serve_forever, daemon=True)
    thread.start()
    try:
        text = run_test(qtbot, store, listener, f"http://127.0.0.1:{imposter.server_address[1]}")
    finally:
        imposter.shutdown()
        imposter.server_close()
    assert text.startswith("✗") and "did not arrive here" in text


def test_callback_test_checks_the_url_first(
    qtbot: QtBot, store: SettingsStore, listener: CallbackListener
) -> None:
    dialog = SettingsDialog(
        Settings(), SettingsActions(save=store.save, test_callback=listener.test_url), "x"
    )
    qtbot.addWidget(dialog)
    dialog.fields["callback.public_url"].setText("ftp://example.com")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.test_result.text().startswith("✗ Public URL: the URL must start with http")


def test_start_with_my_desktop_writes_and_removes_the_autostart_entry(
    qtbot: QtBot, store: SettingsStore, tmp_path: Path
) -> None:
    auto = Autostart("linux", config_home=tmp_path / "xdg-config", command=["/usr/bin/g2a-tray"])

    def dialog_for(auto: Autostart) -> SettingsDialog:
        actions = SettingsActions(
            save=store.save, autostart_enabled=auto.is_enabled(), set_autostart=auto.set_enabled
        )
        return SettingsDialog(Settings(), actions, "x")

    dialog = dialog_for(auto)
    qtbot.addWidget(dialog)
    assert not dialog.start_with_desktop.isHidden()
    assert not dialog.start_with_desktop.isChecked()
    dialog.start_with_desktop.setChecked(True)
    dialog.accept()
    assert auto.is_enabled() and "Exec=/usr/bin/g2a-tray run" in auto.path.read_text()
    again = dialog_for(auto)
    qtbot.addWidget(again)
    assert again.start_with_desktop.isChecked()
    again.start_with_desktop.setChecked(False)
    again.accept()
    assert not auto.path.exists()


def test_relay_mode_saves_its_url_and_prefix_and_the_token_apart(
    qtbot: QtBot, store: SettingsStore
) -> None:
    tokens: list[tuple[str, str]] = []
    answers: list[Callable[[str], None]] = []

    def keyring(url: str, token: str, then: Callable[[str], None]) -> None:
        tokens.append((url, token))
        answers.append(then)  # a keyring answers later (it may ask to be unlocked)

    before = store.path.read_text()
    dialog = SettingsDialog(
        Settings(), SettingsActions(save=store.save, save_relay_token=keyring), str(store.path)
    )
    qtbot.addWidget(dialog)
    assert not dialog.relay_mode  # no relay URL yet: the listener is what runs
    dialog.updates_mode.setCurrentIndex(dialog.updates_mode.findData("relay"))
    assert dialog.updates_pages.currentIndex() == 0
    dialog.fields["relay.url"].setText("https://ntfy.example.com/")
    dialog.fields["relay.topic_prefix"].setText("team-a-")
    dialog.relay_token.setText("tk_secret")
    dialog.accept()
    # Waiting for the keyring: nothing saved yet, Save cannot be pressed twice, and the
    # dialog says what it waits for.
    assert store.path.read_text() == before
    assert "keyring" in dialog.errors.text()
    assert not dialog.findChild(QDialogButtonBox).isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        answers.pop()("")
    saved = SettingsStore(store.path).load().settings
    assert (saved.relay.url, saved.relay.topic_prefix) == ("https://ntfy.example.com", "team-a-")
    assert tokens == [("https://ntfy.example.com", "tk_secret")]
    assert "tk_secret" not in store.path.read_text()


def test_relay_mode_needs_an_url_and_a_good_prefix(qtbot: QtBot, store: SettingsStore) -> None:
    dialog = make(qtbot, store)
    dialog.show()
    dialog.updates_mode.setCurrentIndex(dialog.updates_mode.findData("relay"))
    dialog.fields["relay.url"].setText("")
    dialog.fields["relay.topic_prefix"].setText("no spaces please")
    dialog.accept()
    assert dialog.isVisible()
    assert "Relay URL: enter the relay's address" in dialog.errors.text()
    assert "Topic prefix: use at most 20 letters" in dialog.errors.text()
    dialog.fields["relay.url"].setText("http://ntfy.example.com")
    dialog.accept()
    assert "Relay URL: use https://" in dialog.errors.text()


def test_a_keyring_that_cannot_store_the_token_keeps_the_dialog_open(
    qtbot: QtBot, store: SettingsStore
) -> None:
    def no_keyring(_url: str, _token: str, then: Callable[[str], None]) -> None:
        then("No system keyring is available (none), so …")

    before = store.path.read_text()
    dialog = SettingsDialog(
        Settings(), SettingsActions(save=store.save, save_relay_token=no_keyring), str(store.path)
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.updates_mode.setCurrentIndex(dialog.updates_mode.findData("relay"))
    dialog.fields["relay.url"].setText("https://ntfy.example.com")
    dialog.relay_token.setText("tk")
    dialog.accept()
    [shown] = boxes_over(dialog)
    assert dialog.isVisible() and "No system keyring" in shown
    assert store.path.read_text() == before
    assert dialog.findChild(QDialogButtonBox).isEnabled()  # Save can be tried again


def test_test_relay_shows_what_came_back(qtbot: QtBot, store: SettingsStore) -> None:
    asked: list[bool] = []
    dialog = SettingsDialog(
        Settings(),
        SettingsActions(save=store.save, test_relay=lambda: asked.append(True)),
        str(store.path),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.updates_mode.setCurrentIndex(dialog.updates_mode.findData("relay"))
    qtbot.mouseClick(dialog.relay_test_button, Qt.MouseButton.LeftButton)
    assert asked == [True] and not dialog.relay_test_button.isEnabled()
    dialog.show_relay_test_result(True, "A test update went through x and back in 12 ms.")
    assert dialog.relay_test_result.text().startswith("✓ A test update")
    assert dialog.relay_test_button.isEnabled()


def test_the_relay_state_is_shown(qtbot: QtBot, store: SettingsStore) -> None:
    dialog = SettingsDialog(
        Settings(),
        SettingsActions(save=store.save),
        str(store.path),
        relay_state="updates via x: connected",
    )
    qtbot.addWidget(dialog)
    assert dialog.relay_state.text() == "Now: updates via x: connected"
    dialog.show_relay_state("updates via x: not reachable: <b>401</b>")
    assert dialog.relay_state.textFormat() == Qt.TextFormat.PlainText


def test_a_red_mark_goes_as_soon_as_its_field_is_edited(qtbot: QtBot, store: SettingsStore) -> None:
    dialog = make(qtbot, store)
    dialog.show()
    dialog.fields["service_url"].setText("ftp://nope")
    dialog.fields["partner_object_url_template"].setText("https://h.example/{ticket}")
    dialog.accept()
    assert dialog.errors.isVisible()
    assert (
        dialog.fields["service_url"].styleSheet()
        and dialog.fields["partner_object_url_template"].styleSheet()
    )
    qtbot.keyClicks(dialog.fields["service_url"], "x")
    assert (
        dialog.fields["service_url"].styleSheet() == ""
        and dialog.fields["partner_object_url_template"].styleSheet()
    )
    assert dialog.errors.isVisible()  # one problem left
    qtbot.keyClicks(dialog.fields["partner_object_url_template"], "x")
    assert not dialog.errors.isVisible()


def test_fields_start_at_one_x_in_every_group(qtbot: QtBot, store: SettingsStore) -> None:
    dialog = make(qtbot, store)
    dialog.show()
    qtbot.waitExposed(dialog)

    def left(widget: QWidget) -> int:
        return widget.mapTo(dialog, widget.rect().topLeft()).x()

    lefts = {
        left(w)
        for w in (
            dialog.fields["service_url"],
            dialog.fields["sessions.stale_after_minutes"],
            dialog.fields["callback.listen_host"],
        )
    }
    dialog.updates_mode.setCurrentIndex(dialog.updates_mode.findData("relay"))
    qtbot.waitUntil(dialog.fields["relay.url"].isVisible)
    lefts |= {
        left(w)
        for w in (
            dialog.updates_mode,
            dialog.fields["relay.url"],
            dialog.fields["relay.topic_prefix"],
        )
    }
    assert len(lefts) == 1, lefts


def test_the_session_type_reads_in_words_and_saves_the_api_value(
    qtbot: QtBot, store: SettingsStore
) -> None:
    dialog = make(qtbot, store, Settings(session_type="screen_sharing"))
    assert dialog.fields["session_type"].currentText() == "Screen sharing"
    dialog.fields["sessions.stale_after_minutes"].setValue(45)
    with qtbot.waitSignal(dialog.accepted):
        dialog.accept()
    saved = SettingsStore(store.path).load().settings
    assert saved.session_type == "screen_sharing"  # the user's spelling, kept
    assert saved.sessions.stale_after_minutes == 45


@pytest.mark.parametrize(
    ("answer", "saved"), [("Keep Ctrl+Alt+G", "Ctrl+Alt+G"), ("No shortcut", "")]
)
def test_an_empty_shortcut_is_saved_only_when_meant(
    qtbot: QtBot, store: SettingsStore, answer: str, saved: str
) -> None:
    dialog = make(qtbot, store)
    dialog.fields["shortcut"].clear()  # as when another program swallowed the combination

    def click() -> None:
        box = next(w for w in dialog.findChildren(QMessageBox) if w.isVisible())
        assert "another program" in box.text()
        next(b for b in box.buttons() if b.text() == answer).click()

    dialog.accept()  # asks, and returns at once: no nested event loop
    assert dialog.result() != dialog.DialogCode.Accepted
    click()
    if saved:
        assert dialog.result() != dialog.DialogCode.Accepted  # still open, the old one back
        assert dialog.fields["shortcut"].keySequence().toString() == saved
    else:
        assert dialog.result() == dialog.DialogCode.Accepted
        assert SettingsStore(store.path).load().settings.shortcut == ""


def test_every_settings_key_has_a_widget_and_a_row() -> None:
    """A key added to the core's field table without a binding would be lost on Save."""
    from g2a_tray.core.settings.schema import FIELD_BY_NAME
    from g2a_tray.ui.setting_widgets import BINDINGS

    assert set(BINDINGS) == set(FIELD_BY_NAME)


def test_every_widget_round_trips_its_value(qtbot: QtBot, store: SettingsStore) -> None:
    """What the dialog shows is what it saves, for a value other than the default."""
    odd = Settings(
        service_url="https://g2a.example.com/G2A/rest/v1",
        session_type="screen_sharing",
        layout="iFrame",
        partner_object_url_template="https://h.example/t/{partnerObject}",
        shortcut="Ctrl+Shift+F7",
        callback=CallbackSettings(listen_host="127.0.0.2", listen_port=0, public_url=""),
    )
    odd = odd.with_value(("relay", "url"), "https://ntfy.example.com")
    odd = odd.with_value(("relay", "topic_prefix"), "team-")
    odd = odd.with_value(("sessions", "stale_after_minutes"), 45)
    odd = odd.with_value(("notifications", "enabled"), False)
    assert make(qtbot, store, odd).edited() == odd


def test_where_the_desktop_edits_the_shortcut_a_button_opens_its_editor(qtbot: QtBot) -> None:
    """GlobalShortcuts portal version 2 has ConfigureShortcuts: the desktop's own editor
    is how *Change…* works there; elsewhere there is no such button."""
    from PySide6.QtWidgets import QPushButton

    opened: list[bool] = []
    actions = SettingsActions(save=lambda _s: None, configure_shortcut=lambda: opened.append(True))
    dialog = SettingsDialog(Settings(), actions, "x")
    qtbot.addWidget(dialog)
    button = dialog.findChild(QPushButton, "configureShortcut")
    assert button is not None
    button.click()
    assert opened == [True]
    plain = SettingsDialog(Settings(), SettingsActions(save=lambda _s: None), "x")
    qtbot.addWidget(plain)
    assert plain.findChild(QPushButton, "configureShortcut") is None
