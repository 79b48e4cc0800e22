"""Logging to a rotating file under the platform's log folder.

The log is what a technician sends when something went wrong ("Open log folder" in
the tray menu), so it must exist even when the app cannot show a window.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

MAX_LOG_BYTES = 1024 * 1024
LOG_BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"


def setup_logging(log_file: Path, *, verbose: bool = False) -> None:
    """Send records to ``log_file`` (rotated) and warnings to stderr."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        file_handler = logging.StreamHandler(sys.stderr)
        print(f"g2a-tray: cannot write the log file {log_file}: {exc}", file=sys.stderr)
    file_handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(file_handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("g2a-tray: %(levelname)s: %(message)s"))
    root.addHandler(console)
