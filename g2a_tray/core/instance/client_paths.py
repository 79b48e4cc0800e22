"""The folders a client verb needs, found without platformdirs.

``g2a-tray new-session`` (a desktop shortcut's command) needs only the config folder:
it names the running app's socket. platformdirs and pathlib cost such a process more
than its whole round trip, so on Linux and the BSDs the folder is found here by the XDG
rule platformdirs itself follows (:mod:`g2a_tray.core.xdg_dirs`;
tests/unit/instance/test_client_paths.py holds the two equal). Everything else (the log
folder, for a verb that has to start the app) comes from
:class:`g2a_tray.core.paths.AppPaths` when first asked for.
"""

from __future__ import annotations

import os

from g2a_tray.core.xdg_dirs import xdg_config_dir, xdg_data_dir

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (mypy knows it)
if TYPE_CHECKING:
    from pathlib import Path

    from g2a_tray.core.paths import AppPaths


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
