"""Canary for the PySide6 6.12.0 + Python 3.11 crash (qt-desktop-notes.md): every
Python-side Signal.emit() lost a reference to True and the interpreter died after a few
hundred emits. Run in a child process so a crash fails this test instead of the run."""

from __future__ import annotations

import subprocess
import sys

EMITS = 50_000
SCRIPT = f"""
from PySide6.QtCore import QCoreApplication, QObject, Signal

class Source(QObject):
    fired = Signal(bool, str, object)

app = QCoreApplication([])
source = Source()
count = 0
def on_fired(flag, text, payload):
    global count
    count += flag
source.fired.connect(on_fired)
for i in range({EMITS}):
    source.fired.emit(True, "x", {{"i": i}})
print(count)
"""


def test_many_signal_emits_do_not_crash_the_interpreter() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == str(EMITS)
