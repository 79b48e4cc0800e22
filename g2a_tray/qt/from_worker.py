"""Signals emitted from worker threads, which Quit does not wait for.

A worker can outlive the QObject whose signal it emits (the app quits while the notifier
still connects to D-Bus, or while the relay still reads from a network that swallows
packets); emitting then raises "Signal source has been deleted" on a thread nobody
watches. What such a worker emits goes through :func:`quietly`: delivered while the
object lives, dropped (and logged at debug) once it is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def quietly(emit: Callable[..., Any]) -> Callable[..., None]:
    def call(*args: Any) -> None:
        try:
            emit(*args)
        except RuntimeError as exc:  # the receiver's QObject is gone: the app is quitting
            log.debug("dropped a worker's signal: %s", exc)

    return call
