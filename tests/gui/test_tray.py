"""The tray's reflection of the history (badge, tooltip, recent menu) and the app's
ticket opening, in-process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from g2a_tray.app.root import TrayApp
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.model import SessionSummary
from g2a_tray.core.sessions.status import Phase, state_of
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.updates.callback_parser import StatusEvent
from g2a_tray.qt.icons import tray_icons
from g2a_tray.qt.tray import Row, TrayController
from tests.helpers.profile import Profile


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


def rows(found: list[SessionSummary], now: datetime | None = None) -> list[Row]:
    return [(s, state_of(s, now or datetime.now(UTC))) for s in found]


def show(tray: TrayController, store: SessionStore, now: datetime | None = None) -> None:
    tray.show_sessions(rows(store.sessions(10), now), rows(store.open_sessions(), now))


def test_badge_tooltip_and_recent_menu(qtbot: QtBot, tmp_path: Path) -> None:
    tray = TrayController(tray_icons())
    store = sessions(tmp_path, ["waiting", "active", "complete"])
    show(tray, store)
    tooltip = tray.icon.toolTip()
    assert "Customer connected: Ticket 4701" in tooltip
    assert "Waiting for the customer: Ticket 4700" in tooltip
    recent = tray._recent.actions()
    assert [a.text() for a in recent] == [
        "Ticket 4702 — ended",
        "Ticket 4701 — customer connected",
        "Ticket 4700 — waiting for the customer",
    ]
    with qtbot.waitSignal(tray.ticket_requested) as opened:
        recent[0].trigger()
    assert opened.args == ["https://h.example/2"]
    # A session not ended has a submenu: its ticket (when it has one) and "Mark as ended".
    connected, waiting = recent[1].menu(), recent[2].menu()
    assert [a.text() for a in connected.actions()] == ["Mark as ended"]  # no URL
    assert [a.text() for a in waiting.actions()] == ["Open ticket", "Mark as ended"]
    with qtbot.waitSignal(tray.mark_ended_requested) as marked:
        connected.actions()[0].trigger()
    assert marked.args == [store.sessions(10)[1].launch_id]


def test_a_launch_with_no_update_waits_and_then_goes_stale(tmp_path: Path) -> None:
    tray = TrayController(tray_icons())
    store = sessions(tmp_path, [""])  # launched, no callback at all
    show(tray, store)
    assert "Waiting for the customer: Ticket 4700" in tray.icon.toolTip()
    assert tray._badge == Phase.WAITING
    show(tray, store, now=datetime.now(UTC) + timedelta(hours=3))  # default: 2 h
    [stale] = tray._recent.actions()
    assert stale.text().startswith("Ticket 4700 — no update since ")
    assert tray._badge == "idle"  # nothing to wait for any more
    assert "No update since" in tray.icon.toolTip()
    assert tray.icon.icon().cacheKey() == tray._icons["idle"].cacheKey()
    store.mark_ended(store.sessions(1)[0].launch_id)
    show(tray, store)
    assert [a.text() for a in tray._recent.actions()] == ["Ticket 4700 — ended (marked by you)"]
    assert tray.icon.toolTip() == "g2a-tray: start a GoToAssist session"


def test_idle_tray_says_how_to_start(tmp_path: Path) -> None:
    tray = TrayController(tray_icons())
    store = sessions(tmp_path, ["complete"])
    show(tray, store)
    assert tray.icon.toolTip() == "g2a-tray: start a GoToAssist session"
    tray.show_sessions([], [])
    assert not tray._recent.isEnabled()


def test_the_badge_follows_the_state(tmp_path: Path) -> None:
    tray = TrayController(tray_icons())
    keys = []
    for statuses in (["waiting"], ["active"], ["complete"]):
        store = sessions(tmp_path / statuses[0], statuses)
        show(tray, store)
        keys.append(tray.icon.icon().cacheKey())
    assert len(set(keys)) == 3  # amber, green, plain


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "not a url"])
def test_ticket_urls_are_checked_again_before_opening(
    qapp: QApplication, profile: Profile, url: str
) -> None:
    opened: list[str] = []
    app = TrayApp(qapp, AppPaths.default(), opener=lambda u, done: done(not opened.append(u)))
    try:
        app.sessions.open_ticket(url)
        app.sessions.open_ticket("https://h.example/ok")
    finally:
        app.shutdown()
    assert opened == ["https://h.example/ok"]


def test_refreshing_the_recent_menu_reuses_its_submenus(tmp_path: Path) -> None:
    """A QMenu made and deleted per refresh left memory behind (about 9 MiB per 1,000);
    the submenus of open sessions are refilled instead, and an unchanged list is left be."""
    from PySide6.QtWidgets import QMenu

    tray = TrayController(tray_icons())
    store = sessions(tmp_path, ["waiting", "active", "", "waiting"])
    show(tray, store)
    first = tray._recent.findChildren(QMenu)
    assert len(first) == 4
    actions = tray._recent.actions()
    show(tray, store)  # nothing changed: nothing rebuilt
    assert tray._recent.actions() == actions
    for i in range(50):  # new sessions push the list along: rebuilt every time
        store.record(Launch(LaunchRequest(str(5000 + i)), "u", launched_at=datetime.now(UTC)))
        show(tray, store)
        assert tray._recent.actions()[0].text() == f"Ticket {5000 + i} — waiting for the customer"
    assert len(tray._recent.findChildren(QMenu)) == 10  # one per open session shown, reused
    assert set(first) <= set(tray._recent.findChildren(QMenu))


def test_updates_that_cannot_arrive_badge_the_icon_fill_the_menu_and_clear(
    qapp: QApplication, profile: Profile
) -> None:
    from g2a_tray.core.updates.relay import CONNECTED, REFUSED, RelayState

    profile.write_settings('[callback]\nlisten_port = 0\n[relay]\nurl = "https://r.example"\n')
    app = TrayApp(qapp, AppPaths.default())
    shown: list[str] = []
    app.notifications.notify = lambda note: shown.append(note.title)  # type: ignore[method-assign]
    tray = app.tray
    start, first = tray._menu.actions()[:2]
    try:
        assert start.text() == "Start session…" and tray._menu.defaultAction() is start
        assert not first.isVisible()
        app.relay.state_changed.emit(RelayState(REFUSED, "r.example", reason="(401)"))
        assert "refused" in tray.updates_problem
        assert first.isVisible() and first.text().startswith("Session updates are not arriving")
        assert tray._menu.actions()[0] is start  # still the first: a left click on GNOME
        assert tray.icon.icon().cacheKey() == tray._icons["warning"].cacheKey()
        app.relay.state_changed.emit(RelayState(REFUSED, "r.example", reason="(401)"))
        assert shown == ["Session updates are not arriving"]  # once, not at every retry
        app.relay.state_changed.emit(RelayState(CONNECTED, "r.example"))
        assert tray.updates_problem == "" and not first.isVisible()
        assert tray.icon.icon().cacheKey() == tray._icons["idle"].cacheKey()
    finally:
        app.shutdown()
