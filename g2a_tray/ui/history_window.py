"""The session history window: a table of every launch, however many years long.

Rows come from the store a page at a time as they scroll into view; sorting and
filtering are SQL (:class:`~g2a_tray.core.session_store.HistoryQuery`), so opening the
window costs the same with ten sessions or a hundred thousand. The window only presents:
it reads through the ``fetch`` it is given and reports what the user wants
(``open_ticket``, ``mark_ended``, ``export_requested``); the app does the rest.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from g2a_tray.core.sessions.export import summary_text
from g2a_tray.core.sessions.model import HistoryQuery, SessionSummary, format_duration
from g2a_tray.core.sessions.status import SessionState
from g2a_tray.core.sessions.times import local_time

if TYPE_CHECKING:
    from g2a_tray.core.helpdesk.outbox import NoteStatus

log = logging.getLogger(__name__)

# (header, the store's sort key)
COLUMNS = (
    ("Started", "started"),
    ("Ticket", "ticket"),
    ("Status", "status"),
    ("Customer", "customer"),
    ("Joined", "joined"),
    ("Ended", "ended"),
    ("Duration", "duration"),
    ("Session ID", "session"),
    ("Helpdesk note", "started"),  # not a column of the history's own table: by start
)
NOTE_COLUMN = len(COLUMNS) - 1
PAGE = 200  # rows read per step as the table scrolls
NOTES_WIDTH = 1240  # and the helpdesk note column too
FILTER_DELAY_MS = 150  # one query per pause in typing, not one per key
AnyIndex = QModelIndex | QPersistentModelIndex
Fetch = Callable[[HistoryQuery, int, int], list[SessionSummary]]
StateOf = Callable[[SessionSummary], SessionState]
NotesOf = Callable[[list[int]], "dict[int, NoteStatus]"]  # launch ids → their notes


def _no_notes(_ids: list[int]) -> dict[int, NoteStatus]:
    return {}


class SessionTableModel(QAbstractTableModel):
    """The rows read so far for :attr:`query`; Qt asks for more (``fetchMore``) as the
    view scrolls to the end."""

    def __init__(self, fetch: Fetch, state_of: StateOf, notes_of: NotesOf = _no_notes) -> None:
        super().__init__()
        self._fetch = fetch
        self._state_of = state_of
        self._notes_of = notes_of
        self.query = HistoryQuery()
        self.rows: list[tuple[SessionSummary, SessionState]] = []
        self.notes: dict[int, NoteStatus] = {}  # of the rows read
        self._more = False
        self._data_failed = False

    def _read(self, offset: int, count: int) -> list[tuple[SessionSummary, SessionState]]:
        page = self._fetch(self.query, offset, count)
        self._more = len(page) == count
        self.notes.update(self._notes_of([s.launch_id for s in page]))
        return [(s, self._state_of(s)) for s in page]

    def reload(self, keep_loaded: bool = True) -> None:
        """Read again from the top: as many rows as were loaded (a refresh after a
        callback keeps the scroll position's rows), or one page (a new query)."""
        count = max(PAGE, len(self.rows)) if keep_loaded else PAGE
        self.notes = {}
        rows = self._read(0, count)
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def set_query(self, query: HistoryQuery) -> None:
        if query != self.query:
            self.query = query
            self.reload(keep_loaded=False)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._more:
            return
        rows = self._read(len(self.rows), PAGE)
        if rows:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.set_query(
            dataclasses.replace(
                self.query,
                sort=COLUMNS[column][1],
                descending=order == Qt.SortOrder.DescendingOrder,
            )
        )

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: AnyIndex, role: int = 0) -> Any:
        # Qt calls this from C++: a Python exception escaping here takes the whole
        # process down. Whatever a stored row holds, a cell shows nothing rather than crash.
        try:
            return self._data(index, role)
        except Exception:
            if not self._data_failed:
                self._data_failed = True
                log.exception("history: a cell could not be shown (shown empty)")
            return None

    def _data(self, index: AnyIndex, role: int) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        s, state = self.rows[index.row()]
        column = index.column()
        if column == NOTE_COLUMN:
            return self._note_data(s.launch_id, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(s, state, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == 1 and s.partner_object_url:
            return s.partner_object_url
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and state.raw:
            return f"GoToAssist's status: {state.raw}"
        return None

    def _note_data(self, launch_id: int, role: int) -> Any:
        note = self.notes.get(launch_id)
        if note is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return note.words(datetime.now(UTC))
        if role == Qt.ItemDataRole.ToolTipRole:
            return note.link or note.error or None
        return None


def _display(s: SessionSummary, state: SessionState, column: int) -> str:
    return (
        local_time(s.launched_at),
        s.partner_object,
        state.words,
        s.customer_name,
        local_time(s.customer_joined_at),
        local_time(s.ended_at or s.marked_ended_at),
        format_duration(s.duration) if s.duration is not None else "",
        s.session_id,
    )[column]


class HistoryWindow(QWidget):
    open_ticket = Signal(str)
    mark_ended = Signal(int)  # a launch id
    export_requested = Signal(str, HistoryQuery)  # the file chosen, the rows shown
    retry_note = Signal(int)  # a launch id whose helpdesk note should be tried again now

    def __init__(
        self,
        fetch: Fetch,
        state_of: StateOf,
        parent: QWidget | None = None,
        notes_of: NotesOf = _no_notes,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Session history")
        self.setObjectName("historyWindow")
        self.model = SessionTableModel(fetch, state_of, notes_of)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by ticket, customer, session ID, status…")
        self.filter.setClearButtonEnabled(True)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter.textChanged.connect(lambda _text: self._filter_timer.start())

        self.table = self._make_table()

        self.empty = QLabel("No sessions yet. Sessions you start appear here.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.copy_button = QPushButton("&Copy summary")
        self.copy_button.setToolTip("Copy the selected session as text, for the ticket's notes")
        self.copy_button.clicked.connect(self.copy_selected)
        self.open_button = QPushButton("&Open ticket")
        self.open_button.clicked.connect(self._open_selected)
        self.mark_button = QPushButton("&Mark as ended")
        self.mark_button.setToolTip(
            "GoToAssist did not say this session ended: say it yourself, so it stops "
            "counting as open"
        )
        self.mark_button.clicked.connect(self._mark_selected)
        self.retry_button = QPushButton("&Retry note")
        self.retry_button.setToolTip(
            "Write this session's note into the helpdesk again now (after fixing what it said)"
        )
        self.retry_button.clicked.connect(self._retry_selected)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.clicked.connect(self._export)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.mark_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(buttons)
        self.resize(980, 420)  # every column, times with seconds, without a scroll bar
        self._widened = False
        self._update_buttons()

    def _make_table(self) -> QTableView:
        """Whole rows selected, nothing edited, columns fitted to what was read."""
        table = QTableView()
        table.setModel(self.model)
        table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        table.setSortingEnabled(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        # Column widths from the rows read, not from every row (ResizeToContents would
        # measure each new page): fitted once per reload.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        table.doubleClicked.connect(lambda _index: self._open_selected())
        return table

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:  # as any other window a technician glances at
            self.close()
            return
        super().keyPressEvent(event)

    def refresh(self, keep_loaded: bool = True) -> None:
        """Read the rows again (the app calls this when the history changed)."""
        selected = self.selected()
        self.model.reload(keep_loaded)
        self._after_reload(selected)

    def apply_filter(self) -> None:
        self._filter_timer.stop()
        selected = self.selected()
        self.model.set_query(dataclasses.replace(self.model.query, text=self.filter.text()))
        self._after_reload(selected)

    def _after_reload(self, selected: SessionSummary | None) -> None:
        rows = bool(self.model.rows)
        filtering = bool(self.model.query.text.strip())
        self.table.setVisible(rows or filtering)
        self.empty.setVisible(not rows and not filtering)
        # The note column only for someone whose sessions have notes; the window grows
        # once to show it (later, the user's own size is kept).
        self.table.setColumnHidden(NOTE_COLUMN, not self.model.notes)
        self.retry_button.setVisible(bool(self.model.notes))
        self.table.resizeColumnsToContents()
        if self.model.notes and not self._widened:
            self._widened = True
            room = self.screen().availableGeometry().width() - 40
            self.resize(max(self.width(), min(NOTES_WIDTH, room)), self.height())
        if selected is not None:  # keep the selection across refreshes
            for row, (s, _state) in enumerate(self.model.rows):
                if s.launch_id == selected.launch_id:
                    self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> SessionSummary | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.model.rows):
            return None
        return self.model.rows[rows[0].row()][0]

    def selected_state(self) -> SessionState | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.model.rows):
            return None
        return self.model.rows[rows[0].row()][1]

    def visible_sessions(self) -> list[SessionSummary]:
        """The rows read so far, in the order shown."""
        return [s for s, _state in self.model.rows]

    def copy_selected(self) -> None:
        session, state = self.selected(), self.selected_state()
        if session is not None:
            QGuiApplication.clipboard().setText(summary_text(session, state))

    def _open_selected(self) -> None:
        session = self.selected()
        if session is not None and session.partner_object_url:
            self.open_ticket.emit(session.partner_object_url)

    def _mark_selected(self) -> None:
        session = self.selected()
        if session is not None:
            self.mark_ended.emit(session.launch_id)

    def _retry_selected(self) -> None:
        session = self.selected()
        if session is not None:
            self.retry_note.emit(session.launch_id)

    def _update_buttons(self) -> None:
        session, state = self.selected(), self.selected_state()
        note = self.model.notes.get(session.launch_id) if session is not None else None
        self.retry_button.setEnabled(note is not None and note.retryable)
        self.copy_button.setEnabled(session is not None)
        self.open_button.setEnabled(session is not None and bool(session.partner_object_url))
        self.mark_button.setEnabled(state is not None and state.phase.value in _MARKABLE)
        self.export_button.setEnabled(bool(self.model.rows))

    def _export(self) -> None:
        """A file chooser modal to this window only, opened without a nested event loop
        (``getSaveFileName`` would block every window of the app, the quick form too)."""
        chooser = QFileDialog(self, "Export session history", "g2a-tray-sessions.csv")
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setNameFilter("CSV files (*.csv)")
        chooser.setDefaultSuffix("csv")
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        query = self.model.query  # the filter as it was when Export was pressed
        chooser.fileSelected.connect(lambda path: self.export_requested.emit(path, query))
        chooser.open()


_MARKABLE = ("waiting", "active", "stale", "unknown")
