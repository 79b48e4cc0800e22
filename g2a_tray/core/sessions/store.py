"""The session history: every launch and every status event, in SQLite.

- One connection guarded by a lock: the listener's worker threads write, the GUI reads.
  An event is committed before its POST is answered (the caller answers 2xx after
  :meth:`SessionStore.record_event` returns).
- WAL journal, ``PRAGMA user_version`` as the schema version, migrations in order.
- A database that SQLite cannot read is moved aside (with its -wal/-shm files) and a new
  one started; :attr:`SessionStore.problem` says so in plain words for the user.
- Secrets are looked up by their SHA-256 (indexed) and then compared in constant time,
  so response timing says nothing about how much of a guessed secret was right.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from g2a_tray.core.safe_files import aside_path
from g2a_tray.core.sessions.model import HistoryQuery, RecordedEvent, SessionSummary
from g2a_tray.core.sessions.status import (
    ACTIVE,
    ENDING_STATUSES,
    LAUNCHED,
    MARKED_ENDED_WORDS,
    PHASE_WORDS,
    STATUS_RANK,
    UNKNOWN_RANK,
    Phase,
    raw_statuses_of,
)
from g2a_tray.core.sessions.times import EPOCH_STANDIN, stored_time
from g2a_tray.core.updates.callback_parser import StatusEvent

if TYPE_CHECKING:  # reading the history (``status``) needs neither launches nor hashing
    from g2a_tray.core.sessions.launch import Launch

log = logging.getLogger(__name__)

OPEN_SESSION_WINDOW = timedelta(hours=24)  # older unfinished launches only read as stale
RELAY_WINDOW = timedelta(hours=24)  # a launch's topic is watched this long, or until it ends
MAX_RELAY_TOPICS = 100  # keeps the subscription URL a few KiB at most

MIGRATIONS: tuple[str, ...] = (
    # 1: launches and their status events
    """
    CREATE TABLE launches (
        id INTEGER PRIMARY KEY,
        secret TEXT NOT NULL,
        secret_sha256 TEXT NOT NULL UNIQUE,
        partner_object TEXT NOT NULL,
        partner_object_url TEXT NOT NULL,
        layout TEXT NOT NULL,
        url TEXT NOT NULL,
        launched_at TEXT NOT NULL
    );
    CREATE INDEX launches_by_time ON launches (launched_at DESC);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        launch_id INTEGER NOT NULL REFERENCES launches (id) ON DELETE CASCADE,
        session_id TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT,
        customer_joined_at TEXT,
        ended_at TEXT,
        customer_name TEXT NOT NULL,
        customer_email TEXT NOT NULL,
        expert_name TEXT NOT NULL,
        received_at TEXT NOT NULL,
        raw TEXT NOT NULL,
        UNIQUE (launch_id, session_id, status)
    );
    CREATE INDEX events_by_launch ON events (launch_id, id);
    """,
    # 2: relay (ntfy) messages already applied, so none is applied or notified twice
    """
    CREATE TABLE relay_messages (
        id TEXT PRIMARY KEY,
        received_at TEXT NOT NULL
    );
    """,
    # 3: newest-first pages without a sort, however long the history
    """
    CREATE INDEX launches_newest_first ON launches (launched_at DESC, id DESC);
    DROP INDEX launches_by_time;
    """,
    # 4: each launch carries its summary, so a page of history (sorted or filtered in
    # SQL) reads one row per session and no events; "marked ended" by the technician
    """
    ALTER TABLE launches ADD COLUMN status TEXT NOT NULL DEFAULT 'launched';
    ALTER TABLE launches ADD COLUMN session_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE launches ADD COLUMN started_at TEXT;
    ALTER TABLE launches ADD COLUMN customer_joined_at TEXT;
    ALTER TABLE launches ADD COLUMN ended_at TEXT;
    ALTER TABLE launches ADD COLUMN customer_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE launches ADD COLUMN expert_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE launches ADD COLUMN last_update_at TEXT;
    ALTER TABLE launches ADD COLUMN marked_ended_at TEXT;
    """,
    # 5: the helpdesk outbox (core/helpdesk/outbox.py): one note per session at most,
    # stored with the event that ended it
    """
    CREATE TABLE notes (
        launch_id INTEGER PRIMARY KEY REFERENCES launches (id) ON DELETE CASCADE,
        ref TEXT NOT NULL,
        kind TEXT NOT NULL,
        url TEXT NOT NULL,
        user TEXT NOT NULL,
        ticket TEXT NOT NULL,
        facts TEXT NOT NULL,
        state TEXT NOT NULL,
        time_state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        next_attempt_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        time_attempts INTEGER NOT NULL DEFAULT 0,
        note_id TEXT NOT NULL DEFAULT '',
        link TEXT NOT NULL DEFAULT '',
        time_id TEXT NOT NULL DEFAULT '',
        written_at TEXT,
        error TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX notes_due ON notes (state, next_attempt_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


_dt = stored_time


def secret_digest(secret: str) -> str:
    import hashlib

    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class StoreError(Exception):
    """The store could not do its work (disk full, database locked for too long)."""


# Called inside the transaction that ends a session (by a callback or by the technician's
# mark), so that what must follow the end (the helpdesk note) is stored with it or not at
# all: (connection, the ended session, ended by the technician).
EndHook = Callable[[sqlite3.Connection, SessionSummary, bool], None]


class SessionStore:
    def __init__(self, path: Path, *, check: bool = True) -> None:
        """``check``: run SQLite's ``quick_check`` (a scan of the whole file) at open, so a
        damaged history is found and moved aside at once; a quick read-only look (``status``)
        skips it."""
        self.path = path
        self.check = check
        self.problem: str | None = None
        self.on_session_end: EndHook | None = None
        self._lock = threading.RLock()
        self._closed = False
        self._db = self._open()

    # -- opening, migrating, recovering

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self._connect_and_migrate(str(self.path))
        except (sqlite3.OperationalError, OSError) as exc:
            # Locked, unwritable, a full disk: the file may well be fine, so leave it be.
            return self._in_memory(f"could not be opened ({exc})")
        except sqlite3.DatabaseError as exc:  # the file itself is damaged
            try:
                aside = self._move_aside()
                db = self._connect_and_migrate(str(self.path))
            except (sqlite3.Error, OSError) as exc2:
                return self._in_memory(f"could not be read ({exc}) nor replaced ({exc2})")
            self.problem = (
                f"Your session history could not be read ({exc}). It was kept as "
                f"{aside.name} in {aside.parent}, and a new, empty history was started."
            )
            log.error("session database unreadable (%s); moved to %s", exc, aside)
            return db

    def _in_memory(self, reason: str) -> sqlite3.Connection:
        self.problem = (
            f"Your session history at {self.path} {reason}. g2a-tray keeps working, but "
            "sessions started now are remembered only until it quits."
        )
        log.error("session database %s %s; using memory", self.path, reason)
        return self._connect_and_migrate(":memory:")

    def _connect_and_migrate(self, target: str) -> sqlite3.Connection:
        db = sqlite3.connect(target, timeout=10, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute(
                "PRAGMA synchronous = NORMAL"
            )  # WAL + NORMAL: durable at checkpoint, never corrupt
            if self.check and db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"it was written by a newer g2a-tray (schema {version} > {SCHEMA_VERSION})"
                )
            for number in range(version, SCHEMA_VERSION):
                db.execute("BEGIN IMMEDIATE")
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                if number + 1 == 4:
                    _fill_summaries(db)
                db.execute(f"PRAGMA user_version = {number + 1}")
                db.execute("COMMIT")
            return db
        except BaseException:
            db.close()
            raise

    def _move_aside(self) -> Path:
        target = aside_path(self.path)
        os.replace(self.path, target)
        for suffix in ("-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{target}{suffix}"))
        return target

    def check_in_background(self, on_problem: Callable[[str], None]) -> threading.Thread | None:
        """SQLite's ``quick_check`` (a scan of the whole file) on a thread of its own with a
        read-only connection, so that start-up does not grow with the history. A file
        SQLite cannot read at all is found (and moved aside) at open; this finds damage
        inside it, and ``on_problem`` (called on that thread) gets plain words for the user.
        """
        if str(self.path) == ":memory:" or self.problem is not None:
            return None

        def run() -> None:
            try:
                uri = f"{self.path.resolve().as_uri()}?mode=ro"  # %-encodes ?, # and %
                db = sqlite3.connect(uri, uri=True, timeout=10)
                try:
                    result = str(db.execute("PRAGMA quick_check").fetchone()[0])
                finally:
                    db.close()
            except sqlite3.Error as exc:
                result = str(exc)
            if result != "ok":
                log.error("session database check: %s", result)
                on_problem(
                    f"Your session history at {self.path} is damaged ({result[:200]}). "
                    "g2a-tray keeps using it, but some sessions may be missing or wrong. "
                    "To start a new history, quit g2a-tray and move that file aside."
                )

        thread = threading.Thread(target=run, name="history-check", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Close the database; a worker that still comes (the listener's or the relay's
        thread, which Quit does not wait for) gets a StoreError, never a crash."""
        with self._lock:
            self._closed = True
            self._db.close()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, for a reader of another domain's tables."""
        with self._locked():
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One write transaction, for a writer of another domain's tables (the outbox)."""
        return self._transaction()

    def _ended(self, db: sqlite3.Connection, before: SessionSummary, by_technician: bool) -> None:
        after = self._summary(db, before.launch_id)
        if before.is_open and not after.is_open and self.on_session_end is not None:
            self.on_session_end(db, after, by_technician)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            if self._closed:
                raise StoreError("the session history is closed (g2a-tray is quitting)")
            yield

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._locked():
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(str(exc)) from exc
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    # -- writing

    def record(self, launch: Launch) -> int:
        """Remember a launch and its secret; returns its id."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO launches (secret, secret_sha256, partner_object, partner_object_url,"
                " layout, url, launched_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    launch.secret,
                    secret_digest(launch.secret),
                    launch.request.partner_object,
                    launch.request.partner_object_url,
                    launch.request.layout,
                    launch.url,
                    _iso(launch.launched_at),
                ),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def launch_id_for_secret(self, secret: str) -> int | None:
        """The launch a callback secret belongs to, or None (constant-time compare)."""
        with self._locked():
            try:
                row = self._db.execute(
                    "SELECT id, secret FROM launches WHERE secret_sha256 = ?",
                    (secret_digest(secret),),
                ).fetchone()
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc
        import hmac

        if row is None or not hmac.compare_digest(row[1].encode(), secret.encode()):
            return None
        return int(row[0])

    def record_event(
        self, launch_id: int, event: StatusEvent, relay_message_id: str | None = None
    ) -> RecordedEvent:
        """Store one status event (idempotent) and say what it changed.

        ``relay_message_id``: the ntfy message that carried it. A message id already
        recorded is not applied again (a reconnect with ``since=`` may repeat one); the
        id and the event are committed together.
        """
        now = datetime.now(UTC)
        with self._transaction() as db:
            before = self._summary(db, launch_id)
            if relay_message_id is not None:
                seen = db.execute(
                    "INSERT OR IGNORE INTO relay_messages (id, received_at) VALUES (?, ?)",
                    (relay_message_id, _iso(now)),
                )
                if seen.rowcount == 0:
                    return RecordedEvent(before, before, duplicate=True)
            cursor = db.execute(
                "INSERT OR IGNORE INTO events (launch_id, session_id, status, started_at,"
                " customer_joined_at, ended_at, customer_name, customer_email, expert_name,"
                " received_at, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    launch_id,
                    event.session_id,
                    event.status,
                    _iso(event.started_at),
                    _iso(event.customer_joined_at),
                    _iso(event.ended_at),
                    event.customer_name,
                    event.customer_email,
                    event.expert_name,
                    _iso(now),
                    event.raw,
                ),
            )
            if cursor.rowcount:
                _store_summary(db, launch_id)
                self._ended(db, before, by_technician=False)
            after = self._summary(db, launch_id)
        return RecordedEvent(before, after, duplicate=cursor.rowcount == 0)

    def mark_ended(self, launch_id: int) -> SessionSummary:
        """The technician says this session is over (its "ended" callback never came).
        A callback that arrives later still counts; the mark only ends the waiting."""
        with self._transaction() as db:
            before = self._summary(db, launch_id)
            db.execute(
                "UPDATE launches SET marked_ended_at = ? WHERE id = ? AND marked_ended_at IS NULL",
                (_iso(datetime.now(UTC)), launch_id),
            )
            self._ended(db, before, by_technician=True)
            return self._summary(db, launch_id)

    def mark_relay_message(self, message_id: str) -> bool:
        """Remember a relay message that carried no usable callback; False if known."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO relay_messages (id, received_at) VALUES (?, ?)",
                (message_id, _iso(datetime.now(UTC))),
            )
            return cursor.rowcount == 1

    # -- reading

    def relay_message_seen(self, message_id: str) -> bool:
        with self._locked():
            row = self._db.execute(
                "SELECT 1 FROM relay_messages WHERE id = ?", (message_id,)
            ).fetchone()
        return row is not None

    def last_relay_message_id(self) -> str | None:
        """The relay message recorded last: where a new subscription picks up."""
        with self._locked():
            row = self._db.execute(
                "SELECT id FROM relay_messages ORDER BY rowid DESC LIMIT 1"
            ).fetchone()
        return str(row[0]) if row else None

    def awaiting_updates(
        self, within: timedelta = RELAY_WINDOW, limit: int = MAX_RELAY_TOPICS
    ) -> list[tuple[str, datetime]]:
        """(secret, launched_at) of launches that may still get an update: launched within
        ``within`` and not ended, newest first (the topics a relay subscription covers)."""
        since = _iso(datetime.now(UTC) - within)
        with self._locked():
            rows = self._db.execute(
                "SELECT secret, launched_at FROM launches WHERE launched_at >= ?"
                f" AND {_NOT_ENDED} ORDER BY launched_at DESC, id DESC LIMIT ?",
                (since, *ENDING_STATUSES, limit),
            ).fetchall()
        return [(str(secret), _dt(at) or EPOCH_STANDIN) for secret, at in rows]

    def summary(self, launch_id: int) -> SessionSummary:
        with self._locked():
            return self._summary(self._db, launch_id)

    def sessions(self, limit: int | None = None) -> list[SessionSummary]:
        """Launches newest first with their status; touches only the rows returned
        (one launch row each, by the time index)."""
        if limit is None:
            return list(self.iter_sessions())
        return self.page(HistoryQuery(), 0, limit)

    def iter_sessions(
        self, query: HistoryQuery | None = None, batch: int = 500
    ) -> Iterator[SessionSummary]:
        """Every launch ``query`` selects, ``batch`` at a time: memory stays flat however
        long the history (``status --json``, CSV of everything)."""
        query = query or HistoryQuery()
        offset = 0
        while True:
            page = self.page(query, offset, batch)
            yield from page
            if len(page) < batch:
                return
            offset += batch

    def page(self, query: HistoryQuery, offset: int, limit: int) -> list[SessionSummary]:
        """One page of history, sorted and filtered by SQLite (the history window's rows)."""
        where, params = _where(query)
        sql = (
            f"SELECT {_SUMMARY_COLUMNS} FROM launches{where}"
            f" ORDER BY {_order_by(query)} LIMIT ? OFFSET ?"
        )
        with self._locked():
            try:
                rows = self._db.execute(sql, (*params, limit, offset)).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc
        return [_summary_from_row(row) for row in rows]

    def open_sessions(self, within: timedelta = OPEN_SESSION_WINDOW) -> list[SessionSummary]:
        """Sessions not ended that started within ``within``, newest first (the tray's
        badge; the caller decides which of them are stale)."""
        since = _iso(datetime.now(UTC) - within)
        with self._locked():
            rows = self._db.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM launches WHERE launched_at >= ?"
                f" AND {_NOT_ENDED} ORDER BY launched_at DESC, id DESC LIMIT 50",
                (since, *ENDING_STATUSES),
            ).fetchall()
        return [_summary_from_row(row) for row in rows]

    @staticmethod
    def _summary(db: sqlite3.Connection, launch_id: int) -> SessionSummary:
        row = db.execute(
            f"SELECT {_SUMMARY_COLUMNS} FROM launches WHERE id = ?", (launch_id,)
        ).fetchone()
        if row is None:
            raise KeyError(launch_id)
        return _summary_from_row(row)


# -- history queries: sorting and filtering in SQL

_NOT_ENDED = "status NOT IN (?, ?) AND marked_ended_at IS NULL"
SORT_KEYS = {
    "started": "launched_at",
    "ticket": "partner_object COLLATE NOCASE",
    "status": "status",
    "customer": "customer_name COLLATE NOCASE",
    "joined": "customer_joined_at",
    "ended": "COALESCE(ended_at, marked_ended_at)",
    "duration": "julianday(ended_at) - julianday(COALESCE(customer_joined_at, started_at))",
    "session": "session_id",
}
_SEARCHED = ("partner_object", "customer_name", "session_id", "expert_name")


def _order_by(query: HistoryQuery) -> str:
    key = SORT_KEYS.get(query.sort, SORT_KEYS["started"])
    direction = "DESC" if query.descending else "ASC"
    if key == SORT_KEYS["started"]:
        return f"launched_at {direction}, id {direction}"  # the index, no sort
    return f"{key} {direction}, launched_at DESC, id DESC"


def _where(query: HistoryQuery) -> tuple[str, tuple[object, ...]]:
    text = query.text.strip().lower()
    if not text:
        return "", ()
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    terms = [f"{column} LIKE ? ESCAPE '\\'" for column in _SEARCHED]
    params: list[object] = [pattern] * len(_SEARCHED)
    raws = [
        raw
        for phase, words in PHASE_WORDS.items()
        if text in words and phase is not Phase.STALE
        for raw in raw_statuses_of(phase)
    ]
    if raws:
        terms.append(f"status IN ({','.join('?' * len(raws))})")
        params += raws
    if text in MARKED_ENDED_WORDS:
        terms.append("marked_ended_at IS NOT NULL")
    return " WHERE " + " OR ".join(terms), tuple(params)


_SUMMARY_COLUMNS = (
    "id, partner_object, partner_object_url, layout, launched_at, status, session_id,"
    " started_at, customer_joined_at, ended_at, customer_name, expert_name, last_update_at,"
    " marked_ended_at"
)
_EVENT_COLUMNS = (
    "session_id, status, started_at, customer_joined_at, ended_at, customer_name, expert_name,"
    " received_at"
)
_FOLDED = (
    "status",
    "session_id",
    "started_at",
    "customer_joined_at",
    "ended_at",
    "customer_name",
    "expert_name",
    "last_update_at",
)


def _summary_from_row(row: tuple[object, ...]) -> SessionSummary:
    return SessionSummary(
        launch_id=int(row[0]),  # type: ignore[call-overload]
        partner_object=str(row[1]),
        partner_object_url=str(row[2]),
        layout=str(row[3]),
        launched_at=_dt(row[4]) or EPOCH_STANDIN,
        status=str(row[5] or LAUNCHED),
        session_id=str(row[6] or ""),
        started_at=_dt(row[7]),
        customer_joined_at=_dt(row[8]),
        ended_at=_dt(row[9]),
        customer_name=str(row[10] or ""),
        expert_name=str(row[11] or ""),
        last_update_at=_dt(row[12]),
        marked_ended_at=_dt(row[13]),
    )


def _fold(events: list[tuple[object, ...]]) -> tuple[object, ...]:
    """A launch's summary columns (:data:`_FOLDED`) from its events, in received order."""
    fields: dict[str, object] = {}
    # Times are "only when available" (the docs): when a body leaves one out, the time
    # the callback arrived stands in, so history still shows when and how long.
    arrived: dict[str, object] = {}
    status, rank = LAUNCHED, STATUS_RANK[LAUNCHED]
    last_update: object = None
    for session_id, ev_status, started, joined, ended, customer, expert, received in events:
        last_update = received
        if ev_status == ACTIVE:
            arrived.setdefault("customer_joined_at", received)
        elif ev_status in ENDING_STATUSES:
            arrived.setdefault("ended_at", received)
        if ev_status:
            ev_rank = STATUS_RANK.get(str(ev_status), UNKNOWN_RANK)
            if ev_rank > rank:
                status, rank = str(ev_status), ev_rank
        # Fields fill in as events bring them; a later event never blanks one. A time
        # that is not believable does not count as given.
        for key, value in (
            ("session_id", session_id),
            ("started_at", started if _dt(started) else None),
            ("customer_joined_at", joined if _dt(joined) else None),
            ("ended_at", ended if _dt(ended) else None),
            ("customer_name", customer),
            ("expert_name", expert),
        ):
            if value:
                fields[key] = value
    for key, value in arrived.items():
        fields.setdefault(key, value)
    fields["status"] = status
    fields["last_update_at"] = last_update
    return tuple(
        fields.get(key, "" if key in ("session_id", "customer_name", "expert_name") else None)
        for key in _FOLDED
    )


_UPDATE_SUMMARY = f"UPDATE launches SET {', '.join(f'{c} = ?' for c in _FOLDED)} WHERE id = ?"


def _store_summary(db: sqlite3.Connection, launch_id: int) -> None:
    rows = db.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE launch_id = ? ORDER BY id", (launch_id,)
    ).fetchall()
    db.execute(_UPDATE_SUMMARY, (*_fold(rows), launch_id))


def _fill_summaries(db: sqlite3.Connection) -> None:
    """Migration 4: every launch's summary from the events it already has (one pass)."""
    updates: list[tuple[object, ...]] = []
    current: object = None
    events: list[tuple[object, ...]] = []
    for row in db.execute(f"SELECT launch_id, {_EVENT_COLUMNS} FROM events ORDER BY launch_id, id"):
        if row[0] != current and events:
            updates.append((*_fold(events), current))
            events = []
        current = row[0]
        events.append(row[1:])
    if events:
        updates.append((*_fold(events), current))
    db.executemany(_UPDATE_SUMMARY, updates)
