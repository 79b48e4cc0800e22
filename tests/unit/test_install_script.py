"""README's first command, packaging/install.sh, on the machines a technician has: as
root, as a user with sudo, with stale package lists, without sudo. The system's tools
are stand-ins on PATH that record what they were asked (no package is installed)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "install.sh"


# What pip 23.2 writes as bin/g2a-tray after its first line (the shebang).
PIP_LAUNCHER = """# -*- coding: utf-8 -*-
import re
import sys
from g2a_tray.cli import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""


def tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


def machine(tmp_path: Path, *, uid: int, sudo: bool, stale_lists: bool) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    record = f'echo "$(basename "$0") $*" >> "{calls}"'
    tool(bin_dir, "id", f"echo {uid}")
    tool(bin_dir, "dpkg-query", "exit 1")  # nothing installed yet
    updated = tmp_path / "updated"
    tool(
        bin_dir,
        "apt-get",
        record
        + (
            f'\n[ "$1" = update ] && touch "{updated}"'
            f'\n[ "$1" = install ] && [ ! -e "{updated}" ] && exit 100'
            if stale_lists
            else ""
        )
        + "\nexit 0",
    )
    if sudo:
        tool(bin_dir, "sudo", record + '\nexec "$@"')
    # python3 -m venv DIR makes DIR/bin/python, which records the pip calls; its
    # "pip install ." writes the launcher pip writes.
    venv_python = tmp_path / "venv-python"
    venv_python.write_text(
        f"#!/bin/sh\n{record}\n"
        'if [ "$*" = "-m pip install -q ." ]; then\n'
        f'  printf "#!{tmp_path / "venv"}/bin/python\\n" > "$(dirname "$0")/g2a-tray"\n'
        f'  cat "{tmp_path / "pip-launcher"}" >> "$(dirname "$0")/g2a-tray"\n'
        "fi\n"
    )
    (tmp_path / "pip-launcher").write_text(PIP_LAUNCHER)
    tool(
        bin_dir,
        "python3",
        record + f'\nmkdir -p "$3/bin"\ncp "{venv_python}" "$3/bin/python"'
        '\nchmod +x "$3/bin/python"',
    )
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "G2A_TRAY_VENV": str(tmp_path / "venv"),
    }
    return env


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30, cwd="/"
    )


def calls(tmp_path: Path) -> list[str]:
    path = tmp_path / "calls"
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.parametrize("uid", [0, 1000])
def test_installs_as_root_or_through_sudo(tmp_path: Path, uid: int) -> None:
    result = run(machine(tmp_path, uid=uid, sudo=uid != 0, stale_lists=False))
    assert result.returncode == 0, result.stderr
    made = calls(tmp_path)
    apt = [c for c in made if "apt-get install" in c]
    assert apt and "python3-venv libxcb-cursor0 xdg-utils" in apt[0]
    assert any(c.startswith("sudo ") for c in made) is (uid != 0)
    assert f"python3 -m venv {tmp_path / 'venv'}" in made
    assert any(c.startswith("python -m pip install -q .") for c in made)


def test_stale_package_lists_are_refreshed_and_the_install_tried_again(tmp_path: Path) -> None:
    result = run(machine(tmp_path, uid=0, sudo=False, stale_lists=True))
    assert result.returncode == 0, result.stderr
    apt = [c.split()[1] for c in calls(tmp_path) if c.startswith("apt-get")]
    assert apt == ["install", "update", "install"]


def test_without_root_or_sudo_it_says_what_to_do(tmp_path: Path) -> None:
    result = run(machine(tmp_path, uid=1000, sudo=False, stale_lists=False))
    assert result.returncode == 1
    assert "needs root: run this as root, or install them first" in result.stderr
    assert not (tmp_path / "venv").exists()  # stopped before making anything
    assert os.access(SCRIPT, os.X_OK)


def test_the_launcher_imports_nothing_but_the_command_line(tmp_path: Path) -> None:
    """An older pip's launcher imports re (about 14 ms) to tidy argv[0]; every desktop
    shortcut's `g2a-tray new-session` would pay it."""
    result = run(machine(tmp_path, uid=0, sudo=False, stale_lists=False))
    assert result.returncode == 0, result.stderr
    launcher = (tmp_path / "venv" / "bin" / "g2a-tray").read_text()
    assert launcher.splitlines()[0] == f"#!{tmp_path / 'venv'}/bin/python"
    assert "import re" not in launcher
    assert launcher.splitlines()[1:] == [
        "import sys",
        "",
        "from g2a_tray.cli import main",
        "",
        "sys.exit(main())",
    ]
