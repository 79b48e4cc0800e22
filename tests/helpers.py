"""Helpers for running the real app as a process in temporary profiles and displays."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
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


def unavailable(reason: str) -> NoReturn:
    """Something a test needs is missing: skip with the reason, but under CI=true fail, so
    CI never passes by skipping."""
    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs this: {reason}")
    pytest.skip(reason)


def need_tool(tool: str) -> None:
    if shutil.which(tool) is None:
        unavailable(f"{tool} is not installed (bash .ci/setup installs it)")


def stop_processes(procs: list[subprocess.Popen[Any]]) -> None:
    for proc in reversed(procs):
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll another process's state (no Qt signal reaches across processes)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


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


class AppProcess:
    """The real app (``python -m g2a_tray``) running as its own process."""

    def __init__(self, profile: Profile, env: dict[str, str]) -> None:
        self.profile = profile
        self.env = env
        self.proc: subprocess.Popen[str] | None = None

    def cli(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "g2a_tray", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "g2a_tray", *args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def start(self) -> None:
        self.proc = self.popen("run")
        wait_for(self.is_running, 20, "the app to answer on its socket")

    def is_running(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(
                f"the app exited with {self.proc.returncode}: {self.proc.communicate()}"
            )
        return self.ping()

    def ping(self) -> bool:
        from g2a_tray.core.ipc_protocol import socket_name
        from g2a_tray.qt.single_instance import is_running

        return is_running(socket_name(self.profile.config_dir))

    def stop(self) -> None:
        if self.ping():
            self.cli("quit")
        if self.proc is not None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class SessionBus:
    """A private D-Bus session bus with the recording notification server on it."""

    address: str
    record: Path
    procs: list[subprocess.Popen[str]] = field(default_factory=list)

    def notifications(self) -> list[dict[str, object]]:
        if not self.record.exists():
            return []
        import json

        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def invoke(self, notification_id: int, action: str) -> None:
        """Click an action, as the user would in the daemon's popup."""
        subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.Notifications",
                "/org/freedesktop/Notifications",
                "org.g2atray.Test.Invoke",
                f"uint32:{notification_id}",
                f"string:{action}",
            ],
            env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": self.address},
            check=True,
            capture_output=True,
            timeout=10,
        )

    def stop(self) -> None:
        stop_processes(self.procs)


def start_dbus_daemon() -> tuple[subprocess.Popen[str], str]:
    """A private session bus: the daemon and its address ("" if it did not start)."""
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdout is not None
    return daemon, daemon.stdout.readline().strip()


def start_session_bus(workdir: Path) -> tuple[SessionBus | None, str]:
    """Start dbus-daemon and tests/notification_server.py; (None, reason) if impossible."""
    if shutil.which("dbus-daemon") is None or shutil.which("dbus-send") is None:
        return None, "dbus-daemon is not installed (bash .ci/setup installs it)"
    daemon, address = start_dbus_daemon()
    if not address:
        daemon.kill()
        return None, "dbus-daemon did not start"
    record = workdir / "notifications.jsonl"
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.notification_server", str(record)],
        env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": address},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    bus = SessionBus(address, record, [daemon, server])
    assert server.stdout is not None
    if server.stdout.readline().strip() != "ready":
        bus.stop()
        return None, "the test notification server did not start"
    return bus, ""


@dataclass
class DunstBus:
    """A private session bus with dunst (a real notification daemon) drawing on a display,
    and dbus-monitor writing every ``Notify`` call to ``monitor_log``."""

    address: str
    env: dict[str, str]
    monitor_log: Path
    procs: list[subprocess.Popen[str]] = field(default_factory=list)

    def notify_calls(self) -> str:
        return self.monitor_log.read_text()

    def owns_notifications(self) -> bool:
        out = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.Notifications",
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
        return "boolean true" in out

    def stop(self) -> None:
        stop_processes(self.procs)


def start_dunst_bus(display: str, workdir: Path) -> DunstBus:
    """Start dbus-daemon, dbus-monitor and dunst; returns once dunst owns its bus name."""
    daemon, address = start_dbus_daemon()
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "DISPLAY": display}
    bus = DunstBus(address, env, workdir / "notify-calls.txt", [daemon])
    with bus.monitor_log.open("w") as out:  # line-buffered: read while it runs
        bus.procs.append(
            subprocess.Popen(
                [
                    "stdbuf",
                    "-oL",
                    "dbus-monitor",
                    "--session",
                    "interface='org.freedesktop.Notifications',member='Notify'",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        )
    bus.procs.append(subprocess.Popen(["dunst"], env=env, stderr=subprocess.DEVNULL, text=True))
    try:
        wait_for(bus.owns_notifications, 20, "dunst to own org.freedesktop.Notifications")
    except AssertionError:
        bus.stop()
        raise
    return bus
