"""The real app as its own process in a temporary profile and display."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.procs import ROOT, wait_for
from tests.helpers.profile import Profile


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
        from g2a_tray.client import is_running
        from g2a_tray.core.instance.protocol import socket_name

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
