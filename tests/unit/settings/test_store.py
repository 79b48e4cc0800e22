"""settings.toml: loading, saving, unknown keys, corrupt files, atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from g2a_tray.core import safe_files
from g2a_tray.core.settings.schema import CallbackSettings, Settings
from g2a_tray.core.settings.store import MAX_SETTINGS_BYTES, SettingsStore

DOCUMENTED = """service_url = "https://api.getgo.com/G2A/rest/v1"
session_type = "SCREEN_SHARING"
layout = ""                        # "" = full browser window, or "iFrame"
partner_object_url_template = ""   # e.g. "https://helpdesk.example.com/tickets/{partnerObject}"
shortcut = "Ctrl+Alt+G"            # Qt portable key sequence text

[callback]
listen_host = "127.0.0.1"
listen_port = 47801                # 0 = any free port
public_url = ""                    # what GoToAssist should POST to, if not the listener itself

[notifications]
enabled = true
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "g2a-tray" / "settings.toml"


def test_missing_file_gives_defaults_and_no_message(path: Path) -> None:
    result = SettingsStore(path).load()
    assert result.settings == Settings()
    assert result.message() is None
    assert not path.exists()


def test_the_documented_example_loads_cleanly(path: Path) -> None:
    path.parent.mkdir()
    path.write_text(DOCUMENTED)
    result = SettingsStore(path).load()
    assert result.settings == Settings()
    assert result.problems == []


def test_save_creates_folder_and_round_trips(path: Path) -> None:
    settings = Settings(
        layout="iFrame", callback=CallbackSettings("127.0.0.1", 0, "https://t.example")
    )
    SettingsStore(path).save(settings)
    assert SettingsStore(path).load().settings == settings


def test_save_keeps_unknown_keys_and_comments(path: Path) -> None:
    path.parent.mkdir()
    path.write_text(
        '# written by hand\nfuture_key = "keep me"\nlayout = "iFrame"  # my layout\n'
        "[callback]\nlisten_port = 47900\nextra = [1, 2]\n[plugins.foo]\nx = 1\n"
    )
    store = SettingsStore(path)
    loaded = store.load().settings
    store.save(loaded.with_value(("shortcut",), "Ctrl+Alt+H"))
    text = path.read_text()
    assert "# written by hand" in text
    assert 'future_key = "keep me"' in text
    assert "# my layout" in text
    assert "extra = [1, 2]" in text
    assert "[plugins.foo]" in text
    assert 'shortcut = "Ctrl+Alt+H"' in text
    again = SettingsStore(path).load()
    assert again.settings.callback.listen_port == 47900
    assert again.settings.shortcut == "Ctrl+Alt+H"


def test_save_writes_only_what_differs_from_defaults(path: Path) -> None:
    SettingsStore(path).save(Settings(layout="iFrame"))
    assert path.read_text() == 'layout = "iFrame"\n'


def test_save_keeps_keys_another_program_wrote_after_loading(path: Path) -> None:
    store = SettingsStore(path)
    store.load()
    path.parent.mkdir()
    path.write_text("added_later = 1\n")
    store.save(Settings(layout="iFrame"))
    assert "added_later = 1" in path.read_text()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"layout = \n", "TOML"),
        (b"[callback\n", "TOML"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b'layout = "a"\nlayout = "b"\n', "TOML"),
    ],
)
def test_broken_file_is_moved_aside_and_kept_byte_for_byte(
    path: Path, content: bytes, reason: str
) -> None:
    path.parent.mkdir()
    path.write_bytes(content)
    result = SettingsStore(path).load()
    assert result.settings == Settings()
    assert result.moved_aside_to is not None
    assert result.moved_aside_to.name.startswith("settings.toml.broken-")
    assert result.moved_aside_to.read_bytes() == content
    assert not path.exists()
    message = result.message()
    assert message is not None and reason in message and result.moved_aside_to.name in message


def test_two_broken_files_in_one_second_both_survive(path: Path) -> None:
    path.parent.mkdir()
    kept = []
    for content in (b"= 1", b"= 2"):
        path.write_bytes(content)
        result = SettingsStore(path).load()
        assert result.moved_aside_to is not None
        kept.append(result.moved_aside_to)
    assert {p.read_bytes() for p in kept} == {b"= 1", b"= 2"}


def test_bad_values_are_reported_not_moved(path: Path) -> None:
    path.parent.mkdir()
    path.write_text('layout = "sideways"\n[callback]\nlisten_port = -1\n')
    result = SettingsStore(path).load()
    assert result.moved_aside_to is None
    assert [p.key for p in result.problems] == ["layout", "callback.listen_port"]
    message = result.message()
    assert message is not None and "layout" in message and "callback.listen_port" in message
    assert path.exists()


def test_unreadable_directory_in_place_of_file(path: Path) -> None:
    path.mkdir(parents=True)  # a folder where the file should be: unreadable, not movable? movable.
    result = SettingsStore(path).load()
    assert result.settings == Settings()
    assert result.message() is not None


def test_huge_file_is_refused(path: Path) -> None:
    path.parent.mkdir()
    path.write_bytes(b"# " + b"x" * (MAX_SETTINGS_BYTES + 10))
    result = SettingsStore(path).load()
    assert result.moved_aside_to is not None
    assert "1 MiB" in (result.message() or "")


def test_crash_mid_write_leaves_the_old_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SettingsStore(path)
    store.save(Settings(layout="iFrame"))
    before = path.read_bytes()

    def crash(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_files.os, "replace", crash)
    with pytest.raises(OSError):
        store.save(Settings(shortcut="Ctrl+F12"))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["settings.toml"]  # no temp file left


def test_write_keeps_file_mode(path: Path) -> None:
    path.parent.mkdir()
    path.write_text("")
    path.chmod(0o600)
    SettingsStore(path).save(Settings(layout="iFrame"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_written_file_is_complete_when_replaced(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.replace is called only after the temporary file was flushed and fsynced."""
    synced: list[int] = []
    real_fsync = os.fsync

    def spy_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    real_replace = os.replace

    def spy_replace(src: str, dst: object) -> None:
        assert synced, "replace before fsync"
        assert Path(src).read_text() == 'layout = "iFrame"\n'
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(safe_files.os, "fsync", spy_fsync)
    monkeypatch.setattr(safe_files.os, "replace", spy_replace)
    SettingsStore(path).save(Settings(layout="iFrame"))
    assert path.read_text() == 'layout = "iFrame"\n'
