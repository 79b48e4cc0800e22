"""PySide6 asks of every module imported after it whether its source mentions
"PySide6"; g2a-tray answers from the file's bytes so that linecache does not keep every
line of every module (5.9 MiB in the first second, measured)."""

from __future__ import annotations

import linecache
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import g2a_tray.qt  # noqa: F401  (what applies it)


@pytest.fixture
def modules_folder(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in ("g2a_scan_uses_qt", "g2a_scan_plain"):
        sys.modules.pop(name, None)


def test_modules_imported_after_pyside_are_not_kept_in_linecache(modules_folder: Path) -> None:
    feature = sys.modules["shibokensupport.feature"]  # PySide6's own; gone = look again
    (modules_folder / "g2a_scan_uses_qt.py").write_text("from PySide6 import QtCore\n")
    (modules_folder / "g2a_scan_plain.py").write_text("VALUE = 1\n" * 2000)
    # An import statement: PySide6 hooks __import__ (importlib.import_module goes past it).
    import g2a_scan_plain as plain  # type: ignore[import-not-found]
    import g2a_scan_uses_qt as uses_qt  # type: ignore[import-not-found]

    assert uses_qt.__file__ not in linecache.cache
    assert plain.__file__ not in linecache.cache
    # The answers PySide6 itself would give: 0 (uses PySide6), -1 (ignore the module).
    assert feature.pyside_feature_dict["g2a_scan_uses_qt"] == 0
    assert feature.pyside_feature_dict["g2a_scan_plain"] == -1
