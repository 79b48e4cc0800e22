"""The one folder a client verb needs, found without platformdirs.

``g2a-tray new-session`` (a desktop shortcut's command) needs only the config folder:
it names the running app's socket. platformdirs and pathlib cost such a process more
than its whole round trip, so on Linux and the BSDs the folder is found here by the XDG
rule platformdirs itself follows (``$XDG_CONFIG_HOME``, else ``~/.config``, then the
app's name; tests/unit/instance/test_client_paths.py holds the two equal). Everything
else (the log folder, for a verb that has to start the app) comes from
:class:`g2a_tray.core.paths.AppPaths` when first asked for.
"""

from __future__ import annotations

import os
import sys

from g2a_tray import APP_NAME

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (mypy knows it)
if TYPE_CHECKING:
    from pathlib import Path

    from g2a_tray.core.paths import AppPaths


def xdg_config_dir() -> str | None:
    """The config folder as platformdirs finds it on XDG systems: ``$XDG_CONFIG_HOME``
    when it is an absolute path (the XDG spec ignores a relative one), else
    ``$HOME/.config`` when HOME is absolute. None (platformdirs decides) for anything
    else: another platform, or a HOME that is unset or relative."""
    if sys.platform in ("win32", "darwin"):
        return None
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):
        home = os.environ.get("HOME", "")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".config")
    return os.path.join(base, APP_NAME)


class ClientPaths:
    """``config_dir`` at once; ``log_dir``, ``log_file`` and the rest of
    :class:`AppPaths` on first use."""

    def __init__(self) -> None:
        fast = xdg_config_dir()
        self._full: AppPaths | None = None
        self.config_dir: str | Path = fast if fast is not None else self.full().config_dir

    def full(self) -> AppPaths:
        if self._full is None:
            from g2a_tray.core.paths import AppPaths

            self._full = AppPaths.default()
        return self._full

    @property
    def log_dir(self) -> Path:
        return self.full().log_dir

    @property
    def log_file(self) -> Path:
        return self.full().log_file
