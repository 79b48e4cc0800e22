"""The single-instance protocol: one JSON object per line, versioned.

A second ``g2a-tray`` process (``new-session``, ``start``, ``open``, ``history``,
``quit``, a plain launch) connects to the running app's local socket, sends one request
line and reads one response line. Qt-free so the client and the tests need no QtWidgets.

Request:  ``{"v": 1, "cmd": <one of COMMANDS>, ...text arguments}``
Response: ``{"v": 1, "ok": true, ...results}`` or ``{"v": 1, "ok": false, "error": "…"}``
"""

from __future__ import annotations

import getpass
import hashlib
import json
from pathlib import Path
from typing import Any

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 64 * 1024
COMMANDS = ("ping", "show-form", "show-history", "start", "open-link", "quit")


class ProtocolError(ValueError):
    """A line that is not a valid request or response."""


def socket_name(config_dir: Path) -> str:
    """The local socket name for one user and one config folder.

    Two config folders give two names (two independent apps side by side); the hash
    keeps the name short enough for a Unix socket path.
    """
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    digest = hashlib.sha256(str(config_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    safe_user = "".join(ch for ch in user if ch.isalnum())[:32] or "user"
    return f"g2a-tray-{safe_user}-{digest}"


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps({"v": PROTOCOL_VERSION, **message}, ensure_ascii=True).encode() + b"\n"


def _decode(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError("message too long")
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
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
    message = _decode(line)
    if message.get("cmd") not in COMMANDS:
        raise ProtocolError(f"unknown command {message.get('cmd')!r}")
    for key, value in message.items():
        if key not in ("v", "cmd") and not isinstance(value, str):
            raise ProtocolError(f"argument {key!r} must be text")
    return message


def decode_response(line: bytes) -> dict[str, Any]:
    message = _decode(line)
    if not isinstance(message.get("ok"), bool):
        raise ProtocolError("response without 'ok'")
    return message
