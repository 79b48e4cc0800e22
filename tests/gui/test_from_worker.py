"""A worker that outlives its QObject (Quit does not wait for workers) must not die with
"Signal source has been deleted" on a thread nobody watches."""

from __future__ import annotations

import threading

import pytest
import shiboken6
from PySide6.QtCore import QObject, Signal

from g2a_tray.qt.from_worker import quietly


class Source(QObject):
    said = Signal(str)


def test_a_signal_of_a_deleted_object_is_dropped_quietly() -> None:
    source = Source()
    emit = source.said.emit
    shiboken6.delete(source)  # what happens to the app's parts once run_app returns
    with pytest.raises(RuntimeError):
        emit("from a worker")  # the control: a bare emit raises
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            quietly(emit)("from a worker")
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert errors == []


def test_a_live_object_still_gets_the_signal() -> None:
    source = Source()
    heard: list[str] = []
    source.said.connect(heard.append)
    quietly(source.said.emit)("hello")
    assert heard == ["hello"]
