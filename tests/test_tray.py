"""The tray's reflection of the history (badge, tooltip, recent menu) and the app's
ticket opening, in-process."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from g2a_tray.app import TrayApp
from g2a_tray.core.callback_parser import StatusEvent
from g2a_tray.core.launch import Launch, LaunchRequest
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.session_store import SessionStore
from g2a_tray.qt.icons import tray_icons
from g2a_tray.qt.tray import TrayController
from tests.helpers import Profile


def sessions(tmp_path: Path, statuses: list[str]) -> SessionStore:
    store = SessionStore(tmp_path / "s.sqlite3")
    for i, status in enumerate(statuses):
        url = f"https://h.example/{i}" if i % 2 == 0 else ""
        lid = store.record(
            Launch(LaunchRequest(str(4700 + i), url, ""), "u", launched_at=datetime.now(UTC))
        )
        if status:
            store.record_event(lid, StatusEvent(status=status))
    return store


def test_badge_tooltip_and_recent_menu(qtbot: QtBot, tmp_path: Path) -> None:
    tray = TrayController(tray_icons())
    store = sessions(tmp_path, ["waiting", "active", "complete"])
    tray.show_sessions(store.sessions(10), store.open_sessions())
    tooltip = tray.icon.toolTip()
    assert "Active: Ticket 4701" in tooltip and "Waiting for customer: Ticket 4700" in tooltip
    recent = tray._recent.actions()
    assert [a.text() for a in recent] == [
        "Ticket 4702 — ended",
        "Ticket 4701 — customer connected",
        "Ticket 4700 — waiting for customer",
    ]
    assert [a.isEnabled() for a in recent] == [True, False, True]  # no URL, nothing to open
    with qtbot.waitSignal(tray.ticket_requested) as opened:
        recent[0].trigger()
    assert opened.args == ["https://h.example/2"]


def test_idle_tray_says_how_to_start(tmp_path: Path) -> None:
    tray = TrayController(tray_icons())
    store = sessions(tmp_path, ["complete"])
    tray.show_sessions(store.sessions(10), store.open_sessions())
    assert tray.icon.toolTip() == "g2a-tray: start a GoToAssist session"
    tray.show_sessions([], [])
    assert not tray._recent.isEnabled()


def test_the_badge_follows_the_state(tmp_path: Path) -> None:
    tray = TrayController(tray_icons())
    keys = []
    for statuses in (["waiting"], ["active"], ["complete"]):
        store = sessions(tmp_path / statuses[0], statuses)
        tray.show_sessions(store.sessions(10), store.open_sessions())
        keys.append(tray.icon.icon().cacheKey())
    assert len(set(keys)) == 3  # amber, green, plain


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "not a url"])
def test_ticket_urls_are_checked_again_before_opening(
    qapp: QApplication, profile: Profile, url: str
) -> None:
    opened: list[str] = []
    app = TrayApp(qapp, AppPaths.default(), opener=lambda u: opened.append(u) or True)
    try:
        app.open_ticket(url)
        app.open_ticket("https://h.example/ok")
    finally:
        app.shutdown()
    assert opened == ["https://h.example/ok"]
