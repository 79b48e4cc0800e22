"""The one setting ``g2a-tray status`` needs, read without the settings schema.

``[sessions] stale_after_minutes`` decides when an open session reads "no update since
…". The file is parsed (``tomllib``) only when it mentions the key; a value the schema
would refuse reads as the default, as :func:`settings.store.peek_settings` does.
"""

from __future__ import annotations

from g2a_tray.core.datetimes import timedelta
from g2a_tray.core.sessions.status import DEFAULT_STALE_AFTER, check_stale_minutes

MAX_SETTINGS_BYTES = 1 << 20  # as the settings store reads at most


def stale_after_of(settings_file: object) -> timedelta:
    try:
        with open(str(settings_file), "rb") as handle:
            data = handle.read(MAX_SETTINGS_BYTES)
    except OSError:
        return DEFAULT_STALE_AFTER
    if b"stale_after_minutes" not in data:
        return DEFAULT_STALE_AFTER
    import tomllib

    try:
        section = tomllib.loads(data.decode("utf-8")).get("sessions")
        minutes = check_stale_minutes(
            section.get("stale_after_minutes") if isinstance(section, dict) else None
        )
    except ValueError:  # not TOML, not UTF-8, or a value the schema refuses
        return DEFAULT_STALE_AFTER
    return timedelta(minutes=minutes)
