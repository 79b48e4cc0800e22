"""The note a session leaves on its ticket: which facts, in which words, and how text
from outside is made safe for each helpdesk's format.

The facts are read once, when the session ends, and kept with the note in the outbox
(a later settings change does not rewrite a note already queued). Names come from
GoToAssist's callbacks, so they are data: each is one line of printable text, and the
whole note is escaped for the helpdesk it goes to (:func:`for_helpdesk`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from g2a_tray.core.sessions.model import SessionSummary, format_duration

ENDED_BY_GOTOASSIST = "reported by GoToAssist"
ENDED_BY_TECHNICIAN = "marked ended by the technician"

PLACEHOLDERS = (
    "ticket",
    "customer",
    "technician",
    "started",
    "joined",
    "ended",
    "duration",
    "session_id",
    "recording",
    "ended_by",
)
DEFAULT_TEMPLATE = (
    "GoToAssist session {session_id}\n"
    "Ticket: {ticket}\n"
    "Customer: {customer}\n"
    "Technician: {technician}\n"
    "Started: {started}\n"
    "Customer joined: {joined}\n"
    "Ended: {ended} ({ended_by})\n"
    "Duration: {duration}\n"
    "Recording: {recording}"
)
MAX_TEMPLATE = 4000
MAX_VALUE = 200  # a name longer than this is cut: a callback's field, not a letter
UNKNOWN = "not known"


def check_template(value: str) -> str:
    """A note template as typed: "" (the default) or text whose ``{names}`` are known;
    raises ValueError in plain words."""
    import string

    text = value.replace("\r\n", "\n").strip()
    if not text or text == DEFAULT_TEMPLATE:
        return ""
    if len(text) > MAX_TEMPLATE:
        raise ValueError(f"keep the note template under {MAX_TEMPLATE} characters")
    try:
        names = [n for _, n, spec, conv in string.Formatter().parse(text) if n is not None]
    except ValueError:
        raise ValueError("unbalanced { or } (write {{ and }} for literal braces)") from None
    unknown = sorted({n for n in names if n not in PLACEHOLDERS})
    if unknown:
        raise ValueError(
            "unknown placeholder "
            + ", ".join("{" + n + "}" for n in unknown)
            + "; use "
            + ", ".join("{" + n + "}" for n in PLACEHOLDERS)
        )
    try:
        text.format(**dict.fromkeys(PLACEHOLDERS, ""))
    except (ValueError, IndexError, KeyError):
        raise ValueError("write placeholders as {name}, without : or ! after the name") from None
    return text


def one_line(value: str) -> str:
    """Outside text as one line of printable characters: a customer name with a newline
    cannot add a line of its own ("Ended: …") to the note."""
    flat = "".join(ch if ch.isprintable() else " " for ch in value)
    flat = re.sub(r"\s+", " ", flat).strip()
    return flat[:MAX_VALUE] + ("…" if len(flat) > MAX_VALUE else "")


def _when(moment: datetime | None) -> str:
    if moment is None:
        return UNKNOWN
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").strip()


@dataclass(frozen=True)
class NoteFacts:
    """What the note says and what the time entry logs, fixed when the session ended.

    ``values`` fill ``template`` (the technician's words, plain text); ``ref`` ends every
    note so that a redelivery can recognise one already written (courier.py).
    """

    values: dict[str, str]
    template: str
    ref: str
    seconds: int | None  # time to log: customer joined (or started) → ended
    started_at: datetime | None  # when that time began (the time entry's date)

    def plain(self) -> str:
        """The note as plain text (time entries' notes, the stand-ins' pages, tests)."""
        return self._render(self.values)

    def body_for(self, kind: str) -> str:
        """The note as ``kind``'s note body (see :func:`for_helpdesk`)."""
        if kind == "jira":  # the template may hold the technician's own markup
            return self._render({k: as_jira_wiki(v) for k, v in self.values.items()})
        return for_helpdesk(kind, self.plain())

    def _render(self, values: dict[str, str]) -> str:
        filled = dict.fromkeys(PLACEHOLDERS, UNKNOWN) | values
        return f"{(self.template or DEFAULT_TEMPLATE).format(**filled)}\n\n{ref_line(self.ref)}"


def note_facts(
    session: SessionSummary,
    *,
    ended_by: str,
    ref: str,
    template: str = "",
    recording_url: str = "",
) -> NoteFacts:
    """The note for ``session`` as it ended."""
    duration = session.duration
    ended = session.ended_at or session.marked_ended_at
    values = {
        "ticket": one_line(session.partner_object) or "(no ticket)",
        "customer": one_line(session.customer_name) or UNKNOWN,
        "technician": one_line(session.expert_name) or UNKNOWN,
        "started": _when(session.started_at or session.launched_at),
        "joined": _when(session.customer_joined_at)
        if session.customer_joined_at
        else "did not join",
        "ended": _when(ended),
        "duration": format_duration(duration) if duration is not None else UNKNOWN,
        "session_id": one_line(session.session_id) or UNKNOWN,
        "recording": one_line(recording_url) or "none",
        "ended_by": ended_by,
    }
    # The time logged is the time with the customer, only when GoToAssist reported the
    # end: a session marked ended by hand has no end anyone measured.
    seconds = (
        int(duration.total_seconds())
        if duration is not None and ended_by == ENDED_BY_GOTOASSIST and session.ended_at
        else None
    )
    start = session.customer_joined_at or session.started_at
    return NoteFacts(values, template, ref, seconds, start)


def ref_line(ref: str) -> str:
    return f"(written by g2a-tray, ref {ref})"


# -- per helpdesk format


def as_html(text: str) -> str:
    """Freshdesk's ``body`` is HTML (its API reference: "Content of the note in HTML")."""
    import html

    return "<div>" + "<br>".join(html.escape(line) for line in text.split("\n")) + "</div>"


_WIKI_SPECIAL = re.compile(r"([\\{}\[\]|!*_])")


def as_jira_wiki(text: str) -> str:
    """A Jira Service Management request comment's ``body`` is rendered as Jira wiki
    markup (Atlassian's "Text formatting notation"): a ``[link|…]``, a ``{macro}``, an
    ``!image!`` (which would fetch a URL), a ``|table|`` or ``*bold*`` in a name must stay
    characters, so those get the notation's backslash escape. (Dashes, which only strike
    text through, are left: dates are full of them.)"""
    return "\n".join(_WIKI_SPECIAL.sub(r"\\\1", line) for line in text.split("\n"))


_CODE_TAG = re.compile(r"\[\s*/?\s*code\s*\]", re.IGNORECASE)


def as_servicenow(text: str) -> str:
    """ServiceNow's ``work_notes`` is plain text except ``[code]…[/code]``, which it
    renders as HTML (ServiceNow docs: "HTML in journal fields", the
    ``glide.ui.security.allow_codetag`` property): those tags are broken up."""
    return _CODE_TAG.sub(lambda m: m.group(0).replace("[", "(").replace("]", ")"), text)


def for_helpdesk(kind: str, text: str) -> str:
    """``text`` as ``kind``'s note body: HTML-escaped for Freshdesk, wiki-escaped for
    Jira, code tags broken for ServiceNow; Zendesk's ``body`` is plain text already
    (``html_body`` would be the HTML one)."""
    if kind == "freshdesk":
        return as_html(text)
    if kind == "jira":
        return as_jira_wiki(text)
    if kind == "servicenow":
        return as_servicenow(text)
    return text


def hours_minutes(seconds: int) -> str:
    """Freshdesk's ``time_spent``: "hh:mm", rounded up to the next minute (a session
    of 10 s is logged as 00:01, never as nothing)."""
    minutes = max(1, -(-seconds // 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def jira_started(moment: datetime) -> str:
    """A Jira worklog's ``started``: ``2026-01-17T12:34:00.000+0000`` (its reference's
    format: milliseconds and a zone offset without a colon)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000%z")
