"""Notifications over a real (private) D-Bus session bus, to a notification server
process; the fallbacks when there is no daemon."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from g2a_tray.core.sessions.notifications import Note
from g2a_tray.qt.icons import app_icon
from g2a_tray.qt.notifier import NotificationCenter
from tests.helpers.buses import SessionBus, start_dunst_bus
from tests.helpers.desktop import Desktop
from tests.helpers.procs import need_tool, wait_for


@pytest.fixture
def center(
    qtbot: QtBot, session_bus: SessionBus, monkeypatch: pytest.MonkeyPatch
) -> Iterator[NotificationCenter]:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus.address)
    tray = QSystemTrayIcon(app_icon())
    c = NotificationCenter(tray, "g2a-tray")
    assert c._dbus is not None
    with qtbot.waitSignal(c._dbus.ready, timeout=10000) as ready:
        c.start()
    assert ready.args == [True]
    yield c
    c.close()


def test_notify_sends_typed_arguments_with_an_open_ticket_action(
    center: NotificationCenter, session_bus: SessionBus
) -> None:
    center.notify(
        Note("launch-1", "Customer joined", "Ticket 4711 — Jane Doe", "https://h.example/4711")
    )
    wait_for(lambda: len(session_bus.notifications()) == 1, 10, "the Notify call")
    [sent] = session_bus.notifications()
    assert sent["signature"] == "susssasa{sv}i"
    assert sent["app_name"] == "g2a-tray"
    assert sent["summary"] == "Customer joined"
    assert sent["body"] == "Ticket 4711 — Jane Doe"
    assert sent["actions"] == ["default", "Open ticket", "open-ticket", "Open ticket"]
    assert sent["hints"] == {"urgency": 1, "desktop-entry": "io.github.g2atray.G2aTray"}
    assert str(sent["app_icon"]).endswith("g2a-tray.svg")


def test_clicking_open_ticket_asks_to_open_that_tickets_url(
    center: NotificationCenter, session_bus: SessionBus, qtbot: QtBot
) -> None:
    center.notify(Note("launch-1", "Customer joined", "Ticket 1", "https://h.example/1"))
    center.notify(Note("launch-2", "Customer joined", "Ticket 2", "https://h.example/2"))
    wait_for(lambda: len(session_bus.notifications()) == 2, 10, "two Notify calls")
    second = session_bus.notifications()[1]
    with qtbot.waitSignal(center.open_ticket, timeout=10000) as opened:
        session_bus.invoke(int(second["id"]), "open-ticket")  # type: ignore[call-overload]
    assert opened.args == ["https://h.example/2"]  # two sessions never mix their tickets


def test_a_launchs_later_note_replaces_its_earlier_one(
    center: NotificationCenter, session_bus: SessionBus
) -> None:
    center.notify(Note("launch-7", "Customer joined", "Ticket 7", ""))
    wait_for(lambda: len(session_bus.notifications()) == 1, 10, "the first Notify")
    center.notify(Note("launch-7", "Session ended", "Ticket 7 — lasted 5 min 0 s", ""))
    center.notify(Note("launch-8", "Customer joined", "Ticket 8", ""))
    wait_for(lambda: len(session_bus.notifications()) == 3, 10, "three Notify calls")
    first, ended, other = session_bus.notifications()
    assert ended["replaces_id"] == first["id"]
    assert other["replaces_id"] == 0
    assert first["actions"] == [] == ended["actions"]  # no ticket URL, no action


def test_disabled_notifications_send_nothing(
    center: NotificationCenter, session_bus: SessionBus, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    center.enabled = False
    center.notify(Note("k", "Customer joined", "Ticket 1"))
    center.enabled = True
    center.notify(Note("k2", "Session ended", "Ticket 2"))
    wait_for(lambda: len(session_bus.notifications()) == 1, 10, "the one enabled Notify")
    assert session_bus.notifications()[0]["summary"] == "Session ended"
    assert "notifications off" in caplog.text


def test_without_a_bus_notes_fall_back_to_the_log(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    c = NotificationCenter(QSystemTrayIcon(app_icon()), "g2a-tray")
    assert c._dbus is not None
    with qtbot.waitSignal(c._dbus.ready, timeout=10000) as ready:
        c.start()
    assert ready.args == [False]
    with caplog.at_level("INFO"):
        c.notify(Note("k", "Session abandoned", "Ticket 9"))
    assert "nowhere to show it): Session abandoned: Ticket 9" in caplog.text
    c.close()


def test_body_markup_is_escaped_for_a_real_daemon(
    qtbot: QtBot, desktop: Desktop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dunst advertises ``body-markup``: a ticket id or customer name with <, > or & is
    sent escaped, so it shows as typed instead of being read as markup."""
    for tool in ("dbus-daemon", "dunst", "dbus-monitor", "stdbuf"):
        need_tool(tool)
    bus = start_dunst_bus(desktop.display, tmp_path)
    center = None
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
        center = NotificationCenter(QSystemTrayIcon(app_icon()), "g2a-tray")
        assert center._dbus is not None
        with qtbot.waitSignal(center._dbus.ready, timeout=10000) as ready:
            center.start()
        assert ready.args == [True]
        assert center._dbus.supports_markup
        center.notify(Note("launch-1", "Customer joined", 'Ticket <b>4711</b> — "A & B" <i>', ""))
        # as dbus-monitor prints it
        expected = 'string "Ticket &lt;b&gt;4711&lt;/b&gt; — "A &amp; B" &lt;i&gt;"'
        wait_for(lambda: expected in bus.notify_calls(), 10, "the escaped Notify body")
        assert 'string "Customer joined"' in bus.notify_calls()  # the summary is never markup
    finally:
        if center is not None:
            center.close()
        bus.stop()
