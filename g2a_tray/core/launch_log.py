"""The launches this app has made, newest last.

Kept in memory for now; the callback listener's issue replaces this with the SQLite
session store behind the same two methods, so callers do not change.
"""

from __future__ import annotations

import threading

from g2a_tray.core.launch import Launch


class MemoryLaunchLog:
    """A thread-safe list of launches (the listener will look secrets up from a thread)."""

    def __init__(self) -> None:
        self._launches: list[Launch] = []
        self._lock = threading.Lock()

    def record(self, launch: Launch) -> None:
        with self._lock:
            self._launches.append(launch)

    def recent(self, limit: int = 10) -> list[Launch]:
        """The newest ``limit`` launches, newest first."""
        with self._lock:
            return list(reversed(self._launches[-limit:])) if limit > 0 else []
