"""Ctrl+C and a polite kill end a foreground verb (``simulate``, ``demo``) through its
clean-up, however it was started.

A process started in the background by a non-interactive shell (a script's ``&``, a CI
runner) inherits SIGINT as *ignored*, and Python then installs no KeyboardInterrupt
handler: SIGINT did nothing, and a test's simulator never stopped. SIGTERM, what
``kill`` and service managers send, is turned into the same KeyboardInterrupt.
"""

from __future__ import annotations

import signal


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def interrupt_on_sigint_and_sigterm() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
