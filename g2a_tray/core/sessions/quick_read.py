"""The newest sessions for ``g2a-tray status``, read with ``sqlite3`` alone.

The store (store.py) opens, migrates, repairs and writes; a quick look from a terminal
needs none of that, nor the dataclasses its summaries are. This reader opens the file
read-only, reads the rows ``status`` prints (and their helpdesk notes), and gives up —
None, so that the caller takes the store's way — on anything it was not written for:
another schema version, a damaged or locked file. A history that does not exist yet is
an empty one (and stays uncreated).
"""

from __future__ import annotations

import os

from g2a_tray.core.datetimes import datetime
from g2a_tray.core.sessions.times import EPOCH_STANDIN, stored_time

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

    from g2a_tray.core.helpdesk.note_state import NoteRow
else:
    try:  # the C half: sqlite3/dbapi2.py imports datetime.py and collections.abc for the
        import _sqlite3 as sqlite3  # adapters this read-only reader never uses
    except ImportError:
        import sqlite3

READ_SCHEMA = 5  # store.SCHEMA_VERSION when this was written (a test holds them equal)


class Row:
    """One session as ``status`` shows it (what ``state_of`` reads, and its note)."""

    __slots__ = (
        "customer_name",
        "last_update_at",
        "launched_at",
        "marked_ended_at",
        "note",
        "partner_object",
        "session_id",
        "status",
    )

    def __init__(self, row: tuple[object, ...]) -> None:
        self.partner_object = str(row[0])
        self.launched_at: datetime = stored_time(row[1]) or EPOCH_STANDIN
        self.status = str(row[2] or "launched")
        self.session_id = str(row[3] or "")
        self.customer_name = str(row[4] or "")
        self.last_update_at = stored_time(row[5])
        self.marked_ended_at = stored_time(row[6])
        # (state, error, written_at, next_attempt_at, time_state), or None: no note
        self.note: NoteRow | None = (
            None
            if row[7] is None
            else (
                str(row[7]),
                str(row[8] or ""),
                stored_time(row[9]),
                stored_time(row[10]),
                str(row[11] or ""),
            )
        )


_NEWEST = (
    "SELECT l.partner_object, l.launched_at, l.status, l.session_id, l.customer_name,"
    " l.last_update_at, l.marked_ended_at, n.state, n.error, n.written_at,"
    " n.next_attempt_at, n.time_state FROM launches AS l LEFT JOIN notes AS n"
    " ON n.launch_id = l.id ORDER BY l.launched_at DESC, l.id DESC LIMIT ?"
)


def newest(path: str | Path, limit: int) -> list[Row] | None:
    """The ``limit`` newest sessions, newest first; [] when there is no history yet;
    None when the store must read it instead."""
    if not os.path.exists(path):
        return []
    try:
        uri = "file:" + os.path.abspath(path).replace("%", "%25").replace("?", "%3F")
        db = sqlite3.connect(uri.replace("#", "%23") + "?mode=ro", uri=True, timeout=2)
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] != READ_SCHEMA:
                return None
            return [Row(r) for r in db.execute(_NEWEST, (limit,))]
        finally:
            db.close()
    except sqlite3.Error:
        return None
