"""Talking to the running app from a later ``g2a-tray`` process, with the standard
library only: a CLI verb is a client, not a Qt program.

On Unix the app's ``QLocalServer`` is a Unix socket in a private folder
(:func:`g2a_tray.core.ipc_protocol.runtime_dir`). Before a byte is sent, the peer's
credentials are checked: the process that listens must run as this user (Linux:
``SO_PEERCRED``; elsewhere the socket file's owner), so a ticket id never goes to a
socket another user made. Windows uses Qt's named pipe client.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import time
from typing import Any

from g2a_tray.core.instance import protocol as ipc_protocol

CONNECT_TIMEOUT_S = 1.0
REPLY_TIMEOUT_S = 10.0


class NotRunning(Exception):
    """No app answers on the socket."""


class WrongOwner(Exception):
    """Something listens on the socket, but it is not this user's g2a-tray."""


def _peer_uid(sock: socket.socket, path: str) -> int:
    if hasattr(socket, "SO_PEERCRED"):
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        return int(uid)
    return os.stat(path).st_uid  # macOS/BSD: the folder is private; check the file too


def send_request(
    name: str, message: dict[str, Any], timeout_s: float = REPLY_TIMEOUT_S
) -> dict[str, Any]:
    """Send one request to the running app and return its response.

    Raises :class:`NotRunning` when no app listens, :class:`WrongOwner` when another
    user's process does, ``TimeoutError`` when it does not answer in time, and
    ``ipc_protocol.ProtocolError`` for a garbled answer.
    """
    if sys.platform == "win32":
        from g2a_tray.qt.single_instance import send_request_qt

        return send_request_qt(name, message, int(timeout_s * 1000))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT_S)
        try:
            sock.connect(name)
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise NotRunning(exc.strerror or str(exc)) from None
        except OSError as exc:
            raise NotRunning(str(exc)) from None
        uid = _peer_uid(sock, name)
        if uid != os.getuid():
            raise WrongOwner(
                f"the g2a-tray socket {name} is held by another user's process (uid {uid}); "
                "nothing was sent to it"
            )
        sock.settimeout(timeout_s)
        deadline = time.monotonic() + timeout_s
        try:
            sock.sendall(ipc_protocol.encode(message))
            buffer = b""
            while b"\n" not in buffer:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(65536)
                if not chunk:
                    raise ipc_protocol.ProtocolError("the running g2a-tray closed the connection")
                buffer += chunk
                if len(buffer) > ipc_protocol.MAX_LINE_BYTES:
                    raise ipc_protocol.ProtocolError("answer too long")
        except TimeoutError:
            raise TimeoutError("the running g2a-tray did not answer in time") from None
        except (BrokenPipeError, ConnectionResetError):
            raise ipc_protocol.ProtocolError("the running g2a-tray closed the connection") from None
        return ipc_protocol.decode_response(buffer.split(b"\n", 1)[0])
    finally:
        sock.close()


def is_running(name: str) -> bool:
    """Whether this user's app answers on ``name`` (another user's process does not count)."""
    try:
        ping = ipc_protocol.request(ipc_protocol.Command.PING)
        return bool(send_request(name, ping, timeout_s=3.0).get("ok"))
    except (NotRunning, TimeoutError, ipc_protocol.ProtocolError):
        return False
