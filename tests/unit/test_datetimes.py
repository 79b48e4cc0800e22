"""``core/datetimes.py`` hands out datetime's classes without loading datetime.py: they
must be the very objects the rest of the app gets from ``datetime`` (times read by
``status`` compare, subtract and pickle with the store's), and loading it must not load
datetime.py."""

from __future__ import annotations

import datetime as stdlib
import subprocess
import sys

from g2a_tray.core import datetimes


def test_the_classes_are_datetimes_own() -> None:
    assert datetimes.datetime is stdlib.datetime
    assert datetimes.timedelta is stdlib.timedelta
    assert datetimes.timezone is stdlib.timezone
    assert datetimes.UTC is stdlib.UTC


def test_loading_it_leaves_datetime_py_unloaded() -> None:
    probe = "import sys, g2a_tray.core.datetimes; print('datetime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
