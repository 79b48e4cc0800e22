"""The walls of the house, read from the code's own imports (``ast``, nothing is run).

Each room of ``g2a_tray`` stands on a floor; an import may go to the same room or down to
a lower floor, never up and never sideways into another room of its floor. Every import
counts, also one inside a function or under ``TYPE_CHECKING``: a wall that only holds at
run time is not a wall. And no two modules may import each other, however far round.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "g2a_tray"

# room → floor. A room is a sub-package or a top-level module of g2a_tray.
FLOORS: dict[str, int] = {
    "g2a_tray": 0,  # the package's face: its name, id and version
    "core": 1,  # Qt-free, by domain
    "logging_setup": 2,  # the log file, redacted
    "spawn": 2,  # starting the app as a child process
    "simulator": 3,  # Qt-free too: a stand-in for GoToAssist and ntfy
    "qt": 3,  # thin adapters over Qt
    "ui": 4,  # widgets that only present
    "app": 5,  # the composition root
    "client": 5,  # talking to the running app and starting it
    "boot": 6,  # the icon first, then the app
    "demo": 6,
    "status_report": 6,  # the status verb's table and JSON
    "helpdesk_verbs": 6,  # helpdesk token / helpdesk test
    "cli": 7,  # the verbs' table and dispatch
    "__main__": 8,
}
QT_FREE = ("core", "simulator")


def room_of(module: str) -> str | None:
    """``g2a_tray.core.sessions.store`` → ``core``; None outside the package."""
    parts = module.split(".")
    if parts[0] != "g2a_tray":
        return None
    return parts[1] if len(parts) > 1 else "g2a_tray"


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *filter(None, [base])])
            yield node.lineno, base
            for alias in node.names:  # "from g2a_tray.core import paths" names a module
                yield node.lineno, f"{base}.{alias.name}"


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def known_modules() -> set[str]:
    return {module_name(p) for p in source_files()}


def graph() -> dict[str, set[str]]:
    """module → the package's modules it imports."""
    modules = known_modules()
    edges: dict[str, set[str]] = {}
    for path in source_files():
        name = module_name(path)
        edges[name] = {m for _line, m in imports_of(path) if m in modules and m != name}
    return edges


def test_every_room_has_a_floor() -> None:
    rooms = {room_of(module_name(p)) for p in source_files()}
    assert rooms - FLOORS.keys() == set(), "give the new room a floor in FLOORS"


def test_imports_go_down_or_stay_in_their_room() -> None:
    wrong = []
    for path in source_files():
        room = room_of(module_name(path))
        assert room is not None
        for line, imported in imports_of(path):
            target = room_of(imported)
            if target is None or target in (room, "g2a_tray"):
                continue
            if target in FLOORS and FLOORS[target] >= FLOORS[room]:
                wrong.append(
                    f"{path.relative_to(PACKAGE.parent)}:{line} ({room}) imports {imported}"
                )
    assert wrong == []


@pytest.mark.parametrize("room", QT_FREE)
def test_qt_free_rooms_import_no_qt(room: str) -> None:
    """The core and the simulator run without Qt: the core is tested with plain pytest,
    and the client verbs, which import it, must start fast (tests/process checks those
    at run time)."""
    files = [p for p in source_files() if room_of(module_name(p)) == room]
    assert files, room
    found = [
        f"{p.relative_to(PACKAGE.parent)}:{line} imports {m}"
        for p in files
        for line, m in imports_of(p)
        if m.split(".")[0] in ("PySide6", "shiboken6") or room_of(m) in ("qt", "ui", "app")
    ]
    assert found == []


def test_no_module_imports_itself_round_a_circle() -> None:
    edges = graph()
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    # A package's __init__ importing its own modules is the only loop allowed (none now).
    assert [" -> ".join(c) for c in circles] == []


def test_the_reader_sees_the_imports_it_judges() -> None:
    """The test can fail: it sees a known import, a relative one and a function-level one."""
    found = {m for _line, m in imports_of(PACKAGE / "boot.py")}
    assert "PySide6.QtWidgets" in found
    assert any(m.startswith("g2a_tray.app") for m in found)  # imported inside a function
    edges = graph()
    assert "g2a_tray.core.paths" in edges["g2a_tray.app.root"]
