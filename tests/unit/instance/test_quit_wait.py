"""``g2a-tray quit`` returns once the app's process has ended: told by the kernel (a
pidfd), not found by polling, so a script's next ``g2a-tray run`` can start at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from g2a_tray import client


def _child() -> subprocess.Popen[bytes]:
    """A process that ends when its stdin closes."""
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )


def test_returns_once_the_process_has_ended_even_unreaped() -> None:
    child = _child()
    assert child.stdin is not None
    ended_at: list[float] = []

    def end() -> None:
        ended_at.append(time.monotonic())
        child.stdin.close()  # type: ignore[union-attr]

    timer = threading.Timer(0.3, end)
    timer.start()
    client.wait_until_gone(child.pid, 15)
    returned = time.monotonic()
    assert ended_at, "returned before the process was asked to end"
    assert child.poll() is not None  # gone (a zombie until reaped here: gone all the same)
    assert returned >= ended_at[0]
    timer.join()


@pytest.mark.skipif(not hasattr(client.os, "pidfd_open"), reason="pidfd is Linux-only")
def test_the_wait_sleeps_on_the_pidfd_instead_of_polling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    child = _child()
    sleeps: list[float] = []
    monkeypatch.setattr(client.time, "sleep", sleeps.append)
    threading.Timer(0.3, child.stdin.close).start()  # type: ignore[union-attr]
    client.wait_until_gone(child.pid, 15)
    child.wait(5)
    assert sleeps == []


def test_a_process_that_does_not_end_is_reported() -> None:
    child = _child()
    try:
        with pytest.raises(client.ClientError, match="still running"):
            client.wait_until_gone(child.pid, 0.2)
    finally:
        child.kill()
        child.wait(5)
