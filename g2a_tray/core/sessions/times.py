"""Times as the session history keeps and shows them, with nothing but ``datetime``
(``g2a-tray status`` reads them too, and should cost what a small client costs).

A stored time is believable between 2000 and 2200: a callback's time outside that
window (a zero, a year 30000 in milliseconds) is kept in its raw body but treated as
missing everywhere it would be shown or computed with.
"""

from __future__ import annotations

from g2a_tray.core.datetimes import UTC, datetime

EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2200, 1, 1, tzinfo=UTC)
# A launch row always has a time the app wrote; should one be unreadable, this stands in.
EPOCH_STANDIN = EARLIEST_TIME


def sane_time(value: datetime | None) -> datetime | None:
    """``value`` as aware UTC if it lies in the believable window, else None."""
    if value is None:
        return None
    try:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)  # the docs' examples are UTC
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):  # an offset that pushes it past year 1 or 9999
        return None
    return value if EARLIEST_TIME <= value < LATEST_TIME else None


def stored_time(value: object) -> datetime | None:
    """A stored time, or None for one that is missing, unreadable or not believable.

    Rows written before times were checked (or edited by hand) may hold anything; a
    view must never be handed a time it cannot show.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        return sane_time(datetime.fromisoformat(value))
    except ValueError:
        return None


def local_time(value: datetime | None) -> str:
    """Local wall-clock time with seconds; "" for a missing (or unshowable) time."""
    if value is None:
        return ""
    try:
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError, OSError):
        return ""
