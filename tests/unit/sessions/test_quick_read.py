"""``g2a-tray status`` as a small client (core/sessions/quick_read.py) says exactly what
the store's way says, and hands over to it whenever it is not sure."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from g2a_tray.core.helpdesk.courier import Courier
from g2a_tray.core.helpdesk.outbox import Outbox
from g2a_tray.core.instance.client_paths import ClientPaths
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.quick_read import READ_SCHEMA, newest
from g2a_tray.core.sessions.store import SCHEMA_VERSION, SessionStore
from g2a_tray.core.settings.schema import HelpdeskSettings
from g2a_tray.core.updates.callback_parser import StatusEvent
from g2a_tray.status_report import print_newest, print_status
from tests.helpers.profile import Profile


def history(paths: AppPaths, helpdesk_url: str = "http://127.0.0.1:9") -> None:
    """Sessions of every kind: ended, stale, marked ended, waiting, with names that
    must not act on a terminal, and notes written, refused and waiting."""
    now = datetime.now(UTC)
    store = SessionStore(paths.sessions_file)
    outbox = Outbox(store)
    outbox.settings = HelpdeskSettings("freshdesk", helpdesk_url, write_back="note")
    for i, (ticket, name, status, hours) in enumerate(
        [
            ("4711", "Jane Doe", "complete", 0),
            ("4712", "Eve\x1b[31m\u202eRed", "active", 5),  # stale after 30 minutes
            ("4713", "", "", 1),  # no callback: launched
            ("", "Nobody", "abandoned", 2),
        ]
    ):
        launch = Launch(
            LaunchRequest(ticket, "", ""), "u", launched_at=now - timedelta(hours=hours)
        )
        launch_id = store.record(launch)
        if status:
            store.record_event(
                launch_id,
                StatusEvent(
                    session_id=f"S{i}",
                    status=status,
                    customer_name=name,
                    started_at=now - timedelta(hours=hours),
                ),
            )
        if ticket == "4713":
            store.mark_ended(launch_id)
    courier = Courier(outbox, lambda *_: "", lambda _d: None)  # no token: refused
    note = outbox.next_due(now + timedelta(seconds=5))
    assert note is not None
    courier.deliver(note)
    store.close()
    db = sqlite3.connect(paths.sessions_file)  # nothing heard from 4712 for five hours
    db.execute(
        "UPDATE launches SET last_update_at = ? WHERE partner_object = '4712'",
        ((now - timedelta(hours=5)).isoformat(timespec="seconds"),),
    )
    db.commit()
    db.close()


@pytest.fixture
def paths(profile: Profile) -> AppPaths:
    profile.write_settings("[sessions]\nstale_after_minutes = 30\n")
    return AppPaths.default()


@pytest.mark.parametrize("limit", [None, 2, 10])
def test_the_quick_table_is_the_stores_table(
    paths: AppPaths, limit: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    history(paths)
    assert print_status(paths, as_json=False, limit=limit) == 0
    by_store = capsys.readouterr().out
    assert print_newest(ClientPaths(), limit) == 0
    quick = capsys.readouterr().out
    assert quick == by_store
    assert "ended (marked by you)" in quick
    if limit != 2:
        assert "no update since" in quick
        assert "\x1b" not in quick and "\u202e" not in quick
        assert "not written: no API key for Freshdesk is stored" in quick
        assert "waiting to be written" in quick


def test_no_history_yet_reads_as_empty_and_creates_nothing(
    paths: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert print_newest(ClientPaths(), 5) == 0
    assert capsys.readouterr().out.endswith("No sessions yet.\n")
    assert not paths.sessions_file.exists()


def test_what_the_quick_reader_was_not_written_for_goes_to_the_store(paths: AppPaths) -> None:
    assert READ_SCHEMA == SCHEMA_VERSION, "teach quick_read.py the new schema"
    history(paths)
    assert newest(paths.sessions_file, 5) is not None
    db = sqlite3.connect(paths.sessions_file)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    assert newest(paths.sessions_file, 5) is None  # a newer g2a-tray's history
    Path(paths.sessions_file).write_bytes(b"not a database at all" * 100)
    assert newest(paths.sessions_file, 5) is None  # the store moves it aside and says so
