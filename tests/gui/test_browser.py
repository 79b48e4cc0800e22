"""The real browser hand-off (qt/browser.py) against stand-in openers on PATH: an opener
that works, one that finds no browser, and a browser that stays in the foreground."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from g2a_tray.qt import browser as browser_module
from g2a_tray.qt.browser import SystemBrowser

URL = "https://api.example.com/G2A/rest/v1/session?partnerObject=47%2011"


def opener_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "xdg-open"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("FLATPAK_ID", raising=False)
    return tmp_path / "seen"


def hand_off(qtbot: QtBot) -> list[bool]:
    results: list[bool] = []
    opener = SystemBrowser()  # the app keeps its own for its lifetime
    opener(URL, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10000)
    return results


def test_an_opener_that_works_is_believed(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = opener_on_path(tmp_path, monkeypatch, f'printf "%s" "$1" > "{tmp_path}/seen"')
    assert hand_off(qtbot) == [True]
    assert seen.read_text() == URL  # exactly as built, still percent-encoded


def test_an_opener_that_finds_no_browser_is_a_failure(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opener_on_path(tmp_path, monkeypatch, "echo 'no method available' >&2; exit 3")
    assert hand_off(qtbot) == [False]


def test_a_browser_in_the_foreground_counts_as_opened_and_outlives_us(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opener_on_path(tmp_path, monkeypatch, f'echo $$ > "{tmp_path}/pid"; exec sleep 30')
    monkeypatch.setattr(browser_module, "HANDOFF_WAIT_S", 0.5)
    assert hand_off(qtbot) == [True]
    pid = int((tmp_path / "pid").read_text())
    try:
        assert os.getsid(pid) != os.getsid(0)  # its own session: our quit does not end it
    finally:
        os.kill(pid, 9)


def test_the_handoff_does_not_block_the_caller(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opener_on_path(tmp_path, monkeypatch, "sleep 1; exit 0")
    results: list[bool] = []
    opener = SystemBrowser()
    opener(URL, results.append)
    assert results == []  # the answer comes later, from the event loop
    qtbot.waitUntil(lambda: results == [True], timeout=10000)
