"""The single-instance protocol (Qt-free)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from g2a_tray.core.instance import protocol as p


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
        (b'{"v": 1, "cmd": "ping", "partnerObject": "1"}', "ping takes no argument"),
        (b'{"v": 1, "cmd": "start", "rm": "-rf"}', "start takes no argument"),
        (b'{"v": 1}', "unknown command"),
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
    assert len(a.encode()) < 104  # sun_path holds 104 bytes on macOS, 108 on Linux


def test_socket_lives_in_a_private_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    name = Path(p.socket_name(tmp_path / "config"))
    assert name.parent == tmp_path / "g2a-tray"
    assert name.parent.stat().st_mode & 0o777 == 0o700


def test_without_xdg_runtime_dir_a_private_tmp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    folder = tmp_path / f"g2a-tray-{os.getuid()}"
    folder.mkdir(mode=0o755)  # ours but too open (an old umask): closed again
    name = Path(p.socket_name(tmp_path / "config"))
    assert name.parent == folder
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_folder_that_is_a_symlink_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "g2a-tray").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(p.UnsafeRuntimeDir, match="not a folder"):
        p.socket_name(tmp_path / "config")


@pytest.mark.parametrize(
    "line",
    [
        b"x" * 30_000,
        b"[" * 100_000,
        b'{"v": 1, "cmd": "ping", "n": ' + b"9" * 5000 + b"}",
        b"\xff\xfe",
    ],
)
def test_garbage_lines_are_protocol_errors(line: bytes) -> None:
    with pytest.raises(p.ProtocolError):
        p.decode_request(line)


def test_every_command_in_the_table_round_trips_with_its_arguments() -> None:
    for cmd, arguments in p.COMMANDS.items():
        line = p.encode(p.request(cmd, **{name: "x" for name in arguments}))
        decoded = p.decode_request(line.rstrip(b"\n"))
        assert decoded["cmd"] == cmd and all(decoded[name] == "x" for name in arguments)


def test_line_buffer_gives_the_first_whole_line_however_it_arrives() -> None:
    buffer = p.LineBuffer()
    assert buffer.feed(b'{"v": 1,') is None
    assert buffer.feed(b' "ok": true}\n{"v": 1}\n') == b'{"v": 1, "ok": true}'


def test_line_buffer_refuses_a_line_too_long_or_cut_off() -> None:
    buffer = p.LineBuffer()
    with pytest.raises(p.ProtocolError, match="over"):
        for _ in range(p.MAX_LINE_BYTES // 1024 + 2):
            buffer.feed(b"x" * 1024)
    with pytest.raises(p.ProtocolError, match="over"):
        p.LineBuffer().feed(b"x" * (p.MAX_LINE_BYTES + 1) + b"\n")
    with pytest.raises(p.ProtocolError, match="closed"):
        p.LineBuffer().feed(b"")


def test_a_deep_runtime_dir_falls_back_to_a_short_private_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XDG_RUNTIME_DIR so deep that the socket's path would pass 107 bytes: the app
    starts anyway, with its socket in a private folder under the temporary folder."""
    import socket

    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    short = tmp_path / "t"
    short.mkdir()
    monkeypatch.setenv("TMPDIR", str(short))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    name = p.socket_name(tmp_path / "config")
    assert len(name.encode()) <= 107
    assert Path(name).parent == short / f"g2a-tray-{os.getuid()}"
    assert (Path(name).parent.stat().st_mode & 0o777) == 0o700
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(name)  # the path really is one a socket can have
    finally:
        server.close()


@pytest.mark.parametrize(
    "message",
    [
        {"v": 1, "cmd": "start", "partnerObject": '4711 "é" \\ \n\t\u2028'},
        {"v": 1, "ok": True, "pid": 42, "error": None, "shortcut": ""},
        {"v": 1, "ok": False, "nested": {"a": [1, 2.5]}},  # not flat: json writes it
    ],
)
def test_the_lean_codec_writes_and_reads_what_json_does(message: dict[str, object]) -> None:
    """The client's JSON goes through CPython's C codec (no json package, no re): the
    bytes must be json's own, and what it reads json's reading."""
    import json

    from g2a_tray.core.instance.protocol import _dumps, _loads

    assert _dumps(message) == json.dumps(message, ensure_ascii=True)
    assert _loads(_dumps(message)) == message
    assert _loads("  " + json.dumps(message) + "\r\n") == json.loads(json.dumps(message))


@pytest.mark.parametrize("text", ["", "{", '{"a": 1} x', "NaN", '{"a": NaN}', "[1,]", "{'a': 1}"])
def test_the_lean_codec_refuses_what_is_not_one_json_value(text: str) -> None:
    from g2a_tray.core.instance.protocol import _loads

    with pytest.raises(ValueError):
        _loads(text)
