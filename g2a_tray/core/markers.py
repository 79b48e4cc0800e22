"""What the app does once per user: the first-run greeting, telling how to bind the
shortcut where no program may grab keys.

Each is an empty file in the data folder, so that it survives a reinstall and a new
settings file, and so that "once" means once per account, not once per start.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

GREETED = "greeted"
TOLD_HOW_TO_BIND_SHORTCUT = "told-how-to-bind-the-shortcut"


class Markers:
    """The "done once" marks of one profile (``AppPaths.data_dir``)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def seen(self, name: str) -> bool:
        return (self._folder / name).exists()

    def mark(self, name: str) -> None:
        """Remember ``name``; a folder that cannot be written is logged, not raised (the
        worst outcome is being told twice)."""
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            (self._folder / name).touch()
        except OSError as exc:
            log.warning("could not remember %s: %s", name, exc)

    def first_time(self, name: str) -> bool:
        """True once: the first call for ``name`` marks it."""
        if self.seen(name):
            return False
        self.mark(name)
        return True
