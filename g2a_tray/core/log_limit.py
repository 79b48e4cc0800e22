"""A bounded amount of log for things an outsider can cause as often as they like.

Refused requests on the listener are worth a line each when they are rare (a tunnel
misconfigured, a scanner passing by) and worth nothing more than a count when they come
by the thousand: the log is what a technician sends in, and it must not be flushed out
or fill the disk. No timer: the window is checked when the next line is asked for.
"""

from __future__ import annotations

import logging
import threading
import time

LINES_PER_WINDOW = 20
WINDOW_S = 60.0


class RateLimitedLog:
    """At most ``lines`` records per ``window_s``; what is dropped is counted and reported
    once, with the first record of a later window (or on :meth:`flush`)."""

    def __init__(
        self,
        logger: logging.Logger,
        level: int,
        what: str,
        lines: int = LINES_PER_WINDOW,
        window_s: float = WINDOW_S,
    ) -> None:
        self._logger = logger
        self._level = level
        self._what = what
        self._lines = lines
        self._window_s = window_s
        self._window_start = float("-inf")
        self._count = 0
        self._dropped = 0
        self._lock = threading.Lock()

    def log(self, message: str, *args: object) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._window_start >= self._window_s:
                self._report_dropped()
                self._window_start, self._count = now, 0
            if self._count >= self._lines:
                self._dropped += 1
                return
            self._count += 1
        self._logger.log(self._level, message, *args)

    def flush(self) -> None:
        with self._lock:
            self._report_dropped()

    def _report_dropped(self) -> None:
        if self._dropped:
            self._logger.log(
                self._level,
                "%d more %s not logged (at most %d a minute)",
                self._dropped,
                self._what,
                self._lines,
            )
            self._dropped = 0
