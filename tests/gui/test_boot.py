"""Starting the app: when building it fails, nothing is left half up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from g2a_tray import boot
from g2a_tray.client import send_request
from g2a_tray.core.instance.protocol import Command, request
from g2a_tray.core.paths import AppPaths
from g2a_tray.qt.icons import tray_icons
from g2a_tray.qt.single_instance import InstanceServer, PendingAnswer
from g2a_tray.qt.tray import TrayController


def test_a_build_that_fails_answers_every_request_tells_the_user_and_exits_1(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_build(*_args: Any) -> Any:
        raise RuntimeError("the history could not be wired")

    monkeypatch.setattr(boot, "_build", broken_build)
    exits: list[int] = []
    monkeypatch.setattr(qapp, "exit", exits.append)
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "log")
    server = InstanceServer(str(tmp_path / "socket"), probe=lambda _name: False)
    assert server.listen()
    tray = TrayController(tray_icons())
    tray.start()
    hidden: list[bool] = []
    monkeypatch.setattr(tray, "hide", lambda: hidden.append(True))
    early = boot._EarlyRequests()
    waiting: PendingAnswer = early(request(Command.PING))  # arrived before the build
    answers: list[dict[str, Any]] = []
    waiting.on_resolved(answers.append)

    assert boot._build_or_give_up(qapp, paths, tray, server, early) is None

    assert answers and answers[0]["ok"] is False
    assert "the history could not be wired" in answers[0]["error"]
    assert hidden  # no icon left whose menu does nothing
    [box] = [
        w
        for w in qapp.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible() and "could not start" in w.text()
    ]
    assert str(paths.log_dir) in box.text()
    # A later client (the user pressing the shortcut again) gets the reason too.
    with qtbot.waitCallback() as later:
        later_answer: list[dict[str, Any]] = []

        def ask() -> None:
            later_answer.append(send_request(server.name, request(Command.SHOW_FORM), 5.0))
            later()

        import threading

        threading.Thread(target=ask, daemon=True).start()
    assert later_answer[0]["ok"] is False
    box.done(0)
    assert exits == [1]
    server.close()
