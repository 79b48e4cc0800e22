"""One status vocabulary: the API's raw values, how they rank, and the words every view uses.

GoToAssist reports a raw ``status`` (documented: notStarted, waiting, active, complete,
abandoned). The app adds what the API cannot know: a launch with no callback yet, a
session nobody has heard of for a long time (the "ended" callback may never come), and
a session the technician marked ended by hand. :func:`state_of` turns a stored session
into one :class:`SessionState`; the tray, the history window, notifications and the CLI
all show its ``words``, and ``status --json`` keeps the raw value beside it.
"""

from __future__ import annotations

from g2a_tray.core.datetimes import datetime, timedelta

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (mypy knows it)
if TYPE_CHECKING:
    from typing import ClassVar, Protocol

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

DEFAULT_STALE_MINUTES = 120
DEFAULT_STALE_AFTER = timedelta(minutes=DEFAULT_STALE_MINUTES)
MIN_STALE_MINUTES, MAX_STALE_MINUTES = 5, 24 * 60


def check_stale_minutes(value: object) -> int:
    """``[sessions] stale_after_minutes`` as read from TOML or a form; ValueError in
    plain words. (Here, not in the settings schema: ``status`` reads it too.)"""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number of minutes, found {value!r}")
    if not MIN_STALE_MINUTES <= value <= MAX_STALE_MINUTES:
        raise ValueError(f"use {MIN_STALE_MINUTES} to {MAX_STALE_MINUTES} minutes")
    return value


class Phase(str):
    """Where a session stands for the technician (also the tray badge's name).

    A ``str`` with a fixed set of values, like a ``StrEnum`` but without importing
    ``enum`` (``g2a-tray status`` reads this vocabulary and should cost what a small
    client costs); each value is one object, so ``is`` compares them.
    """

    __slots__ = ()
    WAITING: ClassVar[Phase]  # launched, not yet joined
    ACTIVE: ClassVar[Phase]  # the customer is connected
    STALE: ClassVar[Phase]  # not ended, but nothing heard for a long time
    ENDED: ClassVar[Phase]
    ABANDONED: ClassVar[Phase]
    UNKNOWN: ClassVar[Phase]  # a status GoToAssist did not document

    @property
    def value(self) -> str:
        return str.__str__(self)

    @property
    def is_open(self) -> bool:
        """Still expected to change: counts for the badge and the relay's topics."""
        return self in _OPEN_PHASES

    def __repr__(self) -> str:
        return f"Phase.{self.upper()}"


Phase.WAITING, Phase.ACTIVE, Phase.STALE = Phase("waiting"), Phase("active"), Phase("stale")
Phase.ENDED, Phase.ABANDONED, Phase.UNKNOWN = Phase("ended"), Phase("abandoned"), Phase("unknown")
_OPEN_PHASES = frozenset((Phase.WAITING, Phase.ACTIVE, Phase.UNKNOWN))

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


if TYPE_CHECKING:

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

    class HasTicket(Protocol):
        @property
        def partner_object(self) -> str: ...


class SessionState(tuple):  # type: ignore[type-arg]
    """A session as every view shows it. ``since``: the last time anything was heard.
    (A tuple with names, as a NamedTuple is, without importing ``typing`` or building a
    class at import: the tray imports this before its icon shows, and ``status`` reads
    it.)"""

    __slots__ = ()

    def __new__(cls, phase: Phase, words: str, raw: str, since: datetime) -> SessionState:
        return tuple.__new__(cls, (phase, words, raw, since))

    @property
    def phase(self) -> Phase:
        return self[0]  # type: ignore[no-any-return]

    @property
    def words(self) -> str:
        return self[1]  # type: ignore[no-any-return]

    @property
    def raw(self) -> str:
        return self[2]  # type: ignore[no-any-return]

    @property
    def since(self) -> datetime:
        return self[3]  # type: ignore[no-any-return]

    @property
    def is_open(self) -> bool:
        return self.phase.is_open

    def __getnewargs__(self) -> tuple[Phase, str, str, datetime]:  # copy and pickle
        return (self.phase, self.words, self.raw, self.since)

    def __repr__(self) -> str:
        return f"SessionState(phase={self.phase!r}, words={self.words!r}, raw={self.raw!r})"


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
