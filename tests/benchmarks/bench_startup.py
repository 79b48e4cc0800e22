"""Start-up benchmark: time to tray icon and peak memory, g2a-tray beside a bare
PySide6 tray icon measured in the same run, in a real X session with a tray host.

    .venv/bin/python -m tests.benchmarks.bench_startup [--runs 7]

Prints figures; asserts nothing (timing targets never live in tests).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.helpers import ROOT, Profile, start_desktop

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
app = QApplication(sys.argv)
icon = QSystemTrayIcon(QIcon(sys.argv[1]))
icon.show()
def done():
    print("ready", flush=True)
    app.quit()
QTimer.singleShot(0, done)
app.exec()
"""


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds until the process prints its ready line, and its peak RSS in MiB."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    _, status, usage = os.wait4(proc.pid, 0)
    if not line.startswith("ready") or status != 0:
        raise SystemExit(f"{cmd} did not report ready (status {status}): {line!r}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        desk, why = start_desktop(Path(tmp))
        if desk is None:
            raise SystemExit(f"needs Xvfb and trayer: {why}")
        try:
            profile = Profile.create(Path(tmp) / "profile")
            env = {**desk.env(profile), "G2A_TRAY_BENCH_EXIT": "1"}
            icon = str(ROOT / "resources" / "g2a-tray.svg")
            cases = {
                "bare PySide6 tray icon": [sys.executable, "-c", BARE, icon],
                "g2a-tray run": [sys.executable, "-m", "g2a_tray", "run"],
            }
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
            measure(cases["g2a-tray run"], env)  # warm the file cache and .pyc files
            for _ in range(args.runs):
                for name, cmd in cases.items():  # interleaved, so drift hits both alike
                    results[name].append(measure(cmd, env))
        finally:
            desk.stop()
    print(f"time to tray icon and peak RSS, median of {args.runs} runs ({sys.version.split()[0]}):")
    for name, rows in results.items():
        secs = statistics.median(r[0] for r in rows)
        rss = statistics.median(r[1] for r in rows)
        print(f"  {name:<24} {secs * 1000:7.0f} ms   {rss:6.1f} MiB")


if __name__ == "__main__":
    main()
