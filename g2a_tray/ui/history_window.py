"""The session history window: a sortable, filterable table of every launch.

It shows what the app hands it (``set_sessions``) and reports what the user wants
(``open_ticket``); copying and exporting only format what is shown.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
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

from g2a_tray.core.history_export import local_time, summary_text, write_csv
from g2a_tray.core.notifications import format_duration, status_label
from g2a_tray.core.session_store import SessionSummary
from g2a_tray.qt.dialogs import warn

log = logging.getLogger(__name__)

COLUMNS = ("Started", "Ticket", "Status", "Customer", "Joined", "Ended", "Duration", "Session ID")
AnyIndex = QModelIndex | QPersistentModelIndex


class SessionTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[SessionSummary] = []
        self._data_failed = False

    def set_sessions(self, sessions: list[SessionSummary]) -> None:
        self.beginResetModel()
        self.sessions = sessions
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.sessions)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
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
        if not index.isValid() or index.row() >= len(self.sessions):
            return None
        s = self.sessions[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(s, column)
        if role == Qt.ItemDataRole.UserRole:  # what sorting compares
            value = _sort_key(s, column)
            return value
        if role == Qt.ItemDataRole.ToolTipRole and column == 1 and s.partner_object_url:
            return s.partner_object_url
        return None


def _display(s: SessionSummary, column: int) -> str:
    return (
        local_time(s.launched_at),
        s.partner_object,
        status_label(s.status),
        s.customer_name,
        local_time(s.customer_joined_at),
        local_time(s.ended_at),
        format_duration(s.duration) if s.duration is not None else "",
        s.session_id,
    )[column]


def _sort_key(s: SessionSummary, column: int) -> Any:
    def stamp(value: datetime | None) -> float:
        try:
            return value.timestamp() if value else 0.0
        except (OverflowError, ValueError, OSError):
            return 0.0

    keys: tuple[Any, ...] = (
        stamp(s.launched_at),
        s.partner_object.lower(),
        s.status,
        s.customer_name.lower(),
        stamp(s.customer_joined_at),
        stamp(s.ended_at),
        s.duration.total_seconds() if s.duration is not None else -1.0,
        s.session_id,
    )
    return keys[column]


class HistoryWindow(QWidget):
    open_ticket = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Session history")
        self.setObjectName("historyWindow")
        self.model = SessionTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by ticket, customer, status…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self._open_selected())

        self.empty = QLabel("No sessions yet. Sessions you start appear here.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.copy_button = QPushButton("&Copy summary")
        self.copy_button.setToolTip("Copy the selected session as text, for the ticket's notes")
        self.copy_button.clicked.connect(self.copy_selected)
        self.open_button = QPushButton("&Open ticket")
        self.open_button.clicked.connect(self._open_selected)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.clicked.connect(self._export)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(buttons)
        self.resize(980, 420)  # every column, times with seconds, without a scroll bar
        self._update_buttons()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:  # as any other window a technician glances at
            self.close()
            return
        super().keyPressEvent(event)

    def set_sessions(self, sessions: list[SessionSummary]) -> None:
        selected = self.selected()
        self.model.set_sessions(sessions)
        self.table.setVisible(bool(sessions))
        self.empty.setVisible(not sessions)
        if selected is not None:  # keep the selection across refreshes
            for row, s in enumerate(sessions):
                if s.launch_id == selected.launch_id:
                    self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
        self._update_buttons()

    def selected(self) -> SessionSummary | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.sessions[self.proxy.mapToSource(rows[0]).row()]

    def visible_sessions(self) -> list[SessionSummary]:
        return [
            self.model.sessions[self.proxy.mapToSource(self.proxy.index(row, 0)).row()]
            for row in range(self.proxy.rowCount())
        ]

    def copy_selected(self) -> None:
        session = self.selected()
        if session is not None:
            QGuiApplication.clipboard().setText(summary_text(session))

    def _open_selected(self) -> None:
        session = self.selected()
        if session is not None and session.partner_object_url:
            self.open_ticket.emit(session.partner_object_url)

    def _update_buttons(self) -> None:
        session = self.selected()
        self.copy_button.setEnabled(session is not None)
        self.open_button.setEnabled(session is not None and bool(session.partner_object_url))
        self.export_button.setEnabled(bool(self.model.sessions))

    def _export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export session history", "g2a-tray-sessions.csv", "CSV files (*.csv)"
        )
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> bool:
        """Write the rows shown (the filter applies) to ``path``; say so if it fails."""
        try:
            with open(path, "w", newline="", encoding="utf-8") as out:
                write_csv(self.visible_sessions(), out)
        except OSError as exc:
            warn(self, "Export failed", f"Could not write {path}: {exc.strerror or exc}.")
            return False
        return True
