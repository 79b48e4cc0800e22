"""Shared fixtures.

In-process widget tests run on Qt's offscreen platform (deterministic, no window
manager). Tests of the real app run it as its own process inside a real X session:
the ``desktop`` fixture starts Xvfb and a tray host (trayer) once per test session.
Under ``CI=true`` a missing Xvfb or tray host fails the run instead of skipping.
"""

from __future__ import annotations

import os

# Must happen before pytest-qt creates the QApplication.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.buses import SessionBus, start_session_bus
from tests.helpers.desktop import Desktop, running_desktop
from tests.helpers.procs import ROOT, unavailable
from tests.helpers.profile import Profile


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """A fresh user profile: XDG folders under tmp_path, set for this process too."""
    prof = Profile.create(tmp_path)
    for key, value in prof.xdg_env().items():
        monkeypatch.setenv(key, value)
    return prof


@pytest.fixture(scope="session")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    """A real X display with a tray host, for tests that run the app as a process."""
    yield from running_desktop(tmp_path_factory.mktemp("desktop"))


@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[SessionBus]:
    """A private session bus with a recording notification server (a separate process)."""
    bus, why_not = start_session_bus(tmp_path)
    if bus is None:
        unavailable(f"a D-Bus session bus: {why_not}")
    try:
        yield bus
    finally:
        bus.stop()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """For tests that run ``cli.main``, which sets up the root logger's handlers for a
    process: put the test run's own handlers back afterwards."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def simulator() -> Iterator[str]:
    """``g2a-tray simulate`` as its own process; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "g2a_tray", "simulate", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
    assert match, (line, proc.stderr.read() if proc.poll() is not None else "")
    yield match.group(1)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(10) == 0


@pytest.fixture
def joins_on_the_gui_thread(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads the GUI thread waits for (it must wait for none): a
    tripwire on ``Thread.join`` called from the main thread."""
    import threading

    joined: list[str] = []
    real = threading.Thread.join

    def join(self: threading.Thread, timeout: float | None = None) -> None:
        if threading.current_thread() is threading.main_thread():
            joined.append(self.name)
        real(self, timeout)

    monkeypatch.setattr(threading.Thread, "join", join)
    return joined
