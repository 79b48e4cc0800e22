"""The simulated service's sessions and their life cycle, and the callback deliveries."""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from g2a_tray.core.redaction import redact
from g2a_tray.core.sessions.status import ABANDONED, ACTIVE, COMPLETE, NOT_STARTED

log = logging.getLogger(__name__)

DELIVERY_TIMEOUT_S = 10.0
# The wire values come from the app's one vocabulary (the simulator stands in for the
# service that defines them); "cancelled" is the simulator's own: never sent.
CANCELLED = "cancelled"  # the customer cancelled the install: the real service sends nothing


class SimError(Exception):
    """A request the service refuses; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


@dataclass
class Delivery:
    """One callback POST and what came back."""

    at: datetime
    status: str
    url: str  # secret redacted
    answer: str
    ok: bool


@dataclass
class SimSession:
    key: str  # names the launcher page; the session id comes later, as with the real service
    session_type: str
    layout: str
    partner_object: str
    partner_object_url: str
    callback_url: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    session_id: str = ""
    status: str = NOT_STARTED
    started_at: datetime | None = None
    customer_joined_at: datetime | None = None
    ended_at: datetime | None = None
    customer_name: str = ""
    expert_name: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    # Callbacks go out one at a time and in the order their steps happened: each body
    # is built under the simulator's lock and queued here; whoever holds the send lock
    # sends everything queued, oldest first.
    _outbox: list[tuple[str, dict[str, Any]]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    _send_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def snapshot(self) -> SimSession:
        """A copy as it is now, for observers (the live object changes under them)."""
        copy = replace(self)
        copy.deliveries = list(self.deliveries)
        return copy

    @property
    def finished(self) -> bool:
        return self.status in (COMPLETE, ABANDONED, CANCELLED)

    def as_object(self) -> dict[str, Any]:
        """The session as GET /sessions/{id} describes it (documented fields)."""
        obj: dict[str, Any] = {
            "sessionId": self.session_id,
            "sessionType": self.session_type.lower(),
            "status": self.status,
            "partnerObject": self.partner_object,
            "partnerObjectUrl": self.partner_object_url,
            "expertName": self.expert_name,
            "startedAt": _iso(self.started_at),
            "customerJoinedAt": _iso(self.customer_joined_at),
            "endedAt": _iso(self.ended_at),
            "customerName": self.customer_name if self.customer_joined_at else None,
        }
        return {k: v for k, v in obj.items() if v not in (None, "")}


def _is_http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class Simulator:
    """All simulated sessions; thread-safe (the HTTP server and timers call in)."""

    def __init__(
        self,
        *,
        form_encoded: bool = False,
        auto: tuple[float, float] | None = None,
        customer_name: str = "Jane Doe",
        expert_name: str = "Alex Expert",
    ) -> None:
        self.form_encoded = form_encoded
        self.auto = auto
        self.customer_name = customer_name
        self.expert_name = expert_name
        self._sessions: dict[str, SimSession] = {}
        self._lock = threading.RLock()
        self._next_id = 87555
        self._timers: list[threading.Timer] = []
        self.listeners: list[Any] = []  # callables(session) told after every change

    # -- the browser call

    def create(self, query: dict[str, str]) -> SimSession:
        """Validate the seed's parameters as the service would and open a session."""
        session_type = query.get("sessionType", "")
        if not session_type:
            raise SimError(400, "sessionType is required")
        if session_type.lower() != "screen_sharing":
            raise SimError(400, f"unknown sessionType {session_type!r}; only SCREEN_SHARING exists")
        callback = query.get("sessionStatusCallbackUrl", "")
        if callback and not _is_http_url(callback):
            raise SimError(400, "sessionStatusCallbackUrl must be an http or https URL")
        session = SimSession(
            key=secrets.token_urlsafe(12),
            session_type=session_type,
            layout=query.get("layout", ""),
            partner_object=query.get("partnerObject", ""),
            partner_object_url=query.get("partnerObjectUrl", ""),
            callback_url=callback,
            expert_name=self.expert_name,
        )
        with self._lock:
            self._sessions[session.key] = session
        log.info("simulator: session %s for ticket %r", session.key, session.partner_object)
        if self.auto is not None:
            join_s, end_s = self.auto
            self._later(join_s, lambda: self._auto_step(session.key, "join"))
            self._later(join_s + end_s, lambda: self._auto_step(session.key, "end"))
        self._changed(session.snapshot())
        return session

    def _later(self, seconds: float, action: Any) -> None:
        timer = threading.Timer(seconds, action)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _auto_step(self, key: str, step: str) -> None:
        try:
            self.act(key, step)
        except SimError as exc:
            log.info("simulator: auto %s skipped: %s", step, exc)

    # -- what happens on the launcher page

    def get(self, key: str) -> SimSession:
        with self._lock:
            if key not in self._sessions:
                raise SimError(404, "no such session")
            return self._sessions[key]

    def by_session_id(self, session_id: str) -> SimSession:
        with self._lock:
            for session in self._sessions.values():
                if session.session_id and session.session_id == session_id:
                    return session
        raise SimError(404, "no such session")

    def sessions(self) -> list[SimSession]:
        with self._lock:
            return list(self._sessions.values())

    def act(self, key: str, step: str) -> SimSession:
        """``join``, ``end``, ``abandon`` or ``cancel``; delivers the callback it causes."""
        now = datetime.now(UTC)
        with self._lock:
            session = self.get(key)
            if step == "join" and session.status == NOT_STARTED:
                self._start(session, now)
                session.customer_joined_at = now
                session.customer_name = self.customer_name
                session.status = ACTIVE
            elif step == "end" and session.status == ACTIVE:
                session.status, session.ended_at = COMPLETE, now
            elif step == "abandon" and session.status in (NOT_STARTED, ACTIVE):
                self._start(session, now)
                session.status, session.ended_at = ABANDONED, now
            elif step == "cancel" and session.status == NOT_STARTED:
                session.status = CANCELLED  # never started: no callback at all
                log.info("simulator: %s cancelled before it started; no callback", key)
            else:
                raise SimError(409, f"cannot {step} a session that is {session.status}")
            if session.callback_url and step != "cancel":
                session._outbox.append((session.status, session.as_object()))
        self._deliver(session)
        with self._lock:
            snapshot = session.snapshot()
        self._changed(snapshot)
        return snapshot

    def _start(self, session: SimSession, now: datetime) -> None:
        if not session.session_id:  # the id exists once the session starts (the docs)
            session.session_id = str(self._next_id)
            self._next_id += 1
            session.started_at = now

    def _deliver(self, session: SimSession) -> None:
        """Send what is queued for ``session``, in order, and record what was sent."""
        with session._send_lock:
            while True:
                with self._lock:
                    if not session._outbox:
                        return
                    status, body = session._outbox.pop(0)
                self._post(session, status, body)

    def _post(self, session: SimSession, status: str, body: dict[str, Any]) -> None:
        import httpx

        shown = redact(session.callback_url)
        try:
            if self.form_encoded:
                response = httpx.post(session.callback_url, data=body, timeout=DELIVERY_TIMEOUT_S)
            else:
                response = httpx.post(session.callback_url, json=body, timeout=DELIVERY_TIMEOUT_S)
            answer, ok = f"{response.status_code} {response.reason_phrase}", response.is_success
        except httpx.HTTPError as exc:
            answer, ok = f"failed: {exc}", False
        delivery = Delivery(datetime.now(UTC), status, shown, answer, ok)
        with self._lock:
            session.deliveries.append(delivery)
        log.info("simulator: POST %s (%s) → %s", shown, status, answer)

    def _changed(self, session: SimSession) -> None:
        for listener in list(self.listeners):
            listener(session)

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
