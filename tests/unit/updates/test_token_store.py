"""The relay token goes to the system keyring (here: a file-backed test backend) or, with
no keyring, nowhere, with a message that says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from g2a_tray.core.updates.token_store import TokenStoreError, load_token, save_token
from tests.fakes.keyring_backend import FileKeyring


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "keyring.json"
    monkeypatch.setenv("G2A_TEST_KEYRING", str(path))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield path
    keyring.set_keyring(previous)


def test_store_read_and_forget(file_keyring: Path) -> None:
    assert load_token("https://ntfy.example.com") == ""
    save_token("https://ntfy.example.com", "tk_1")
    assert load_token("https://ntfy.example.com") == "tk_1"
    assert load_token("https://other.example.com") == ""  # one token per relay
    save_token("https://ntfy.example.com", "")
    assert load_token("https://ntfy.example.com") == ""
    save_token("https://ntfy.example.com", "")  # forgetting twice is fine


def test_without_a_keyring_the_user_is_told_and_nothing_is_written(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(TokenStoreError, match="No system keyring is available"):
            save_token("https://ntfy.example.com", "tk_1")
        assert load_token("https://ntfy.example.com") == ""
    finally:
        keyring.set_keyring(previous)
    assert list(tmp_path.iterdir()) == []
