"""Session updates through an ntfy relay: no tunnel, nothing on the laptop exposed.

GoToAssist POSTs each status callback to ``<relay>/<prefix><secret>``; ntfy publishes
any POSTed body as a message on that topic, and the secret (256 bits) makes the topic
unguessable. The app keeps one streaming subscription,
``GET <relay>/<topic>,<topic>,…/json?since=…``, over every launch that may still get an
update (launched in the last 24 h and not ended) and feeds each message's text to the
same parser, store and notifications as the local listener.

Nothing is missed and nothing is applied twice:

- after any disconnect (sleep, network loss, a relay restart, an app restart) it
  reconnects with backoff and ``since=<the last message id recorded>`` (ntfy keeps
  messages 12 h by default; an id it no longer knows gets every cached message);
- every message id is recorded with the event it carried, in one transaction, so a
  repeated message is never applied or notified again;
- no event at all for twice the keepalive interval (ntfy sends one every 45 s) means
  a dead stream: reconnect.

Qt-free: ``on_event`` and ``on_state`` are called on the subscriber's thread; the Qt
adapter (``g2a_tray/qt/relay.py``) turns them into queued signals.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from g2a_tray.core.log_limit import RateLimitedLog
from g2a_tray.core.sessions.model import RecordedEvent
from g2a_tray.core.sessions.status import ENDING_STATUSES
from g2a_tray.core.sessions.store import MAX_RELAY_TOPICS, SessionStore, StoreError
from g2a_tray.core.updates.callback_parser import (
    BadBody,
    UnsupportedContentType,
    parse_status_body,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

KEEPALIVE_S = 45.0  # ntfy's default keepalive-interval
CONNECT_TIMEOUT_S = 10.0
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
REFUSED_RETRY_S = 300.0  # a refused token is retried rarely (or at once after a settings change)
SINCE_SLACK = timedelta(minutes=1)
TEST_TIMEOUT_S = 10.0

# What the user is told, in one place (tray tooltip, Settings, ``g2a-tray status``).
OFF, CONNECTING, CONNECTED, RECONNECTING, REFUSED = (
    "off",
    "connecting",
    "connected",
    "reconnecting",
    "refused",
)


def topic_for(prefix: str, secret: str) -> str:
    """The ntfy topic of one launch: 1 to 64 of ``[-_A-Za-z0-9]``, as a URL-safe secret is."""
    return f"{prefix}{secret}"


def relay_callback_url(relay_url: str, prefix: str, secret: str) -> str:
    """What GoToAssist is given as ``sessionStatusCallbackUrl`` in relay mode (no query:
    it is not known whether GoToAssist keeps one)."""
    return f"{relay_url.rstrip('/')}/{topic_for(prefix, secret)}"


def server_name(relay_url: str) -> str:
    try:
        return urlsplit(relay_url).netloc or relay_url
    except ValueError:
        return relay_url


@dataclass(frozen=True)
class RelayState:
    """Where updates stand, for the user."""

    kind: str
    server: str = ""
    since: datetime | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.kind == OFF:
            return "updates via the local listener"
        where = f"updates via {self.server}"
        if self.kind == CONNECTED:
            return f"{where}: connected"
        if self.kind == CONNECTING:
            return f"{where}: connecting"
        if self.kind == RECONNECTING and self.since is not None:
            at = self.since.astimezone().strftime("%H:%M:%S")
            return f"{where}: reconnecting since {at} ({self.reason})"
        return f"{where}: not reachable: {self.reason}"

    def relay_words(self) -> str:
        """What the tray's tooltip and Settings say of the relay: nothing without one."""
        return "" if self.kind == OFF else self.describe()


EventHandler = Callable[[RecordedEvent], None]
StateHandler = Callable[[RelayState], None]


class RelaySubscriber:
    """One streaming subscription on its own thread, re-made whenever the topics change."""

    def __init__(  # noqa: PLR0913  # what to store, whom to tell, and 4 keyword-only details
        self,
        store: SessionStore,
        url: str,
        prefix: str,
        on_event: EventHandler,
        on_state: StateHandler,
        *,
        token: str = "",
        keepalive_s: float = KEEPALIVE_S,
    ) -> None:
        self.store = store
        self.url = url.rstrip("/")
        self.prefix = prefix
        self.on_event = on_event
        self.on_state = on_state
        self.token = token
        self.keepalive_s = keepalive_s
        self.server = server_name(url)
        self.state = RelayState(CONNECTING, self.server)
        self._wake = threading.Event()  # resubscribe or stop: end a wait or a stream
        self._stopping = False
        self._lock = threading.Lock()
        self._response: httpx.Response | None = None
        self._topics: list[str] = []
        self._subscribed: set[str] = set()
        self._subscribed_changed = threading.Condition(self._lock)
        self._probes: dict[str, threading.Event] = {}
        self._ignored = RateLimitedLog(log, logging.WARNING, "ignored relay messages")
        self._thread = threading.Thread(target=self._run, name="relay", daemon=True)

    # -- control (any thread)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Tell the thread to end, and return at once: a relay that swallows packets can
        hold it in a connect or a read for seconds, and whoever stops a subscription (Quit,
        Save in Settings) must not wait for that. From now on it reports no state; an
        event it still records is a real one (message ids are deduplicated)."""
        self._stopping = True
        self._interrupt()

    def join(self, timeout: float) -> bool:
        """Wait for the thread to end (tests); True when it has."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def resubscribe(self) -> None:
        """The set of launches changed: subscribe again (picking up with ``since=``)."""
        self._interrupt()

    def _interrupt(self) -> None:
        self._wake.set()
        with self._lock:
            response = self._response
        if response is not None:
            # Closing a socket another thread is blocked reading does not wake that read on
            # Linux (it went on until ntfy's next keepalive, up to 45 s); shutting it down
            # does: the read returns at once and the subscriber thread moves on.
            stream = response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            try:
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)
                response.close()
            except Exception:  # closing a stream another thread reads: any error is fine
                log.debug("relay: closing the stream", exc_info=True)

    # -- "Test relay": what GoToAssist will do, and the way back

    def test(self) -> tuple[bool, str]:
        """POST a test callback to a launch-shaped topic, anonymously as GoToAssist does,
        and wait for it to come back through the subscription. Blocks: call on a thread."""
        import httpx

        from g2a_tray.core.sessions.launch import new_secret

        topic = topic_for(self.prefix, new_secret())
        arrived = threading.Event()
        with self._lock:
            self._probes[topic] = arrived
        try:
            self.resubscribe()
            with self._lock:
                if not self._subscribed_changed.wait_for(
                    lambda: topic in self._subscribed, TEST_TIMEOUT_S
                ):
                    return False, f"could not subscribe at {self.server}: {self.state.describe()}"
            started = time.monotonic()
            try:
                response = httpx.post(
                    f"{self.url}/{topic}",
                    content=json.dumps({"sessionId": "g2a-tray-test", "status": "test"}),
                    timeout=TEST_TIMEOUT_S,
                )
            except httpx.HTTPError as exc:
                return False, f"could not publish to {self.server}: {exc}"
            if response.status_code in (401, 403):
                return False, (
                    f"{self.server} does not let anonymous senders publish to "
                    f"{self.prefix}* topics ({response.status_code}), so GoToAssist could not "
                    "deliver updates. Allow anonymous write on those topics (README)."
                )
            if not response.is_success:
                return False, f"{self.server} answered {response.status_code} to a test update"
            if not arrived.wait(TEST_TIMEOUT_S):
                return False, (
                    f"{self.server} took the test update, but it did not come back within "
                    f"{TEST_TIMEOUT_S:.0f} s"
                )
            took = (time.monotonic() - started) * 1000
            return True, f"a test update went through {self.server} and back in {took:.0f} ms"
        finally:
            with self._lock:
                self._probes.pop(topic, None)
            self.resubscribe()

    # -- the subscriber thread

    def _set_state(self, state: RelayState) -> None:
        if state == self.state or self._stopping:
            return
        self.state = state
        log.info("relay: %s", state.describe())
        try:
            self.on_state(state)
        except Exception:
            log.exception("relay: state handler failed")

    def _topics_now(self) -> tuple[list[str], str | None]:
        """The topics to watch and the ``since=`` to ask for."""
        awaiting = self.store.awaiting_updates()
        if len(awaiting) >= MAX_RELAY_TOPICS:
            self._ignored.log(
                "relay: %d sessions wait for updates; only the newest are watched",
                len(awaiting),
            )
        topics = [topic_for(self.prefix, secret) for secret, _at in awaiting]
        with self._lock:
            topics += list(self._probes)
        since = self.store.last_relay_message_id()
        if since is None and awaiting:
            oldest = min(at for _secret, at in awaiting) - SINCE_SLACK
            since = str(int(oldest.timestamp()))
        return topics, since

    def _run(self) -> None:
        import httpx

        failures = 0
        failing_since: datetime | None = None
        with httpx.Client(
            timeout=httpx.Timeout(CONNECT_TIMEOUT_S, read=2 * self.keepalive_s)
        ) as client:
            while not self._stopping:
                self._wake.clear()
                try:
                    topics, since = self._topics_now()
                except StoreError as exc:
                    topics, since = [], None
                    log.error("relay: the session history cannot be read: %s", exc)
                if not topics:  # nothing can arrive: no connection, no traffic, no wake-ups
                    self._set_state(RelayState(CONNECTED, self.server))
                    self._wake.wait()
                    continue
                reason = self._subscribe(client, topics, since)
                if self._stopping:
                    break
                if reason is None or self._wake.is_set():
                    failures = 0  # the topics changed: subscribe again at once
                    continue
                if reason.startswith("refused"):
                    self._set_state(RelayState(REFUSED, self.server, reason=reason[8:]))
                    self._wake.wait(REFUSED_RETRY_S)
                    continue
                failing_since = failing_since or datetime.now(UTC)
                if self.state.kind == CONNECTED or failures > 0:
                    self._set_state(RelayState(RECONNECTING, self.server, failing_since, reason))
                else:
                    self._set_state(RelayState("unreachable", self.server, reason=reason))
                delay = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                failures += 1
                self._wake.wait(delay)
                if self.state.kind == CONNECTED:
                    failing_since = None
        with self._lock:
            self._subscribed = set()

    def _subscribe(self, client: httpx.Client, topics: list[str], since: str | None) -> str | None:
        """Stream until it ends; None when interrupted on purpose, else why it ended."""
        import httpx

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        params = {"since": since} if since else {}
        url = f"{self.url}/{','.join(topics)}/json"
        try:
            with client.stream("GET", url, params=params, headers=headers) as response:
                if response.status_code == 401:
                    return "refused: the relay does not accept the access token (401)"
                if response.status_code == 403:
                    return "refused: the access token may not read these topics (403)"
                if response.status_code != 200:
                    return f"the relay answered {response.status_code}"
                with self._lock:
                    self._response = response
                if self._wake.is_set():
                    return None
                for line in response.iter_lines():
                    if line.strip():
                        self._on_line(line, topics)
                return "the relay closed the stream"
        except httpx.ReadTimeout:
            return f"no word from the relay for {2 * self.keepalive_s:.0f} s"
        except (httpx.HTTPError, OSError, RuntimeError) as exc:
            if self._wake.is_set() or self._stopping:
                return None
            return str(exc) or type(exc).__name__
        finally:
            with self._lock:
                self._response = None
                self._subscribed = set()

    def _on_line(self, line: str, topics: list[str]) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            self._ignored.log("relay: a line that is not JSON was ignored")
            return
        if not isinstance(event, dict):
            return
        kind = event.get("event")
        if kind == "open":
            with self._lock:
                self._subscribed = set(topics)
                self._subscribed_changed.notify_all()
            self._set_state(RelayState(CONNECTED, self.server))
        elif kind == "message":
            self._on_message(event)

    def _on_message(self, event: dict[str, Any]) -> None:
        message_id, topic, text = event.get("id"), event.get("topic"), event.get("message")
        if not (isinstance(message_id, str) and isinstance(topic, str) and isinstance(text, str)):
            self._ignored.log("relay: a message without id, topic or text was ignored")
            return
        with self._lock:
            probe = self._probes.get(topic)
        if probe is not None:
            probe.set()
            return
        try:
            if self.store.relay_message_seen(message_id):
                return  # a reconnect repeated it
            launch_id = None
            if topic.startswith(self.prefix):
                launch_id = self.store.launch_id_for_secret(topic[len(self.prefix) :])
            if launch_id is None:
                self.store.mark_relay_message(message_id)
                self._ignored.log("relay: a message for no session of ours was ignored")
                return
            try:
                status = parse_status_body(text.encode("utf-8"), None)
            except (BadBody, UnsupportedContentType) as exc:
                self.store.mark_relay_message(message_id)
                self._ignored.log(
                    "relay: a message that is not a status callback was ignored: %s", str(exc)[:200]
                )
                return
            recorded = self.store.record_event(launch_id, status, relay_message_id=message_id)
        except StoreError as exc:
            log.error("relay: could not store an update: %s", exc)  # comes again with since=
            return
        if recorded.before is recorded.after and recorded.duplicate:
            return
        log.info("relay: update stored (status %r)", status.status[:64])
        try:
            self.on_event(recorded)
        except Exception:
            log.exception("relay: event handler failed")
        if recorded.status_changed and recorded.after.status in ENDING_STATUSES:
            self._interrupt()  # that launch waits for nothing more: watch one topic less
