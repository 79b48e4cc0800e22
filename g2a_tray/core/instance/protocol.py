"""The single-instance protocol: one JSON object per line, versioned.

A second ``g2a-tray`` process (``new-session``, ``start``, ``open``, ``history``,
``quit``, a plain launch) connects to the running app's local socket, sends one request
line and reads one response line. Qt-free so the client and the tests need no QtWidgets.

Request:  ``{"v": 1, "cmd": <one of COMMANDS>, ...text arguments}``
Response: ``{"v": 1, "ok": true, ...results}`` or ``{"v": 1, "ok": false, "error": "…"}``
"""

from __future__ import annotations

import json
import os
import stat
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 16 * 1024  # a request is a few short strings; an answer a URL or two


class Command(StrEnum):
    """Every request the running app answers; the client and the app both use these."""

    PING = "ping"
    SHOW_FORM = "show-form"
    SHOW_HISTORY = "show-history"
    START = "start"
    OPEN_LINK = "open-link"
    QUIT = "quit"


# A command that shows a window also carries the focus its client was handed
# (core/instance/activation.py).
ACTIVATION = ("activationToken", "startupId")

# The text arguments each command takes (all optional): the one table of the protocol.
COMMANDS: dict[Command, tuple[str, ...]] = {
    Command.PING: (),
    Command.SHOW_FORM: ("partnerObject", *ACTIVATION),
    Command.SHOW_HISTORY: ACTIVATION,
    Command.START: ("partnerObject", "partnerObjectUrl", "layout"),
    Command.OPEN_LINK: ("url",),
    Command.QUIT: (),
}


def request(cmd: Command, **arguments: str) -> dict[str, Any]:
    """A request for ``cmd``; an argument the command does not take is a bug here."""
    unknown = set(arguments) - set(COMMANDS[cmd])
    assert not unknown, f"{cmd} takes no {sorted(unknown)}"
    return {"cmd": cmd.value, **arguments}


class ProtocolError(ValueError):
    """A line that is not a valid request or response."""


class UnsafeRuntimeDir(Exception):
    """The folder for the socket is not private to this user; the message says what to do."""


def runtime_dir() -> Path:
    """A folder only this user can enter, for the socket and its lock (Unix).

    ``$XDG_RUNTIME_DIR`` (private by the XDG spec; ``/run/user/<uid>`` on systemd
    desktops) when it is there, else ``<tmp>/g2a-tray-<uid>``, created 0700. Either way its
    owner and mode are checked: in a shared ``/tmp`` another user could have made it
    first, and a socket in it would then be theirs to answer.
    """
    uid = os.getuid()
    folder = _socket_folder(uid)
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError as exc:
        raise UnsafeRuntimeDir(f"cannot create {folder}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeRuntimeDir(f"{folder} is not a folder; remove it and start g2a-tray again")
    if info.st_uid != uid:
        raise UnsafeRuntimeDir(
            f"{folder} belongs to another user (uid {info.st_uid}), so g2a-tray cannot keep "
            "its socket private there. Ask an administrator to remove it, or set "
            "XDG_RUNTIME_DIR to a private folder."
        )
    if info.st_mode & 0o077:
        try:
            folder.chmod(0o700)  # ours, but too open (an old umask): close it
        except OSError as exc:
            raise UnsafeRuntimeDir(f"cannot make {folder} private: {exc}") from None
    return folder


# A Unix socket's path is at most 107 bytes (sun_path is 108 with its NUL); ours ends in
# "/instance-<16 hex>.sock".
MAX_SOCKET_PATH = 107
SOCKET_FILE_BYTES = len("/instance-") + 16 + len(".sock")


def _socket_folder(uid: int) -> Path:
    """The first candidate whose socket path fits: ``$XDG_RUNTIME_DIR/g2a-tray``, then
    ``<TMPDIR>/g2a-tray-<uid>``, then ``/tmp/g2a-tray-<uid>`` (a deep XDG_RUNTIME_DIR, as
    some containers and remote sessions set, must not keep the app from starting)."""
    import tempfile

    base = os.environ.get("XDG_RUNTIME_DIR", "")
    candidates = []
    if base and Path(base).is_absolute() and Path(base).is_dir():
        candidates.append(Path(base) / "g2a-tray")
    candidates += [Path(tempfile.gettempdir()) / f"g2a-tray-{uid}", Path(f"/tmp/g2a-tray-{uid}")]
    for folder in candidates:
        if len(os.fsencode(str(folder))) + SOCKET_FILE_BYTES <= MAX_SOCKET_PATH:
            return folder
    raise UnsafeRuntimeDir(
        f"the folder for g2a-tray's socket ({candidates[0]}) has a path too long for a "
        f"Unix socket (at most {MAX_SOCKET_PATH + 1} bytes): set XDG_RUNTIME_DIR or TMPDIR "
        "to a shorter folder"
    )


def socket_name(config_dir: Path) -> str:
    """Where the running app listens, for one user and one config folder.

    On Unix a full socket path inside :func:`runtime_dir` (raises UnsafeRuntimeDir);
    on Windows a named pipe name (pipes are per session and carry the user's ACL).
    Two config folders give two names (two independent apps side by side); the hash
    keeps the path short enough for a Unix socket.
    """
    digest = _sha256_hex(str(config_dir.resolve()).encode("utf-8"))[:16]
    if sys.platform == "win32":
        import getpass

        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "user"
        safe_user = "".join(ch for ch in user if ch.isalnum())[:32] or "user"
        return f"g2a-tray-{safe_user}-{digest}"
    return str(runtime_dir() / f"instance-{digest}.sock")


def _sha256_hex(data: bytes) -> str:
    """SHA-256 without loading OpenSSL: every client verb computes one socket name, and
    ``hashlib`` loads libcrypto first (a few ms). CPython's own SHA-256 module is named
    ``_sha2`` (3.12+) or ``_sha256`` (3.11); hashlib stands in for any other Python."""
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
        except ImportError:
            from hashlib import sha256
    return str(sha256(data).hexdigest())


class LineBuffer:
    """Bytes as they arrive on a connection, until the first whole line: what the
    client and the server both read (each message is one line; anything after it is
    ignored)."""

    def __init__(self) -> None:
        self._data = b""

    def feed(self, chunk: bytes) -> bytes | None:
        """The first line once it is complete (without its newline), else None.

        Raises ProtocolError when the line grows past :data:`MAX_LINE_BYTES` or the
        other side closed (an empty ``chunk``) before finishing it.
        """
        if not chunk:
            raise ProtocolError("the connection closed before a whole line arrived")
        self._data += chunk
        line, newline, _rest = self._data.partition(b"\n")
        if newline and len(line) <= MAX_LINE_BYTES:
            return line
        if len(line) > MAX_LINE_BYTES:
            raise ProtocolError(f"a line over {MAX_LINE_BYTES} bytes")
        return None


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps({"v": PROTOCOL_VERSION, **message}, ensure_ascii=True).encode() + b"\n"


def _decode(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError("message too long")
    try:
        message = json.loads(line.decode("utf-8"))
    except RecursionError:
        raise ProtocolError("not JSON: nested too deeply") from None
    except ValueError as exc:  # bad UTF-8, bad JSON, numbers past int's digit limit
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("not a JSON object")
    if message.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(
            f"protocol version {message.get('v')!r} is not {PROTOCOL_VERSION}; "
            "quit the running g2a-tray and start it again"
        )
    return message


def decode_request(line: bytes) -> dict[str, Any]:
    """The request as a dict whose ``cmd`` is a :class:`Command` and whose other keys
    are the text arguments that command takes (unknown ones are refused)."""
    message = _decode(line)
    try:
        cmd = Command(str(message.get("cmd")))
    except ValueError:
        raise ProtocolError(f"unknown command {message.get('cmd')!r}") from None
    for key, value in message.items():
        if key in ("v", "cmd"):
            continue
        if key not in COMMANDS[cmd]:
            raise ProtocolError(f"{cmd.value} takes no argument {key[:40]!r}")
        if not isinstance(value, str):
            raise ProtocolError(f"argument {key!r} must be text")
    return {**message, "cmd": cmd}


def decode_response(line: bytes) -> dict[str, Any]:
    message = _decode(line)
    if not isinstance(message.get("ok"), bool):
        raise ProtocolError("response without 'ok'")
    return message
