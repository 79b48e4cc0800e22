"""The SQLite session history (Qt-free)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.model import HistoryQuery
from g2a_tray.core.sessions.store import SCHEMA_VERSION, SessionStore
from g2a_tray.core.updates.callback_parser import StatusEvent

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "g2a-tray" / "sessions.sqlite3"


def launch(
    ticket: str = "4711", url: str = "https://h.example/4711", at: datetime | None = None
) -> Launch:
    return Launch(
        LaunchRequest(ticket, url, ""), "https://api/session?x", launched_at=at or datetime.now(UTC)
    )


def test_launch_and_secret_lookup(path: Path) -> None:
    store = SessionStore(path)
    first, second = launch("1"), launch("2")
    id1, id2 = store.record(first), store.record(second)
    assert store.launch_id_for_secret(first.secret) == id1
    assert store.launch_id_for_secret(second.secret) == id2
    assert store.launch_id_for_secret(first.secret[:-1] + "x") is None
    assert store.launch_id_for_secret("") is None
    [newest, oldest] = store.sessions()
    assert (newest.partner_object, newest.status) == ("2", "launched")
    assert oldest.partner_object == "1"


def test_schema_wal_and_indexes(path: Path) -> None:
    SessionStore(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexes = {row[1] for row in db.execute("SELECT * FROM sqlite_master WHERE type = 'index'")}
    assert {"launches_newest_first", "events_by_launch"} <= indexes


def test_event_fields_fill_in_and_duration_is_derived(path: Path) -> None:
    store = SessionStore(path)
    lid = store.record(launch())
    store.record_event(lid, StatusEvent(session_id="S1", status="waiting", started_at=T0))
    change = store.record_event(
        lid,
        StatusEvent(
            session_id="S1",
            status="active",
            customer_joined_at=T0 + timedelta(minutes=1),
            customer_name="Jane",
        ),
    )
    assert (
        change.before.status == "waiting"
        and change.after.status == "active"
        and change.status_changed
    )
    done = store.record_event(
        lid,
        StatusEvent(
            session_id="S1", status="complete", ended_at=T0 + timedelta(minutes=13, seconds=30)
        ),
    )
    s = done.after
    assert s.status == "complete"
    assert s.customer_name == "Jane"  # a later event without the name does not blank it
    assert s.started_at == T0
    assert s.duration == timedelta(minutes=12, seconds=30)
    assert not s.is_open


def test_duplicates_are_stored_once_and_say_so(path: Path) -> None:
    store = SessionStore(path)
    lid = store.record(launch())
    first = store.record_event(lid, StatusEvent(session_id="S", status="active"))
    again = store.record_event(lid, StatusEvent(session_id="S", status="active"))
    assert not first.duplicate and again.duplicate and not again.status_changed
    count = sqlite3.connect(path).execute("SELECT count(*) FROM events").fetchone()[0]
    assert count == 1


def test_order_is_not_promised_terminal_status_wins(path: Path) -> None:
    store = SessionStore(path)
    lid = store.record(launch())
    ended = store.record_event(lid, StatusEvent(session_id="S", status="complete"))
    late_join = store.record_event(
        lid, StatusEvent(session_id="S", status="active", customer_name="Late")
    )
    assert ended.after.status == "complete"
    assert late_join.after.status == "complete" and not late_join.status_changed
    assert late_join.after.customer_name == "Late"


def test_unknown_status_is_kept_without_overriding_known_ones(path: Path) -> None:
    store = SessionStore(path)
    lid = store.record(launch())
    assert store.record_event(lid, StatusEvent(status="paused")).after.status == "paused"
    assert store.record_event(lid, StatusEvent(status="active")).after.status == "active"
    assert store.record_event(lid, StatusEvent(status="frozen")).after.status == "active"


def test_two_parallel_sessions_stay_apart(path: Path) -> None:
    store = SessionStore(path)
    a, b = store.record(launch("A")), store.record(launch("B"))
    store.record_event(a, StatusEvent(session_id="SA", status="active", customer_name="Ann"))
    store.record_event(b, StatusEvent(session_id="SB", status="waiting"))
    sa, sb = store.summary(a), store.summary(b)
    assert (sa.partner_object, sa.status, sa.customer_name) == ("A", "active", "Ann")
    assert (sb.partner_object, sb.status, sb.customer_name) == ("B", "waiting", "")
    assert [s.partner_object for s in store.open_sessions()] == ["B", "A"]


def test_open_sessions_ignore_stale_launches(path: Path) -> None:
    store = SessionStore(path)
    old = store.record(launch("old", at=datetime.now(UTC) - timedelta(days=2)))
    store.record_event(old, StatusEvent(status="active"))
    assert store.open_sessions() == []
    assert store.sessions()[0].status == "active"


def test_history_survives_a_restart(path: Path) -> None:
    store = SessionStore(path)
    first = launch()
    lid = store.record(first)
    store.record_event(lid, StatusEvent(session_id="S", status="active"))
    store.close()
    again = SessionStore(path)
    assert again.launch_id_for_secret(first.secret) == lid
    assert again.sessions()[0].status == "active"
    assert again.problem is None


def test_newest_first_and_limit(path: Path) -> None:
    store = SessionStore(path)
    for i in range(15):
        store.record(launch(str(i), at=T0 + timedelta(minutes=i)))
    assert [s.partner_object for s in store.sessions(limit=3)] == ["14", "13", "12"]
    assert len(store.sessions()) == 15


@pytest.mark.parametrize(
    "garbage", [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 4000]
)
def test_corrupt_database_is_moved_aside_and_a_new_one_started(path: Path, garbage: bytes) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(garbage)
    store = SessionStore(path)
    assert store.problem is not None and "could not be read" in store.problem
    aside = list(path.parent.glob("sessions.sqlite3.broken-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    assert aside[0].name in store.problem
    lid = store.record(launch())
    assert store.summary(lid).status == "launched"


def test_database_from_a_newer_version_is_kept_aside(path: Path) -> None:
    SessionStore(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    store = SessionStore(path)
    assert store.problem is not None and "newer g2a-tray" in store.problem


def test_migration_from_an_empty_file(path: Path) -> None:
    path.parent.mkdir(parents=True)
    sqlite3.connect(path).close()  # a zero-byte database: version 0
    store = SessionStore(path)
    assert store.problem is None
    assert store.sessions() == []


def test_arrival_times_stand_in_for_times_the_body_left_out(path: Path) -> None:
    store = SessionStore(path)
    lid = store.record(launch())
    before = datetime.now(UTC).replace(microsecond=0)
    joined = store.record_event(lid, StatusEvent(status="active")).after
    ended = store.record_event(lid, StatusEvent(status="complete")).after
    assert joined.customer_joined_at is not None and joined.customer_joined_at >= before
    assert ended.ended_at is not None and ended.duration is not None
    explicit = store.record(launch())
    store.record_event(explicit, StatusEvent(status="active", customer_joined_at=T0))
    assert store.summary(explicit).customer_joined_at == T0  # a time in the body wins


def test_a_locked_database_is_not_mistaken_for_a_broken_one(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    SessionStore(path).record(launch("kept"))
    real_connect = sqlite3.connect

    def locked(target: str, **kw: object) -> sqlite3.Connection:
        if target != ":memory:":
            raise sqlite3.OperationalError("database is locked")
        return real_connect(target, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite3, "connect", locked)
    store = SessionStore(path)
    monkeypatch.undo()
    assert store.problem is not None and "database is locked" in store.problem
    assert "remembered only until it quits" in store.problem
    assert list(path.parent.glob("*.broken-*")) == []  # nothing moved aside
    store.record(launch("this run"))  # and it keeps working
    assert [s.partner_object for s in SessionStore(path).sessions()] == ["kept"]


def test_another_writer_holding_the_database_is_waited_for_not_broken(path: Path) -> None:
    store = SessionStore(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process mid-write
    try:
        reader = SessionStore(path)  # WAL: opening and reading do not wait for the writer
        assert reader.problem is None and reader.sessions() == []
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.record(launch())
    assert len(SessionStore(path).sessions()) == 1


def test_an_unwritable_folder_keeps_the_app_running(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    store = SessionStore(blocker / "sessions.sqlite3")
    assert store.problem is not None and "could not be opened" in store.problem
    lid = store.record(launch())
    assert store.summary(lid).status == "launched"


def test_pages_of_history_use_indexes_and_cover_every_launch(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3")
    ids = [store.record(Launch(LaunchRequest(str(i)), "u")) for i in range(1203)]  # ties in time
    for launch_id in ids[::3]:
        store.record_event(launch_id, StatusEvent(session_id="S", status="active"))
    every = list(store.iter_sessions(batch=100))
    assert [s.launch_id for s in every] == sorted(ids, reverse=True)  # same second: newest id first
    assert [s.launch_id for s in store.sessions(limit=5)] == [s.launch_id for s in every[:5]]
    assert store.sessions() == every
    assert every[-1].status == "active" and every[-2].status == "launched"
    plans: list[str] = []
    store._db.set_trace_callback(plans.append)
    store.sessions(limit=10)
    store._db.set_trace_callback(None)
    for statement in plans:
        plan = store._db.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall()
        for row in plan:  # an index walk that stops at the limit, never a table scan or a sort
            detail = str(row[3])
            assert "USING" in detail and "TEMP B-TREE" not in detail, (statement, plan)
    store.close()


def test_damage_inside_the_file_is_found_in_the_background(path: Path) -> None:
    store = SessionStore(path)
    for i in range(3000):
        store.record(Launch(LaunchRequest(str(i)), "u"))
    store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(20 * page, 24 * page, 7):  # scribble over a few pages of the tables
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    damaged = SessionStore(path, check=False)  # opens: the header and schema are fine
    assert damaged.problem is None
    told: list[str] = []
    thread = damaged.check_in_background(told.append)
    assert thread is not None
    thread.join(30)
    assert told and "is damaged" in told[0] and "move that file aside" in told[0]
    assert list(path.parent.glob("*.broken-*")) == []  # in use: reported, not moved
    damaged.close()


@pytest.mark.parametrize("folder", ["plain", "a ?#%b"])  # characters a file: URI must encode
def test_a_sound_file_passes_the_background_check(tmp_path: Path, folder: str) -> None:
    store = SessionStore(tmp_path / folder / "sessions.sqlite3", check=False)
    store.record(Launch(LaunchRequest("1"), "u"))
    told: list[str] = []
    thread = store.check_in_background(told.append)
    assert thread is not None
    thread.join(30)
    assert told == []
    store.close()


V3_SCHEMA_EVENTS = [
    ("S1", "active", "2026-01-01T09:01:00+00:00", "Jane", "2026-01-01T09:01:05+00:00"),
    ("S1", "complete", None, "", "2026-01-01T09:20:00+00:00"),
]


def test_an_older_history_gets_its_summaries_when_migrated(path: Path) -> None:
    """A history written by schema 3 (events only) reads the same after migration 4."""
    from g2a_tray.core.sessions import store as module

    db = sqlite3.connect(path.parent.mkdir(parents=True) or path)
    for number, migration in enumerate(module.MIGRATIONS[:3]):
        db.executescript(migration)
        db.execute(f"PRAGMA user_version = {number + 1}")
    db.executemany(
        "INSERT INTO launches (id, secret, secret_sha256, partner_object, partner_object_url,"
        " layout, url, launched_at) VALUES (?, ?, ?, ?, '', '', 'u', '2026-01-01T09:00:00+00:00')",
        [(1, "a", "da", "4711"), (2, "b", "db", "4712")],
    )
    for session_id, status, joined, name, received in V3_SCHEMA_EVENTS:
        db.execute(
            "INSERT INTO events (launch_id, session_id, status, customer_joined_at, customer_name,"
            " customer_email, expert_name, received_at, raw) VALUES (1, ?, ?, ?, ?, '', '', ?, '')",
            (session_id, status, joined, name, received),
        )
    db.commit()
    db.close()
    store = SessionStore(path)
    newer, older = store.sessions()
    assert (older.partner_object, older.status, older.customer_name) == ("4711", "complete", "Jane")
    assert older.customer_joined_at == datetime(2026, 1, 1, 9, 1, tzinfo=UTC)
    assert older.ended_at == datetime(2026, 1, 1, 9, 20, tzinfo=UTC)  # its arrival time
    assert older.last_update_at == datetime(2026, 1, 1, 9, 20, tzinfo=UTC)
    assert (newer.partner_object, newer.status, newer.last_update_at) == ("4712", "launched", None)
    store.close()


def test_mark_ended_stops_the_waiting_but_a_late_callback_still_counts(path: Path) -> None:
    store = SessionStore(path)
    first = launch("1", at=datetime.now(UTC))
    lid = store.record(first)
    assert [secret for secret, _at in store.awaiting_updates()] == [first.secret]
    marked = store.mark_ended(lid)
    assert marked.marked_ended_at is not None and not marked.is_open
    assert store.open_sessions() == [] and store.awaiting_updates() == []
    again = store.mark_ended(lid)
    assert again.marked_ended_at == marked.marked_ended_at  # the first mark stands
    store.record_event(lid, StatusEvent(session_id="S", status="complete"))
    assert store.summary(lid).status == "complete"
    store.close()


def test_history_queries_sort_and_filter_in_sql(path: Path) -> None:
    store = SessionStore(path)
    for i, (ticket, customer, status) in enumerate(
        [("A-1", "Zoe", "complete"), ("b_2", "adam", "active"), ("C%3", "", "")]
    ):
        lid = store.record(launch(ticket, at=T0 + timedelta(minutes=i)))
        if status:
            store.record_event(
                lid, StatusEvent(session_id=f"S{i}", status=status, customer_name=customer)
            )
    tickets = lambda q: [s.partner_object for s in store.page(q, 0, 10)]  # noqa: E731
    assert tickets(HistoryQuery()) == ["C%3", "b_2", "A-1"]
    assert tickets(HistoryQuery(sort="ticket", descending=False)) == ["A-1", "b_2", "C%3"]
    assert tickets(HistoryQuery(sort="customer", descending=False))[1:] == ["b_2", "A-1"]
    assert tickets(HistoryQuery(text="ADAM")) == ["b_2"]
    assert tickets(HistoryQuery(text="%")) == ["C%3"]  # a wildcard is a character here
    assert tickets(HistoryQuery(text="_")) == ["b_2"]
    assert tickets(HistoryQuery(text="waiting")) == ["C%3"]  # the words a status reads as
    assert tickets(HistoryQuery(text="ended")) == ["A-1"]
    assert tickets(HistoryQuery(sort="no such column; DROP TABLE launches")) == tickets(
        HistoryQuery()
    )
    assert store.page(HistoryQuery(), 1, 1)[0].partner_object == "b_2"
    store.close()
