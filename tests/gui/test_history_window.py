"""The session history window (in-process, offscreen)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.model import HistoryQuery, SessionSummary
from g2a_tray.core.sessions.status import state_of
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.updates.callback_parser import StatusEvent
from g2a_tray.ui.history_window import PAGE, Fetch, HistoryWindow

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


def window_on(qtbot: QtBot, store: SessionStore, fetch: Fetch | None = None) -> HistoryWindow:
    now = datetime.now(UTC)
    window = HistoryWindow(fetch or store.page, lambda s: state_of(s, now))
    qtbot.addWidget(window)
    window.refresh()
    return window


def filter_by(qtbot: QtBot, window: HistoryWindow, text: str) -> None:
    window.filter.clear()
    qtbot.keyClicks(window.filter, text)
    window.apply_filter()  # what the typing pause would do


def test_rows_sort_and_filter_in_sql(qtbot: QtBot, tmp_path: Path) -> None:
    window = window_on(qtbot, filled_store(tmp_path))
    assert [s.partner_object for s in window.visible_sessions()] == [
        "99",
        "4712",
        "4711",
    ]  # newest first
    window.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert window.model.query.sort == "ticket"
    assert [s.partner_object for s in window.visible_sessions()] == ["4711", "4712", "99"]
    window.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)  # duration
    assert window.visible_sessions()[0].partner_object == "4711"
    filter_by(qtbot, window, "jane")
    assert [s.partner_object for s in window.visible_sessions()] == ["4711"]
    filter_by(qtbot, window, "customer connected")  # statuses are filtered as shown
    assert [s.partner_object for s in window.visible_sessions()] == ["4712"]
    filter_by(qtbot, window, "%")  # LIKE's wildcards are plain characters
    assert window.visible_sessions() == [] and window.table.isVisibleTo(window)


def test_opening_reads_one_page_not_the_whole_history(qtbot: QtBot, tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3")
    for i in range(PAGE * 3 + 7):
        store.record(Launch(LaunchRequest(str(i), "", ""), "u", launched_at=T0))
    read: list[int] = []

    def counting(query: HistoryQuery, offset: int, limit: int) -> list[SessionSummary]:
        page = store.page(query, offset, limit)
        read.append(len(page))
        return page

    window = window_on(qtbot, store, counting)
    window.show()
    qtbot.waitExposed(window)
    assert sum(read) <= PAGE  # a screenful needs one page, not 607 rows
    window.table.scrollToBottom()  # Qt asks for the next page at the end
    qtbot.waitUntil(lambda: len(window.model.rows) > PAGE)
    assert sum(read) <= 2 * PAGE
    while window.model.canFetchMore():
        window.model.fetchMore()
    assert len(window.model.rows) == PAGE * 3 + 7
    assert len({s.launch_id for s in window.visible_sessions()}) == PAGE * 3 + 7


def test_copy_summary_of_the_selected_session(qtbot: QtBot, tmp_path: Path) -> None:
    window = window_on(qtbot, filled_store(tmp_path))
    assert not window.copy_button.isEnabled()
    window.table.selectRow(2)  # the oldest: 4711
    assert window.copy_button.isEnabled()
    assert not window.mark_button.isEnabled()  # it ended
    qtbot.mouseClick(window.copy_button, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert "ticket 4711" in text and "Customer: Jane Doe" in text and "Duration: 12 min 0 s" in text
    with qtbot.waitSignal(window.open_ticket) as opened:
        qtbot.mouseClick(window.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == ["https://h.example/4711"]


def test_mark_ended_from_the_history(qtbot: QtBot, tmp_path: Path) -> None:
    store = filled_store(tmp_path)
    window = window_on(qtbot, store)
    window.table.selectRow(1)  # 4712, customer connected
    assert window.mark_button.isEnabled()
    with qtbot.waitSignal(window.mark_ended) as marked:
        qtbot.mouseClick(window.mark_button, Qt.MouseButton.LeftButton)
    store.mark_ended(marked.args[0])
    window.refresh()
    assert window.selected() is not None and window.selected().partner_object == "4712"
    assert window.model.data(window.model.index(1, 2)) == "ended (marked by you)"
    assert not window.mark_button.isEnabled()


def test_selection_survives_a_refresh(qtbot: QtBot, tmp_path: Path) -> None:
    window = window_on(qtbot, filled_store(tmp_path))
    window.table.selectRow(1)
    chosen = window.selected()
    window.refresh()
    assert window.selected() == chosen


def test_export_asks_for_the_rows_shown(qtbot: QtBot, tmp_path: Path) -> None:
    window = window_on(qtbot, filled_store(tmp_path))
    filter_by(qtbot, window, "47")
    assert window.export_button.isEnabled()
    assert window.model.query.text == "47"  # the app exports what this query selects


def test_empty_history_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    window = window_on(qtbot, SessionStore(tmp_path / "s.sqlite3"))
    window.show()
    assert window.empty.isVisible() and not window.table.isVisible()
    assert not window.export_button.isEnabled()
