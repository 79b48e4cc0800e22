"""The instance socket on a plain Unix socket in the event loop (no QtNetwork): what
QLocalServer did for the app is still done — a private socket file, removed on close;
an answer written however slowly the client reads; a client gone before its answer
forgotten; a flood of silent connections does not lock the user out."""

from __future__ import annotations

import os
import socket
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from g2a_tray.client import send_request
from g2a_tray.core.instance.protocol import Command, request
from g2a_tray.qt import local_links
from g2a_tray.qt.single_instance import InstanceServer, PendingAnswer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")


def _server(tmp_path: Path, handler: Any) -> InstanceServer:
    server = InstanceServer(str(tmp_path / "app.sock"), probe=lambda _name: False)
    assert server.listen()
    server.set_handler(handler)
    return server


def _links(server: InstanceServer) -> dict[local_links.UnixLink, None]:
    listener = server._listener
    assert isinstance(listener, local_links.UnixListener)
    return listener.links


def _ask(name: str, message: dict[str, Any], into: list[Any]) -> threading.Thread:
    def run() -> None:
        try:
            into.append(send_request(name, message, 10.0))
        except Exception as exc:  # the test says which
            into.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_the_socket_is_private_and_gone_after_close_unless_another_app_took_it(
    qapp: QApplication, tmp_path: Path
) -> None:
    server = _server(tmp_path, lambda _r: {"ok": True})
    mode = stat.S_IMODE(os.stat(server.name).st_mode)
    assert mode & 0o077 == 0, oct(mode)
    server.close()
    assert not Path(server.name).exists()

    first = _server(tmp_path, lambda _r: {"ok": True})
    os.unlink(first.name)  # as if a later app had removed it as stale …
    later = _server(tmp_path, lambda _r: {"ok": True})  # … and listened there
    first.close()
    assert Path(later.name).exists()  # the first app's close leaves the later one's
    later.close()


def test_an_answer_bigger_than_the_socket_buffer_goes_out_as_the_client_reads(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    big = "x" * (4 * 2**20)  # far past a Unix socket's buffer
    server = _server(tmp_path, lambda _r: {"ok": True, "text": big})
    client = socket.socket(socket.AF_UNIX)
    client.connect(server.name)
    client.sendall(b'{"v": 1, "cmd": "ping"}\n')
    # The GUI thread answers without waiting for the client: the link holds the rest.
    qtbot.waitUntil(lambda: any(link._out for link in _links(server)), timeout=5000)
    got: list[bytes] = []

    def read() -> None:
        data = b""
        while chunk := client.recv(65536):
            data += chunk
        got.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    qtbot.waitUntil(lambda: bool(got), timeout=10000)
    assert got[0].endswith(b"\n") and big.encode() in got[0]
    qtbot.waitUntil(lambda: not _links(server), timeout=5000)
    client.close()
    server.close()


def test_a_client_gone_before_its_answer_is_forgotten_and_the_next_is_answered(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    later = PendingAnswer()
    answers = iter([later, {"ok": True, "second": True}])
    server = _server(tmp_path, lambda _r: next(answers))
    gone = socket.socket(socket.AF_UNIX)
    gone.connect(server.name)
    gone.sendall(b'{"v": 1, "cmd": "ping"}\n')
    qtbot.waitUntil(lambda: bool(_links(server)), timeout=5000)
    gone.close()
    qtbot.waitUntil(lambda: not _links(server), timeout=5000)
    later.resolve({"ok": True})  # the browser's hand-off finished after the client left
    replies: list[Any] = []
    _ask(server.name, request(Command.PING), replies)
    qtbot.waitUntil(lambda: bool(replies), timeout=10000)
    assert replies == [{"v": 1, "ok": True, "second": True}]
    server.close()


def test_a_flood_of_silent_connections_does_not_lock_the_user_out(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    server = _server(tmp_path, lambda _r: {"ok": True})
    flood: list[socket.socket] = []
    for _ in range(local_links.MAX_LINKS + 20):
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(server.name)
        flood.append(sock)
        # Accepted before the next (a full backlog would block this thread's connect).
        qtbot.waitUntil(
            lambda: len(_links(server)) == min(len(flood), local_links.MAX_LINKS), timeout=5000
        )
    replies: list[Any] = []
    _ask(server.name, request(Command.PING), replies)
    qtbot.waitUntil(lambda: bool(replies), timeout=10000)
    assert replies == [{"v": 1, "ok": True}]
    assert len(_links(server)) <= local_links.MAX_LINKS
    for sock in flood:
        sock.close()
    qtbot.waitUntil(lambda: not _links(server), timeout=10000)
    server.close()
