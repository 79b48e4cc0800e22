"""The client verbs are a lean client: a verb that succeeds against the running app
imports only the modules in client_modules.txt beside this file (no argparse, no Qt, no
tomlkit, httpx or h11, not even enum, re or pathlib), each checked in a process of its
own through ``sys.modules``. What the interpreter loaded before the verb ran (a venv's
own start-up) is not counted."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.desktop import Desktop
from tests.helpers.procs import ROOT
from tests.helpers.profile import Profile

ALLOWED = {
    line.strip()
    for line in (Path(__file__).parent / "client_modules.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
}
STATUS_ALLOWED = ALLOWED | {
    line.strip()
    for line in (Path(__file__).parent / "status_modules.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
}
NEVER = {"argparse", "PySide6", "shiboken6", "tomlkit", "httpx", "h11", "jeepney", "Xlib"}

PROBE = """
import sys
before = set(sys.modules)
try:
    from g2a_tray.cli import main
    code = main(sys.argv[1:])
finally:  # also when argparse ends the process (it raises SystemExit)
    sys.stderr.write("MODULES " + " ".join(sorted(set(sys.modules) - before)) + "\\n")
sys.exit(code)
"""


@pytest.fixture(scope="module")
def env(desktop: Desktop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A running app, started the way a desktop shortcut starts it (``new-session``
    when none runs), in an environment like a desktop's: XDG_RUNTIME_DIR is set
    (without it the socket's folder is found through tempfile, allowed to cost more)."""
    profile = Profile.create(tmp_path_factory.mktemp("lean"))
    runtime = profile.root / "run"
    runtime.mkdir(mode=0o700)
    environment = {**desktop.env(profile), "XDG_RUNTIME_DIR": str(runtime)}
    started = probe(environment, "new-session")  # starting the app may import more
    assert started.returncode == 0, started.stderr
    yield environment
    probe(environment, "quit")  # a no-op when the last test quit it


def probe(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("argv", [["status"], ["status", "--limit", "5"], ["status", "--limit=2"]])
def test_status_reads_the_history_as_a_small_client(env: dict[str, str], argv: list[str]) -> None:
    """``status`` (a history already there: the running app made it) with SQLite and the
    status words only; ``--json`` and anything unusual take the full way (argparse)."""
    done = probe(env, *argv)
    assert done.returncode == 0 and "MODULES " in done.stderr, done.stderr
    assert "STARTED" in done.stdout or "No sessions yet." in done.stdout
    loaded = set(done.stderr.rsplit("MODULES ", 1)[-1].split())
    assert not loaded & (NEVER | {"enum", "typing", "re", "pathlib", "dataclasses"})
    assert loaded <= STATUS_ALLOWED, sorted(loaded - STATUS_ALLOWED)


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["new-session"],
        ["history"],
        ["start", "4711"],
        ["open"],
        ["open", "g2a-tray://start?partnerObject=4712"],
        ["quit"],  # last: it ends the app
    ],
)
def test_a_client_verb_imports_only_the_allowed_modules(
    env: dict[str, str], argv: list[str]
) -> None:
    done = probe(env, *argv)
    assert done.returncode == 0 and "MODULES " in done.stderr, done.stderr
    loaded = set(done.stderr.rsplit("MODULES ", 1)[-1].split())
    assert not loaded & NEVER
    assert loaded <= ALLOWED, sorted(loaded - ALLOWED)
