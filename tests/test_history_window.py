"""The session history window (in-process, offscreen)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from g2a_tray.core.callback_parser import StatusEvent
from g2a_tray.core.launch import Launch, LaunchRequest
from g2a_tray.core.session_store import SessionStore
from g2a_tray.ui.history_window import HistoryWindow

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def filled_store(tmp_path: Path) -> SessionStore:
    store = SessionStore(tmp_path / "s.sqlite3")
    for i, (ticket, customer, status, minutes) in enumerate(
        [
            ("4711", "Jane Doe", "complete", 12),
            ("4712", "Bob Roe", "active", 0),
            ("99", "", "abandoned", 0),
        ]
    ):
        lid = store.record(
            Launch(
                LaunchRequest(ticket, f"https://h.example/{ticket}", ""),
                "u",
                launched_at=T0 + timedelta(hours=i),
            )
        )
        store.record_event(
            lid,
            StatusEvent(
                session_id=f"S{i}", status="active", customer_name=customer, customer_joined_at=T0
            ),
        )
        if status != "active":
            store.record_event(
                lid,
                StatusEvent(
                    session_id=f"S{i}", status=status, ended_at=T0 + timedelta(minutes=minutes)
                ),
            )
    return store


def test_rows_sort_and_filter(qtbot: QtBot, tmp_path: Path) -> None:
    window = HistoryWindow()
    qtbot.addWidget(window)
    window.set_sessions(filled_store(tmp_path).sessions())
    assert [s.partner_object for s in window.visible_sessions()] == [
        "99",
        "4712",
        "4711",
    ]  # newest first
    window.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert [s.partner_object for s in window.visible_sessions()] == ["4711", "4712", "99"]
    qtbot.keyClicks(window.filter, "jane")
    assert [s.partner_object for s in window.visible_sessions()] == ["4711"]
    window.filter.clear()
    qtbot.keyClicks(window.filter, "customer connected")  # statuses are filtered as shown
    assert [s.partner_object for s in window.visible_sessions()] == ["4712"]


def test_copy_summary_of_the_selected_session(qtbot: QtBot, tmp_path: Path) -> None:
    window = HistoryWindow()
    qtbot.addWidget(window)
    window.set_sessions(filled_store(tmp_path).sessions())
    assert not window.copy_button.isEnabled()
    window.table.selectRow(2)  # the oldest: 4711
    assert window.copy_button.isEnabled()
    qtbot.mouseClick(window.copy_button, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert "ticket 4711" in text and "Customer: Jane Doe" in text and "Duration: 12 min 0 s" in text
    with qtbot.waitSignal(window.open_ticket) as opened:
        qtbot.mouseClick(window.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == ["https://h.example/4711"]


def test_selection_survives_a_refresh(qtbot: QtBot, tmp_path: Path) -> None:
    store = filled_store(tmp_path)
    window = HistoryWindow()
    qtbot.addWidget(window)
    window.set_sessions(store.sessions())
    window.table.selectRow(1)
    chosen = window.selected()
    window.set_sessions(store.sessions())
    assert window.selected() == chosen


def test_export_csv_writes_the_rows_shown(qtbot: QtBot, tmp_path: Path) -> None:
    window = HistoryWindow()
    qtbot.addWidget(window)
    window.set_sessions(filled_store(tmp_path).sessions())
    qtbot.keyClicks(window.filter, "47")
    target = tmp_path / "out.csv"
    assert window.export_to(str(target))
    rows = list(csv.DictReader(target.open()))
    assert sorted(r["partner_object"] for r in rows) == ["4711", "4712"]


def test_empty_history_says_so(qtbot: QtBot) -> None:
    window = HistoryWindow()
    qtbot.addWidget(window)
    window.show()
    window.set_sessions([])
    assert window.empty.isVisible() and not window.table.isVisible()
    assert not window.export_button.isEnabled()
