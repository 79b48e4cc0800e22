"""The single-instance protocol: one JSON object per line, versioned.

A second ``g2a-tray`` process (``new-session``, ``start``, ``open``, ``history``,
``quit``, a plain launch) connects to the running app's local socket, sends one request
line and reads one response line. Qt-free so the client and the tests need no QtWidgets.

Request:  ``{"v": 1, "cmd": <one of COMMANDS>, ...text arguments}``
Response: ``{"v": 1, "ok": true, ...results}`` or ``{"v": 1, "ok": false, "error": "…"}``

This module is on the path of every keyboard shortcut's ``g2a-tray new-session``, so it
imports only what a fresh interpreter has already loaded (``os``, ``stat``, ``sys``):
no ``enum``, ``pathlib``, ``typing`` or ``json`` at import time. Lines are read and
written with CPython's own C JSON codec (``_json``, what ``json`` itself uses), without
the ``json`` package's ``re``; ``json`` stands in on other Pythons.
tests/process/test_client_imports.py holds the client verbs to a list of modules.
"""

from __future__ import annotations

import os
import stat
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy knows it)
if TYPE_CHECKING:
    from typing import Any

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 16 * 1024  # a request is a few short strings; an answer a URL or two


class Command:
    """Every request the running app answers; the client and the app both use these.
    (Plain strings, not an enum: ``enum`` costs a shortcut's client several ms.)"""

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
COMMANDS: dict[str, tuple[str, ...]] = {
    Command.PING: (),
    Command.SHOW_FORM: ("partnerObject", *ACTIVATION),
    Command.SHOW_HISTORY: ACTIVATION,
    Command.START: ("partnerObject", "partnerObjectUrl", "layout"),
    Command.OPEN_LINK: ("url",),
    Command.QUIT: (),
}


def request(cmd: str, **arguments: str) -> dict[str, Any]:
    """A request for ``cmd``; an argument the command does not take is a bug here."""
    unknown = set(arguments) - set(COMMANDS[cmd])
    assert not unknown, f"{cmd} takes no {sorted(unknown)}"
    return {"cmd": cmd, **arguments}


class ProtocolError(ValueError):
    """A line that is not a valid request or response."""


class UnsafeRuntimeDir(Exception):
    """The folder for the socket is not private to this user; the message says what to do."""


def runtime_dir() -> str:
    """A folder only this user can enter, for the socket and its lock (Unix).

    ``$XDG_RUNTIME_DIR`` (private by the XDG spec; ``/run/user/<uid>`` on systemd
    desktops) when it is there, else ``<tmp>/g2a-tray-<uid>``, created 0700. Either way its
    owner and mode are checked: in a shared ``/tmp`` another user could have made it
    first, and a socket in it would then be theirs to answer.
    """
    uid = os.getuid()
    folder = _socket_folder(uid)
    try:
        try:  # noqa: SIM105  # contextlib is not loaded yet in a client verb
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        info = os.lstat(folder)
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
            os.chmod(folder, 0o700)  # ours, but too open (an old umask): close it
        except OSError as exc:
            raise UnsafeRuntimeDir(f"cannot make {folder} private: {exc}") from None
    return folder


# A Unix socket's path is at most 107 bytes (sun_path is 108 with its NUL); ours ends in
# "/instance-<16 hex>.sock".
MAX_SOCKET_PATH = 107
SOCKET_FILE_BYTES = len("/instance-") + 16 + len(".sock")


def _fits(folder: str) -> bool:
    return len(os.fsencode(folder)) + SOCKET_FILE_BYTES <= MAX_SOCKET_PATH


def _socket_folder(uid: int) -> str:
    """The first candidate whose socket path fits: ``$XDG_RUNTIME_DIR/g2a-tray``, then
    ``<TMPDIR>/g2a-tray-<uid>``, then ``/tmp/g2a-tray-<uid>`` (a deep XDG_RUNTIME_DIR, as
    some containers and remote sessions set, must not keep the app from starting)."""
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    first = os.path.join(base, "g2a-tray")
    if base and os.path.isabs(base) and os.path.isdir(base) and _fits(first):
        return first  # a desktop session's: tempfile (and what it imports) is not needed
    import tempfile

    candidates = [os.path.join(tempfile.gettempdir(), f"g2a-tray-{uid}"), f"/tmp/g2a-tray-{uid}"]
    for folder in candidates:
        if _fits(folder):
            return folder
    raise UnsafeRuntimeDir(
        f"the folder for g2a-tray's socket ({first if base else candidates[0]}) has a path "
        f"too long for a Unix socket (at most {MAX_SOCKET_PATH + 1} bytes): set "
        "XDG_RUNTIME_DIR or TMPDIR to a shorter folder"
    )


def socket_name(config_dir: str | os.PathLike[str]) -> str:
    """Where the running app listens, for one user and one config folder.

    On Unix a full socket path inside :func:`runtime_dir` (raises UnsafeRuntimeDir);
    on Windows a named pipe name (pipes are per session and carry the user's ACL).
    Two config folders give two names (two independent apps side by side); the hash
    keeps the path short enough for a Unix socket. (``os.path.realpath`` is what
    ``Path.resolve`` does: the same name whichever the caller holds.)
    """
    digest = _sha256_hex(os.path.realpath(os.fspath(config_dir)).encode("utf-8"))[:16]
    if sys.platform == "win32":
        import getpass

        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "user"
        safe_user = "".join(ch for ch in user if ch.isalnum())[:32] or "user"
        return f"g2a-tray-{safe_user}-{digest}"
    return os.path.join(runtime_dir(), f"instance-{digest}.sock")


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
    return _dumps({"v": PROTOCOL_VERSION, **message}).encode() + b"\n"


class _ScanContext:
    """What CPython's C scanner reads from ``json.JSONDecoder``: the defaults of
    ``json.loads``, except that NaN and Infinity are refused."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> float:
        raise ValueError(f"{name} is not allowed")


def _dumps(message: dict[str, Any]) -> str:
    """One flat object of text, numbers and booleans (every request is one), as
    ``json.dumps(..., ensure_ascii=True)`` writes it; anything else goes to ``json``."""
    try:
        from _json import encode_basestring_ascii as quote
    except ImportError:
        return str(_json_module().dumps(message, ensure_ascii=True))
    parts = []
    for key, item in message.items():
        if item is None:
            text = "null"
        elif isinstance(item, bool):
            text = "true" if item else "false"
        elif isinstance(item, int):
            text = str(item)
        elif isinstance(item, str):
            text = quote(item)
        else:  # not flat: the json package writes it
            return str(_json_module().dumps(message, ensure_ascii=True))
        parts.append(f"{quote(str(key))}: {text}")
    return "{" + ", ".join(parts) + "}"


def _json_module() -> Any:
    import json

    return json


def _loads(text: str) -> object:
    """``json.loads`` through its C scanner (``_json``), so that a client does not
    import the ``json`` package (and ``re`` with it); ``json`` on other Pythons."""
    try:
        from _json import make_scanner
    except ImportError:
        return _json_module().loads(text)
    body = text.strip(" \t\r\n")
    try:
        found, end = make_scanner(_ScanContext())(body, 0)  # type: ignore[arg-type]
    except StopIteration:
        raise ValueError("no JSON value") from None
    if end != len(body):
        raise ValueError("extra data after the JSON value")
    return found


def _decode(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError("message too long")
    try:
        message = _loads(line.decode("utf-8"))
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
    """The request as a dict whose ``cmd`` is one of :class:`Command` and whose other keys
    are the text arguments that command takes (unknown ones are refused)."""
    message = _decode(line)
    cmd = message.get("cmd")
    if not isinstance(cmd, str) or cmd not in COMMANDS:
        raise ProtocolError(f"unknown command {str(cmd)[:40]!r}")
    for key, value in message.items():
        if key in ("v", "cmd"):
            continue
        if key not in COMMANDS[cmd]:
            raise ProtocolError(f"{cmd} takes no argument {key[:40]!r}")
        if not isinstance(value, str):
            raise ProtocolError(f"argument {key!r} must be text")
    return {**message, "cmd": cmd}


def decode_response(line: bytes) -> dict[str, Any]:
    message = _decode(line)
    if not isinstance(message.get("ok"), bool):
        raise ProtocolError("response without 'ok'")
    return message
