"""A throw-away user profile (XDG folders, settings, a recording browser) and session-URL checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

RECORDING_OPENER = """#!/bin/sh
# Stands in for the desktop's xdg-open: records what the app handed to the browser.
printf '%s\\n' "$1" >> "{log}"
"""


CALLBACK_URL = re.compile(r"^http://127\.0\.0\.1:(\d+)/callback/([A-Za-z0-9_-]{43,})$")


def split_callback(url: str) -> tuple[str, str]:
    """Split a session URL into (the URL without its callback parameter, the callback URL).

    The callback parameter is always last and its secret is random, so tests compare the
    rest exactly and check the callback's shape.
    """
    head, sep, tail = url.partition("&sessionStatusCallbackUrl=")
    assert sep, f"no callback URL in {url}"
    callback = unquote(tail)
    assert CALLBACK_URL.match(callback), callback
    return head, callback


@dataclass
class Profile:
    """Temporary XDG folders for one user profile, and a recording browser."""

    root: Path

    @classmethod
    def create(cls, root: Path) -> Profile:
        prof = cls(root)
        for sub in ("config", "data", "state", "cache", "bin"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        opener = root / "bin" / "xdg-open"
        opener.write_text(RECORDING_OPENER.format(log=prof.opened_log))
        opener.chmod(0o755)
        prof.write_settings("")
        return prof

    def xdg_env(self) -> dict[str, str]:
        return {
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_STATE_HOME": str(self.root / "state"),
            "XDG_CACHE_HOME": str(self.root / "cache"),
        }

    @property
    def config_dir(self) -> Path:
        return self.root / "config" / "g2a-tray"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def log_file(self) -> Path:
        return self.root / "state" / "g2a-tray" / "log" / "g2a-tray.log"

    @property
    def opened_log(self) -> Path:
        return self.root / "opened-urls.txt"

    def opened_urls(self) -> list[str]:
        if not self.opened_log.exists():
            return []
        return self.opened_log.read_text().splitlines()

    def write_settings(self, text: str, *, exact: bool = False) -> None:
        """Write settings.toml. Unless ``exact``, a test profile listens on any free port
        (``listen_port = 0``) so it never takes a real app's 47801."""
        if not exact and "[callback]" not in text:
            text += "\n[callback]\nlisten_port = 0\n"
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.settings_file.write_text(text)
