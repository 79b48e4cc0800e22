"""PySide6 reads the source of every module imported after it; this keeps it from
holding on to every line.

To honour ``from __feature__ import snake_case`` PySide6 (6.x) hooks ``__import__`` and
asks, once per module, whether the module's source mentions "PySide6"
(``shibokensupport.feature._mod_uses_pyside``, PYSIDE-2029). It asks through
``inspect.getsource``, which keeps every line of every file read in ``linecache`` for the
life of the process: 5.9 MiB in this app's first second (141 files, measured with
tracemalloc), a third of what it holds beyond a bare tray icon. The same question is
answered here from the file's bytes, which are let go at once; modules without a plain
``.py`` file get PySide6's own answer. g2a-tray uses no ``__feature__``, so the answer
only has to be the one PySide6 would give, not a fast one.

If a PySide6 release no longer has that function, nothing is changed.
"""

from __future__ import annotations

import linecache
import sys
from collections.abc import Callable
from types import ModuleType

_MARK = "_g2a_reads_bytes"


def read_sources_lightly() -> None:
    """Answer PySide6's per-import question without ``linecache``, and empty the cache
    it filled while PySide6 itself was imported."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original) or getattr(original, _MARK, False):
        return
    feature._mod_uses_pyside = _from_bytes(original)  # type: ignore[attr-defined]
    linecache.clearcache()  # a cache: tracebacks read what they need again


def _from_bytes(original: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return original(module)
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:  # in a zip, say: PySide6's way (a loader's get_source)
            return original(module)

    setattr(uses_pyside, _MARK, True)
    return uses_pyside
