"""The ntfy stand-in against ntfy's documented behaviour, and the relay subscriber against
the stand-in over real HTTP: every update once, whatever happens to the connection."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.model import RecordedEvent
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.updates import relay as relay_module
from g2a_tray.core.updates.relay import (
    CONNECTED,
    REFUSED,
    RelayState,
    RelaySubscriber,
    relay_callback_url,
    topic_for,
)
from g2a_tray.simulator.ntfy import Access, NtfyStandIn
from tests.fakes.black_hole import BlackHole

TEAM_ACCESS = Access(  # README's team configuration
    default="deny-all",
    rules=[("*", "g2a-*", "write-only"), ("alex", "g2a-*", "read-only")],
    tokens={"tk_alex": "alex", "tk_other": "other"},
)


@pytest.fixture
def ntfy() -> Iterator[NtfyStandIn]:
    server = NtfyStandIn(keepalive_s=0.5).start()
    yield server
    server.stop()


def lines_of(
    url: str, count: int, found: list[dict[str, object]] | None = None
) -> list[dict[str, object]]:
    """The first ``count`` JSON lines of a stream (appended to ``found`` as they come)."""
    found = [] if found is None else found
    with httpx.stream("GET", url, timeout=10) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            found.append(json.loads(line))
            if len(found) == count:
                break
    return found


# -- the stand-in, as ntfy's docs and source describe ntfy


def test_publish_answers_the_message(ntfy: NtfyStandIn) -> None:
    # docs "Publishing": POST or PUT /<topic>, the body is the message
    r = httpx.post(f"{ntfy.url}/g2a-abc", content=b"  hello  \n")
    assert r.status_code == 200
    message = r.json()
    assert message["event"] == "message" and message["topic"] == "g2a-abc"
    assert message["message"] == "hello"  # trimmed, as handleBodyAsTextMessage does
    assert len(message["id"]) == 12 and message["id"].isalnum()
    assert httpx.put(f"{ntfy.url}/g2a-abc", content=b"").json()["message"] == "triggered"


@pytest.mark.parametrize("topic", ["a" * 65, "with.dot", "sp%20ace"])
def test_topic_names_follow_ntfys_rule(ntfy: NtfyStandIn, topic: str) -> None:
    assert httpx.post(f"{ntfy.url}/{topic}", content=b"x").status_code == 404
    assert httpx.post(f"{ntfy.url}/{'a' * 64}", content=b"x").status_code == 200


def test_a_body_over_4096_bytes_is_refused_without_an_attachment_cache(ntfy: NtfyStandIn) -> None:
    r = httpx.post(f"{ntfy.url}/t", content=b"x" * 4097)
    assert r.status_code == 400 and r.json()["code"] == 40014
    assert httpx.post(f"{ntfy.url}/t", content=b"x" * 4096).status_code == 200


def test_subscribe_streams_open_messages_and_keepalives(ntfy: NtfyStandIn) -> None:
    got: list[dict[str, object]] = []
    reader = threading.Thread(target=lambda: lines_of(f"{ntfy.url}/a,b/json", 4, got))
    reader.start()
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)  # the open event: subscribed
    httpx.post(f"{ntfy.url}/c", content=b"not for us")
    httpx.post(f"{ntfy.url}/b", content=b"one")
    httpx.post(f"{ntfy.url}/a", content=b"two")
    reader.join(10)
    assert [e["event"] for e in got[:3]] == ["open", "message", "message"]
    assert [e.get("message") for e in got[1:3]] == ["one", "two"]
    assert got[3]["event"] == "keepalive"  # after keepalive_s with nothing new


def test_since_and_poll(ntfy: NtfyStandIn) -> None:
    first = httpx.post(f"{ntfy.url}/t", content=b"1").json()
    httpx.post(f"{ntfy.url}/t", content=b"2")
    httpx.post(f"{ntfy.url}/u", content=b"3")
    poll = httpx.get(f"{ntfy.url}/t,u/json", params={"poll": "1"}).text.splitlines()
    assert [json.loads(x)["message"] for x in poll] == ["1", "2", "3"]  # poll: since=all
    after = httpx.get(f"{ntfy.url}/t/json", params={"poll": "1", "since": first["id"]})
    assert [json.loads(x)["message"] for x in after.text.splitlines()] == ["2"]
    unknown = httpx.get(f"{ntfy.url}/t/json", params={"poll": "1", "since": "AAAAAAAAAAAA"})
    assert len(unknown.text.splitlines()) == 2  # an id it does not know: everything cached
    assert (
        httpx.get(f"{ntfy.url}/t/json", params={"poll": "1", "since": "10m"}).text.count("\n") == 2
    )
    assert (
        httpx.get(
            f"{ntfy.url}/t/json", params={"poll": "1", "since": str(int(time.time()) + 60)}
        ).text
        == ""
    )
    assert httpx.get(f"{ntfy.url}/t/json", params={"since": "soon"}).status_code == 400
    streamed = lines_of(f"{ntfy.url}/t/json?since=all", 3)
    assert [e["event"] for e in streamed] == ["open", "message", "message"]


def test_access_control_401_and_403() -> None:
    server = NtfyStandIn(access=TEAM_ACCESS).start()
    try:
        # GoToAssist publishes anonymously: allowed on g2a-* only
        assert httpx.post(f"{server.url}/g2a-x", content=b"{}").status_code == 200
        assert httpx.post(f"{server.url}/other", content=b"{}").status_code == 403
        # reading needs a technician's token
        assert httpx.get(f"{server.url}/g2a-x/json?poll=1").status_code == 403
        bad = httpx.get(f"{server.url}/g2a-x/json?poll=1", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and bad.json()["code"] == 40101
        other = httpx.get(
            f"{server.url}/g2a-x/json?poll=1", headers={"Authorization": "Bearer tk_other"}
        )
        assert other.status_code == 403 and other.json()["code"] == 40301
        ok = httpx.get(
            f"{server.url}/g2a-x/json?poll=1", headers={"Authorization": "Bearer tk_alex"}
        )
        assert ok.status_code == 200 and json.loads(ok.text)["message"] == "{}"
    finally:
        server.stop()


def test_the_cache_file_survives_a_restart(tmp_path: Path) -> None:
    server = NtfyStandIn(cache_file=tmp_path / "cache.db").start()
    httpx.post(f"{server.url}/t", content=b"kept")
    server.stop()
    again = NtfyStandIn(cache_file=tmp_path / "cache.db").start()
    try:
        assert json.loads(httpx.get(f"{again.url}/t/json?poll=1").text)["message"] == "kept"
    finally:
        again.stop()


# -- the subscriber


class Harness:
    def __init__(self, tmp_path: Path, ntfy: NtfyStandIn, token: str = "") -> None:
        self.store = SessionStore(tmp_path / "sessions.sqlite3")
        self.ntfy = ntfy
        self.events: list[RecordedEvent] = []
        self.states: list[RelayState] = []
        self.changed = threading.Condition()
        self.sub = self.make(ntfy.url, token)

    def make(self, url: str, token: str = "") -> RelaySubscriber:
        return RelaySubscriber(
            self.store, url, "g2a-", self._event, self._state, token=token, keepalive_s=0.5
        )

    def _event(self, event: RecordedEvent) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def _state(self, state: RelayState) -> None:
        with self.changed:
            self.states.append(state)
            self.changed.notify_all()

    def wait(self, predicate: Callable[[], object], timeout: float = 15) -> None:
        """Until ``predicate`` holds: woken by each event or state, and re-checked every
        50 ms for what changes on the subscriber's thread without either."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                assert time.monotonic() < deadline, (self.events, self.states)
                self.changed.wait(0.05)

    def launch(self, ticket: str) -> Launch:
        launch = Launch(LaunchRequest(ticket), "u")
        self.store.record(launch)
        self.sub.resubscribe()
        return launch

    def publish(self, launch: Launch, body: dict[str, str]) -> None:
        url = relay_callback_url(self.ntfy.url, "g2a-", launch.secret)
        assert httpx.post(url, json=body).status_code == 200

    def connected_to(self, launch: Launch) -> bool:
        return topic_for("g2a-", launch.secret) in self.sub._subscribed

    def close(self) -> None:
        self.sub.stop()
        assert self.sub.join(15)
        self.store.close()


@pytest.fixture
def h(tmp_path: Path, ntfy: NtfyStandIn) -> Iterator[Harness]:
    harness = Harness(tmp_path, ntfy)
    yield harness
    harness.close()


def test_with_no_session_waiting_there_is_no_connection(h: Harness) -> None:
    h.sub.start()
    h.wait(lambda: h.states and h.states[-1].kind == CONNECTED)
    assert h.sub._response is None


def test_updates_arrive_once_each(h: Harness) -> None:
    h.sub.start()
    one, two = h.launch("1"), h.launch("2")
    h.wait(lambda: h.connected_to(one) and h.connected_to(two))
    h.publish(one, {"sessionId": "S1", "status": "active", "customerName": "Jane"})
    h.publish(two, {"sessionId": "S2", "status": "active"})
    h.wait(lambda: len(h.events) == 2)
    assert {e.after.partner_object for e in h.events} == {"1", "2"}
    h.publish(one, {"sessionId": "S1", "status": "complete"})
    h.wait(lambda: len(h.events) == 3)
    h.wait(lambda: not h.connected_to(one) and h.connected_to(two))  # ended: no longer watched
    # A reconnect that repeats messages (since=all) applies none of them again.
    h.sub.store._db.execute(
        "DELETE FROM relay_messages WHERE rowid NOT IN (SELECT max(rowid) FROM relay_messages)"
    )
    assert h.store.summary(h.events[0].after.launch_id).status in ("active", "complete")
    count = len(h.events)
    h.sub.resubscribe()
    h.wait(lambda: h.connected_to(two))
    h.publish(two, {"sessionId": "S2", "status": "complete"})
    h.wait(lambda: len(h.events) == count + 1)
    assert h.events[-1].after.status == "complete"


def test_a_repeated_message_id_is_never_applied_twice(h: Harness) -> None:
    launch = Launch(LaunchRequest("9"), "u")
    launch_id = h.store.record(launch)
    event = {
        "id": "AbCdEfGhIjKl",
        "topic": topic_for("g2a-", launch.secret),
        "event": "message",
        "message": json.dumps({"sessionId": "S", "status": "active"}),
    }
    h.sub._on_message(event)
    h.sub._on_message(event)
    assert len(h.events) == 1
    assert h.store.summary(launch_id).status == "active"
    assert h.store.last_relay_message_id() == "AbCdEfGhIjKl"


def test_a_relay_restart_loses_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "ntfy-cache.db"
    ntfy = NtfyStandIn(keepalive_s=0.5, cache_file=cache).start()
    port = ntfy.port
    h = Harness(tmp_path, ntfy)
    try:
        h.sub.start()
        launch = h.launch("4711")
        h.wait(lambda: h.connected_to(launch))
        h.publish(launch, {"sessionId": "S1", "status": "active"})
        h.wait(lambda: len(h.events) == 1)
        ntfy.stop()  # the relay restarts; meanwhile GoToAssist posts the end
        h.wait(lambda: h.states[-1].kind != CONNECTED)
        ntfy = NtfyStandIn(port=port, keepalive_s=0.5, cache_file=cache)
        h.ntfy = ntfy
        ntfy.publish(
            topic_for("g2a-", launch.secret), json.dumps({"sessionId": "S1", "status": "complete"})
        )
        ntfy.start()
        h.wait(lambda: len(h.events) == 2)
        assert h.events[-1].after.status == "complete"
        h.wait(lambda: h.states[-1].kind == CONNECTED)
        assert [s.kind for s in h.states].count("reconnecting") >= 1
        time.sleep(1.5)  # several keepalives: nothing more arrives
        assert len(h.events) == 2
    finally:
        h.close()
        ntfy.stop()


def test_a_stalled_stream_is_noticed_and_replaced(h: Harness, ntfy: NtfyStandIn) -> None:
    h.sub.start()
    launch = h.launch("4711")
    h.wait(lambda: h.connected_to(launch))
    ntfy.stalled = True  # the stream stays open but nothing comes: no keepalives either
    h.publish(launch, {"sessionId": "S1", "status": "active"})
    h.wait(lambda: any("no word from the relay" in s.reason for s in h.states))
    ntfy.stalled = False  # a fresh connection works again, and catches up with since=
    h.wait(lambda: len(h.events) == 1)
    assert h.events[0].after.status == "active"


def test_a_wrong_token_is_reported(tmp_path: Path) -> None:
    ntfy = NtfyStandIn(access=TEAM_ACCESS, keepalive_s=0.5).start()
    h = Harness(tmp_path, ntfy, token="tk_wrong")
    try:
        h.sub.start()
        h.launch("1")
        h.wait(lambda: h.states and h.states[-1].kind == REFUSED)
        assert "401" in h.states[-1].describe() and "not reachable" in h.states[-1].describe()
    finally:
        h.close()
        ntfy.stop()


def test_a_message_that_is_no_callback_is_ignored_and_logged(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h.sub.start()
    launch = h.launch("1")
    h.wait(lambda: h.connected_to(launch))
    with caplog.at_level(logging.WARNING, logger="g2a_tray.core.updates.relay"):
        assert (
            httpx.post(
                relay_callback_url(h.ntfy.url, "g2a-", launch.secret), content=b"hello there"
            ).status_code
            == 200
        )
        h.publish(launch, {"sessionId": "S1", "status": "active"})
        h.wait(lambda: len(h.events) == 1)
    assert "is not a status callback was ignored" in caplog.text
    assert h.events[0].after.status == "active"


def test_test_relay_round_trip_and_a_refused_publish(tmp_path: Path, h: Harness) -> None:
    h.sub.start()
    ok, message = h.sub.test()
    assert ok, message
    assert "and back in" in message
    closed = NtfyStandIn(
        access=Access(default="deny-all", tokens={"tk": "me"}, rules=[("me", "g2a-*", "read-only")])
    ).start()
    other = (
        Harness(tmp_path / "other", closed, token="tk")
        if (tmp_path / "other").mkdir() is None
        else None
    )
    assert other is not None
    try:
        other.sub.start()
        ok, message = other.sub.test()
        assert not ok and "anonymous" in message
    finally:
        other.close()
        closed.stop()


def test_the_first_subscription_asks_for_what_came_since_the_launch(
    h: Harness, ntfy: NtfyStandIn
) -> None:
    launch = Launch(LaunchRequest("1"), "u")
    h.store.record(launch)
    # Published while the app was not running (a restart, a sleep).
    ntfy.publish(
        topic_for("g2a-", launch.secret), json.dumps({"sessionId": "S", "status": "active"})
    )
    h.sub.start()
    h.wait(lambda: len(h.events) == 1)
    assert relay_module.SINCE_SLACK.total_seconds() > 0


def test_the_qt_adapter_tests_the_relay_and_reports_state(
    qtbot: QtBot, tmp_path: Path, ntfy: NtfyStandIn
) -> None:
    from g2a_tray.core.settings.schema import RelaySettings
    from g2a_tray.qt.relay import RelayConnection

    store = SessionStore(tmp_path / "s.sqlite3")
    connection = RelayConnection(store)
    with qtbot.waitSignal(connection.test_finished, timeout=5000) as nothing:
        connection.test()
    assert nothing.args[0] is False and "No relay is set" in nothing.args[1]
    with qtbot.waitSignal(connection.state_changed, timeout=10000):
        connection.start(RelaySettings(url=ntfy.url), token="", keepalive_s=0.5)
    qtbot.waitUntil(lambda: connection.state.kind == CONNECTED, timeout=10000)
    assert connection.callback_url("S" * 43) == f"{ntfy.url}/g2a-{'S' * 43}"
    with qtbot.waitSignal(connection.test_finished, timeout=30000) as done:
        connection.test()
    assert done.args[0] is True, done.args
    assert done.args[1].startswith("A test update went through") and done.args[1].endswith(".")
    connection.stop()
    assert connection.state.kind == "off"
    store.close()


def test_stopping_a_subscription_to_a_black_hole_does_not_wait_for_it(
    tmp_path: Path, ntfy: NtfyStandIn
) -> None:
    hole = BlackHole()
    h = Harness(tmp_path, ntfy)
    h.sub = h.make(hole.url)
    try:
        h.sub.start()
        h.launch("4711")
        assert hole.accepted.wait(10)  # the subscriber waits for an answer that never comes
        states = len(h.states)
        h.sub.stop()
        assert not h.sub.join(0)  # stop() returned while its thread is still blocked
        hole.close()  # the network gives up at last: the thread ends by itself
        assert h.sub.join(15)
        assert len(h.states) == states  # a stopped subscription reports nothing more
    finally:
        hole.close()
        h.store.close()


def test_a_new_session_is_watched_at_once_on_a_quiet_stream(tmp_path: Path) -> None:
    """ntfy's keepalive comes every 45 s: a resubscription that waited for the next line
    heard a new session's "customer joined" up to 45 s late (seen while taking the
    screenshots: closing the stream from another thread does not end a blocked read)."""
    quiet = NtfyStandIn().start()  # ntfy's own 45 s keepalive
    harness = Harness(tmp_path, quiet)
    harness.sub = RelaySubscriber(harness.store, quiet.url, "g2a-", harness._event, harness._state)
    try:
        harness.sub.start()
        first = harness.launch("1")
        harness.wait(lambda: harness.connected_to(first), timeout=10)
        second = harness.launch("2")
        harness.wait(lambda: harness.connected_to(second), timeout=10)
        harness.publish(second, {"sessionId": "S2", "status": "active"})
        harness.wait(lambda: len(harness.events) == 1, timeout=10)
    finally:
        harness.close()
        quiet.stop()
