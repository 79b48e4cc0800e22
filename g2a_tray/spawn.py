"""Starting the tray app as a child process (``start``/``new-session`` with no app
running, and the demo): the same g2a-tray as this process, whatever the current folder.

``python -m g2a_tray`` puts the current folder first on ``sys.path``: run from a checkout,
the source tree would shadow the installed package (which holds the resources). So the
child runs in a neutral folder, with the folder this package was imported from first on
its path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import g2a_tray


def app_command(*args: str) -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "g2a_tray", *args]


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    if not getattr(sys, "frozen", False):
        package_root = str(Path(g2a_tray.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p
        )
    return env


def neutral_cwd() -> str:
    """A folder no one else can write into and that holds no ``g2a_tray``: the home."""
    home = Path.home()
    return str(home if home.is_dir() else Path(g2a_tray.__file__).resolve().parent)
