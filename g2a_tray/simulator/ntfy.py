"""A stand-in for an ntfy server (https://ntfy.sh, github.com/binwiederhier/ntfy), for the
simulator, the demo and the tests: ntfy itself is a Go program no registry here ships.

It follows ntfy's documented HTTP API and, where the docs are silent, its server source
(``server/server.go``, ``server/errors.go``, ``server/message_cache.go``):

- publish: ``POST`` or ``PUT /<topic>``; the body (UTF-8, at most 4,096 bytes, trimmed;
  empty = "triggered") becomes a message; the answer is the message as JSON
  (docs: "Publishing"; ``handlePublishBody`` case 5). A larger or binary body would
  become an attachment, which a server without an attachment cache refuses:
  ``400 {"code": 40014, "error": "invalid request: attachments not allowed"}``.
- topics: ``^[-_A-Za-z0-9]{1,64}$`` (``topicRegex``), several comma-separated in a
  subscription (``jsonRegex``);
- subscribe: ``GET /<topics>/json`` streams one JSON object per line: ``open`` first,
  then cached messages (if ``since=``), then live ``message`` events and a ``keepalive``
  every ``keepalive_s`` (ntfy's default 45 s) (docs: "Subscribe via API");
- ``since=``: ``all``, ``none``, a message id (messages after it; all cached ones if the id
  is unknown, as ``messagesSinceID`` does), a Unix time, or a duration like ``10m``;
  ``poll=1`` sends the cached messages and closes (default ``since=all`` then);
- a message cache of 12 h (``cache-duration``), in memory or, with ``cache_file``, in
  SQLite so that it survives a restart (ntfy's ``cache-file``);
- access control: ``Authorization: Bearer <token>``; an unknown token gets 401
  (``errHTTPUnauthorized``, 40101), a request its user (or everyone, for anonymous
  requests) may not make gets 403 (``errHTTPForbidden``, 40301); rules are checked for
  the user, then for everyone (``*``), then the default access (docs: "Access control").

Not here: attachments, e-mail, priorities and the rest of ntfy's publishing options,
WebSockets and SSE, rate limits. The stand-in serves loopback by default.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import re
import secrets
import sqlite3
import string
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")
SUBSCRIBE_PATH = re.compile(r"^/(?P<topics>[-_A-Za-z0-9]{1,64}(?:,[-_A-Za-z0-9]{1,64})*)/json$")
MESSAGE_ID = re.compile(r"^[A-Za-z0-9]{12}$")
MESSAGE_LIMIT = 4096
KEEPALIVE_S = 45.0
CACHE_S = 12 * 3600
READ, WRITE = "read", "write"
PERMISSIONS = {
    "read-write": {READ, WRITE},
    "read-only": {READ},
    "write-only": {WRITE},
    "deny-all": set(),
}
DURATION = re.compile(r"^(\d+)(s|m|h|d)$")

ERRORS = {
    400: (40000, "invalid request"),
    401: (40101, "unauthorized"),
    403: (40301, "forbidden"),
    404: (40401, "page not found"),
}


def new_message_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))


@dataclass(frozen=True)
class Message:
    id: str
    time: int
    topic: str
    message: str
    seq: int = 0  # the cache's row order: "since=<id>" means "after this row"

    def event(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time,
            "expires": self.time + CACHE_S,
            "event": "message",
            "topic": self.topic,
            "message": self.message,
        }


@dataclass
class Access:
    """Who may read or write which topics; the defaults leave everything open."""

    default: str = "read-write"
    rules: list[tuple[str, str, str]] = field(default_factory=list)  # (user or "*", pattern, perm)
    tokens: dict[str, str] = field(default_factory=dict)  # token → user

    def allows(self, user: str | None, topic: str, what: str) -> bool:
        for who in ([user] if user else []) + ["*"]:
            for rule_user, pattern, permission in self.rules:
                if rule_user == who and fnmatch.fnmatchcase(topic, pattern):
                    return what in PERMISSIONS[permission]
        return what in PERMISSIONS[self.default]


class MessageCache:
    """The message cache, in memory or in an SQLite file (kept across restarts)."""

    def __init__(self, cache_file: Path | None = None) -> None:
        self._db = sqlite3.connect(
            str(cache_file) if cache_file else ":memory:", check_same_thread=False
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, id TEXT UNIQUE,"
            " time INTEGER, topic TEXT, message TEXT)"
        )
        self._db.commit()
        self._lock = threading.Lock()

    def add(self, topic: str, text: str) -> Message:
        with self._lock:
            now = int(time.time())
            self._db.execute("DELETE FROM messages WHERE time < ?", (now - CACHE_S,))
            message_id = new_message_id()
            cursor = self._db.execute(
                "INSERT INTO messages (id, time, topic, message) VALUES (?, ?, ?, ?)",
                (message_id, now, topic, text),
            )
            self._db.commit()
            assert cursor.lastrowid is not None
            return Message(message_id, now, topic, text, cursor.lastrowid)

    def since(self, topics: list[str], marker: str) -> list[Message]:
        """Cached messages of ``topics`` after ``marker`` (see :func:`parse_since`)."""
        if marker == "none":
            return []
        marks = ",".join("?" * len(topics))
        with self._lock:
            where, args = "1", list[int]()
            if MESSAGE_ID.match(marker):
                row = self._db.execute(
                    "SELECT seq FROM messages WHERE id = ?", (marker,)
                ).fetchone()
                if row is not None:  # an unknown id means "all" (ntfy's messagesSinceID)
                    where, args = "seq > ?", [row[0]]
            elif marker != "all":
                where, args = "time >= ?", [int(marker)]
            rows = self._db.execute(
                f"SELECT id, time, topic, message, seq FROM messages WHERE topic IN ({marks})"
                f" AND {where} ORDER BY time, seq",
                [*topics, *args],
            ).fetchall()
        return [Message(*row) for row in rows]

    def newest(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT coalesce(max(seq), 0) FROM messages").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


def parse_since(value: str | None, poll: bool) -> str:
    """``since=`` as a marker: "all", "none", a message id or a Unix time; ValueError if bad."""
    if not value:
        return "all" if poll else "none"
    if value in ("all", "none") or MESSAGE_ID.match(value):
        return value
    if value.isdigit():
        return value
    match = DURATION.match(value)
    if match:
        seconds = int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
        return str(int(time.time()) - seconds)
    raise ValueError("invalid since parameter")


class NtfyStandIn:
    """The server: ``start()`` binds and serves on a thread, ``stop()`` ends every stream."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        access: Access | None = None,
        keepalive_s: float = KEEPALIVE_S,
        cache_file: Path | None = None,
    ) -> None:
        self.access = access or Access()
        self.keepalive_s = keepalive_s
        self.cache = MessageCache(cache_file)
        self._changed = threading.Condition()
        self._latest = self.cache.newest()  # seq of the newest message
        self._stopping = False
        self.stalled = False  # test hook: streams go silent, as over a dead network path
        self.published = 0
        self._server = _Server((host, port), _Handler)
        self._server.standin = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = str(self._server.server_address[0])
        return f"http://{host}:{self.port}"

    def start(self) -> NtfyStandIn:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ntfy-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self.cache.close()

    def publish(self, topic: str, text: str) -> Message:
        message = self.cache.add(topic, text)
        with self._changed:
            self._latest = message.seq
            self.published += 1
            self._changed.notify_all()
        return message

    def wait_for_news(self, after: int, timeout: float) -> bool:
        """Block until a message newer than ``after`` arrives, the server stops, or timeout."""
        with self._changed:
            return (
                self._changed.wait_for(lambda: self._latest > after or self._stopping, timeout)
                and not self._stopping
            )

    @property
    def latest(self) -> int:
        with self._changed:
            return self._latest

    @property
    def stopping(self) -> bool:
        return self._stopping


def _control_event(kind: str, topics: list[str]) -> dict[str, Any]:
    """An ``open`` or ``keepalive`` line of a JSON stream (docs: "Subscribe via API")."""
    return {
        "id": new_message_id(),
        "time": int(time.time()),
        "event": kind,
        "topic": ",".join(topics),
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    standin: NtfyStandIn


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("ntfy stand-in: " + format, *args)

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        body = (json.dumps(payload) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str | None = None, code: int | None = None) -> None:
        """ntfy's error object (``errors.go``): ``{"code", "http", "error"}``."""
        known, text = ERRORS.get(status, (status * 100, "error"))
        self.close_connection = True  # a body we did not read must not pass for a request
        self._json(status, {"code": code or known, "http": status, "error": message or text})

    def _user(self) -> tuple[bool, str | None]:
        """(credentials ok, user); no Authorization header is the anonymous user."""
        header = self.headers.get("Authorization", "")
        if not header:
            return True, None
        kind, _, token = header.partition(" ")
        user = self.server.standin.access.tokens.get(token.strip())
        return (kind.lower() == "bearer" and user is not None), user

    def _authorized(self, topics: list[str], what: str) -> bool:
        ok, user = self._user()
        if not ok:
            self._error(401)
            return False
        if not all(self.server.standin.access.allows(user, t, what) for t in topics):
            self._error(403)
            return False
        return True

    def do_PUT(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        topic = urlsplit(self.path).path.lstrip("/")
        if not TOPIC.match(topic):
            self._error(404)
            return
        if not self._authorized([topic], WRITE):
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, MESSAGE_LIMIT + 1))
        if length > MESSAGE_LIMIT:
            self.rfile.read(length - len(body))
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if length > MESSAGE_LIMIT or text is None:
            # ntfy would keep it as an attachment; without an attachment cache it refuses.
            self._error(400, "invalid request: attachments not allowed", code=40014)
            return
        message = self.server.standin.publish(topic, text.strip() or "triggered")
        self._json(200, message.event())

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        match = SUBSCRIBE_PATH.match(parts.path)
        if match is None:
            self._error(404)
            return
        topics = match.group("topics").split(",")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        poll = query.get("poll", query.get("po", "")) in ("1", "yes", "true")
        try:
            marker = parse_since(query.get("since", query.get("si")), poll)
        except ValueError:
            self._error(400, "invalid since parameter")
            return
        if not self._authorized(topics, READ):
            return
        standin = self.server.standin
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        try:
            if not poll:
                self._chunk(_control_event("open", topics))
            seen = standin.latest  # committed up to here; later ones come through _stream
            for message in standin.cache.since(topics, marker):
                if message.seq <= seen:
                    self._chunk(message.event())
            if poll:
                self.wfile.write(b"0\r\n\r\n")
                return
            self._stream(topics, seen)
        except OSError:
            return  # the subscriber went away

    def _stream(self, topics: list[str], seen: int) -> None:
        standin = self.server.standin
        while not standin.stopping:
            news = standin.wait_for_news(seen, standin.keepalive_s)
            if standin.stopping:
                return
            if standin.stalled:
                seen = standin.latest
                continue  # nothing reaches this subscriber any more
            if not news:
                self._chunk(_control_event("keepalive", topics))
                continue
            target = standin.latest
            for message in standin.cache.since(topics, "all"):
                if seen < message.seq <= target:
                    self._chunk(message.event())
            seen = target

    def _chunk(self, event: dict[str, Any]) -> None:
        data = (json.dumps(event) + "\n").encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()
