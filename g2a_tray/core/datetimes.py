"""``datetime``'s classes without ``datetime.py``.

On CPython ``import datetime`` loads ``datetime.py``, 2,600 lines of a pure-Python
implementation whose last act is to replace itself with the C module ``_datetime``:
1.3 ms of a ``g2a-tray status`` that should cost what a small client costs (the same
venv's ``python -c pass`` is 8.5 ms). The classes are the very same objects
(``datetime.datetime is _datetime.datetime``), so the rest of the app may import
``datetime`` as usual; the modules ``status`` loads take them from here. Another Python
gets ``datetime``'s.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (mypy knows it)
if TYPE_CHECKING:
    from datetime import UTC, datetime, timedelta, timezone
else:
    try:
        from _datetime import UTC, datetime, timedelta, timezone
    except ImportError:
        from datetime import UTC, datetime, timedelta, timezone

__all__ = ["UTC", "datetime", "timedelta", "timezone"]
