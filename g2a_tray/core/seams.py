"""Test seams read from the environment (docs/ARCHITECTURE.md, "Test seams").

One reader for all of them, so that a seam set to garbage is logged and ignored the same
way everywhere instead of ending the app.
"""

from __future__ import annotations

import logging
import math
import os

log = logging.getLogger(__name__)


def env_seconds(name: str) -> float | None:
    """The number of seconds ``name`` gives; None when it is unset, empty, not a number,
    negative or not finite (each but the first two logged)."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        log.warning("%s is not a number; ignored", name)
        return None
    if not math.isfinite(value) or value < 0:
        log.warning("%s must be a positive number of seconds; ignored", name)
        return None
    return value
