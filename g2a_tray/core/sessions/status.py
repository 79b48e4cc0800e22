"""One status vocabulary: the API's raw values, how they rank, and the words every view uses.

GoToAssist reports a raw ``status`` (documented: notStarted, waiting, active, complete,
abandoned). The app adds what the API cannot know: a launch with no callback yet, a
session nobody has heard of for a long time (the "ended" callback may never come), and
a session the technician marked ended by hand. :func:`state_of` turns a stored session
into one :class:`SessionState`; the tray, the history window, notifications and the CLI
all show its ``words``, and ``status --json`` keeps the raw value beside it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple, Protocol

# Raw values, exact case (the docs). ``active``: the customer joined; ``complete`` and
# ``abandoned`` end a session. LAUNCHED is ours: stored, no callback yet.
LAUNCHED = "launched"
NOT_STARTED, WAITING, ACTIVE, COMPLETE, ABANDONED = (
    "notStarted",
    "waiting",
    "active",
    "complete",
    "abandoned",
)
KNOWN_STATUSES = (NOT_STARTED, WAITING, ACTIVE, COMPLETE, ABANDONED)
ENDING_STATUSES = (COMPLETE, ABANDONED)

# Callbacks may arrive twice and out of order: the status shown is the furthest one
# reached, not the last one received. Unknown statuses rank above "launched" only.
STATUS_RANK = {LAUNCHED: -1, NOT_STARTED: 1, WAITING: 2, ACTIVE: 3, COMPLETE: 4, ABANDONED: 4}
UNKNOWN_RANK = 0

DEFAULT_STALE_AFTER = timedelta(hours=2)


class Phase(StrEnum):
    """Where a session stands for the technician (also the tray badge's name)."""

    WAITING = "waiting"  # launched, not yet joined
    ACTIVE = "active"  # the customer is connected
    STALE = "stale"  # not ended, but nothing heard for a long time
    ENDED = "ended"
    ABANDONED = "abandoned"
    UNKNOWN = "unknown"  # a status GoToAssist did not document

    @property
    def is_open(self) -> bool:
        """Still expected to change: counts for the badge and the relay's topics."""
        return self in (Phase.WAITING, Phase.ACTIVE, Phase.UNKNOWN)


_RAW_PHASE = {
    LAUNCHED: Phase.WAITING,
    NOT_STARTED: Phase.WAITING,
    WAITING: Phase.WAITING,
    ACTIVE: Phase.ACTIVE,
    COMPLETE: Phase.ENDED,
    ABANDONED: Phase.ABANDONED,
}
PHASE_WORDS = {
    Phase.WAITING: "waiting for the customer",
    Phase.ACTIVE: "customer connected",
    Phase.STALE: "no update",
    Phase.ENDED: "ended",
    Phase.ABANDONED: "abandoned",
    Phase.UNKNOWN: "unknown status",
}
MARKED_ENDED_WORDS = "ended (marked by you)"


class HasStatus(Protocol):
    """What :func:`state_of` reads from a stored session (SessionSummary has it)."""

    @property
    def status(self) -> str: ...
    @property
    def launched_at(self) -> datetime: ...
    @property
    def last_update_at(self) -> datetime | None: ...
    @property
    def marked_ended_at(self) -> datetime | None: ...


class SessionState(NamedTuple):
    """A session as every view shows it. ``since``: the last time anything was heard.
    (A NamedTuple: the tray imports this before its icon shows, and ``dataclasses`` is
    a few milliseconds the icon need not wait for.)"""

    phase: Phase
    words: str
    raw: str
    since: datetime

    @property
    def is_open(self) -> bool:
        return self.phase.is_open


def phase_of_raw(status: str) -> Phase:
    return _RAW_PHASE.get(status, Phase.UNKNOWN)


def raw_statuses_of(phase: Phase) -> tuple[str, ...]:
    """The raw values that read as ``phase`` (for filtering in SQL)."""
    return tuple(raw for raw, p in _RAW_PHASE.items() if p is phase)


def state_of(
    session: HasStatus, now: datetime, stale_after: timedelta = DEFAULT_STALE_AFTER
) -> SessionState:
    """The one reading of a stored session at ``now``."""
    raw = session.status
    since = session.last_update_at or session.launched_at
    phase = phase_of_raw(raw)
    if phase.is_open and session.marked_ended_at is not None:
        return SessionState(Phase.ENDED, MARKED_ENDED_WORDS, raw, session.marked_ended_at)
    if phase.is_open and now - since >= stale_after:
        return SessionState(Phase.STALE, f"no update since {short_time(since, now)}", raw, since)
    return SessionState(phase, PHASE_WORDS[phase], raw, since)


def next_change(
    sessions: list[HasStatus], now: datetime, stale_after: timedelta = DEFAULT_STALE_AFTER
) -> datetime | None:
    """When the first of these open sessions goes stale (a one-shot timer, not a poll)."""
    moments = [
        (s.last_update_at or s.launched_at) + stale_after
        for s in sessions
        if phase_of_raw(s.status).is_open and s.marked_ended_at is None
    ]
    later = [m for m in moments if m > now]
    return min(later) if later else None


class HasTicket(Protocol):
    @property
    def partner_object(self) -> str: ...


def ticket_label(session: HasTicket) -> str:
    return (
        f"Ticket {session.partner_object}" if session.partner_object else "Session without a ticket"
    )


def short_time(moment: datetime, now: datetime) -> str:
    """``14:02`` today, ``Nov 28 14:02`` another day (local time)."""
    local, today = moment.astimezone(), now.astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return local.strftime("%b %d %H:%M").replace(" 0", " ")
