"""Stand-ins for the four helpdesks' APIs, for the tests, ``simulate --helpdesk KIND`` and
``demo --helpdesk KIND``: their servers cannot exist here. Each keeps what was written and
shows it on a ticket page at the path the greeting's preset links to.

What each follows (the vendors' API references, as read for core/helpdesk/vendors.py):

- **Zendesk** (developer.zendesk.com, "Tickets", "Ticket Comments", "Users"): a comment
  is added with ``PUT /api/v2/tickets/{id}.json`` ``{"ticket": {"comment": {...}}}`` and
  is **public unless** ``"public": false``; the answer carries the ticket and an audit
  whose ``Comment`` event has the comment's id; ``GET …/comments.json`` lists comments;
  ``GET /api/v2/users/me.json`` answers an anonymous caller 200 with ``"id": null``;
  auth is Basic ``{email}/token:{token}``; wrong credentials get 401
  ``{"error": "Couldn't authenticate you"}``.
- **Freshdesk** (developers.freshdesk.com/api, "Conversations", "Time Entries",
  "Agents", "Error handling", "Rate limit"): ``POST /api/v2/tickets/{id}/notes`` (201;
  ``private`` defaults to true), ``POST …/time_entries`` with ``time_spent`` "hh:mm"
  (400 ``invalid_value`` otherwise), ``GET …/conversations``, ``GET …/time_entries``,
  ``GET /api/v2/agents/me``; Basic ``{api_key}:X``; 401 ``invalid_credentials``;
  429 with ``Retry-After``.
- **Jira Service Management** (developer.atlassian.com, servicedeskapi "Request" and
  platform v3 "Issue worklogs", "Myself"): ``POST /rest/servicedeskapi/request/{key}/
  comment`` (201; public unless ``"public": false``), ``GET`` it with ``public`` and
  ``internal`` filters, ``POST/GET /rest/api/3/issue/{key}/worklog`` (``timeSpentSeconds``
  at least 60, ``started`` like ``2026-01-17T12:34:00.000+0000``, an ADF ``comment``);
  Basic ``{email}:{token}``.
- **ServiceNow** (docs "Table API", "Journal fields"): ``GET /api/now/table/incident``
  with ``sysparm_query=number=…`` → ``{"result": [{sys_id, number}]}`` (empty when none),
  ``PATCH /api/now/table/incident/{sys_id}`` with ``work_notes`` (internal) or
  ``comments`` (customer-visible), journal entries in ``sys_journal_field``; Basic
  ``{user}:{password}``; 401 ``{"error": {"message": "User Not Authenticated"}}``.

For all: :meth:`HelpdeskStandIn.fail_next` answers the next calls with 429/5xx (with a
``Retry-After``), ``missing`` and ``forbidden`` tickets answer 404 and 403, and
:attr:`HelpdeskStandIn.hold_after_write` keeps the answer to a write back after it was
stored (an app killed between delivery and recording). Loopback by default.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

STANDIN_USER = "tech@example.com"
STANDIN_TOKEN = "standin-token-0123456789"
KINDS = ("zendesk", "freshdesk", "jira", "servicenow")
MAX_BODY = 1 << 20
SAMPLE_TICKETS = {
    "zendesk": "4711",
    "freshdesk": "4711",
    "jira": "SUP-42",
    "servicenow": "INC0010023",
}
TICKET_SHAPES = {
    "zendesk": r"\d{1,18}",
    "freshdesk": r"\d{1,18}",
    "jira": r"[A-Z][A-Z0-9_]*-\d{1,12}",
    "servicenow": r"INC\d{1,12}",
}


@dataclass
class Entry:
    """A note, comment, work note or time entry as the stand-in keeps it."""

    id: str
    what: str  # "note" or "time"
    body: Any  # the field the helpdesk keeps, as sent
    internal: bool
    created_at: str
    fields: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The entry's words, for the ticket page and the tests."""
        if isinstance(self.body, dict):  # an ADF document
            return "\n".join(
                "".join(n.get("text", "") for n in p.get("content", []))
                for p in self.body.get("content", [])
            )
        return str(self.body)


_PLAIN_HTML = re.compile(r"(?:[^<>]|<div>|</div>|<br>)*")


def _shown(kind: str, entry: Entry) -> str:
    """An entry's body on the ticket page: Freshdesk's HTML rendered when it is nothing
    but text, paragraphs and line breaks (what g2a-tray writes); everything else as text."""
    if kind == "freshdesk" and isinstance(entry.body, str) and _PLAIN_HTML.fullmatch(entry.body):
        return f"<div class='html'>{entry.body}</div>"
    return f"<pre>{html.escape(entry.text())}</pre>"


def sys_id_of(number: str) -> str:
    return hashlib.md5(number.encode(), usedforsecurity=False).hexdigest()


class HelpdeskStandIn:
    """One helpdesk's API on ``host:port`` (0: any free port)."""

    def __init__(
        self,
        kind: str,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        user: str = STANDIN_USER,
        token: str = STANDIN_TOKEN,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"no stand-in for {kind!r}; use one of {', '.join(KINDS)}")
        self.kind, self.user, self.token = kind, user, token
        self.tickets: dict[str, list[Entry]] = {}
        self.missing: set[str] = set()
        self.forbidden: set[str] = set()
        self.requests: list[tuple[str, str]] = []  # (method, path) of every API call
        self.hold_after_write = threading.Event()  # set: writes are kept, answers held
        self.release = threading.Event()
        self.on_write: list[Callable[[str, Entry], None]] = []
        self._failures: list[tuple[int, str | None]] = []
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()
        stand_in = self

        class Handler(_Handler):
            standin = stand_in

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = str(self._server.server_address[0]), int(self._server.server_address[1])
        return f"http://{host}:{port}"

    def start(self) -> HelpdeskStandIn:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns at once
            name=f"{self.kind}-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        with self._lock:
            self._failures += [(status, retry_after)] * times

    def entries(self, ticket: str, what: str | None = None) -> list[Entry]:
        with self._lock:
            return [e for e in self.tickets.get(ticket, []) if what is None or e.what == what]

    def ticket_page(self, ticket: str) -> str:
        """Where the ticket shows, at the path the greeting's preset links to."""
        if self.kind == "zendesk":
            return f"{self.url}/agent/tickets/{ticket}"
        if self.kind == "freshdesk":
            return f"{self.url}/a/tickets/{ticket}"
        if self.kind == "jira":
            return f"{self.url}/browse/{ticket}"
        return f"{self.url}/incident.do?sysparm_query=number={ticket}"

    # -- used by the handler

    def _next_failure(self) -> tuple[int, str | None] | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _add(self, ticket: str, what: str, body: Any, internal: bool, **fields: Any) -> Entry:
        entry = Entry(
            str(next(self._ids)),
            what,
            body,
            internal,
            datetime.now(UTC).isoformat(timespec="seconds"),
            fields,
        )
        with self._lock:
            self.tickets.setdefault(ticket, []).append(entry)
        for listener in list(self.on_write):
            listener(ticket, entry)
        return entry

    def _authorized(self, header: str | None) -> bool | None:
        """True: the right credentials; False: wrong ones; None: none given."""
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            name, _, secret = base64.b64decode(value).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        if self.kind == "zendesk":
            return name == f"{self.user}/token" and secret == self.token
        if self.kind == "freshdesk":
            return name == self.token  # the password is ignored ("X" by convention)
        return name == self.user and secret == self.token


class _Handler(BaseHTTPRequestHandler):
    standin: HelpdeskStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    # -- answers

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        ctype = "text/html; charset=utf-8" if isinstance(body, bytes) else "application/json"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int) -> None:
        kind = self.standin.kind
        words = {401: "unauthorized", 403: "forbidden", 404: "not found"}.get(status, "error")
        if kind == "zendesk":
            body: Any = {"error": "Couldn't authenticate you" if status == 401 else words}
        elif kind == "freshdesk":
            codes = {401: "invalid_credentials", 403: "access_denied", 404: "not_found"}
            body = {"code": codes.get(status, "error"), "message": words}
        elif kind == "jira":
            body = {"errorMessages": [words], "errors": {}}
        else:
            body = {
                "error": {"message": "User Not Authenticated" if status == 401 else words},
                "status": "failure",
            }
        self._send(status, body)

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("too large")
        return json.loads(self.rfile.read(length) or b"{}")

    def _handle(self, method: str) -> None:
        s = self.standin
        parts = urlsplit(self.path)
        path, query = unquote(parts.path), parse_qs(parts.query)
        page = self._page(path, query) if method == "GET" else None
        if page is not None:
            self._send(200, page)
            return
        s.requests.append((method, self.path))
        failure = s._next_failure()
        if failure is not None:
            status, after = failure
            self._send(status, {"error": "simulated"}, {"Retry-After": after} if after else None)
            return
        auth = s._authorized(self.headers.get("Authorization"))
        anonymous_me = s.kind == "zendesk" and path == "/api/v2/users/me.json" and auth is None
        if not auth and not anonymous_me:
            self._error(401)
            return
        try:
            body = self._read_json() if method in ("POST", "PUT", "PATCH") else {}
        except ValueError:
            self._send(400, {"error": "invalid JSON"})
            return
        route = getattr(self, f"_{s.kind}")
        answer = route(method, path, query, body)
        if answer is None:
            self._error(404)
            return
        status, content = answer
        if status in (200, 201) and method != "GET" and s.hold_after_write.is_set():
            s.release.wait(60)  # written; the answer is held until released (or stop)
        self._send(status, content)

    def _ticket(self, ticket: str) -> int | None:
        """403/404 for a ticket set so, or shaped wrong; None when it may be used."""
        s = self.standin
        if not re.fullmatch(TICKET_SHAPES[s.kind], ticket) or ticket in s.missing:
            return 404
        return 403 if ticket in s.forbidden else None

    # -- Zendesk

    def _zendesk(self, method: str, path: str, query: Any, body: Any) -> tuple[int, Any] | None:
        s = self.standin
        if method == "GET" and path == "/api/v2/users/me.json":
            if s._authorized(self.headers.get("Authorization")) is None:
                return 200, {"user": {"id": None, "name": "Anonymous user"}}
            return 200, {"user": {"id": 7001, "name": "Tess Technician", "email": s.user}}
        if m := re.fullmatch(r"/api/v2/tickets/([^/]+)\.json", path):
            if method != "PUT":
                return None
            if (bad := self._ticket(m[1])) is not None:
                return bad, {"error": "RecordNotFound" if bad == 404 else "Forbidden"}
            comment = (body.get("ticket") or {}).get("comment") or {}
            if not isinstance(comment, dict) or not comment.get("body"):
                return 422, {"error": "RecordInvalid", "description": "comment body is blank"}
            entry = s._add(m[1], "note", comment["body"], comment.get("public", True) is False)
            return 200, {
                "ticket": {"id": int(m[1])},
                "audit": {
                    "id": int(entry.id) + 50000,
                    "events": [
                        {
                            "id": int(entry.id),
                            "type": "Comment",
                            "body": entry.body,
                            "public": not entry.internal,
                        }
                    ],
                },
            }
        if m := re.fullmatch(r"/api/v2/tickets/([^/]+)/comments\.json", path):
            if (bad := self._ticket(m[1])) is not None:
                return bad, {"error": "RecordNotFound"}
            return 200, {
                "comments": [
                    {"id": int(e.id), "body": e.body, "public": not e.internal}
                    for e in s.entries(m[1], "note")
                ]
            }
        return None

    # -- Freshdesk

    def _freshdesk(self, method: str, path: str, query: Any, body: Any) -> tuple[int, Any] | None:
        s = self.standin
        if method == "GET" and path == "/api/v2/agents/me":
            return 200, {"id": 7001, "contact": {"name": "Tess Technician", "email": s.user}}
        m = re.fullmatch(r"/api/v2/tickets/([^/]+)/(notes|conversations|time_entries)", path)
        if not m:
            return None
        ticket, what = m[1], m[2]
        if (bad := self._ticket(ticket)) is not None:
            return bad, {"code": "access_denied" if bad == 403 else "not_found"}
        if what == "notes" and method == "POST":
            if not isinstance(body.get("body"), str) or not body["body"]:
                return 400, {
                    "description": "Validation failed",
                    "errors": [
                        {
                            "field": "body",
                            "message": "It should not be blank",
                            "code": "missing_field",
                        }
                    ],
                }
            entry = s._add(ticket, "note", body["body"], body.get("private", True) is not False)
            return 201, {
                "id": int(entry.id),
                "body": entry.body,
                "private": entry.internal,
                "ticket_id": int(ticket),
            }
        if what == "conversations" and method == "GET":
            return 200, [
                {"id": int(e.id), "body": e.body, "private": e.internal}
                for e in s.entries(ticket, "note")
            ]
        if what == "time_entries" and method == "POST":
            spent = body.get("time_spent")
            if not isinstance(spent, str) or not re.fullmatch(r"\d{2}:\d{2}", spent):
                return 400, {
                    "description": "Validation failed",
                    "errors": [
                        {"field": "time_spent", "message": "must be hh:mm", "code": "invalid_value"}
                    ],
                }
            entry = s._add(
                ticket,
                "time",
                body.get("note", ""),
                True,
                time_spent=spent,
                billable=body.get("billable", True),
                executed_at=body.get("executed_at"),
            )
            return 201, {"id": int(entry.id), "time_spent": spent, "note": entry.body}
        if what == "time_entries" and method == "GET":
            return 200, [
                {"id": int(e.id), "note": e.body, **e.fields} for e in s.entries(ticket, "time")
            ]
        return None

    # -- Jira Service Management

    def _jira(self, method: str, path: str, query: Any, body: Any) -> tuple[int, Any] | None:
        s = self.standin
        if method == "GET" and path == "/rest/api/3/myself":
            return 200, {
                "accountId": "5b10a2844c20165700ede21g",
                "displayName": "Tess Technician",
                "emailAddress": s.user,
            }
        if m := re.fullmatch(r"/rest/servicedeskapi/request/([^/]+)/comment", path):
            if (bad := self._ticket(m[1])) is not None:
                return bad, {"errorMessage": "not found"}
            if method == "POST":
                if not isinstance(body.get("body"), str):
                    return 400, {"errorMessage": "body is required"}
                entry = s._add(m[1], "note", body["body"], body.get("public", True) is False)
                return 201, {"id": entry.id, "body": entry.body, "public": not entry.internal}
            want_public = query.get("public", ["true"])[0] != "false"
            want_internal = query.get("internal", ["true"])[0] != "false"
            return 200, {
                "values": [
                    {"id": e.id, "body": e.body, "public": not e.internal}
                    for e in s.entries(m[1], "note")
                    if (want_internal and e.internal) or (want_public and not e.internal)
                ]
            }
        if m := re.fullmatch(r"/rest/api/3/issue/([^/]+)/worklog", path):
            if (bad := self._ticket(m[1])) is not None:
                return bad, {"errorMessages": ["Issue does not exist"]}
            if method == "POST":
                seconds = body.get("timeSpentSeconds")
                started = body.get("started", "")
                if (
                    not isinstance(seconds, int)
                    or seconds < 60
                    or not re.fullmatch(
                        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}", str(started)
                    )
                ):
                    return 400, {
                        "errorMessages": [],
                        "errors": {
                            "timeLogged": "Time spent must be at least one minute, started valid"
                        },
                    }
                entry = s._add(
                    m[1],
                    "time",
                    body.get("comment", ""),
                    True,
                    timeSpentSeconds=seconds,
                    started=started,
                )
                return 201, {"id": entry.id, "timeSpentSeconds": seconds}
            return 200, {
                "worklogs": [
                    {"id": e.id, "comment": e.body, **e.fields} for e in s.entries(m[1], "time")
                ]
            }
        return None

    # -- ServiceNow

    def _servicenow(self, method: str, path: str, query: Any, body: Any) -> tuple[int, Any] | None:
        s = self.standin
        q = query.get("sysparm_query", [""])[0]
        if method == "GET" and path == "/api/now/table/sys_user":
            return 200, {"result": [{"sys_id": sys_id_of(s.user)}]}
        if method == "GET" and path == "/api/now/table/incident":
            m = re.fullmatch(r"number=(\w+)", q)
            if not m or self._ticket(m[1]) == 404:
                return 200, {"result": []}
            return 200, {"result": [{"sys_id": sys_id_of(m[1]), "number": m[1]}]}
        if m := re.fullmatch(r"/api/now/table/incident/([0-9a-f]{32})", path):
            number = self._number_of(m[1])
            if number is None:
                return 404, {"error": {"message": "No Record found"}, "status": "failure"}
            if self._ticket(number) == 403:
                return 403, {"error": {"message": "Operation Failed"}, "status": "failure"}
            if method != "PATCH":
                return None
            for element in ("work_notes", "comments"):
                if isinstance(body.get(element), str) and body[element]:
                    s._add(number, "note", body[element], element == "work_notes", element=element)
            return 200, {"result": {"sys_id": m[1], "number": number}}
        if method == "GET" and path == "/api/now/table/sys_journal_field":
            m = re.fullmatch(r"element_id=([0-9a-f]{32})\^element=(\w+)(?:\^valueLIKE(.*))?", q)
            if not m:
                return 200, {"result": []}
            number = self._number_of(m[1]) or ""
            return 200, {
                "result": [
                    {"sys_id": sys_id_of(e.id), "element": m[2], "value": e.body}
                    for e in s.entries(number, "note")
                    if e.fields.get("element") == m[2] and (m[3] or "") in e.body
                ]
            }
        return None

    def _number_of(self, sys_id: str) -> str | None:
        for number in list(self.standin.tickets) + [f"INC{n:07d}" for n in range(10000, 10100)]:
            if sys_id_of(number) == sys_id:
                return number
        return None

    # -- the ticket page

    def _page(self, path: str, query: Any) -> bytes | None:
        s = self.standin
        ticket = None
        for pattern in (r"/agent/tickets/(\d+)", r"/a/tickets/(\d+)", r"/browse/([\w-]+)"):
            if m := re.fullmatch(pattern, path):
                ticket = m[1]
        if path == "/incident.do":
            m = re.fullmatch(r"number=(\w+)", query.get("sysparm_query", [""])[0])
            ticket = m[1] if m else self._number_of(query.get("sys_id", [""])[0])
        if ticket is None:
            return None
        rows = []
        for e in s.entries(ticket):
            badge = "Internal" if e.internal else "PUBLIC (the customer sees it)"
            extra = "".join(
                f" · {html.escape(k)}: {html.escape(str(v))}" for k, v in e.fields.items()
            )
            rows.append(
                f"<div class='entry {'internal' if e.internal else 'public'}'>"
                f"<div class='head'><b>{'Time entry' if e.what == 'time' else 'Note'} #{e.id}</b>"
                f" · {badge} · {html.escape(e.created_at)}{extra}</div>"
                f"{_shown(s.kind, e)}</div>"
            )
        name = {
            "zendesk": "Zendesk",
            "freshdesk": "Freshdesk",
            "jira": "Jira Service Management",
            "servicenow": "ServiceNow",
        }[s.kind]
        return (
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>Ticket {html.escape(ticket)} – {name} stand-in</title><style>"
            "body{font:15px sans-serif;margin:2em;max-width:50em}"
            ".entry{border:1px solid #ccc;border-radius:6px;margin:1em 0;padding:.5em 1em}"
            ".internal{background:#fff8e1}.public{background:#ffebee}"
            "pre{white-space:pre-wrap;font:14px monospace}.head{color:#555}"
            ".html{margin:.8em 0;line-height:1.4}"
            f"</style></head><body><h1>{name} stand-in · ticket {html.escape(ticket)}</h1>"
            f"<p>{len(rows)} entr{'y' if len(rows) == 1 else 'ies'} written through the API. "
            "(Freshdesk's HTML is shown as Freshdesk shows it when it holds only text, "
            "&lt;div&gt; and &lt;br&gt;; any other body as sent, as text.)</p>"
            + "".join(rows)
            + "</body></html>"
        ).encode()
