"""The listener as an attacker and a bad network meet it: every request that arrives gets
a status line, slow clients starve no one, and nothing is left behind."""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import random
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.model import RecordedEvent
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.updates import callback_server
from g2a_tray.core.updates.callback_server import CallbackServer

STATUS_LINE = re.compile(rb"^HTTP/1\.1 [1-5]\d\d ")


class Server:
    def __init__(self, tmp_path: Path, **kwargs: int) -> None:
        self.store = SessionStore(tmp_path / "sessions.sqlite3")
        self.events: list[RecordedEvent] = []
        self.server = CallbackServer(self.store, self.events.append, **kwargs)
        self.server.start("127.0.0.1", 0)
        self.launch = Launch(LaunchRequest("4711", "https://h.example/4711", ""), "u")
        self.launch_id = self.store.record(self.launch)
        self.path = f"/callback/{self.launch.secret}"

    def exchange(self, data: bytes, timeout: float = 20) -> bytes:
        """Send ``data``, say we are done, and read the whole answer."""
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=timeout) as sock:
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server may answer (413) and close before it all went out
            answer = b""
            try:
                while chunk := sock.recv(65536):
                    answer += chunk
            except ConnectionResetError:
                pass
            return answer

    def post(self, body: bytes, content_type: str = "application/json") -> bytes:
        return self.exchange(
            f"POST {self.path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    def close(self) -> None:
        self.server.stop()
        assert self.server.join(5)  # every connection closed before the store goes
        self.store.close()


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path)
    yield server
    server.close()


def status_of(answer: bytes) -> int:
    assert STATUS_LINE.match(answer), answer[:200]
    return int(answer[9:12])


# -- the requests that used to get a dropped connection


@pytest.mark.parametrize(
    ("request_bytes", "expected"),
    [
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"A B C D\r\n\r\n", 400),
        (b"GET /\r\n", 400),  # HTTP/0.9
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 431),
        (b"POST /callback/x HTTP/1.1\r\nHost: x\r\nContent-Length: \xc2\xb2\r\n\r\n", 400),
        (
            b"POST /callback/x HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",
            400,
        ),
        (b"\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),  # a TLS hello
    ],
)
def test_malformed_requests_get_a_status_line(
    srv: Server, request_bytes: bytes, expected: int
) -> None:
    assert status_of(srv.exchange(request_bytes)) == expected
    assert srv.events == []


def test_a_json_number_of_5000_digits_is_a_bad_body(srv: Server) -> None:
    answer = srv.post(b'{"status": "active", "sessionId": ' + b"9" * 5000 + b"}")
    assert status_of(answer) == 400
    assert srv.events == []


@pytest.mark.parametrize(
    "body",
    [
        {"status": "complete", "endedAt": "9999-12-31T23:59:59Z"},
        {"status": "active", "customerJoinedAt": "0001-01-01T00:00:00Z"},
        {"status": "active", "startedAt": "0001-01-01T00:00:00+14:00"},
        {"status": "complete", "endedAt": "9999-12-31T23:59:59-14:00"},
    ],
)
def test_edge_dates_are_stored_raw_and_treated_as_missing(
    srv: Server, body: dict[str, str]
) -> None:
    answer = srv.post(json.dumps(body).encode())
    assert status_of(answer) == 200
    summary = srv.store.summary(srv.launch_id)
    assert summary.started_at is None
    # The arrival time stands in for a time the body did not (believably) give.
    assert summary.customer_joined_at is None or summary.customer_joined_at.year >= 2026
    assert summary.ended_at is None or summary.ended_at.year >= 2026
    raw = srv.store._db.execute("SELECT raw FROM events").fetchone()[0]
    assert json.loads(raw) == body


def test_an_epoch_of_400_digits(srv: Server) -> None:
    answer = srv.post(b'{"status": "complete", "endedAt": 1' + b"0" * 399 + b"}")
    assert status_of(answer) == 200
    assert srv.store.summary(srv.launch_id).status == "complete"


# -- the fuzzer


def _mutations(rng: random.Random, path: str) -> bytes:
    valid_body = json.dumps({"sessionId": "S1", "status": "active"}).encode()
    valid = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(valid_body)}\r\n\r\n".encode()
        + valid_body
    )
    kind = rng.randrange(10)
    if kind == 0:  # random bytes
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    if kind == 1:  # a valid request cut short
        return valid[: rng.randrange(1, len(valid))]
    if kind == 2:  # bytes flipped in a valid request
        data = bytearray(valid)
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 3:  # odd request lines
        method = rng.choice([b"GET", b"POST", b"PUT", b"A", b"\x00", b"G E T", b"post"])
        target = rng.choice(
            [b"/", path.encode(), b"*", b"http://x/", b"/callback/" + b"%" * 20, b""]
        )
        version = rng.choice([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/9", b"", b"HTTP/1.1 x"])
        return method + b" " + target + b" " + version + b"\r\nHost: x\r\n\r\n"
    if kind == 4:  # odd Content-Length values
        length = rng.choice(
            [b"-1", b"\xc2\xb2", b"9" * rng.randrange(1, 6000), b"1, 2", b"", b"0x10", b" 5"]
        )
        return (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".encode()
            + b"Content-Length: "
            + length
            + b"\r\n\r\n{}"
        )
    if kind == 5:  # bodies the parser must refuse or tolerate
        body = rng.choice(
            [
                b"9" * 5000,
                b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                b'{"status": "active", "endedAt": 1' + b"0" * 400 + b"}",
                b'{"status": "complete", "endedAt": "9999-12-31T23:59:59Z"}',
                b"\xff\xfe",
                b"status=active&" * 200,
                b"[]",
                b"null",
            ]
        )
        return (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {rng.choice(['application/json', 'application/x-www-form-urlencoded', ''])}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
    if kind == 6:  # huge or many headers
        return (
            b"POST "
            + path.encode()
            + b" HTTP/1.1\r\n"
            + b"X: "
            + b"y" * rng.randrange(10, 40_000)
            + b"\r\n" * rng.randrange(1, 3)
        )
    if kind == 7:  # chunked, well and badly
        chunks = rng.choice(
            [b"5\r\nhello\r\n0\r\n\r\n", b"zz\r\n", b"ffffffffffffffff\r\n", b"3\r\nabc"]
        )
        return (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n".encode()
            + chunks
        )
    if kind == 8:  # header lines without a colon, bare LFs, NULs
        return rng.choice(
            [
                b"GET / HTTP/1.1\r\nnocolon\r\n\r\n",
                b"GET / HTTP/1.1\nHost: x\n\n",
                b"GET /\x00 HTTP/1.1\r\n\r\n",
            ]
        )
    return valid


def test_fuzz_10000_requests_every_one_gets_a_status_line(tmp_path: Path) -> None:
    srv = Server(tmp_path)
    rng = random.Random(20261129)
    cases = [_mutations(rng, srv.path) for _ in range(10_000)]
    failures: list[bytes] = []
    lock = threading.Lock()

    def worker(part: list[bytes]) -> None:
        for data in part:
            answer = srv.exchange(data)
            if not STATUS_LINE.match(answer):
                with lock:
                    failures.append(data[:120])

    try:
        threads = [threading.Thread(target=worker, args=(cases[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == [], (
            f"{len(failures)} connections closed without a status line: {failures[:5]}"
        )
        assert status_of(srv.post(b'{"sessionId": "S2", "status": "complete"}')) == 200
        assert srv.store.summary(srv.launch_id).status == "complete"
    finally:
        srv.close()


# -- slow clients


def _fds() -> set[str]:
    """What this process has open (fd → target, e.g. ``socket:[1234]``), after collecting
    what earlier tests left for the collector. Compared as sets: a descriptor another
    test's thread closes meanwhile is not a change made here; one left open is."""
    gc.collect()
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the descriptor listdir itself used
            found.add(f"{fd}->{os.readlink(f'/proc/self/fd/{fd}')}")
    return found


@pytest.mark.parametrize("max_connections", [callback_server.MAX_CONNECTIONS, 64])
def test_200_trickling_reconnecting_clients_starve_no_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_connections: int
) -> None:
    # Short limits so the tricklers are cut off and reconnect while the test runs.
    monkeypatch.setattr(callback_server, "READ_TIMEOUT_S", 1.0)
    monkeypatch.setattr(callback_server, "CONNECTION_DEADLINE_S", 1.5)
    threads_before, fds_before = threading.active_count(), _fds()
    srv = Server(tmp_path, max_connections=max_connections)
    stop = threading.Event()
    reconnects = 0

    def trickler() -> None:
        """200 sockets, each sent one more header byte every 0.3 s, reopened when cut off."""
        nonlocal reconnects
        socks: list[socket.socket | None] = [None] * 200
        try:
            while not stop.is_set():
                for i, held in enumerate(socks):
                    sock = held
                    try:
                        if sock is None:
                            sock = socket.create_connection(
                                ("127.0.0.1", srv.server.port), timeout=5
                            )
                            sock.setblocking(False)
                            socks[i] = sock
                            sock.send(b"POST /callback/")
                        else:
                            sock.send(b"x")
                            if sock.recv(4096, socket.MSG_PEEK) == b"":
                                raise ConnectionError
                    except BlockingIOError:
                        pass
                    except OSError:
                        if sock is not None:
                            sock.close()
                        socks[i] = None
                        reconnects += 1
                stop.wait(0.3)
        finally:
            for sock in socks:
                if sock is not None:
                    sock.close()

    thread = threading.Thread(target=trickler)
    thread.start()
    try:
        srv_threads = threading.active_count()
        served: list[float] = []
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            started = time.monotonic()
            answer = srv.post(b'{"sessionId": "S1", "status": "active"}')
            assert status_of(answer) == 200
            served.append(time.monotonic() - started)
            stop.wait(0.2)
            # No thread per connection: the listener runs on its one thread whatever is open.
            assert threading.active_count() == srv_threads
        print(
            f"\nvalid callbacks among 200 tricklers: {len(served)}, slowest {max(served) * 1000:.0f} ms, "
            f"trickler reconnects {reconnects}, open connections {srv.server.open_connections}"
        )
        assert srv.server.open_connections <= max_connections
        assert reconnects > 0  # the limits did cut the tricklers off
    finally:
        stop.set()
        thread.join()
        srv.close()
    assert threading.active_count() == threads_before
    assert _fds() - fds_before == set()


def test_stop_leaves_no_thread_or_socket(tmp_path: Path) -> None:
    threads_before, fds_before = threading.active_count(), _fds()
    srv = Server(tmp_path)
    held = [socket.create_connection(("127.0.0.1", srv.server.port)) for _ in range(20)]
    for sock in held:
        sock.send(b"POST /")
    srv.close()
    for sock in held:
        sock.close()
    assert threading.active_count() == threads_before
    assert _fds() - fds_before == set()


def test_the_listener_loop_does_not_poll(srv: Server) -> None:
    """Idle, the loop thread sleeps in the kernel: no timeout while nothing is open.

    Every ``select`` the loop makes with no connection open is recorded with its timeout.
    (It once asserted right after the second answer; with both cores busy the loop can
    serve both connections from one wake-up and had not slept again yet. Now, after both
    answers, the loop's own wake-up socket gives it one more turn, and the test waits for
    a sleep with nothing open.)"""
    import threading

    calls: list[tuple[float | None, int]] = []  # (timeout, connections open)
    armed, idle = threading.Event(), threading.Event()
    selector = srv.server._selector
    assert selector is not None
    original = selector.select

    def spy(timeout: float | None = None) -> list:  # type: ignore[type-arg]
        open_now = srv.server.open_connections
        calls.append((timeout, open_now))
        if armed.is_set() and open_now == 0:
            idle.set()
        return original(timeout)

    selector.select = spy  # type: ignore[method-assign]
    assert status_of(srv.post(b'{"status": "active"}')) == 200
    assert status_of(srv.post(b'{"status": "complete"}')) == 200
    armed.set()
    assert srv.server._wake_w is not None
    srv.server._wake_w.send(b"x")  # one more turn, whatever the loop was doing
    assert idle.wait(10), calls
    idle_sleeps = [timeout for timeout, open_now in calls if open_now == 0]
    assert idle_sleeps and all(t is None for t in idle_sleeps), calls


def test_a_flood_of_bad_requests_writes_a_bounded_log(
    srv: Server, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="g2a_tray.core.updates.callback_server"):
        for i in range(500):
            srv.exchange(b"GET /admin HTTP/1.1\r\n\r\n" if i % 2 else b"A B C D\r\n\r\n")
        srv.server.stop()  # reports what the limit held back
    lines = [r for r in caplog.records if r.name == "g2a_tray.core.updates.callback_server"]
    refusals = [r for r in lines if "refused" in r.getMessage() or "bad request" in r.getMessage()]
    assert len(refusals) <= 20
    assert any("more listener refusals not logged" in r.getMessage() for r in lines)
    assert "Traceback" not in caplog.text
