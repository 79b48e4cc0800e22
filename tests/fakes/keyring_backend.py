"""A keyring backend for tests: a JSON file named by ``G2A_TEST_KEYRING``.

Selected with ``PYTHON_KEYRING_BACKEND=tests.fakes.keyring_backend.FileKeyring`` (keyring's own
way to pick a backend), so the app process stores and reads the relay's and the helpdesk's
tokens through the real ``keyring`` API where no Secret Service runs. The demo's own file
keyring (g2a_tray/simulator/demo_keyring.py) under another variable.
"""

from __future__ import annotations

from g2a_tray.simulator.demo_keyring import DemoKeyring


class FileKeyring(DemoKeyring):
    env = "G2A_TEST_KEYRING"
