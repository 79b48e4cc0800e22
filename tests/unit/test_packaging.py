"""pyproject.toml lists the packages by hand (resources/ is installed as
g2a_tray.resources, which setuptools' finder cannot combine with): the list must be the
tree, or a new package would be missing from every install."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_in_the_tree_is_installed() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "g2a_tray").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    found.add("g2a_tray.resources")  # resources/, installed inside the package
    assert (ROOT / "resources" / "__init__.py").exists()
    assert listed == found, "add the missing packages to [tool.setuptools] packages"
