"""The simulator's HTML pages: the launcher page a browser lands on, and a sample ticket."""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import urlsplit

from g2a_tray.core.sessions.status import ACTIVE, NOT_STARTED
from g2a_tray.simulator.service import SimSession

STYLE = """
body { font: 15px/1.45 "DejaVu Sans", system-ui, sans-serif; margin: 0; color: #1c2733;
       background: #eef2f6; }
header { background: #1565c0; color: #fff; padding: 14px 24px; font-size: 18px; }
header small { opacity: .8; margin-left: 8px; font-size: 13px; }
main { max-width: 760px; margin: 24px auto; padding: 0 16px; }
.iframe main { max-width: 560px; margin: 8px auto; }
.card { background: #fff; border-radius: 10px; padding: 18px 22px; margin-bottom: 16px;
        box-shadow: 0 1px 3px rgba(0,0,0,.12); }
h1 { font-size: 20px; margin: 0 0 12px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dt { color: #5b6b7b; }
dd { margin: 0; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; font-size: 13px;
         background: #e3e8ee; }
.badge.active { background: #e8f5e9; color: #1b5e20; }
.badge.complete { background: #e3f2fd; color: #0d47a1; }
.badge.abandoned, .badge.cancelled { background: #fdecea; color: #b71c1c; }
form { display: inline; }
button { font: inherit; padding: 7px 14px; margin: 4px 6px 4px 0; border-radius: 6px;
         border: 1px solid #90a4ae; background: #fff; cursor: pointer; }
button.primary { background: #1565c0; border-color: #1565c0; color: #fff; }
button:disabled { opacity: .45; cursor: default; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e8ee; }
.ok { color: #1b5e20; } .bad { color: #b71c1c; }
.note { color: #5b6b7b; font-size: 13px; }
"""


def _time(value: datetime | None) -> str:
    return value.astimezone().strftime("%H:%M:%S") if value else "—"


def _link(url: str) -> str:
    """A link only for http(s) URLs; anything else is shown as text."""
    try:
        safe = urlsplit(url).scheme in ("http", "https")
    except ValueError:
        safe = False
    if not url:
        return "—"
    if not safe:
        return escape(url)
    return f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener">{escape(url)}</a>'


def _button(
    session: SimSession, step: str, label: str, enabled: bool, primary: bool = False
) -> str:
    css = ' class="primary"' if primary else ""
    disabled = "" if enabled else " disabled"
    return (
        f'<form method="post" action="/launcher/{escape(session.key)}/{step}">'
        f"<button{css}{disabled}>{escape(label)}</button></form>"
    )


def _page(title: str, body: str, *, iframe: bool = False, refresh: bool = False) -> str:
    meta = '<meta http-equiv="refresh" content="2">' if refresh else ""
    header = "" if iframe else "<header>GoToAssist <small>simulated by g2a-tray</small></header>"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>{meta}<style>{STYLE}</style></head>"
        f'<body class="{"iframe" if iframe else "full"}">{header}<main>{body}</main></body></html>'
    )


def launcher_page(session: SimSession, auto: bool) -> str:
    s = session
    ticket = escape(s.partner_object) if s.partner_object else "(no ticket)"
    deliveries = "".join(
        f"<tr><td>{_time(d.at)}</td><td>{escape(d.status)}</td><td>{escape(d.url)}</td>"
        f'<td class="{"ok" if d.ok else "bad"}">{escape(d.answer)}</td></tr>'
        for d in s.deliveries
    )
    table = (
        f"<table><tr><th>Time</th><th>Status</th><th>To</th><th>Answer</th></tr>{deliveries}</table>"
        if deliveries
        else ""
    )
    if not s.callback_url:
        delivery_note = "No sessionStatusCallbackUrl was given, so no updates are sent."
    elif not s.deliveries:
        delivery_note = "Updates are POSTed when the customer joins and when the session ends."
    else:
        delivery_note = ""
    body = f"""
<div class="card">
  <h1>Remote support session for ticket {ticket}</h1>
  <dl>
    <dt>Status</dt><dd><span class="badge {escape(s.status)}">{escape(s.status)}</span></dd>
    <dt>Ticket</dt><dd>{_link(s.partner_object_url)}</dd>
    <dt>Session ID</dt><dd>{escape(s.session_id) or "assigned when the session starts"}</dd>
    <dt>Customer</dt><dd>{escape(s.customer_name) or "—"}</dd>
    <dt>Started</dt><dd>{_time(s.started_at)}</dd>
    <dt>Customer joined</dt><dd>{_time(s.customer_joined_at)}</dd>
    <dt>Ended</dt><dd>{_time(s.ended_at)}</dd>
    <dt>Layout</dt><dd>{"iFrame" if s.layout.lower() == "iframe" else "full browser window"}</dd>
  </dl>
</div>
<div class="card">
  {_button(s, "join", "Customer joins", s.status == NOT_STARTED, primary=True)}
  {_button(s, "end", "End session", s.status == ACTIVE)}
  {_button(s, "abandon", "Abandon", s.status in (NOT_STARTED, ACTIVE))}
  {_button(s, "cancel", "Customer cancels install", s.status == NOT_STARTED)}
  <p class="note">{"Running by itself (--auto). " if auto and not s.finished else ""}
  A real session would start the GoToAssist Expert app here.</p>
</div>
<div class="card">
  <h1>Status updates sent</h1>
  {table}
  <p class="note">{escape(delivery_note)}</p>
</div>"""
    return _page(
        f"GoToAssist session {s.partner_object}",
        body,
        iframe=s.layout.lower() == "iframe",
        refresh=auto and not s.finished,
    )


def ticket_page(ticket: str) -> str:
    body = f"""<div class="card"><h1>Ticket {escape(ticket)}</h1>
<p>A sample helpdesk ticket, served by the GoToAssist simulator so that the ticket links in
g2a-tray's demo lead somewhere.</p></div>"""
    return _page(f"Ticket {ticket}", body)


def index_page(base: str, count: int) -> str:
    body = f"""<div class="card"><h1>GoToAssist simulator</h1>
<p>Point g2a-tray at it with <code>service_url = "{escape(base)}/G2A/rest/v1"</code> and start a
session. {count} session(s) so far.</p></div>"""
    return _page("GoToAssist simulator", body)


def message_page(text: str) -> str:
    return _page("GoToAssist simulator", f'<div class="card"><p>{escape(text)}</p></div>')
