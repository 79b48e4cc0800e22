"""Desktop integration files: the desktop entry, "Start with my desktop", the link scheme.

Qt-free and driven by paths, so tests run it against temporary XDG folders. What g2a-tray
writes carries a marker, and turning a feature off removes only what carries it.

- Linux: ``$XDG_DATA_HOME/applications/<id>.desktop`` (menu entry and ``g2a-tray://``
  handler), the icon under ``hicolor/scalable/apps``, and an XDG autostart entry in
  ``$XDG_CONFIG_HOME/autostart/``.
- macOS: a LaunchAgent plist; Windows: the per-user ``Run`` key.
"""

from __future__ import annotations

import logging
import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from g2a_tray import APP_ID, URL_SCHEME
from g2a_tray.core.paths import resource_file
from g2a_tray.core.safe_files import write_atomically

log = logging.getLogger(__name__)

MARKER = "X-G2aTray-Created=true"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "g2a-tray"


def desktop_entry(command: list[str]) -> str:
    """The menu entry; packaging/linux/<id>.desktop is this with ``command = ["g2a-tray"]``."""
    exec_ = exec_line(command)
    return f"""[Desktop Entry]
Type=Application
Name=g2a-tray
GenericName=Remote support launcher
Comment=Start GoToAssist remote support sessions from the system tray
Icon={APP_ID}
Exec={exec_} open %u
TryExec={command[0]}
Terminal=false
Categories=Network;RemoteAccess;
Keywords=GoToAssist;remote;support;helpdesk;ticket;screen sharing;
MimeType=x-scheme-handler/{URL_SCHEME};
StartupNotify=false
Actions=history;

[Desktop Action history]
Name=Session history
Exec={exec_} history
"""


def autostart_entry(command: str) -> str:
    return f"""[Desktop Entry]
Type=Application
Name=g2a-tray
Comment=Start GoToAssist remote support sessions from the system tray
Icon={APP_ID}
Exec={command} run
Terminal=false
X-GNOME-Autostart-enabled=true
{MARKER}
"""


def _exec_quote(arg: str) -> str:
    """Quote one argument for a desktop entry's Exec key (the spec's rules)."""
    if arg and not any(ch in arg for ch in " \t\n\"'\\><~|&;$*?#()`"):
        return arg
    escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
    return f'"{escaped}"'


def launch_command() -> list[str]:
    """How the desktop should start this installation of g2a-tray."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(sys.executable).with_name("g2a-tray")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "g2a_tray"]


def exec_line(command: list[str]) -> str:
    return " ".join(_exec_quote(arg) for arg in command)


class Autostart:
    """ "Start with my desktop" for the current platform."""

    def __init__(
        self,
        platform: str = sys.platform,
        config_home: Path | None = None,
        home: Path | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.platform = platform
        self.config_home = config_home or Path(
            os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
        )
        self.home = home or Path.home()
        self.command = command or launch_command()

    @property
    def path(self) -> Path:
        if self.platform == "darwin":
            return self.home / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
        return self.config_home / "autostart" / f"{APP_ID}.desktop"

    def is_enabled(self) -> bool:
        if self.platform == "win32":
            return self._windows_value() is not None
        return self.path.exists()

    def set_enabled(self, enabled: bool) -> None:
        """Create or remove the entry; raises OSError with the reason if it cannot."""
        if self.platform == "win32":
            self._windows(enabled)
        elif enabled:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.platform == "darwin":
                plist = {
                    "Label": APP_ID,
                    "ProgramArguments": [*self.command, "run"],
                    "RunAtLoad": True,
                    "ProcessType": "Interactive",
                    "G2aTrayCreated": True,
                }
                self.path.write_bytes(plistlib.dumps(plist))
            else:
                self.path.write_text(autostart_entry(exec_line(self.command)))
            log.info("autostart on: %s", self.path)
        elif self.path.exists():
            if not self._ours():
                log.warning("autostart entry %s was not made by g2a-tray; left alone", self.path)
                raise OSError(f"{self.path} was not created by g2a-tray, so it was left alone")
            self.path.unlink()
            log.info("autostart off: removed %s", self.path)

    def _ours(self) -> bool:
        try:
            if self.platform == "darwin":
                return bool(plistlib.loads(self.path.read_bytes()).get("G2aTrayCreated"))
            return MARKER in self.path.read_text(errors="replace").splitlines()
        except (OSError, plistlib.InvalidFileException):
            return False

    # -- Windows: HKCU\\...\\Run, value "g2a-tray"

    def _windows_command(self) -> str:
        return subprocess.list2cmdline([*self.command, "run"])

    def _windows_value(self) -> str | None:
        if sys.platform != "win32":
            raise OSError("the Run key exists on Windows only")
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _ = winreg.QueryValueEx(key, RUN_VALUE)
                return str(value)
        except OSError:
            return None

    def _windows(self, enabled: bool) -> None:
        if sys.platform != "win32":
            raise OSError("the Run key exists on Windows only")
        import winreg

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            if enabled:
                winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, self._windows_command())
            elif self._windows_value() == self._windows_command():
                winreg.DeleteValue(key, RUN_VALUE)


def install_desktop_entry(
    data_home: Path | None = None, command: list[str] | None = None
) -> list[Path]:
    """Put the menu entry and icon where this user's desktop finds them, and make
    g2a-tray the handler of ``g2a-tray://`` links. Returns the files written."""
    data_home = data_home or Path(
        os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    )
    entry = data_home / "applications" / f"{APP_ID}.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    entry.parent.mkdir(parents=True, exist_ok=True)
    icon.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry(command or launch_command()) + f"{MARKER}\n")
    shutil.copyfile(resource_file("g2a-tray.svg"), icon)
    for tool in (
        ["update-desktop-database", str(entry.parent)],
        ["xdg-mime", "default", entry.name, f"x-scheme-handler/{URL_SCHEME}"],
    ):
        if shutil.which(tool[0]):
            result = subprocess.run(tool, capture_output=True, text=True, timeout=30)
            if result.returncode != 0:
                log.warning("%s failed: %s", shlex.join(tool), result.stderr.strip())
    return [entry, icon]


def remove_desktop_entry(data_home: Path | None = None) -> list[Path]:
    """Remove what :func:`install_desktop_entry` wrote (only files carrying its marker)."""
    data_home = data_home or Path(
        os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    )
    entry = data_home / "applications" / f"{APP_ID}.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    removed = []
    if entry.exists() and MARKER in entry.read_text(errors="replace").splitlines():
        entry.unlink()
        removed.append(entry)
        if icon.exists():
            icon.unlink()
            removed.append(icon)
        mimeapps = forget_link_handler(entry.name)
        if mimeapps is not None:
            removed.append(mimeapps)
    return removed


def forget_link_handler(entry_name: str, config_home: Path | None = None) -> Path | None:
    """Take ``entry_name`` out of the user's ``mimeapps.list`` wherever it handles
    ``g2a-tray://`` links (``xdg-mime default`` put it there); every other line stays.
    Returns the file if it changed."""
    config_home = config_home or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = config_home / "mimeapps.list"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    scheme = f"x-scheme-handler/{URL_SCHEME}="
    lines = []
    for line in text.splitlines():
        if not line.startswith(scheme):
            lines.append(line)
            continue
        handlers = [h for h in line[len(scheme) :].split(";") if h and h != entry_name]
        if handlers:  # a line that named only g2a-tray goes
            lines.append(scheme + ";".join(handlers) + (";" if line.endswith(";") else ""))
    changed = "\n".join(lines) + ("\n" if text.endswith("\n") else "")
    if changed == text:
        return None
    write_atomically(path, changed.encode("utf-8"))
    return path
