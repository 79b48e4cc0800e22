"""The global shortcut through the XDG GlobalShortcuts portal (Wayland), against a portal
process on a private session bus that speaks the spec's request/response protocol."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from g2a_tray.qt.chord import Chord
from g2a_tray.qt.shortcut import MANUAL, GlobalShortcut
from g2a_tray.qt.shortcut_portal import PortalBackend, xdg_trigger
from tests.helpers.buses import SessionBus
from tests.helpers.procs import ROOT, stop_processes, wait_for


def start_portal(bus: SessionBus, record: Path, *extra: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.portal_server", str(record), *extra],
        env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus.address},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def press(bus: SessionBus, shortcut_id: str) -> None:
    subprocess.run(
        [
            "dbus-send",
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.portal.Desktop",
            "/org/freedesktop/portal/desktop",
            "org.g2atray.Test.Press",
            f"string:{shortcut_id}",
        ],
        env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus.address},
        check=True,
        capture_output=True,
        timeout=10,
    )


@pytest.fixture
def on_bus(session_bus: SessionBus, monkeypatch: pytest.MonkeyPatch) -> SessionBus:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus.address)
    return session_bus


def make_shortcut() -> GlobalShortcut:
    s = GlobalShortcut(auto=False)
    s._backend = PortalBackend(
        lambda message: s.problem.emit(MANUAL if message == "manual" else message)
    )
    return s


def test_xdg_trigger_notation() -> None:
    assert xdg_trigger(Chord.parse("Ctrl+Alt+G")) == "CTRL+ALT+g"
    assert xdg_trigger(Chord.parse("Meta+Shift+F5")) == "SHIFT+LOGO+F5"


def test_binds_through_the_portal_and_fires(
    on_bus: SessionBus, tmp_path: Path, qtbot: QtBot
) -> None:
    record = tmp_path / "bound.jsonl"
    portal = start_portal(on_bus, record)
    shortcut = make_shortcut()
    try:
        assert shortcut.apply("Ctrl+Alt+G") is None
        wait_for(record.exists, 10, "BindShortcuts")
        [bound] = [json.loads(line) for line in record.read_text().splitlines()]
        assert bound == [
            [
                "open-quick-form",
                {"description": "Open the g2a-tray quick form", "preferred_trigger": "CTRL+ALT+g"},
            ]
        ]
        with qtbot.waitSignal(shortcut.activated, timeout=10000):
            press(on_bus, "open-quick-form")
        with qtbot.assertNotEmitted(shortcut.activated, wait=300):
            press(on_bus, "someone-elses-shortcut")
    finally:
        shortcut.close()
        stop_processes([portal])


def test_a_declined_binding_is_reported(on_bus: SessionBus, tmp_path: Path, qtbot: QtBot) -> None:
    portal = start_portal(on_bus, tmp_path / "bound.jsonl", "--decline")
    shortcut = make_shortcut()
    try:
        with qtbot.waitSignal(shortcut.problem, timeout=10000) as problem:
            shortcut.apply("Ctrl+Alt+G")
        assert problem.args == [
            "The shortcut could not be set through your desktop: the request was declined."
        ]
    finally:
        shortcut.close()
        stop_processes([portal])


def test_no_portal_means_the_manual_way(on_bus: SessionBus, qtbot: QtBot) -> None:
    shortcut = make_shortcut()
    try:
        with qtbot.waitSignal(shortcut.problem, timeout=10000) as problem:
            shortcut.apply("Ctrl+Alt+G")
        assert problem.args == [MANUAL]
    finally:
        shortcut.close()
