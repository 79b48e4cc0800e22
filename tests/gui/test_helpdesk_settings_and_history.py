"""Settings → Helpdesk and the history's note column (in-process, offscreen): what the
technician sees of the notes, with the outbox on a real store and a real stand-in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from g2a_tray.core.helpdesk.courier import Courier
from g2a_tray.core.helpdesk.outbox import Outbox
from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.status import state_of
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import HelpdeskSettings, Settings
from g2a_tray.core.settings.store import SettingsStore
from g2a_tray.core.updates.callback_parser import StatusEvent
from g2a_tray.simulator.helpdesks import STANDIN_TOKEN, HelpdeskStandIn
from g2a_tray.ui.history_window import NOTE_COLUMN, HistoryWindow
from g2a_tray.ui.settings_dialog import SettingsActions, SettingsDialog


@pytest.fixture
def store(tmp_path: Path) -> SettingsStore:
    s = SettingsStore(tmp_path / "settings.toml")
    s.load()
    return s


def dialog_with(
    qtbot: QtBot, store: SettingsStore, settings: Settings | None = None, **actions: object
) -> SettingsDialog:
    dialog = SettingsDialog(
        settings or Settings(), SettingsActions(save=store.save, **actions), str(store.path)
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def choose(widget: QWidget, value: str) -> None:
    widget.setCurrentIndex(widget.findData(value))  # type: ignore[attr-defined]


def test_choosing_a_helpdesk_fills_its_url_from_the_greetings_preset(
    qtbot: QtBot, store: SettingsStore
) -> None:
    settings = Settings(
        partner_object_url_template="https://acme.freshdesk.com/a/tickets/{partnerObject}"
    )
    dialog = dialog_with(qtbot, store, settings)
    page = dialog.helpdesk
    assert not page.url.isEnabled(), "nothing to fill in before a helpdesk is chosen"
    choose(page.kind, "freshdesk")
    assert page.url.text() == "https://acme.freshdesk.com"
    assert page.user.isHidden(), "Freshdesk signs in with the API key alone"
    assert "No administrator needed" in page.who.text()
    choose(page.kind, "zendesk")
    assert not page.user.isHidden()
    assert "Only a Zendesk administrator" in page.who.text()
    assert "note only" in page.write_back.itemText(page.write_back.findData("note+time"))


def test_saving_keeps_the_token_in_the_keyring_and_the_rest_in_the_file(
    qtbot: QtBot, store: SettingsStore
) -> None:
    kept: list[tuple[HelpdeskSettings, str]] = []

    def save_token(helpdesk: HelpdeskSettings, token: str, then: Callable[[str], None]) -> None:
        kept.append((helpdesk, token))
        then("")

    dialog = dialog_with(qtbot, store, save_helpdesk_token=save_token)
    page = dialog.helpdesk
    choose(page.kind, "jira")
    page.url.setText("https://acme.atlassian.net/")
    page.user.setText("tech@example.com")
    page.token.setText("secret-token")
    choose(page.write_back, "note+time")
    with qtbot.waitSignal(dialog.accepted):
        dialog.accept()
    text = store.path.read_text()
    assert '[helpdesk]\nkind = "jira"\nurl = "https://acme.atlassian.net"' in text
    assert 'write_back = "note+time"' in text and "secret-token" not in text
    assert kept == [
        (
            HelpdeskSettings("jira", "https://acme.atlassian.net", "tech@example.com", "note+time"),
            "secret-token",
        )
    ]


def test_a_helpdesk_without_its_url_or_sign_in_name_is_not_saved(
    qtbot: QtBot, store: SettingsStore
) -> None:
    dialog = dialog_with(qtbot, store)
    choose(dialog.helpdesk.kind, "servicenow")
    dialog.tabs.setCurrentIndex(0)
    dialog.accept()
    assert dialog.isVisible() and not store.path.exists()
    assert "ServiceNow address" in dialog.errors.text() and "user name" in dialog.errors.text()
    assert dialog.tabs.currentWidget() is dialog.helpdesk, "the problem is shown where it is"


def test_test_connection_signs_in_with_what_is_typed(qtbot: QtBot, store: SettingsStore) -> None:
    asked: list[tuple[HelpdeskSettings, str]] = []
    dialog = dialog_with(qtbot, store, test_helpdesk=lambda h, t: asked.append((h, t)))
    page = dialog.helpdesk
    choose(page.kind, "freshdesk")
    page.url.setText("https://acme.freshdesk.com")
    page.token.setText("typed-key")
    page.test_button.click()
    assert asked == [(HelpdeskSettings("freshdesk", "https://acme.freshdesk.com"), "typed-key")]
    assert not page.test_button.isEnabled() and "Signing in" in page.test_result.text()
    dialog.show_helpdesk_test_result(False, "Freshdesk did not accept the sign-in name or token.")
    assert page.test_button.isEnabled() and "did not accept" in page.test_result.text()


@pytest.fixture
def standin() -> Iterator[HelpdeskStandIn]:
    server = HelpdeskStandIn("freshdesk").start()
    yield server
    server.stop()


def ended(store: SessionStore, ticket: str) -> int:
    launch_id = store.record(Launch(LaunchRequest(ticket, "", ""), "u"))
    for status in ("active", "complete"):
        store.record_event(
            launch_id, StatusEvent(session_id=f"S{ticket}", status=status, customer_name="Jane Doe")
        )
    return launch_id


def test_the_history_shows_each_note_and_retries_a_failed_one(
    qtbot: QtBot, tmp_path: Path, standin: HelpdeskStandIn
) -> None:
    store = SessionStore(tmp_path / "s.sqlite3")
    outbox = Outbox(store)
    history = HistoryWindow(
        store.page, lambda s: state_of(s, s.launched_at), notes_of=outbox.statuses
    )
    qtbot.addWidget(history)
    ended(store, "1")  # write-back still off: no note, no column
    history.refresh()
    assert history.table.isColumnHidden(NOTE_COLUMN) and history.retry_button.isHidden()

    outbox.settings = HelpdeskSettings("freshdesk", standin.url, write_back="note")
    standin.missing.add("4712")
    good, bad = ended(store, "4711"), ended(store, "4712")
    courier = Courier(outbox, lambda *_: STANDIN_TOKEN, lambda _d: None)
    while (note := outbox.next_due(datetime.now(UTC))) is not None:
        courier.deliver(note)
    history.refresh()
    assert not history.table.isColumnHidden(NOTE_COLUMN)
    words = {
        history.model.rows[r][0].launch_id: history.model.index(r, NOTE_COLUMN).data()
        for r in range(history.model.rowCount())
    }
    assert words[good].startswith("written ")
    assert words[bad] == "not written: Freshdesk has no such ticket"
    row = next(
        r for r in range(history.model.rowCount()) if history.model.rows[r][0].launch_id == bad
    )
    history.table.selectRow(row)
    assert history.retry_button.isEnabled()
    with qtbot.waitSignal(history.retry_note) as retried:
        history.retry_button.click()
    assert retried.args == [bad]
    history.table.selectRow(
        next(
            r for r in range(history.model.rowCount()) if history.model.rows[r][0].launch_id == good
        )
    )
    assert not history.retry_button.isEnabled(), "nothing to retry on a written note"
    store.close()
