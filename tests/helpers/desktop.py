"""A real X display (Xvfb) with a tray host, for tests that run the app as a process."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.buses import SessionBus
from tests.helpers.procs import stop_processes, unavailable, wait_for
from tests.helpers.profile import Profile


@dataclass
class Desktop:
    """A running Xvfb display with a tray host."""

    display: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self, profile: Profile, bus: SessionBus | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "QT_QPA"))}
        env.update(profile.xdg_env())
        env["DISPLAY"] = self.display
        env["QT_QPA_PLATFORM"] = "xcb"
        env["PATH"] = f"{profile.root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        if bus is not None:
            env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        else:  # no bus: notifications fall back to the tray
            env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent"
        return env

    def stop(self) -> None:
        stop_processes(self.procs)

    def x(self, *args: str) -> str:
        """Run an X client (xdotool, xwininfo …) on this display and return its output."""
        out = subprocess.run(
            args,
            env={**os.environ, "DISPLAY": self.display},
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        return out.stdout


def start_desktop(workdir: Path, tray: bool = True) -> tuple[Desktop | None, str]:
    """Start Xvfb and (unless ``tray`` is False) trayer, an XEmbed tray; returns
    (None, reason) when they are not installed."""
    for tool in ("Xvfb", "trayer", "xwininfo", "xdotool"):
        if shutil.which(tool) is None:
            return None, f"{tool} is not installed (bash .ci/setup installs it)"
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "xvfb.log").open("wb"),
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    if not number:
        xvfb.kill()
        return None, f"Xvfb did not start: {(workdir / 'xvfb.log').read_text()[-500:]}"
    desk = Desktop(f":{number}", [xvfb])
    if not tray:
        return desk, ""
    trayer_log = workdir / "trayer.log"
    # On a loaded machine trayer has been seen not to show its panel at all: give it
    # time, then one more start, and report what it said if it still does not.
    for _attempt in range(2):
        tray = subprocess.Popen(
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "pixel",
                "--width",
                "200",
                "--SetDockType",
                "false",
            ],
            env={**os.environ, "DISPLAY": desk.display},
            stdout=subprocess.DEVNULL,
            stderr=trayer_log.open("ab"),
        )
        desk.procs.append(tray)
        try:
            wait_for(lambda: "panel" in desk.x("xwininfo", "-root", "-tree"), 20, "trayer's panel")
        except AssertionError as exc:
            failure = f"{exc}; trayer exit {tray.poll()}: {trayer_log.read_text()[-500:]!r}"
            stop_processes([tray])
            desk.procs.remove(tray)
            continue
        return desk, ""
    desk.stop()
    return None, failure


def running_desktop(workdir: Path, tray: bool = True) -> Iterator[Desktop]:
    """A fixture's desktop (see :func:`start_desktop`), stopped afterwards."""
    desk, why_not = start_desktop(workdir, tray=tray)
    if desk is None:
        unavailable(f"a real X session: {why_not}")
    try:
        yield desk
    finally:
        desk.stop()
