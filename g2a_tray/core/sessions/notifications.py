"""What the technician is told when a session changes, decided without Qt.

Only three moments pop up: the customer joined (``active``), the session ended
(``complete``) and it was abandoned. ``waiting`` and unknown statuses update the
history quietly; a status that arrives again (or late, after the session already
moved on) tells nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass

from g2a_tray.core.sessions.model import RecordedEvent, format_duration
from g2a_tray.core.sessions.status import ABANDONED, ACTIVE, COMPLETE, ticket_label


@dataclass(frozen=True)
class Note:
    """A desktop notification; ``key`` groups the notes of one launch (replace, not pile up)."""

    key: str
    title: str
    body: str
    ticket_url: str = ""


def note_for(change: RecordedEvent) -> Note | None:
    """The notification a stored event calls for, or None."""
    if change.duplicate or not change.status_changed:
        return None
    session = change.after
    ticket = ticket_label(session)
    key = f"launch-{session.launch_id}"
    if session.status == ACTIVE:
        who = f" — {session.customer_name}" if session.customer_name else ""
        return Note(key, "Customer joined", f"{ticket}{who}", session.partner_object_url)
    if session.status == COMPLETE:
        took = (
            f" — lasted {format_duration(session.duration)}" if session.duration is not None else ""
        )
        return Note(key, "Session ended", f"{ticket}{took}", session.partner_object_url)
    if session.status == ABANDONED:
        return Note(key, "Session abandoned", ticket, session.partner_object_url)
    return None
