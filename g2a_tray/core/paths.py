"""Where g2a-tray keeps its files, following the platform's conventions (XDG on Linux).

Everything goes through :class:`AppPaths` so that tests and the demo can point a whole
app at temporary folders by setting ``XDG_CONFIG_HOME`` and friends, and so that two
config folders give two independent apps.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from g2a_tray import APP_NAME
from g2a_tray.core.xdg_dirs import xdg_config_dir, xdg_data_dir, xdg_log_dir


class AppPaths(NamedTuple):
    """The folders of one g2a-tray profile. (A NamedTuple, not a dataclass: the client
    verbs import this, and ``dataclasses`` costs them a few milliseconds.)"""

    config_dir: Path
    data_dir: Path
    log_dir: Path

    @classmethod
    def default(cls) -> AppPaths:
        """Resolve the folders now (environment variables are read at call time): by the
        XDG rule where it applies (``xdg_dirs``, held equal to platformdirs by
        tests/unit/instance/test_client_paths.py), else by platformdirs."""
        config, data, log = xdg_config_dir(), xdg_data_dir(), xdg_log_dir()
        if config is None or data is None or log is None:
            import platformdirs

            config = platformdirs.user_config_dir(APP_NAME, appauthor=False)
            data = platformdirs.user_data_dir(APP_NAME, appauthor=False)
            log = platformdirs.user_log_dir(APP_NAME, appauthor=False)
        return cls(config_dir=Path(config), data_dir=Path(data), log_dir=Path(log))

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def sessions_file(self) -> Path:
        return self.data_dir / "sessions.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "g2a-tray.log"


def resource_file(name: str) -> Path:
    """A file from ``resources/``: inside the installed package (``g2a_tray/resources``,
    also in the bundle), or, in a source checkout that was never installed, the
    checkout's own folder. A plain path, not importlib.resources: the package is always
    a folder on disk, and the tray icon should not wait for that import."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "resources" / name
    return installed if installed.exists() else package.parent / "resources" / name
