"""Starting the tray app: the icon first, everything else one event-loop turn later.

A tray app that starts with the desktop should cost about what a bare tray icon costs.
So this module imports only what the icon needs (Qt, the tray controller, the instance
socket) and shows the icon; the composition root (``g2a_tray.app.root``: settings, history,
listener, relay, notifications, shortcut) is imported and built in the next turn of
the event loop. Whatever arrives meanwhile waits rather than being lost: the loop is
busy building, so X events and socket connections queue; a request that comes earlier
still gets its answer once the app is built (a ``PendingAnswer``).
``tests/benchmarks/bench_performance.py`` measures the time to the icon.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from g2a_tray import APP_ID, APP_NAME, __version__
from g2a_tray.qt.icons import app_icon, tray_icons
from g2a_tray.qt.single_instance import Handler, InstanceServer, PendingAnswer
from g2a_tray.qt.tray import TrayController

if TYPE_CHECKING:
    from collections.abc import Callable

    from g2a_tray.app.root import TrayApp
    from g2a_tray.core.paths import AppPaths
    from g2a_tray.qt.signals import QuitOnSignals

log = logging.getLogger(__name__)


def create_qapplication(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("g2a-tray")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)  # Wayland and the taskbar match windows to the entry
    if sys.platform == "win32" and getattr(sys, "frozen", False):
        # Credit notifications and the taskbar to g2a-tray, not to python.exe.
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_ID)
    app.setQuitOnLastWindowClosed(False)  # closing a dialog must not end a tray app
    app.setWindowIcon(app_icon())
    return app


class _EarlyRequests:
    """The instance socket's handler until the app is built: each request is answered
    once it is (nothing is refused for arriving early)."""

    def __init__(self) -> None:
        self.waiting: list[tuple[dict[str, Any], PendingAnswer]] = []

    def __call__(self, request: dict[str, Any]) -> PendingAnswer:
        answer = PendingAnswer()
        self.waiting.append((request, answer))
        return answer

    def hand_over(self, handler: Handler) -> None:
        for request, answer in self.waiting:
            response = handler(request)
            if isinstance(response, PendingAnswer):
                response.on_resolved(answer.resolve)
            else:
                answer.resolve(response)
        self.waiting.clear()


def run_app(paths: AppPaths, background: bool, verbose: bool = False) -> int:
    """Run the tray app until Quit; hand over to an app that already runs.

    The log file is set up after the icon (``logging.handlers`` is not free); what goes
    wrong before it is written to stderr, and to the log where it ends the start.
    """
    from g2a_tray.client import WrongOwner, is_running
    from g2a_tray.core.instance.protocol import UnsafeRuntimeDir, socket_name

    def log_to_file() -> None:
        from g2a_tray.logging_setup import setup_logging

        setup_logging(paths.log_file, verbose=verbose)
        if QApplication.instance() is not None:
            from g2a_tray.qt.qtlog import route_qt_messages_to_the_log

            route_qt_messages_to_the_log()

    try:
        name = socket_name(paths.config_dir)
    except UnsafeRuntimeDir as exc:
        return _not_starting(log_to_file, str(exc))
    qapp = create_qapplication([APP_NAME])  # argv[0] names the X11 window class
    server = InstanceServer(name, is_running)
    try:
        listening = server.listen()
    except WrongOwner as exc:
        return _not_starting(log_to_file, str(exc))
    if not listening:
        return 0 if background else _show_running_form(name, log_to_file)

    early = _EarlyRequests()
    server.set_handler(early)
    tray = TrayController(tray_icons())
    tray.start()  # the icon, now
    if os.environ.get("G2A_TRAY_BENCH_EXIT") is not None:
        QTimer.singleShot(0, lambda: _bench_ready(qapp, tray))
    built: list[tuple[TrayApp, QuitOnSignals]] = []

    def build() -> None:
        log_to_file()
        log.info("g2a-tray %s starting (config %s)", __version__, paths.config_dir)
        done = _build_or_give_up(qapp, paths, tray, server, early)
        if done is not None:
            built.append(done)

    QTimer.singleShot(0, build)
    code = qapp.exec()
    if not built:  # quit before the app was built (a signal in the first moment)
        return code
    tray_app, stop_signals = built[0]
    stop_signals.close()
    server.close()
    tray_app.shutdown()
    log.info("stopped")
    return code


def leave(code: int) -> NoReturn:
    """End the app's process with ``code`` once ``run_app`` has shut everything down.

    Not through the interpreter's finalisation: the worker threads Quit does not wait for
    (listener, relay, helpdesk courier, D-Bus and X11 helpers; daemons by design) are torn
    down there, and one caught inside Qt's C++ frames aborts the whole process
    ("terminate called without an active exception", exit -6; 3 quits in 12 with a long
    history, 1 in 12 before the helpdesk courier existed). The log is flushed first;
    the database, the socket and the lock were closed by ``run_app``.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to say
            stream.flush()
    os._exit(code)


def _not_starting(log_to_file: Callable[[], None], reason: str) -> int:
    log_to_file()
    log.error("not starting: %s", reason)
    sys.stderr.write(f"g2a-tray: {reason}\n")
    return 1


def _show_running_form(name: str, log_to_file: Callable[[], None]) -> int:
    """Another g2a-tray runs for this profile: it shows its form, and this one ends."""
    from g2a_tray.client import NotRunning, WrongOwner, send_request
    from g2a_tray.core.instance.protocol import Command, request

    try:
        send_request(name, request(Command.SHOW_FORM))
    except (NotRunning, WrongOwner, TimeoutError, ValueError) as exc:
        log_to_file()
        log.error("another g2a-tray holds the socket but did not answer: %s", exc)
        sys.stderr.write(f"g2a-tray: another g2a-tray seems to run but does not answer ({exc}).\n")
        return 1
    return 0


def _build_or_give_up(
    qapp: QApplication,
    paths: AppPaths,
    tray: TrayController,
    server: InstanceServer,
    early: _EarlyRequests,
) -> tuple[TrayApp, QuitOnSignals] | None:
    try:
        return _build(qapp, paths, tray, server, early)
    except Exception as exc:  # whatever it was, the user hears of it and the app ends
        log.exception("g2a-tray could not start")
        _give_up(
            qapp, tray, server, early, f"{type(exc).__name__}: {exc}. The log is in {paths.log_dir}"
        )
        return None


def _build(
    qapp: QApplication,
    paths: AppPaths,
    tray: TrayController,
    server: InstanceServer,
    early: _EarlyRequests,
) -> tuple[TrayApp, QuitOnSignals]:
    from g2a_tray.app.root import TrayApp
    from g2a_tray.qt.crash import CrashReporter
    from g2a_tray.qt.signals import QuitOnSignals

    tray_app = TrayApp(qapp, paths, tray=tray)
    CrashReporter(str(paths.log_dir)).install()
    stop_signals = QuitOnSignals(tray_app.quit)
    tray_app.start()
    server.set_handler(tray_app.requests.handle)
    early.hand_over(tray_app.requests.handle)
    return tray_app, stop_signals


def _give_up(
    qapp: QApplication,
    tray: TrayController,
    server: InstanceServer,
    early: _EarlyRequests,
    reason: str,
) -> None:
    """Building the app failed: no icon with a menu that does nothing and no request
    left waiting. Every request gets the reason, the user sees it (a terminal on stderr,
    a desktop in a box), and the app exits 1 once the box is closed."""
    from PySide6.QtWidgets import QMessageBox

    from g2a_tray.qt.dialogs import plain_box

    message = f"g2a-tray could not start: {reason}"
    refuse = lambda _request: {"ok": False, "error": message}  # noqa: E731
    server.set_handler(refuse)
    early.hand_over(refuse)
    tray.hide()
    sys.stderr.write(f"{message}.\n")
    box = plain_box(QMessageBox.Icon.Critical, "g2a-tray could not start", f"{message}.")
    box.finished.connect(lambda _result: qapp.exit(1))
    box.show()
    _LAST_WORDS.append(box)  # a box with no parent lives only while Python holds it


_LAST_WORDS: list[object] = []


def _bench_ready(qapp: QApplication, tray: TrayController) -> None:
    """The performance benchmark's seam: say "ready" once the icon is up, and leave after
    the number of seconds ``G2A_TRAY_BENCH_EXIT`` gives (memory "1 s after start")."""
    sys.stdout.write(f"ready tray={tray.available}\n")
    sys.stdout.flush()
    from g2a_tray.core.seams import env_seconds

    linger = env_seconds("G2A_TRAY_BENCH_EXIT") or 0.0
    QTimer.singleShot(int(linger * 1000), qapp.quit)
