"""Thin Qt adapters (local socket, browser, tray, crash reporting) behind small interfaces.

Importing any of them first stops PySide6 from keeping the source of every module
imported after it (``source_scan``): the adapters are what the app imports right after
PySide6, and each needs QtCore, imported here first so that the hook is there to change.
"""

import PySide6.QtCore  # noqa: F401  # (installs the import hook source_scan lightens)

from g2a_tray.qt.source_scan import read_sources_lightly

read_sources_lightly()
