"""The callback listener over real HTTP on a real socket (httpx as the client)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.model import RecordedEvent
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.updates import callback_server
from g2a_tray.core.updates.callback_server import CallbackServer, ListenerError


class Harness:
    def __init__(
        self, tmp_path: Path, max_connections: int = callback_server.MAX_CONNECTIONS
    ) -> None:
        self.store = SessionStore(tmp_path / "sessions.sqlite3")
        self.events: list[RecordedEvent] = []
        self.server = CallbackServer(
            self.store, self.events.append, max_connections=max_connections
        )
        self.server.start("127.0.0.1", 0)
        self.launch = Launch(LaunchRequest("4711", "https://h.example/4711", ""), "u")
        self.launch_id = self.store.record(self.launch)
        self.client = httpx.Client(base_url=self.server.local_base_url, timeout=10)

    @property
    def path(self) -> str:
        return f"/callback/{self.launch.secret}"

    def raw(self, data: bytes) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        sock.sendall(data)
        return sock

    def close(self) -> None:
        self.client.close()
        self.server.stop()
        assert self.server.join(5)
        self.store.close()


@pytest.fixture
def h(tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(tmp_path)
    yield harness
    harness.close()


def read_status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(1024)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_json_callback_is_stored_then_answered(h: Harness) -> None:
    r = h.client.post(h.path, json={"sessionId": "S1", "status": "active", "customerName": "Jane"})
    assert r.status_code == 200
    assert r.json() == {"ok": True, "duplicate": False}
    assert h.store.summary(h.launch_id).status == "active"  # committed before the answer
    [event] = h.events
    assert event.after.customer_name == "Jane"


def test_form_callback(h: Harness) -> None:
    r = h.client.post(h.path, data={"sessionId": "S1", "status": "complete"})
    assert r.status_code == 200
    assert h.store.summary(h.launch_id).status == "complete"


def test_duplicate_is_accepted_and_flagged(h: Harness) -> None:
    body = {"sessionId": "S1", "status": "active"}
    assert h.client.post(h.path, json=body).json()["duplicate"] is False
    second = h.client.post(h.path, json=body)
    assert second.status_code == 200 and second.json()["duplicate"] is True


def test_unknown_secret_and_other_paths_get_the_same_404(h: Harness) -> None:
    wrong = h.client.post(f"/callback/{'A' * 43}", json={"status": "active"})
    other = h.client.post("/", json={"status": "active"})
    short = h.client.post("/callback/abc", json={"status": "active"})
    for r in (wrong, other, short):
        assert r.status_code == 404
        assert r.content == wrong.content
    # httpx would normalise a dot-segment away; a raw client does not.
    sock = h.raw(
        f"POST /callback/../callback/{h.launch.secret} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{{}}".encode()
    )
    assert read_status(sock) == 404
    sock.close()
    assert h.events == []


def test_other_methods(h: Harness) -> None:
    assert h.client.get(h.path).status_code == 405
    assert h.client.get(h.path).headers["allow"] == "POST"
    assert h.client.put(h.path, json={}).status_code == 405
    assert h.client.request("BREW", h.path).status_code == 405
    assert h.client.get("/").status_code == 404
    assert h.client.request("BREW", "/").status_code == 404
    assert h.client.head("/").status_code == 404


def test_oversized_body_gets_413_without_being_read(h: Harness) -> None:
    sock = h.raw(
        f"POST {h.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {10 * 1024 * 1024}\r\n\r\n".encode()
    )
    assert read_status(sock) == 413  # answered with no body sent at all
    sock.close()
    assert (
        h.client.post(
            h.path, content=b"{" + b" " * 70000 + b"}", headers={"content-type": "application/json"}
        ).status_code
        == 413
    )


def test_bad_body_bad_type_empty_body(h: Harness) -> None:
    assert (
        h.client.post(
            h.path, content=b"{nope", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )
    assert (
        h.client.post(h.path, content=b"<a/>", headers={"content-type": "text/xml"}).status_code
        == 415
    )
    sock = h.raw(  # no length and not chunked: an empty body, which is no callback
        f"POST {h.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n".encode()
    )
    assert read_status(sock) == 400
    sock.close()
    assert h.events == []


def test_chunked_bodies_are_read_by_h11_within_the_limit(h: Harness) -> None:
    chunked = h.client.post(
        h.path,
        content=iter([b'{"status":', b'"active"}']),
        headers={"content-type": "application/json"},
    )
    assert chunked.status_code == 200
    big = h.client.post(
        h.path,
        content=iter([b'{"x": "' + b"a" * 40_000, b"a" * 40_000 + b'"}']),
        headers={"content-type": "application/json"},
    )
    assert big.status_code == 413
    assert len(h.events) == 1


def test_expect_continue_is_refused_early_for_a_large_body(h: Harness) -> None:
    sock = h.raw(
        f"POST {h.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Expect: 100-continue\r\nContent-Length: 999999\r\n\r\n".encode()
    )
    assert read_status(sock) == 413
    sock.close()


def test_half_open_connection_does_not_block_a_valid_callback(h: Harness) -> None:
    hanging = h.raw(
        f"POST {h.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{".encode()
    )
    also_hanging = h.raw(b"POST /callback/")  # not even a request line
    r = h.client.post(h.path, json={"sessionId": "S1", "status": "active"})
    assert r.status_code == 200
    hanging.close()
    also_hanging.close()


def read_all(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def test_a_stalled_request_gets_408_after_the_read_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(callback_server, "READ_TIMEOUT_S", 0.3)
    harness = Harness(tmp_path)
    try:
        sock = harness.raw(
            f"POST {harness.path} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Type: application/json\r\n\r\n{{".encode()
        )
        sock.settimeout(10)
        assert read_all(sock).startswith(b"HTTP/1.1 408 ")
        sock.close()
        assert harness.events == []
    finally:
        harness.close()


def test_trickling_client_hits_the_connection_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(callback_server, "CONNECTION_DEADLINE_S", 0.5)
    harness = Harness(tmp_path)
    try:
        sock = harness.raw(b"POST ")
        sock.settimeout(10)
        closed = threading.Event()

        def trickle() -> None:
            try:
                for _ in range(100):  # one byte every 0.1 s: under the read timeout
                    sock.sendall(b"x")
                    if closed.wait(0.1):
                        return
            except OSError:
                return

        thread = threading.Thread(target=trickle)
        thread.start()
        data = read_all(sock)
        closed.set()
        thread.join()
        # cut off by the deadline, well before 100 bytes were sent, with a status line
        assert data.startswith(b"HTTP/1.1 408 ")
        sock.close()
    finally:
        harness.close()


def test_past_the_connection_limit_the_oldest_is_cut_off_not_the_newcomer(
    tmp_path: Path,
) -> None:
    harness = Harness(tmp_path, max_connections=2)
    try:
        holders = [harness.raw(b"POST /x HTTP/1.1\r\n") for _ in range(2)]
        for sock in holders:
            sock.settimeout(10)
        # A newcomer past the limit is served; to make room the oldest holder was cut
        # off (with 503, since it had started a request).
        r = harness.client.post(harness.path, json={"status": "active"})
        assert r.status_code == 200
        assert read_all(holders[0]).startswith(b"HTTP/1.1 503 ")
        for sock in holders:
            sock.close()
        assert harness.server.open_connections <= 2
    finally:
        harness.close()


def test_a_flood_of_bad_requests_leaves_valid_callbacks_working(h: Harness) -> None:
    def flood() -> None:
        with httpx.Client(base_url=h.server.local_base_url, timeout=10) as c:
            for i in range(150):
                c.post(f"/callback/{'B' * 43}", content=b"x" * (i % 7))
                c.get("/admin")

    threads = [threading.Thread(target=flood) for _ in range(4)]
    for t in threads:
        t.start()
    r = h.client.post(h.path, json={"sessionId": "S", "status": "active"})
    for t in threads:
        t.join()
    assert r.status_code == 200
    assert h.client.post(h.path, json={"sessionId": "S", "status": "complete"}).status_code == 200
    assert h.store.summary(h.launch_id).status == "complete"


def test_two_parallel_sessions(h: Harness) -> None:
    other = Launch(LaunchRequest("4712", "", ""), "u")
    other_id = h.store.record(other)
    results: list[int] = []

    def post(path: str, status: str) -> None:
        with httpx.Client(base_url=h.server.local_base_url) as c:
            results.append(
                c.post(path, json={"status": status, "sessionId": path[-5:]}).status_code
            )

    threads = [
        threading.Thread(target=post, args=(h.path, "active")),
        threading.Thread(target=post, args=(f"/callback/{other.secret}", "abandoned")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200, 200]
    assert h.store.summary(h.launch_id).status == "active"
    assert h.store.summary(other_id).status == "abandoned"


def test_a_callback_after_a_restart_still_matches_its_launch(tmp_path: Path) -> None:
    first = Harness(tmp_path)
    secret, launch_id = first.launch.secret, first.launch_id
    first.close()
    store = SessionStore(tmp_path / "sessions.sqlite3")
    server = CallbackServer(store, lambda _e: None)
    server.start("127.0.0.1", 0)
    try:
        r = httpx.post(f"{server.local_base_url}/callback/{secret}", json={"status": "complete"})
        assert r.status_code == 200
        assert store.summary(launch_id).status == "complete"
    finally:
        server.stop()
        store.close()


def test_busy_port_falls_back_to_a_free_one(tmp_path: Path) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    taken = blocker.getsockname()[1]
    store = SessionStore(tmp_path / "s.sqlite3")
    server = CallbackServer(store, lambda _e: None)
    try:
        assert server.start("127.0.0.1", taken) is True
        assert server.port not in (0, taken)
        assert httpx.get(f"{server.local_base_url}/").status_code == 404
    finally:
        server.stop()
        blocker.close()
        store.close()


def test_unusable_address_is_a_plain_error(tmp_path: Path) -> None:
    server = CallbackServer(SessionStore(tmp_path / "s.sqlite3"), lambda _e: None)
    with pytest.raises(ListenerError, match=r"cannot listen on 192\.0\.2\.1"):
        server.start("192.0.2.1", 0)  # TEST-NET-1: not an address of this machine


def test_probe_arrives_and_is_not_a_session(h: Harness) -> None:
    h.server.new_probe("P" * 43)
    r = h.client.post(f"/callback/{'P' * 43}", json={"status": "test"})
    assert r.json() == {"ok": True, "probe": True}
    assert h.server.has_arrived("P" * 43)
    assert h.events == []
    assert (
        h.client.post(f"/callback/{'P' * 43}", json={"status": "test"}).status_code == 404
    )  # used up


HEADER_NAME = st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,19}\Z")
# What a well-behaved client can send at all (h11 refuses padding and control bytes).
HEADER_VALUE = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60
).map(str.strip)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.binary(max_size=3000),
        st.dictionaries(
            st.sampled_from(["status", "sessionId", "startedAt", "customerName", "x"]),
            st.one_of(
                st.none(),
                st.integers(),
                st.floats(),
                st.text(max_size=30),
                st.lists(st.integers(), max_size=3),
            ),
        ).map(lambda d: json.dumps(d).encode()),
    ),
    content_type=st.one_of(
        st.none(),
        st.sampled_from(
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain",
                "application/json; charset=latin-1",
                "*/*",
            ]
        ),
        HEADER_VALUE,
    ),
    extra=st.dictionaries(HEADER_NAME, HEADER_VALUE, max_size=4),
    use_secret=st.booleans(),
)
def test_no_body_or_header_gets_a_5xx(
    h: Harness, body: bytes, content_type: str | None, extra: dict[str, str], use_secret: bool
) -> None:
    headers = {
        k: v
        for k, v in extra.items()
        if k.lower() not in ("content-length", "transfer-encoding", "host", "expect", "connection")
    }
    if content_type is not None:
        headers["Content-Type"] = content_type
    path = h.path if use_secret else "/callback/" + "Z" * 43
    r = h.client.post(path, content=body, headers=headers)
    assert r.status_code < 500, r.text
    assert r.status_code in (200, 400, 404, 413, 415)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.binary(max_size=80).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")), max_size=8
    ),
    body=st.binary(max_size=200),
    use_secret=st.booleans(),
)
def test_no_raw_header_block_gets_a_5xx(
    h: Harness, lines: list[bytes], body: bytes, use_secret: bool
) -> None:
    """Headers no polite client would send, straight onto the socket."""
    path = h.path if use_secret else "/callback/" + "Z" * 43
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n".encode()
    sock = h.raw(head + b"".join(line + b"\r\n" for line in lines) + b"\r\n" + body)
    try:
        status = read_status(sock)
    except (ConnectionResetError, ValueError, IndexError):
        status = 0  # closed without an answer is acceptable; a 5xx is not
    finally:
        sock.close()
    assert status < 500


def test_a_stopped_listener_frees_its_port_at_once(tmp_path: Path) -> None:
    """stop() does not wait for the loop thread (Quit, Save), yet a listener started right
    after on the same port gets that port, not a fallback."""
    store = SessionStore(tmp_path / "s.sqlite3")
    first = CallbackServer(store, lambda _e: None)
    first.start("127.0.0.1", 0)
    port = first.port
    first.stop()
    second = CallbackServer(store, lambda _e: None)
    try:
        assert second.start("127.0.0.1", port) is False  # no fallback: the port was free
        assert second.port == port
        assert httpx.get(f"{second.local_base_url}/").status_code == 404
    finally:
        second.stop()
        assert first.join(5) and second.join(5)
        store.close()
