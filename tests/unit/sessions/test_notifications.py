"""Which store changes call for a notification, and their words (Qt-free)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from g2a_tray.core.sessions.export import as_json, summary_text, write_csv
from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.model import format_duration
from g2a_tray.core.sessions.notifications import Note, note_for
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.updates.callback_parser import StatusEvent

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "s.sqlite3")


def new(store: SessionStore, ticket: str = "4711", url: str = "https://h.example/4711") -> int:
    return store.record(Launch(LaunchRequest(ticket, url, ""), "u", launched_at=T0))


def test_join_end_and_abandon(store: SessionStore) -> None:
    lid = new(store)
    assert note_for(store.record_event(lid, StatusEvent(status="waiting"))) is None
    joined = note_for(
        store.record_event(
            lid, StatusEvent(status="active", customer_name="Jane Doe", customer_joined_at=T0)
        )
    )
    assert joined == Note(
        f"launch-{lid}", "Customer joined", "Ticket 4711 — Jane Doe", "https://h.example/4711"
    )
    ended = note_for(
        store.record_event(
            lid, StatusEvent(status="complete", ended_at=T0 + timedelta(minutes=4, seconds=12))
        )
    )
    assert ended == Note(
        f"launch-{lid}",
        "Session ended",
        "Ticket 4711 — lasted 4 min 12 s",
        "https://h.example/4711",
    )
    other = new(store, "99", "")
    abandoned = note_for(store.record_event(other, StatusEvent(status="abandoned")))
    assert abandoned == Note(f"launch-{other}", "Session abandoned", "Ticket 99", "")


def test_no_customer_name_and_no_ticket(store: SessionStore) -> None:
    lid = store.record(Launch(LaunchRequest("", "", ""), "u"))
    note = note_for(store.record_event(lid, StatusEvent(status="active")))
    assert note is not None and note.body == "Session without a ticket"


def test_same_status_again_or_late_tells_nothing(store: SessionStore) -> None:
    lid = new(store)
    assert (
        note_for(store.record_event(lid, StatusEvent(session_id="S", status="active"))) is not None
    )
    assert note_for(store.record_event(lid, StatusEvent(session_id="S", status="active"))) is None
    assert (
        note_for(store.record_event(lid, StatusEvent(session_id="S", status="complete")))
        is not None
    )
    assert (
        note_for(
            store.record_event(lid, StatusEvent(session_id="S", status="active", customer_name="x"))
        )
        is None
    )


def test_unknown_status_tells_nothing(store: SessionStore) -> None:
    assert note_for(store.record_event(new(store), StatusEvent(status="transferred"))) is None


def test_durations() -> None:
    assert format_duration(timedelta(seconds=5)) == "5 s"
    assert format_duration(timedelta(minutes=12, seconds=30)) == "12 min 30 s"
    assert format_duration(timedelta(hours=2, minutes=3, seconds=59)) == "2 h 3 min"


def test_status_json_summary_and_csv(store: SessionStore) -> None:
    lid = new(store)
    store.record_event(
        lid,
        StatusEvent(
            session_id="S-1",
            status="active",
            customer_name='=HYPERLINK("x")',
            customer_joined_at=T0,
        ),
    )
    store.record_event(
        lid, StatusEvent(session_id="S-1", status="complete", ended_at=T0 + timedelta(minutes=2))
    )
    [session] = store.sessions()
    assert as_json(session) == {
        "partnerObject": "4711",
        "partnerObjectUrl": "https://h.example/4711",
        "sessionId": "S-1",
        "status": "complete",
        "state": "ended",
        "statusText": "ended",
        "launchedAt": "2026-01-01T09:00:00Z",
        "customerJoinedAt": "2026-01-01T09:00:00Z",
        "endedAt": "2026-01-01T09:02:00Z",
        "customerName": '=HYPERLINK("x")',
        "markedEndedAt": None,
    }
    text = summary_text(session)
    assert "ticket 4711" in text and "Session ID: S-1" in text and "Duration: 2 min 0 s" in text
    out = io.StringIO()
    write_csv([session], out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:5] == [
        "launched_at",
        "partner_object",
        "partner_object_url",
        "status",
        "state",
    ]
    assert rows[1][3:5] == ["complete", "ended"]  # the raw value and the words
    assert rows[1][6] == '\'=HYPERLINK("x")'  # never a live formula
    assert rows[1][9] == "120"
