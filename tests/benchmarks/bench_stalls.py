"""How long the GUI thread stops, and how long Quit takes, on a bad day.

    .venv/bin/python -m tests.benchmarks.bench_stalls [--runs 5]

A stall probe (a 10 ms ``QTimer`` recording the longest gap between its ticks, less the
10 ms it waits on purpose) runs in the real app's composition root, in-process on Qt's
offscreen platform, through:

- start-up (building the app and starting its parts, one event-loop turn after the icon);
- Save in Settings with the relay black-holed (a relay that accepts the connection and
  never answers: hotel Wi-Fi, a captive portal);
- a keyring that takes 3 s to answer (a locked Secret Service) while the relay starts;

and, as processes in Xvfb, ``g2a-tray quit`` → the app's process gone, with the relay
black-holed and with nothing in the way. Goal: longest stall ≤ 50 ms; quit ≤ 1 s.
Prints figures (medians of ``--runs``); asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from tests.fakes.black_hole import BlackHole
from tests.helpers.app_process import AppProcess
from tests.helpers.desktop import Desktop, start_desktop
from tests.helpers.procs import wait_for
from tests.helpers.profile import Profile

TICK_MS = 10
KEYRING_DELAY_S = 3.0


class StallProbe:
    """The longest time the event loop did not run a 10 ms timer, past its 10 ms."""

    def __init__(self) -> None:
        self.longest_ms = 0.0
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.longest_ms = 0.0
        self._clock.start()
        self._timer.start()

    def _tick(self) -> None:
        gap = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        self.longest_ms = max(self.longest_ms, gap - TICK_MS)

    def stop(self) -> float:
        self._timer.stop()
        return self.longest_ms


def spin(qapp: QApplication, seconds: float) -> None:
    """Run the event loop for ``seconds`` (the probe ticks meanwhile)."""
    QTimer.singleShot(int(seconds * 1000), qapp.quit)
    qapp.exec()


def profile_env(root: Path, relay_url: str) -> Profile:
    profile = Profile.create(root)
    for key, value in profile.xdg_env().items():
        os.environ[key] = value
    profile.write_settings(f'[callback]\nlisten_port = 0\n[relay]\nurl = "{relay_url}"\n')
    return profile


def in_process(qapp: QApplication, phase: str, root: Path) -> float:
    """One run of ``phase`` in a fresh profile; the longest stall in ms."""
    import keyring
    import keyring.backend

    from g2a_tray.app.root import TrayApp
    from g2a_tray.core.paths import AppPaths
    from g2a_tray.core.sessions.launch import LaunchRequest

    hole = BlackHole()
    profile_env(root, hole.url)

    class SlowKeyring(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            if phase == "keyring":
                time.sleep(KEYRING_DELAY_S)  # the keyring's own slowness, on its thread
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            pass

        def delete_password(self, service: str, username: str) -> None:
            pass

    previous = keyring.get_keyring()
    keyring.set_keyring(SlowKeyring())
    probe = StallProbe()
    built: list[TrayApp] = []

    def opener(url: str, done: Callable[[bool], None]) -> None:
        done(True)

    try:
        if phase in ("start-up", "keyring"):
            probe.start()

            def build() -> None:
                app = TrayApp(qapp, AppPaths.default(), opener=opener)
                app.start()
                built.append(app)

            QTimer.singleShot(0, build)
            spin(qapp, KEYRING_DELAY_S + 0.5 if phase == "keyring" else 0.5)
            return probe.stop()
        app = TrayApp(qapp, AppPaths.default(), opener=opener)
        built.append(app)
        app.start()
        app.sessions.start_session(LaunchRequest("4711"))  # the relay connects: into the hole
        deadline = time.monotonic() + 10
        while not hole.accepted.is_set() and time.monotonic() < deadline:
            spin(qapp, 0.05)
        probe.start()
        new = app.reconfigure.settings.with_value(("relay", "topic_prefix"), "team-")
        QTimer.singleShot(0, lambda: app.reconfigure.save(new))  # Save: a new relay
        spin(qapp, 0.5)
        return probe.stop()
    finally:
        for app in built:
            app.windows.settings_dialog = None
            app.shutdown()
        keyring.set_keyring(previous)
        hole.close()


def quit_time(desk: Desktop, root: Path, black_hole: bool) -> float:
    """``g2a-tray quit`` until the app's process has gone, in seconds."""
    hole = BlackHole()
    try:
        profile = Profile.create(root / "profile")
        relay = f'[relay]\nurl = "{hole.url}"\n' if black_hole else ""
        profile.write_settings(f"[callback]\nlisten_port = 0\n{relay}")
        app = AppProcess(profile, desk.env(profile))
        app.start()
        assert app.cli("start", "4711").returncode == 0  # a topic: the relay connects
        if black_hole:
            wait_for(hole.accepted.is_set, 10, "the relay's connection into the hole")
        assert app.proc is not None
        started = time.monotonic()
        app.cli("quit", timeout=60)
        app.proc.wait(60)
        took = time.monotonic() - started
        app.proc = None
        return took
    finally:
        hole.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    rows: list[tuple[str, str]] = []
    for phase, label in (
        ("start-up", "start-up (build + start the parts)"),
        ("save", "Save in Settings, relay black-holed"),
        ("keyring", f"a keyring that answers after {KEYRING_DELAY_S:.0f} s"),
    ):
        figures = []
        for run in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                figures.append(in_process(qapp, phase, Path(tmp) / f"{phase}{run}"))
        rows.append((f"longest stall: {label}", _ms(figures)))
    with tempfile.TemporaryDirectory() as desk_dir:
        desk, why_not = start_desktop(Path(desk_dir), tray=True)
        if desk is None:
            raise SystemExit(f"needs Xvfb and trayer: {why_not}")
        try:
            for black_hole, label in ((True, "relay black-holed"), (False, "nothing in the way")):
                times = []
                for run in range(args.runs):
                    with tempfile.TemporaryDirectory() as tmp:
                        times.append(quit_time(desk, Path(tmp) / f"q{run}", black_hole) * 1000)
                rows.append((f"quit → process gone: {label}", _ms(times)))
        finally:
            desk.stop()
    width = max(len(name) for name, _ in rows)
    print(
        f"{'figure'.ljust(width)}  median (min–max) of {args.runs}, goal: stall ≤ 50 ms, quit ≤ 1 s"
    )
    for name, figure in rows:
        print(f"{name.ljust(width)}  {figure}")


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ms ({min(values):.0f}–{max(values):.0f})"


if __name__ == "__main__":
    main()
