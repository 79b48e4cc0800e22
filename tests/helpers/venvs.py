"""g2a-tray installed as a user installs it: non-editable, in a fresh venv.

The dependencies are borrowed from the test venv (a ``.pth`` line adds a folder to
sys.path without running the .pth files in it, so the editable install's import hook
stays out), so this needs no download of Qt; g2a-tray itself is built and installed as a
wheel. Used by tests/process/test_installed.py and the benchmarks.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.helpers.procs import ROOT


def bare_venv(where: Path) -> Path:
    """A fresh venv with the test venv's packages (PySide6, httpx…) but no g2a-tray."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(where), "platbase": str(where)}))
    (site / "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return where


def installed_venv(where: Path, *, quiet: bool = True) -> Path:
    """:func:`bare_venv` with this checkout installed into it (non-editable), and the
    launcher packaging/install.sh writes."""
    bare_venv(where)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",  # the fresh venv's interpreter: its site-packages, its bin/g2a-tray
            str(where / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            str(ROOT),
        ],
        check=True,
        cwd=where,
        timeout=300,
        capture_output=quiet,
    )
    subprocess.run(["bash", str(ROOT / "packaging" / "lean_launcher.sh"), str(where)], check=True)
    return where
