"""Waiting on and stopping other processes, and what a test does when a tool is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parents[2]


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
