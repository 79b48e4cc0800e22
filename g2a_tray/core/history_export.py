"""Session history as text: the summary a technician pastes into ticket notes, the CSV
export, and the ``status --json`` objects. One place for how a session is described."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import IO, Any

from g2a_tray.core.notifications import format_duration, status_label
from g2a_tray.core.session_store import SessionSummary
from g2a_tray.core.text import printable

CSV_COLUMNS = (
    "launched_at",
    "partner_object",
    "partner_object_url",
    "status",
    "session_id",
    "customer_name",
    "customer_joined_at",
    "ended_at",
    "duration_seconds",
)


def iso_utc(value: datetime | None) -> str | None:
    """``2021-04-30T06:00:00Z``, the form GoToAssist's clients use."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def local_time(value: datetime | None) -> str:
    """Local wall-clock time with seconds; "" for a missing (or unshowable) time."""
    if value is None:
        return ""
    try:
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError, OSError):
        return ""


def as_json(session: SessionSummary) -> dict[str, Any]:
    """The object ``g2a-tray status --json`` prints for one launch (a public contract)."""
    return {
        "partnerObject": session.partner_object,
        "partnerObjectUrl": session.partner_object_url,
        "sessionId": session.session_id,
        "status": session.status,
        "launchedAt": iso_utc(session.launched_at),
        "customerJoinedAt": iso_utc(session.customer_joined_at),
        "endedAt": iso_utc(session.ended_at),
        "customerName": session.customer_name,
    }


def summary_text(session: SessionSummary) -> str:
    """A few lines for the ticket's notes."""
    lines = [f"GoToAssist remote support session — ticket {session.partner_object or '(none)'}"]
    lines.append(f"Status: {status_label(session.status)}")
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


def write_csv(sessions: list[SessionSummary], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for s in sessions:
        writer.writerow(
            [
                _safe_cell(cell)
                for cell in (
                    iso_utc(s.launched_at) or "",
                    s.partner_object,
                    s.partner_object_url,
                    s.status,
                    s.session_id,
                    s.customer_name,
                    iso_utc(s.customer_joined_at) or "",
                    iso_utc(s.ended_at) or "",
                    str(int(s.duration.total_seconds())) if s.duration is not None else "",
                )
            ]
        )


FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _safe_cell(text: str) -> str:
    """Keep spreadsheet apps from running a cell as a formula: every column, since any
    of them may hold text from a callback or a link (OWASP's CSV-injection advice)."""
    text = printable(text, " ")
    return "'" + text if text.lstrip(" ")[:1] in FORMULA_LEADS else text
