"""The single-instance protocol (Qt-free)."""

from __future__ import annotations

from pathlib import Path

import pytest

from g2a_tray.core import ipc_protocol as p


def test_round_trip() -> None:
    line = p.encode({"cmd": "start", "partnerObject": "Ü 1"})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert p.decode_request(line.strip()) == {"v": 1, "cmd": "start", "partnerObject": "Ü 1"}
    assert p.decode_response(p.encode({"ok": True, "url": "u"}).strip())["url"] == "u"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (b"not json", "not JSON"),
        (b"[1]", "not a JSON object"),
        (b'{"v": 2, "cmd": "ping"}', "version"),
        (b'{"cmd": "ping"}', "version"),
        (b'{"v": 1, "cmd": "rm -rf"}', "unknown command"),
        (b'{"v": 1, "cmd": "start", "partnerObject": 5}', "must be text"),
        (b"\xff", "not JSON"),
        (b"x" * (p.MAX_LINE_BYTES + 1), "too long"),
    ],
)
def test_bad_requests(line: bytes, words: str) -> None:
    with pytest.raises(p.ProtocolError, match=words):
        p.decode_request(line)


def test_response_needs_ok() -> None:
    with pytest.raises(p.ProtocolError):
        p.decode_response(b'{"v": 1}')


def test_socket_name_depends_on_config_folder(tmp_path: Path) -> None:
    a = p.socket_name(tmp_path / "a")
    assert a == p.socket_name(tmp_path / "a")
    assert a != p.socket_name(tmp_path / "b")
    assert a.startswith("g2a-tray-") and len(a) < 80
