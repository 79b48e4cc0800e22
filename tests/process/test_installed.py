"""README's first command, as a new technician runs it: the project installed
non-editable into a fresh venv, started from the repository root.

Run from the checkout, ``python -m g2a_tray`` in the current folder would shadow the
installed package (and the source tree has no ``g2a_tray/resources``), so whatever
starts the app as a child must start the installed one. The dependencies are borrowed
from the test venv (a ``.pth`` line) so this needs no download of Qt; g2a-tray itself is
built and installed as a wheel. A checkout that was never installed runs from its root
as well.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.desktop import Desktop
from tests.helpers.procs import ROOT, wait_for
from tests.helpers.profile import Profile
from tests.helpers.venvs import bare_venv, installed_venv
from tests.process.test_app_process import FORM_TITLE, visible_windows
from tests.process.test_hardening_process import Terminal, _run_in_pty


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    started = time.monotonic()
    where = installed_venv(tmp_path_factory.mktemp("installed") / "venv", quiet=False)
    print(f"\nbuilt and installed non-editable in {time.monotonic() - started:.1f} s")
    return where


@pytest.fixture
def env(venv: Path, desktop: Desktop, profile: Profile) -> Iterator[dict[str, str]]:
    environment = desktop.env(profile)
    environment["PATH"] = f"{venv / 'bin'}{os.pathsep}{environment['PATH']}"
    environment.pop("PYTHONPATH", None)
    yield environment
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "g2a_tray", "quit"],
        env=environment,
        cwd="/",
        capture_output=True,
        timeout=30,
    )


def test_the_installed_package_is_the_one_imported(venv: Path) -> None:
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import g2a_tray.resources as r; print(r.__file__)"],
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert found.startswith(str(venv)), found


def test_start_from_the_repository_root_starts_the_installed_app(
    venv: Path, env: dict[str, str], profile: Profile
) -> None:
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "g2a_tray", "start", "4711"],
        env=env,
        cwd=ROOT,  # where README's command is typed
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "partnerObject=4711" in result.stdout
    assert profile.opened_urls() == [result.stdout.strip()]
    log = profile.log_file.read_text()
    assert "ModuleNotFoundError" not in log and "Traceback" not in log


def test_the_demo_from_the_repository_root(
    venv: Path, env: dict[str, str], desktop: Desktop
) -> None:
    proc, master = _run_in_pty([str(venv / "bin" / "g2a-tray"), "demo"], env)
    terminal = Terminal(master)
    try:
        terminal.wait_for(b"demo is running", 60)
        wait_for(lambda: bool(visible_windows(desktop, FORM_TITLE)), 20, "the demo's form")
        terminal.type(b"\x03")
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_a_source_checkout_never_installed_runs_from_its_root(
    tmp_path: Path, desktop: Desktop, profile: Profile
) -> None:
    """``python -m g2a_tray`` in a checkout with only the dependencies installed: the
    package (and its resources/) come from the checkout, the app it starts as well."""
    python = bare_venv(tmp_path / "deps-only") / "bin" / "python"
    env = desktop.env(profile)
    env.pop("PYTHONPATH", None)
    try:
        result = subprocess.run(
            [str(python), "-m", "g2a_tray", "start", "4711"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert profile.opened_urls() == [result.stdout.strip()]
    finally:
        subprocess.run(
            [str(python), "-m", "g2a_tray", "quit"], env=env, cwd=ROOT, capture_output=True
        )
