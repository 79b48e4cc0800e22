"""What a session is, apart from where it is kept: the types every view, the
notifications and the export share (the SQLite store is one of their users, not their
home), and the words for a duration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from g2a_tray.core.sessions.status import LAUNCHED, phase_of_raw


@dataclass(frozen=True)
class SessionSummary:
    """One launch as the history shows it, with what its events say."""

    launch_id: int
    partner_object: str
    partner_object_url: str
    layout: str
    launched_at: datetime
    status: str = LAUNCHED
    session_id: str = ""
    started_at: datetime | None = None
    customer_joined_at: datetime | None = None
    ended_at: datetime | None = None
    customer_name: str = ""
    expert_name: str = ""
    last_update_at: datetime | None = None  # the last callback that arrived
    marked_ended_at: datetime | None = None  # the technician said it ended

    @property
    def duration(self) -> timedelta | None:
        """From the customer joining (or the session starting) to its end."""
        start = self.customer_joined_at or self.started_at
        if start is None or self.ended_at is None or self.ended_at < start:
            return None
        return self.ended_at - start

    @property
    def is_open(self) -> bool:
        """Not ended by a callback nor by the technician (it may still be stale)."""
        return phase_of_raw(self.status).is_open and self.marked_ended_at is None


@dataclass(frozen=True)
class RecordedEvent:
    """What storing one callback changed."""

    before: SessionSummary
    after: SessionSummary
    duplicate: bool

    @property
    def status_changed(self) -> bool:
        return self.before.status != self.after.status


@dataclass(frozen=True)
class HistoryQuery:
    """Which sessions, in which order: what the history window asks the store for.

    ``text`` matches ticket, customer, expert and session id, and the words a status
    reads as ("waiting", "ended", "marked"…).
    """

    sort: str = "started"
    descending: bool = True
    text: str = ""


def format_duration(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
