"""The PyInstaller bundle builds from this checkout and its executable works on its own:
``--version``, then ``start`` (which starts the bundled app), ``status`` and ``quit``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.desktop import Desktop
from tests.helpers.procs import ROOT, need_tool, wait_for
from tests.helpers.profile import Profile, split_callback


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    need_tool(str(Path(sys.executable).with_name("pyinstaller")))
    work = tmp_path_factory.mktemp("bundle")
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("pyinstaller")),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
            "packaging/g2a-tray.spec",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    yield work / "dist" / "g2a-tray"


def test_bundle_holds_only_the_qt_it_needs(bundle: Path) -> None:
    modules = {p.name.split(".")[0] for p in (bundle / "_internal" / "PySide6").glob("Qt*.abi3.so")}
    assert modules == {"QtCore", "QtGui", "QtNetwork", "QtWidgets"}
    assert (bundle / "_internal" / "g2a_tray" / "resources" / "g2a-tray.svg").exists()
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"bundle size: {size / 2**20:.0f} MiB")


def test_bundled_executable_runs_start_status_quit(
    bundle: Path, desktop: Desktop, profile: Profile
) -> None:
    exe = str(bundle / "g2a-tray")
    env = desktop.env(profile)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=60)

    assert run("--version").stdout.strip() == "g2a-tray 0.1.0"
    started = run("start", "4711")  # starts the bundled app in the background first
    assert started.returncode == 0, started.stderr
    head, _ = split_callback(started.stdout.strip())
    assert head.endswith("partnerObject=4711")
    wait_for(lambda: len(profile.opened_urls()) == 1, 10, "the browser hand-off")
    assert json.loads(run("status", "--json").stdout)[0]["partnerObject"] == "4711"
    assert run("quit").returncode == 0
    wait_for(lambda: "not running" in run("quit").stderr, 10, "the app to quit")
