"""Logging to a rotating file under the platform's log folder.

The log is what a technician sends when something went wrong ("Open log folder" in
the tray menu), so it must exist even when the app cannot show a window, and it must
never hold a callback secret: every record from every logger in the process (httpx and
httpcore log whole URLs at INFO) passes :class:`RedactSecrets` on its way to a handler.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from g2a_tray.core.redaction import redact

MAX_LOG_BYTES = 1024 * 1024
LOG_BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"


class RedactSecrets(logging.Filter):
    """Blanks ``/callback/<secret>`` out of a record's message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _console(verbose: bool, prefix: str = "g2a-tray: %(levelname)s: ") -> logging.Handler:
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter(prefix + "%(message)s"))
    return console


def _install(handlers: list[logging.Handler], verbose: bool) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    redactor = RedactSecrets()
    for handler in handlers:
        handler.addFilter(redactor)
        root.addHandler(handler)


def setup_logging(log_file: Path, *, verbose: bool = False) -> None:
    """Send records to ``log_file`` (rotated) and warnings to stderr."""
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        file_handler = logging.StreamHandler(sys.stderr)
        sys.stderr.write(f"g2a-tray: cannot write the log file {log_file}: {exc}\n")
    file_handler.setFormatter(logging.Formatter(FORMAT))
    _install([file_handler, _console(verbose)], verbose)


def setup_console_logging(*, verbose: bool = False) -> None:
    """Only stderr, no file: for the simulator and the demo's own process, which are not
    the user's app and must not write into the user's log."""
    _install([_console(verbose)], verbose)


def console_handler_for(logger_name: str) -> None:
    """Also show ``logger_name``'s INFO lines on stderr (what the simulator did)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.propagate = False
