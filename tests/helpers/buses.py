"""Private D-Bus session buses: with the recording notification server, or with dunst."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.procs import ROOT, stop_processes, wait_for


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


# A session bus like the desktop's, but one that starts no service by itself: with the
# standard service folders, a machine that has xdg-desktop-portal installed answered
# for GlobalShortcuts on a bus meant to have no portal at all.
PRIVATE_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  {servicedirs}
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def start_dbus_daemon(*, activation: bool = False) -> tuple[subprocess.Popen[str], str]:
    """A private session bus: the daemon and its address ("" if it did not start).
    Services installed on the machine are started on demand only with ``activation``."""
    import tempfile

    dirs = "<standard_session_servicedirs />" if activation else ""
    with tempfile.NamedTemporaryFile("w", suffix=".conf", prefix="g2a-bus-") as config:
        config.write(PRIVATE_BUS_CONFIG.format(servicedirs=dirs))
        config.flush()
        daemon = subprocess.Popen(
            [
                "dbus-daemon",
                f"--config-file={config.name}",
                "--nofork",
                "--nopidfile",
                "--print-address=1",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert daemon.stdout is not None
        return daemon, daemon.stdout.readline().strip()  # read its config by then


def start_session_bus(workdir: Path) -> tuple[SessionBus | None, str]:
    """Start dbus-daemon and tests/fakes/notification_server.py; (None, reason) if impossible."""
    if shutil.which("dbus-daemon") is None or shutil.which("dbus-send") is None:
        return None, "dbus-daemon is not installed (bash .ci/setup installs it)"
    daemon, address = start_dbus_daemon()
    if not address:
        daemon.kill()
        return None, "dbus-daemon did not start"
    record = workdir / "notifications.jsonl"
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.notification_server", str(record)],
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
