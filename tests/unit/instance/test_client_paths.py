"""The client verbs find the config folder (and so the socket) without platformdirs:
it must be the folder platformdirs gives the app, whatever the environment says."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from g2a_tray.core.instance.client_paths import ClientPaths
from g2a_tray.core.instance.protocol import socket_name
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.xdg_dirs import xdg_config_dir, xdg_data_dir, xdg_log_dir


def _environment(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    home: str | None,
    variable: str,
    value: str | None,
) -> None:
    """HOME absolute, relative or unset, and ``variable`` as given (None: unset)."""
    for name, wanted in (
        ("HOME", str(tmp_path / "home") if home == "absolute" else home),
        (variable, value),
    ):
        if wanted is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, wanted)


@pytest.mark.parametrize(
    "config_home", [None, "", "   ", "/tmp/some where/config", "relative/config"]
)
@pytest.mark.parametrize("home", ["absolute", "relative/home", None])
def test_the_config_folder_is_the_one_platformdirs_finds(
    config_home: str | None, home: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _environment(monkeypatch, tmp_path, home, "XDG_CONFIG_HOME", config_home)
    expected = platformdirs.user_config_dir("g2a-tray", appauthor=False)
    assert xdg_config_dir() in (expected, None)  # None: platformdirs is asked
    assert str(ClientPaths().config_dir) == str(AppPaths.default().config_dir) == expected


@pytest.mark.parametrize("data_home", [None, "", "/tmp/some where/data", "relative/data"])
@pytest.mark.parametrize("home", ["absolute", "relative/home", None])
def test_the_data_folder_is_the_one_platformdirs_finds(
    data_home: str | None, home: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``status`` reads the history from there: the app's own file."""
    _environment(monkeypatch, tmp_path, home, "XDG_DATA_HOME", data_home)
    expected = platformdirs.user_data_dir("g2a-tray", appauthor=False)
    assert xdg_data_dir() in (expected, None)
    assert str(ClientPaths().sessions_file) == str(AppPaths.default().sessions_file)
    assert str(ClientPaths().settings_file) == str(AppPaths.default().settings_file)


@pytest.mark.parametrize("state_home", [None, "", "/tmp/some where/state", "relative/state"])
@pytest.mark.parametrize("home", ["absolute", "relative/home", None])
def test_the_app_finds_the_folders_platformdirs_finds(
    state_home: str | None, home: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The app takes the XDG rule too (no platformdirs before its icon): the log folder
    as well as the others is platformdirs' own."""
    _environment(monkeypatch, tmp_path, home, "XDG_STATE_HOME", state_home)
    assert xdg_log_dir() in (platformdirs.user_log_dir("g2a-tray", appauthor=False), None)
    assert AppPaths.default() == AppPaths(
        Path(platformdirs.user_config_dir("g2a-tray", appauthor=False)),
        Path(platformdirs.user_data_dir("g2a-tray", appauthor=False)),
        Path(platformdirs.user_log_dir("g2a-tray", appauthor=False)),
    )


def test_the_socket_name_is_the_same_from_a_path_or_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app names its socket from AppPaths (a Path), a client verb from the text."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert socket_name(tmp_path / "link" / "g2a-tray") == socket_name(
        str(tmp_path / "real" / "g2a-tray")
    )


def test_the_other_folders_come_from_app_paths_on_first_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    paths = ClientPaths()
    assert paths.log_dir == AppPaths.default().log_dir
    assert paths.log_file == AppPaths.default().log_file
