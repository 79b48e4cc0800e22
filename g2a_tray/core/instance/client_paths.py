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


def _xdg_dir(variable: str, fallback: str) -> str | None:
    """A folder as platformdirs finds it on XDG systems: ``$variable`` when it is an
    absolute path (the XDG spec ignores a relative one), else ``$HOME/fallback`` when
    HOME is absolute, then the app's name. None (platformdirs decides) for anything
    else: another platform, or a HOME that is unset or relative."""
    if sys.platform in ("win32", "darwin"):
        return None
    base = os.environ.get(variable, "")
    if not os.path.isabs(base):
        home = os.environ.get("HOME", "")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, fallback)
    return os.path.join(base, APP_NAME)


def xdg_config_dir() -> str | None:
    """The config folder (``$XDG_CONFIG_HOME``, else ``~/.config``)."""
    return _xdg_dir("XDG_CONFIG_HOME", ".config")


def xdg_data_dir() -> str | None:
    """The data folder, where the session history is (``$XDG_DATA_HOME``, else
    ``~/.local/share``): ``g2a-tray status`` reads it without platformdirs."""
    return _xdg_dir("XDG_DATA_HOME", os.path.join(".local", "share"))


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
    def data_dir(self) -> str | Path:
        fast = xdg_data_dir()
        return fast if fast is not None else self.full().data_dir

    @property
    def settings_file(self) -> str | Path:
        return os.path.join(self.config_dir, "settings.toml")

    @property
    def sessions_file(self) -> str | Path:
        return os.path.join(self.data_dir, "sessions.sqlite3")

    @property
    def log_dir(self) -> Path:
        return self.full().log_dir

    @property
    def log_file(self) -> Path:
        return self.full().log_file
