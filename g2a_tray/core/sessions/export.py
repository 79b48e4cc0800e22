"""Session history as text: the summary a technician pastes into ticket notes, the CSV
export, and the ``status --json`` objects. One place for how a session is described."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from g2a_tray.core.safe_files import writing_atomically
from g2a_tray.core.sessions.model import SessionSummary, format_duration
from g2a_tray.core.sessions.status import DEFAULT_STALE_AFTER, SessionState, state_of
from g2a_tray.core.sessions.times import local_time
from g2a_tray.core.text import printable

CSV_COLUMNS = (
    "launched_at",
    "partner_object",
    "partner_object_url",
    "status",
    "state",
    "session_id",
    "customer_name",
    "customer_joined_at",
    "ended_at",
    "duration_seconds",
)


def iso_utc(value: datetime | None) -> str | None:
    """``2021-04-30T06:00:00Z``, the form GoToAssist's clients use."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def current_state(
    session: SessionSummary, stale_after: timedelta = DEFAULT_STALE_AFTER
) -> SessionState:
    return state_of(session, datetime.now(UTC), stale_after)


def as_json(session: SessionSummary, state: SessionState | None = None) -> dict[str, Any]:
    """The object ``g2a-tray status --json`` prints for one launch (a public contract):
    ``status`` is GoToAssist's raw value, ``state`` and ``statusText`` what views show."""
    state = state or current_state(session)
    return {
        "partnerObject": session.partner_object,
        "partnerObjectUrl": session.partner_object_url,
        "sessionId": session.session_id,
        "status": session.status,
        "state": state.phase.value,
        "statusText": state.words,
        "launchedAt": iso_utc(session.launched_at),
        "customerJoinedAt": iso_utc(session.customer_joined_at),
        "endedAt": iso_utc(session.ended_at),
        "customerName": session.customer_name,
        "markedEndedAt": iso_utc(session.marked_ended_at),
    }


def summary_text(session: SessionSummary, state: SessionState | None = None) -> str:
    """A few lines for the ticket's notes."""
    state = state or current_state(session)
    lines = [f"GoToAssist remote support session — ticket {session.partner_object or '(none)'}"]
    lines.append(f"Status: {state.words}")
    if session.session_id:
        lines.append(f"Session ID: {session.session_id}")
    if session.customer_name:
        lines.append(f"Customer: {session.customer_name}")
    if session.expert_name:
        lines.append(f"Technician: {session.expert_name}")
    lines.append(f"Started from g2a-tray: {local_time(session.launched_at)}")
    if session.customer_joined_at:
        lines.append(f"Customer joined: {local_time(session.customer_joined_at)}")
    if session.ended_at:
        lines.append(f"Ended: {local_time(session.ended_at)}")
    if session.duration is not None:
        lines.append(f"Duration: {format_duration(session.duration)}")
    return "\n".join(lines)


def write_csv(
    sessions: Iterable[SessionSummary],
    out: IO[str],
    stale_after: timedelta = DEFAULT_STALE_AFTER,
) -> int:
    """Write every session (an iterator is read as it goes); returns how many."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for s in sessions:
        count += 1
        writer.writerow(
            [
                _safe_cell(cell)
                for cell in (
                    iso_utc(s.launched_at) or "",
                    s.partner_object,
                    s.partner_object_url,
                    s.status,
                    current_state(s, stale_after).words,
                    s.session_id,
                    s.customer_name,
                    iso_utc(s.customer_joined_at) or "",
                    iso_utc(s.ended_at) or "",
                    str(int(s.duration.total_seconds())) if s.duration is not None else "",
                )
            ]
        )
    return count


FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _safe_cell(text: str) -> str:
    """Keep spreadsheet apps from running a cell as a formula: every column, since any
    of them may hold text from a callback or a link (OWASP's CSV-injection advice)."""
    text = printable(text, " ")
    return "'" + text if text.lstrip(" ")[:1] in FORMULA_LEADS else text


def export_csv(
    path: Path, sessions: Iterable[SessionSummary], stale_after: timedelta = DEFAULT_STALE_AFTER
) -> int:
    """Write the CSV to ``path`` as it is read (flat memory), replacing any file there
    only once it is complete; returns how many sessions it holds. Raises OSError."""
    with writing_atomically(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        count = write_csv(sessions, text, stale_after)
        text.flush()
        text.detach()  # the atomic writer closes the file itself
    return count
