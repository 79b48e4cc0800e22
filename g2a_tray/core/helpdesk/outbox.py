"""The helpdesk outbox: each note to write, kept in the session database like mail in an
outbox until the helpdesk has it.

A note is stored by :meth:`Outbox.enqueue` *inside the transaction that ends the session*
(the store's end hook), so an end recorded is a note queued, and a crash loses neither.
``notes.launch_id`` is the primary key: one note per session, however often the end is
reported. The courier (courier.py) takes due notes, and records each step here before and
after it talks to the helpdesk, so that a step interrupted after the helpdesk had it is
looked up rather than written again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from g2a_tray.core.helpdesk.kinds import KINDS
from g2a_tray.core.helpdesk.note import (
    ENDED_BY_GOTOASSIST,
    ENDED_BY_TECHNICIAN,
    NoteFacts,
    note_facts,
)
from g2a_tray.core.helpdesk.note_state import (
    FAILED,
    PENDING,
    TIME_FAILED,
    TIME_WANTED,
    TIME_WRITTEN,
    WRITTEN,
    NoteRow,
    note_words,
)
from g2a_tray.core.helpdesk.note_state import parse_time as _dt
from g2a_tray.core.sessions.model import SessionSummary
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import WRITE_BACK_NOTE_TIME, HelpdeskSettings
from g2a_tray.core.urls import check_http_url

TYPE_CHECKING = False
if TYPE_CHECKING:
    from g2a_tray.core.helpdesk.vendors import Written

log = logging.getLogger(__name__)

NOTE, TIME = "note", "time"
GAVE_UP = "gave up"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class QueuedNote:
    """One note in the outbox, as the courier takes it."""

    launch_id: int
    ref: str
    kind: str
    url: str
    user: str
    ticket: str
    facts: NoteFacts
    created_at: datetime
    attempts: int
    time_attempts: int
    note_done: bool
    time_state: str


@dataclass(frozen=True)
class NoteStatus:
    """A session's note as the history and ``status --json`` show it."""

    state: str  # pending, written, failed
    helpdesk: str
    error: str  # the last problem, "" when none
    reason: str  # why it failed: credentials, permission, ticket, rejected, gave up
    link: str
    remote_id: str
    written_at: datetime | None
    next_attempt_at: datetime | None
    time_state: str  # "", wanted, written, failed

    @property
    def retryable(self) -> bool:
        """*Retry* makes sense: it failed, its time entry failed, or it waits on a problem."""
        return (
            self.state == FAILED
            or self.time_state == TIME_FAILED
            or (self.state == PENDING and bool(self.error))
        )

    def as_tuple(self) -> NoteRow:
        return (self.state, self.error, self.written_at, self.next_attempt_at, self.time_state)

    def words(self, now: datetime) -> str:
        return note_words(self.as_tuple(), now)

    def as_json(self) -> dict[str, object]:
        return {
            "state": self.state,
            "helpdesk": self.helpdesk,
            "written_at": self.written_at.isoformat() if self.written_at else None,
            "id": self.remote_id or None,
            "link": self.link or None,
            "time": self.time_state or None,
            "error": self.error or None,
            "reason": self.reason or None,
            "next_attempt_at": self.next_attempt_at.isoformat()
            if self.state == PENDING and self.next_attempt_at
            else None,
        }


def _facts_json(facts: NoteFacts) -> str:
    return json.dumps(
        {
            "values": facts.values,
            "template": facts.template,
            "seconds": facts.seconds,
            "started_at": _iso(facts.started_at) if facts.started_at else None,
        }
    )


def _facts(text: str, ref: str) -> NoteFacts:
    data = json.loads(text)
    return NoteFacts(
        {str(k): str(v) for k, v in data["values"].items()},
        str(data.get("template") or ""),
        ref,
        data.get("seconds"),
        _dt(data.get("started_at")),
    )


def _recording_url(db: sqlite3.Connection, launch_id: int) -> str:
    """The recording link GoToAssist sent with any of the session's callbacks, if it is
    a web address (``sessionRecordingUrl``, "only when available")."""
    for (raw,) in db.execute(
        "SELECT raw FROM events WHERE launch_id = ? ORDER BY id DESC", (launch_id,)
    ):
        try:
            value = json.loads(raw).get("sessionRecordingUrl")
            if isinstance(value, str) and value:
                return check_http_url(value)
        except (ValueError, AttributeError):
            continue
    return ""


_COLUMNS = (
    "launch_id, ref, kind, url, user, ticket, facts, created_at, attempts, time_attempts,"
    " written_at, time_state"
)


class Outbox:
    """The notes table, on the session store's connection and lock."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store
        self.settings = HelpdeskSettings()  # replaced whole by the app (one assignment)
        # Told of each note queued (the courier wakes): called inside the transaction, so
        # whoever reads the outbox next reads it once it is committed (the store's lock).
        self.on_queued: Callable[[], None] = lambda: None
        store.on_session_end = self.enqueue

    # -- queueing (inside the store's transaction)

    def enqueue(self, db: sqlite3.Connection, session: SessionSummary, by_technician: bool) -> None:
        settings = self.settings
        if not settings.writes or settings.kind not in KINDS:
            return
        import secrets

        ref = secrets.token_hex(8)
        facts = note_facts(
            session,
            ended_by=ENDED_BY_TECHNICIAN if by_technician else ENDED_BY_GOTOASSIST,
            ref=ref,
            template=settings.template,
            recording_url=_recording_url(db, session.launch_id),
        )
        wants_time = (
            settings.write_back == WRITE_BACK_NOTE_TIME
            and KINDS[settings.kind].time_api
            and facts.seconds is not None
        )
        now = _iso(datetime.now(UTC))
        db.execute(
            "INSERT OR IGNORE INTO notes (launch_id, ref, kind, url, user, ticket, facts, state,"
            " time_state, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session.launch_id,
                ref,
                settings.kind,
                settings.url,
                settings.user,
                session.partner_object,
                _facts_json(facts),
                PENDING,
                TIME_WANTED if wants_time else "",
                now,
                now,
            ),
        )
        log.info("note for launch %s queued for %s", session.launch_id, settings.kind)
        self.on_queued()

    # -- the courier's side

    def next_due(self, now: datetime) -> QueuedNote | None:
        with self._store.reading() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM notes WHERE state = ? AND next_attempt_at <= ?"
                " ORDER BY next_attempt_at, launch_id LIMIT 1",
                (PENDING, _iso(now)),
            ).fetchone()
        if row is None:
            return None
        return QueuedNote(
            launch_id=int(row[0]),
            ref=str(row[1]),
            kind=str(row[2]),
            url=str(row[3]),
            user=str(row[4]),
            ticket=str(row[5]),
            facts=_facts(str(row[6]), str(row[1])),
            created_at=_dt(row[7]) or datetime.now(UTC),
            attempts=int(row[8]),
            time_attempts=int(row[9]),
            note_done=row[10] is not None,
            time_state=str(row[11]),
        )

    def next_attempt_at(self) -> datetime | None:
        with self._store.reading() as db:
            row = db.execute(
                "SELECT MIN(next_attempt_at) FROM notes WHERE state = ?", (PENDING,)
            ).fetchone()
        return _dt(row[0]) if row else None

    def begin(self, launch_id: int, step: str) -> None:
        """Count an attempt *before* it is made: after a crash, a step with an attempt
        on record is looked up at the helpdesk first."""
        column = "attempts" if step == NOTE else "time_attempts"
        with self._store.transaction() as db:
            db.execute(
                f"UPDATE notes SET {column} = {column} + 1 WHERE launch_id = ?", (launch_id,)
            )

    def written(self, launch_id: int, step: str, written: Written) -> None:
        with self._store.transaction() as db:
            if step == NOTE:
                db.execute(
                    "UPDATE notes SET written_at = ?, note_id = ?, link = ?, error = '',"
                    " state = CASE WHEN time_state = ? THEN state ELSE ? END WHERE launch_id = ?",
                    (
                        _iso(datetime.now(UTC)),
                        written.remote_id,
                        written.link,
                        TIME_WANTED,
                        WRITTEN,
                        launch_id,
                    ),
                )
            else:
                db.execute(
                    "UPDATE notes SET time_state = ?, time_id = ?, state = ?, error = ''"
                    " WHERE launch_id = ?",
                    (TIME_WRITTEN, written.remote_id, WRITTEN, launch_id),
                )

    def later(self, launch_id: int, words: str, at: datetime) -> None:
        """Try ``launch_id`` again at ``at``, and every other note waiting for the same
        helpdesk no sooner: offline, rate-limited or failing, it is so for all of them
        (ten notes queued offline are one attempt per backoff step, not ten timeouts)."""
        if at.microsecond:  # stored to the second: rounded up, never before it was asked
            at = at.replace(microsecond=0) + timedelta(seconds=1)
        with self._store.transaction() as db:
            db.execute(
                "UPDATE notes SET error = ?, next_attempt_at = ? WHERE launch_id = ?",
                (words, _iso(at), launch_id),
            )
            db.execute(
                "UPDATE notes SET error = ?, next_attempt_at = ? WHERE state = ? AND"
                " next_attempt_at < ? AND url = (SELECT url FROM notes WHERE launch_id = ?)",
                (words, _iso(at), PENDING, _iso(at), launch_id),
            )

    def failed(self, launch_id: int, step: str, reason: str, words: str) -> None:
        """Refused (or given up): not tried again until the technician asks. A time entry
        refused leaves the note written."""
        with self._store.transaction() as db:
            if step == TIME:
                db.execute(
                    "UPDATE notes SET time_state = ?, state = ?, error = ?, reason = ?"
                    " WHERE launch_id = ?",
                    (TIME_FAILED, WRITTEN, words, reason, launch_id),
                )
            else:
                db.execute(
                    "UPDATE notes SET state = ?, error = ?, reason = ? WHERE launch_id = ?",
                    (FAILED, words, reason, launch_id),
                )

    # -- the technician's side

    def retry(self, launch_id: int) -> bool:
        """*Retry* in the history: a failed or waiting note (or a failed time entry) is
        due now, to the helpdesk set now. False when there is nothing to retry."""
        settings = self.settings
        now = _iso(datetime.now(UTC))
        with self._store.transaction() as db:
            cursor = db.execute(
                "UPDATE notes SET state = ?, next_attempt_at = ?, error = '', reason = '',"
                " created_at = CASE WHEN reason = ? THEN ? ELSE created_at END,"
                " time_state = CASE WHEN time_state = ? THEN ? ELSE time_state END"
                " WHERE launch_id = ? AND (state != ? OR time_state = ?)",
                (
                    PENDING,
                    now,
                    GAVE_UP,
                    now,
                    TIME_FAILED,
                    TIME_WANTED,
                    launch_id,
                    WRITTEN,
                    TIME_FAILED,
                ),
            )
            if cursor.rowcount and settings.kind and settings.url:
                # The helpdesk as it is set now: a retry after fixing the URL or the
                # sign-in name goes where the technician pointed it.
                db.execute(
                    "UPDATE notes SET kind = ?, url = ?, user = ? WHERE launch_id = ?",
                    (settings.kind, settings.url, settings.user, launch_id),
                )
            return cursor.rowcount == 1

    def retry_refused(self, reason: str) -> int:
        """Notes refused for ``reason`` (new credentials were saved) are due again."""
        with self._store.transaction() as db:
            ids = [
                int(r[0])
                for r in db.execute(
                    "SELECT launch_id FROM notes WHERE reason = ?"
                    " AND (state = ? OR time_state = ?)",
                    (reason, FAILED, TIME_FAILED),
                )
            ]
        for launch_id in ids:
            self.retry(launch_id)
        return len(ids)

    def statuses(self, launch_ids: list[int]) -> dict[int, NoteStatus]:
        if not launch_ids:
            return {}
        marks = ",".join("?" * len(launch_ids))
        with self._store.reading() as db:
            rows = db.execute(
                "SELECT launch_id, state, kind, error, reason, link, note_id, written_at,"
                f" next_attempt_at, time_state FROM notes WHERE launch_id IN ({marks})",
                launch_ids,
            ).fetchall()
        return {
            int(r[0]): NoteStatus(
                state=str(r[1]),
                helpdesk=str(r[2]),
                error=str(r[3]),
                reason=str(r[4]),
                link=str(r[5]),
                remote_id=str(r[6]),
                written_at=_dt(r[7]),
                next_attempt_at=_dt(r[8]),
                time_state=str(r[9]),
            )
            for r in rows
        }
