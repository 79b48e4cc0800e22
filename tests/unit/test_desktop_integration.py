"""Desktop entry, autostart and link-scheme files, against temporary folders (Qt-free)."""

from __future__ import annotations

import plistlib
import subprocess
from pathlib import Path

import pytest

from g2a_tray import APP_ID
from g2a_tray.core.desktop_integration import (
    Autostart,
    desktop_entry,
    exec_line,
    install_desktop_entry,
    remove_desktop_entry,
)
from tests.helpers.procs import need_tool

ROOT = Path(__file__).resolve().parents[2]


def test_the_packaged_desktop_entry_is_the_generated_one() -> None:
    packaged = ROOT / "packaging" / "linux" / f"{APP_ID}.desktop"
    assert packaged.read_text() == desktop_entry(["g2a-tray"])
    assert "Exec=g2a-tray open %u" in packaged.read_text()
    assert "MimeType=x-scheme-handler/g2a-tray;" in packaged.read_text()


def test_generated_entries_validate(tmp_path: Path) -> None:
    need_tool("desktop-file-validate")
    files = install_desktop_entry(tmp_path, ["/opt/my apps/g2a-tray"])
    result = subprocess.run(
        ["desktop-file-validate", str(files[0])], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_exec_quoting_follows_the_spec() -> None:
    assert exec_line(["/usr/bin/g2a-tray"]) == "/usr/bin/g2a-tray"
    assert exec_line(["/opt/my apps/g2a-tray"]) == '"/opt/my apps/g2a-tray"'
    assert exec_line(["/x/python3", "-m", "g2a_tray"]) == "/x/python3 -m g2a_tray"
    assert exec_line(['/a"b$c']) == '"/a\\"b\\$c"'


def test_install_and_remove_the_desktop_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # xdg-mime writes there
    entry, icon = install_desktop_entry(tmp_path, ["/usr/local/bin/g2a-tray"])
    assert entry == tmp_path / "applications" / f"{APP_ID}.desktop"
    assert "Exec=/usr/local/bin/g2a-tray open %u" in entry.read_text()
    assert icon.read_text().startswith("<svg")
    removed = remove_desktop_entry(tmp_path)
    assert removed[:2] == [entry, icon]
    assert not entry.exists() and not icon.exists()
    mimeapps = tmp_path / "config" / "mimeapps.list"
    if mimeapps.exists():  # xdg-mime (xdg-utils) registered the link handler: it is gone
        assert removed[2:] == [mimeapps]
        assert "g2a-tray" not in mimeapps.read_text()


def test_remove_leaves_an_entry_it_did_not_make(tmp_path: Path) -> None:
    entry = tmp_path / "applications" / f"{APP_ID}.desktop"
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nName=mine\n")
    assert remove_desktop_entry(tmp_path) == []
    assert entry.exists()


def test_autostart_on_and_off_on_linux(tmp_path: Path) -> None:
    auto = Autostart("linux", config_home=tmp_path, command=["/usr/bin/g2a-tray"])
    assert not auto.is_enabled()
    auto.set_enabled(True)
    assert auto.path == tmp_path / "autostart" / f"{APP_ID}.desktop"
    text = auto.path.read_text()
    assert "Exec=/usr/bin/g2a-tray run" in text and "X-G2aTray-Created=true" in text
    assert auto.is_enabled()
    auto.set_enabled(False)
    assert not auto.path.exists() and not auto.is_enabled()
    auto.set_enabled(False)  # already off: nothing to do, no error


def test_autostart_off_removes_only_what_it_created(tmp_path: Path) -> None:
    auto = Autostart("linux", config_home=tmp_path, command=["g2a-tray"])
    auto.path.parent.mkdir(parents=True)
    auto.path.write_text("[Desktop Entry]\nExec=my-own-wrapper\n")
    with pytest.raises(OSError, match="not created by g2a-tray"):
        auto.set_enabled(False)
    assert auto.path.read_text() == "[Desktop Entry]\nExec=my-own-wrapper\n"


def test_autostart_on_macos_is_a_launch_agent(tmp_path: Path) -> None:
    auto = Autostart(
        "darwin", home=tmp_path, command=["/Applications/g2a-tray.app/Contents/MacOS/g2a-tray"]
    )
    auto.set_enabled(True)
    plist = plistlib.loads(auto.path.read_bytes())
    assert auto.path == tmp_path / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
    assert plist["Label"] == APP_ID and plist["RunAtLoad"] is True
    assert plist["ProgramArguments"][-1] == "run"
    auto.set_enabled(False)
    assert not auto.path.exists()


def test_packaged_metainfo_names_the_same_id() -> None:
    text = (ROOT / "packaging" / "linux" / f"{APP_ID}.metainfo.xml").read_text()
    assert f"<id>{APP_ID}</id>" in text
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in text


def test_remove_takes_the_link_handler_out_of_mimeapps_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from g2a_tray.core.desktop_integration import forget_link_handler

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    mimeapps = tmp_path / "config" / "mimeapps.list"
    mimeapps.parent.mkdir()
    entry = "io.github.g2atray.G2aTray.desktop"
    mimeapps.write_text(
        "[Default Applications]\n"
        f"x-scheme-handler/g2a-tray={entry}\n"
        "text/html=firefox.desktop\n"
        "[Added Associations]\n"
        f"x-scheme-handler/g2a-tray=other.desktop;{entry};\n"
    )
    assert forget_link_handler(entry) == mimeapps
    assert mimeapps.read_text() == (
        "[Default Applications]\n"
        "text/html=firefox.desktop\n"
        "[Added Associations]\n"
        "x-scheme-handler/g2a-tray=other.desktop;\n"
    )
    assert forget_link_handler(entry) is None  # nothing more to take out
