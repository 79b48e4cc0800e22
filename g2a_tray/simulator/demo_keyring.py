"""The demo's keyring: a JSON file in the demo's throw-away profile, for the demo's app
process only (``PYTHON_KEYRING_BACKEND``, keyring's own way to pick a backend).

``g2a-tray demo --helpdesk KIND`` needs the helpdesk stand-in's token in the keyring of
the app it starts; the technician's own keyring must not get a stand-in's token (nor be
required: a laptop without a Secret Service still runs the demo). The file holds only
that stand-in's token and is removed with the profile.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ENV = "G2A_TRAY_DEMO_KEYRING"
BACKEND = "g2a_tray.simulator.demo_keyring.DemoKeyring"


class DemoKeyring(KeyringBackend):
    """Passwords in the JSON file the environment variable ``env`` names."""

    priority = 1
    env = ENV

    @property
    def _path(self) -> Path:
        return Path(os.environ[self.env])

    def _load(self) -> dict[str, str]:
        return json.loads(self._path.read_text()) if self._path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\n{username}"] = password
        self._path.write_text(json.dumps(data))
        self._path.chmod(0o600)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\n{username}", None) is None:
            raise PasswordDeleteError(username)
        self._path.write_text(json.dumps(data))


def write_demo_token(path: Path, service: str, username: str, token: str) -> None:
    """The token, where :class:`DemoKeyring` in the demo's app will read it."""
    path.write_text(json.dumps({f"{service}\n{username}": token}))
    path.chmod(0o600)
