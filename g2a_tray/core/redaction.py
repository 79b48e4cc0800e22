"""Blanking secrets out of text that goes to a log: the callback secret in
``/callback/<secret>`` and the secret in a relay topic ``<prefix><secret>``.

Its own small module (only ``re``) because every process imports it at start, with the
logging set-up, including the quick command-line verbs.
"""

from __future__ import annotations

import re

_SECRET_IN_URL = re.compile(r"(callback(?:/|%2F))[A-Za-z0-9_-]{16,}", re.IGNORECASE)
# A relay topic is "<prefix><secret>" in a path or a comma-separated list of topics:
# the last 43 characters (a 256-bit URL-safe secret) go, the prefix stays.
_SECRET_IN_TOPIC = re.compile(
    r"((?:/|,|%2F|%2C)[A-Za-z0-9_-]*?)[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])", re.IGNORECASE
)


def redact(url: str) -> str:
    """The text with every callback secret and relay topic secret blanked out, for logs."""
    return _SECRET_IN_TOPIC.sub(r"\1…", _SECRET_IN_URL.sub(r"\1…", url))
