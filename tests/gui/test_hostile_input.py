"""Text and values from outside are data: they never crash a view, act as markup, run
as a formula, move a terminal's cursor, or leak a secret into the log. And quitting
ends the app whatever is open."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from g2a_tray import cli
from g2a_tray.app.root import TrayApp
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.sessions.export import as_json, export_csv, summary_text, write_csv
from g2a_tray.core.sessions.launch import Launch, LaunchError, LaunchRequest, check_request
from g2a_tray.core.sessions.model import HistoryQuery, SessionSummary
from g2a_tray.core.sessions.status import state_of
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import Settings
from g2a_tray.core.updates.callback_server import CallbackServer
from g2a_tray.logging_setup import setup_logging
from g2a_tray.ui.history_window import HistoryWindow
from tests.helpers.profile import Profile

EDGE_BODIES = [
    {"sessionId": "E1", "status": "complete", "endedAt": "9999-12-31T23:59:59Z"},
    {"sessionId": "E2", "status": "active", "customerJoinedAt": "0001-01-01T00:00:00Z"},
    {"sessionId": "E3", "status": "complete", "endedAt": 10**399},
    {"sessionId": "E4", "status": "active", "startedAt": "0001-01-01T00:00:00+23:59"},
]


@pytest.mark.parametrize(
    "ticket",
    ["47\u008511", "47\u202e11", "47\u206611", "47\u200f11", "47\x1b[2J11", "47\x7f11"],
)
def test_ticket_ids_refuse_c1_and_bidi_controls(ticket: str) -> None:
    with pytest.raises(LaunchError, match="control characters") as refused:
        check_request(LaunchRequest(ticket), Settings())
    assert refused.value.field == "partner_object"
    assert "U+" in str(refused.value)


def test_csv_neutralises_formulas_in_every_column() -> None:
    evil = '=HYPERLINK("http://x")'
    session = SessionSummary(
        launch_id=1,
        partner_object="+1",
        partner_object_url="https://h.example/-1",
        layout="",
        launched_at=datetime(2026, 1, 1, tzinfo=UTC),
        status=evil,  # an unknown status, as a callback sent it
        session_id="@SUM(1)",
        customer_name="-2+3",
    )
    out = io.StringIO()
    write_csv([session], out)
    _header, row = list(csv.reader(io.StringIO(out.getvalue())))
    for cell in row:
        assert cell.lstrip(" ")[:1] not in ("=", "+", "-", "@"), row
    assert "'=HYPERLINK" in row[3]


def test_unknown_statuses_read_unknown_and_never_hide_a_known_one(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3")
    launch_id = store.record(Launch(LaunchRequest("1"), "u"))
    from g2a_tray.core.updates.callback_parser import StatusEvent

    store.record_event(launch_id, StatusEvent(session_id="S", status="<b>zzz</b>"))
    summary = store.summary(launch_id)
    assert summary.status == "<b>zzz</b>"  # kept raw for status --json
    assert state_of(summary, datetime.now(UTC)).words == "unknown status"
    store.record_event(launch_id, StatusEvent(session_id="S", status="active"))
    store.record_event(launch_id, StatusEvent(session_id="S", status="weird-later"))
    assert store.summary(launch_id).status == "active"
    store.close()


@pytest.fixture
def edge_store(tmp_path: Path) -> Iterator[tuple[SessionStore, list[int]]]:
    """A store that received the edge-date callbacks over real HTTP."""
    store = SessionStore(tmp_path / "s.sqlite3")
    server = CallbackServer(store, lambda _event: None)
    server.start("127.0.0.1", 0)
    ids = []
    try:
        for body in EDGE_BODIES:
            launch = Launch(LaunchRequest(str(body["sessionId"])), "u")
            ids.append(store.record(launch))
            text = json.dumps(body)
            r = httpx.post(
                f"{server.local_base_url}/callback/{launch.secret}",
                content=text,
                headers={"content-type": "application/json"},
            )
            assert r.status_code == 200, r.text
    finally:
        server.stop()
    yield store, ids
    store.close()


def test_edge_dates_reach_every_view_without_breaking_it(
    qtbot: QtBot, edge_store: tuple[SessionStore, list[int]], tmp_path: Path
) -> None:
    store, _ids = edge_store
    sessions = store.sessions()
    assert len(sessions) == len(EDGE_BODIES)
    window = HistoryWindow(store.page, lambda s: state_of(s, datetime.now(UTC)))
    qtbot.addWidget(window)
    window.refresh()
    window.show()
    qtbot.waitExposed(window)
    window.grab()  # paints every visible cell
    model = window.model
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                model.data(model.index(row, column), role)
    for column in range(model.columnCount()):  # SQL sorts by every column's key
        window.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
        assert len(window.visible_sessions()) == len(EDGE_BODIES)
    assert export_csv(tmp_path / "out.csv", store.iter_sessions()) == len(EDGE_BODIES)
    assert len((tmp_path / "out.csv").read_text().splitlines()) == 1 + len(EDGE_BODIES)
    for s in sessions:
        summary_text(s)
        json.dumps(as_json(s))
        for stamp in (s.started_at, s.customer_joined_at, s.ended_at):
            assert stamp is None or 2000 <= stamp.year < 2200


def test_the_model_survives_values_it_cannot_show(qtbot: QtBot) -> None:
    """Whatever a row holds, data() answers and never raises into Qt."""
    broken = SessionSummary(
        launch_id=1,
        partner_object="x",
        partner_object_url="",
        layout="",
        launched_at=datetime.min.replace(tzinfo=UTC),
        ended_at=datetime.max.replace(tzinfo=UTC),
        customer_joined_at=datetime.min.replace(tzinfo=UTC),
    )
    window = HistoryWindow(
        lambda _q, offset, _n: [broken] if offset == 0 else [],
        lambda s: state_of(s, datetime.now(UTC)),
    )
    qtbot.addWidget(window)
    window.refresh()
    window.show()
    window.grab()
    model = window.model
    for column in range(model.columnCount()):
        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            model.data(model.index(0, column), role)
    assert model.data(QModelIndex()) is None


@pytest.mark.usefixtures("restore_logging")
def test_status_never_writes_a_control_character(
    profile: Profile, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = AppPaths.default()
    store = SessionStore(paths.sessions_file)
    # A row from before tickets were checked (or edited by hand), and a callback's name.
    store._db.execute(
        "INSERT INTO launches (secret, secret_sha256, partner_object, partner_object_url,"
        " layout, url, launched_at) VALUES ('s', 'd', ?, '', '', 'u', '2026-01-01T00:00:00+00:00')",
        ("47\x1b]0;pwned\x0711\u202e\u0085",),
    )
    store.close()
    assert cli.main(["status"]) == 0
    table = capsys.readouterr().out
    assert cli.main(["status", "--json"]) == 0
    raw_json = capsys.readouterr().out
    for text in (table, raw_json):
        bad = [
            ch
            for ch in text
            if ch != "\n" and (ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e")
        ]
        assert bad == [], repr(text)
    assert json.loads(raw_json)[0]["partnerObject"] == "47\x1b]0;pwned\x0711\u202e\u0085"


@pytest.mark.usefixtures("restore_logging")
def test_no_secret_reaches_the_log_from_any_logger(tmp_path: Path) -> None:
    log_file = tmp_path / "g2a-tray.log"
    root = logging.getLogger()
    setup_logging(log_file)
    store = SessionStore(tmp_path / "s.sqlite3")
    server = CallbackServer(store, lambda _e: None)
    server.start("127.0.0.1", 0)
    launch = Launch(LaunchRequest("1"), "u")
    store.record(launch)
    url = f"{server.local_base_url}/callback/{launch.secret}"
    with httpx.Client() as client:  # httpx logs every request URL at INFO
        assert client.post(url, json={"status": "active"}).status_code == 200
    logging.getLogger("anything").warning("posting to %s failed", url)
    server.stop()
    store.close()
    for handler in root.handlers:
        handler.flush()
    text = log_file.read_text()
    assert "HTTP Request: POST" in text and "/callback/…" in text
    assert launch.secret not in text


# -- the composition root: dialogs and quitting


@pytest.fixture
def app(qapp: QApplication, profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Iterator[TrayApp]:
    # As on a desktop with a tray: closing the form then hides it instead of quitting,
    # which is what used to veto QApplication.quit(). (The real tray: test_app_process.)
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    tray_app = TrayApp(qapp, AppPaths.default())
    tray_app.start()
    yield tray_app
    tray_app.tray.hide()
    tray_app.shutdown()


def test_a_refused_link_is_shown_as_plain_text(app: TrayApp) -> None:
    answer = app.requests.open_link("g2a-tray://start?<b>x</b>=1")
    assert answer["ok"] is False
    box = app.notices.open[-1]
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "<b>x</b>" in box.text()
    box.close()


def test_quit_ends_every_loop_whatever_is_open(qapp: QApplication, app: TrayApp) -> None:
    """Form, history, a message box, the settings dialog (all modeless now) and a file
    chooser that runs Qt's own nested loop: quit must end them all."""
    opened: list[str] = []
    stuck: list[str] = []

    def open_everything() -> None:
        app.windows.show_form()
        app.windows.show_history()
        app.notices.tell("A message", "a message box stays open")
        QTimer.singleShot(50, choose_a_file)
        opened.append("settings")
        app.windows.show_settings()  # modeless: returns at once
        opened.append("settings returned")

    def choose_a_file() -> None:
        QTimer.singleShot(200, app.quit)
        opened.append("file dialog")
        QFileDialog.getSaveFileName(
            None, "Export", "x.csv", options=QFileDialog.Option.DontUseNativeDialog
        )
        opened.append("file dialog returned")

    def watchdog() -> None:  # only if quit failed: unblock, so the test fails, not hangs
        stuck.append("quit did not end the loops")
        for widget in QApplication.topLevelWidgets():
            widget.close()
        QCoreApplication.exit(1)

    QTimer.singleShot(0, open_everything)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(watchdog)
    guard.start(15000)
    code = qapp.exec()
    guard.stop()
    assert stuck == []
    assert code == 0
    assert opened == ["settings", "settings returned", "file dialog", "file dialog returned"]
    left = [
        w.windowTitle()
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible()
    ]
    assert left == []


def test_a_burst_of_refused_links_is_one_box(app: TrayApp) -> None:
    before = len(app.notices.open)
    for i in range(7):
        assert app.requests.open_link(f"g2a-tray://start?bad{i}=1")["ok"] is False
    boxes = app.notices.open[before:]
    assert len(boxes) == 1
    assert boxes[0].text().startswith("7 links could not start a session.")
    assert "bad6" in boxes[0].text()
    boxes[0].close()


def test_esc_closes_the_history_window(app: TrayApp, qtbot: QtBot) -> None:
    app.windows.show_history()
    window = app.windows.history
    assert window is not None
    qtbot.waitExposed(window)
    assert window.pos().x() > 0 or window.pos().y() > 0  # placed on the screen, not at 0,0
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()


def test_export_writes_what_the_filter_selects_and_keeps_an_old_file_on_failure(
    app: TrayApp, tmp_path: Path
) -> None:
    for ticket in ("4711", "4712", "99"):
        app.store.record(Launch(LaunchRequest(ticket), "u"))
    target = tmp_path / "out.csv"
    assert app.sessions.export_history(str(target), HistoryQuery(text="47"))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert sorted(r["partner_object"] for r in rows) == ["4711", "4712"]
    assert {r["state"] for r in rows} == {"waiting for the customer"}
    before = target.read_bytes()
    assert not app.sessions.export_history(
        str(tmp_path / "no-such-folder" / "x" / "\0"), HistoryQuery()
    )
    box = app.notices.open[-1]
    assert box.windowTitle() == "Export failed" and "Could not write" in box.text()
    box.close()
    assert target.read_bytes() == before
