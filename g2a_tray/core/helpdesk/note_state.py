"""A note's states and the words for them: one vocabulary for the history, ``status``
and ``status --json``. Plain functions of a ``notes`` row's values, so that ``g2a-tray
status`` can say them without the outbox (which a terminal's quick look has no use for).
"""

from __future__ import annotations

from g2a_tray.core.datetimes import datetime
from g2a_tray.core.sessions.status import short_time

PENDING, WRITTEN, FAILED = "pending", "written", "failed"
TIME_WANTED, TIME_WRITTEN, TIME_FAILED = "wanted", "written", "failed"


NoteRow = tuple[str, str, "datetime | None", "datetime | None", str]
"""(state, error, written_at, next_attempt_at, time_state): a note's row, as views read it."""


def note_words(note: NoteRow, now: datetime) -> str:
    """``note``: (state, error, written_at, next_attempt_at, time_state) → "written 14:02,
    time logged", "waiting: … not reachable; next try 14:05", "not written: Freshdesk
    has no such ticket"."""
    state, error, written_at, next_attempt_at, time_state = note
    if state == WRITTEN:
        text = f"written {short_time(written_at, now)}" if written_at else "written"
        if time_state == TIME_WRITTEN:
            text += ", time logged"
        elif time_state == TIME_FAILED:
            text += f", time not logged: {error}"
        return text
    if state == FAILED:
        return f"not written: {error}"
    if error and next_attempt_at is not None:
        return f"waiting: {error}; next try {short_time(next_attempt_at, now)}"
    return "waiting to be written"


def parse_time(text: object) -> datetime | None:
    """A time the outbox stored (ISO 8601, UTC), or None."""
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
