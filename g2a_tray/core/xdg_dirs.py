"""The app's folders by the XDG rule platformdirs itself follows, without importing it.

platformdirs is the authority (and is asked wherever these return None: another
platform, a HOME that is unset or relative); importing it cost the app 5 ms before its
tray icon and a client verb more than its whole round trip, and on XDG systems its
answer is this rule (tests/unit/instance/test_client_paths.py holds them equal).
"""

from __future__ import annotations

import os
import sys

from g2a_tray import APP_NAME


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


def xdg_log_dir() -> str | None:
    """The log folder (``$XDG_STATE_HOME``, else ``~/.local/state``, then ``log``)."""
    state = _xdg_dir("XDG_STATE_HOME", os.path.join(".local", "state"))
    return None if state is None else os.path.join(state, "log")
