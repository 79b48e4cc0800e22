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
from g2a_tray.qt.shortcut_portal import NO_KEY_ASSIGNED, PortalBackend, xdg_trigger
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
    """The app's GlobalShortcut with the portal backend, wired as _pick_backend wires it."""
    s = GlobalShortcut(auto=False)
    s._backend = PortalBackend(
        lambda message: s._desktop_problem.emit(MANUAL if message == "manual" else message),
        s._desktop_bound.emit,
    )
    return s


def calls(record: Path) -> list[list[object]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines()]


def test_xdg_trigger_notation() -> None:
    assert xdg_trigger(Chord.parse("Ctrl+Alt+G")) == "CTRL+ALT+g"
    assert xdg_trigger(Chord.parse("Meta+Shift+F5")) == "SHIFT+LOGO+F5"


WANTED = [
    "open-quick-form",
    {"description": "Open the g2a-tray quick form", "preferred_trigger": "CTRL+ALT+g"},
]


def test_binds_through_the_portal_and_fires_with_a_focus_token(
    on_bus: SessionBus, tmp_path: Path, qtbot: QtBot
) -> None:
    record = tmp_path / "calls.jsonl"
    portal = start_portal(on_bus, record)
    shortcut = make_shortcut()
    try:
        with qtbot.waitSignal(shortcut.bound, timeout=10000) as bound:
            assert shortcut.apply("Ctrl+Alt+G") is None
        assert bound.args == ["CTRL+ALT+g"] and shortcut.active == "CTRL+ALT+g"
        assert calls(record) == [["BindShortcuts", [WANTED]]]
        with qtbot.waitSignal(shortcut.activated, timeout=10000) as pressed:
            press(on_bus, "open-quick-form")
        assert pressed.args == ["portal-token-1"]  # the form is shown with it
        with qtbot.assertNotEmitted(shortcut.activated, wait=300):
            press(on_bus, "someone-elses-shortcut")
    finally:
        shortcut.close()
        stop_processes([portal])


def test_a_portal_that_wants_an_app_id_gets_one(
    on_bus: SessionBus, tmp_path: Path, qtbot: QtBot
) -> None:
    """xdg-desktop-portal 1.21+ refuses an unsandboxed app that has not registered."""
    record = tmp_path / "calls.jsonl"
    portal = start_portal(on_bus, record, "--require-app-id")
    shortcut = make_shortcut()
    try:
        with qtbot.waitSignal(shortcut.bound, timeout=10000) as bound:
            shortcut.apply("Ctrl+Alt+G")
        assert bound.args == ["CTRL+ALT+g"]
    finally:
        shortcut.close()
        stop_processes([portal])


def test_plasma_5_27_binds_from_create_session_and_is_not_asked_again(
    on_bus: SessionBus, tmp_path: Path, qtbot: QtBot
) -> None:
    """Plasma 5.27 binds only what CreateSession names; BindShortcuts says yes and binds
    nothing. And a restart must not ask again (KDE confirms every BindShortcuts)."""
    record, state = tmp_path / "calls.jsonl", tmp_path / "kept.json"
    for _start in range(2):
        portal = start_portal(on_bus, record, "--plasma-5-27", "--state", str(state))
        shortcut = make_shortcut()
        try:
            with qtbot.waitSignal(shortcut.bound, timeout=10000) as bound:
                shortcut.apply("Ctrl+Alt+G")
            assert bound.args == ["CTRL+ALT+g"]
        finally:
            shortcut.close()
            stop_processes([portal])
    assert calls(record) == []  # listed as bound both times: never bound again


def test_a_restart_binds_nothing_the_desktop_already_has(
    on_bus: SessionBus, tmp_path: Path, qtbot: QtBot
) -> None:
    record, state = tmp_path / "calls.jsonl", tmp_path / "kept.json"
    for _start in range(2):
        portal = start_portal(on_bus, record, "--state", str(state), "--require-app-id")
        shortcut = make_shortcut()
        try:
            with qtbot.waitSignal(shortcut.bound, timeout=10000):
                shortcut.apply("Ctrl+Alt+G")
        finally:
            shortcut.close()
            stop_processes([portal])
    assert calls(record) == [["BindShortcuts", [WANTED]]]  # once, at the first start


def test_no_key_assigned_is_told_with_where_to_set_one(
    on_bus: SessionBus, tmp_path: Path, qtbot: QtBot
) -> None:
    portal = start_portal(on_bus, tmp_path / "calls.jsonl", "--no-key")
    shortcut = make_shortcut()
    try:
        with qtbot.waitSignal(shortcut.problem, timeout=10000) as problem:
            shortcut.apply("Ctrl+Alt+G")
        assert problem.args == [NO_KEY_ASSIGNED] and "System Settings" in NO_KEY_ASSIGNED
        assert shortcut.active == ""
    finally:
        shortcut.close()
        stop_processes([portal])


def test_change_opens_the_desktops_own_editor_on_version_2(
    on_bus: SessionBus, tmp_path: Path, qtbot: QtBot
) -> None:
    for version in ("1", "2"):
        record = tmp_path / f"calls-{version}.jsonl"
        portal = start_portal(on_bus, record, "--version", version)
        shortcut = make_shortcut()
        try:
            with qtbot.waitSignal(shortcut.bound, timeout=10000):
                shortcut.apply("Ctrl+Alt+G")
            assert shortcut.can_configure() == (version == "2")
            shortcut.configure()
            if version == "2":
                wait_for(lambda r=record: len(calls(r)) == 2, 10, "ConfigureShortcuts")
                assert calls(record)[1][0] == "ConfigureShortcuts"
            else:
                assert len(calls(record)) == 1
        finally:
            shortcut.close()
            stop_processes([portal])


def test_a_declined_binding_is_reported(on_bus: SessionBus, tmp_path: Path, qtbot: QtBot) -> None:
    portal = start_portal(on_bus, tmp_path / "calls.jsonl", "--decline")
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
