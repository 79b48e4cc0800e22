"""Reading and writing ``settings.toml`` without ever losing what the user wrote.

- Reading uses the standard library's ``tomllib`` (the app reads at every start);
  tomlkit, imported only to save, keeps comments, ordering and keys this version does
  not know.
- Writes are atomic (temporary file in the same folder, fsync, ``os.replace``), so a
  crash mid-write leaves the old file or the new one, never half of one.
- A file that cannot be read or parsed is moved aside (``settings.toml.broken-<time>``)
  and defaults are used; the caller is told once so it can tell the user.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tomlkit

from g2a_tray.core.safe_files import aside_path, write_atomically
from g2a_tray.core.settings.schema import FIELDS, Problem, Settings, settings_from_mapping

log = logging.getLogger(__name__)

MAX_SETTINGS_BYTES = 1024 * 1024


@dataclass
class LoadResult:
    """What loading produced, and what the user should be told about it."""

    settings: Settings
    problems: list[Problem] = field(default_factory=list)
    moved_aside_to: Path | None = None
    error: str | None = None
    path: Path | None = None

    def message(self) -> str | None:
        """One plain-words message for the user, or None when all went well."""
        if self.moved_aside_to is not None:
            return (
                f"Your settings file could not be read ({self.error}). It was kept as "
                f"{self.moved_aside_to.name} in {self.moved_aside_to.parent} and g2a-tray "
                "is using its default settings."
            )
        if self.problems:
            lines = "\n".join(f"• {p}" for p in self.problems)
            where = f" ({self.path})" if self.path else ""
            return f"Some values in your settings file{where} were not used:\n{lines}"
        return None


def peek_settings(path: Path) -> Settings:
    """The settings as they stand, read with the standard library's ``tomllib`` (a
    quick look for the command line: nothing is moved aside, bad values read as
    defaults; the app's :class:`SettingsStore` is the one that reports them)."""
    import tomllib

    try:
        with path.open("rb") as handle:
            data = tomllib.loads(handle.read(MAX_SETTINGS_BYTES).decode("utf-8"))
    except (OSError, ValueError):
        return Settings()
    return settings_from_mapping(data)[0]


class SettingsStore:
    """Loads and saves one settings file, keeping unknown keys and comments."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded: dict[str, Any] = {}  # what the file held when it was read

    def load(self) -> LoadResult:
        """Read the file; never raises for a missing, unreadable or invalid file."""
        try:
            raw = self._read_bytes()
        except FileNotFoundError:
            self._loaded = {}
            return LoadResult(Settings())
        except (OSError, ValueError) as exc:
            return self._move_aside(str(exc))
        try:
            self._loaded = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return self._move_aside("it is not UTF-8 text")
        except tomllib.TOMLDecodeError as exc:
            return self._move_aside(f"TOML error: {exc}")
        settings, problems = settings_from_mapping(self._loaded)
        for problem in problems:
            log.warning("settings value not used: %s", problem)
        return LoadResult(settings, problems, path=self.path)

    def _read_bytes(self) -> bytes:
        with self.path.open("rb") as fh:
            raw = fh.read(MAX_SETTINGS_BYTES + 1)
        if len(raw) > MAX_SETTINGS_BYTES:
            raise ValueError("it is larger than 1 MiB")
        return raw

    def _move_aside(self, reason: str) -> LoadResult:
        target = aside_path(self.path)
        self._loaded = {}
        try:
            os.replace(self.path, target)
        except OSError as exc:
            log.error(
                "settings file %s unreadable (%s) and not movable: %s", self.path, reason, exc
            )
            return LoadResult(Settings(), error=reason)
        log.error("settings file unreadable (%s); moved to %s", reason, target)
        return LoadResult(Settings(), moved_aside_to=target, error=reason)

    def save(self, settings: Settings) -> None:
        """Write ``settings`` over the values it knows; other keys stay as they were.

        Raises ``OSError`` if the file cannot be written; the old file is then intact.
        """
        import tomlkit
        from tomlkit.items import Table

        doc = self._current_document()
        defaults = Settings()
        for f in FIELDS:
            value = settings.get(f.key)
            *sections, name = f.key
            container: Any = doc
            for part in sections:
                container = container.get(part) if isinstance(container, dict) else None
            known = isinstance(container, dict) and name in container
            if not known and value == defaults.get(f.key):
                continue  # a default the user never wrote stays unwritten: defaults can move
            container = doc
            for part in sections:
                if not isinstance(container.get(part), Table):
                    container[part] = tomlkit.table()
                container = container[part]
            container[name] = value
        write_atomically(self.path, tomlkit.dumps(doc).encode("utf-8"))

    def _current_document(self) -> tomlkit.TOMLDocument:
        """The file as it is now, so keys another program wrote since loading survive
        (with its comments); if it cannot be read now, what was loaded."""
        import tomlkit
        import tomlkit.exceptions

        try:
            return tomlkit.parse(self._read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return tomlkit.document()
        except (OSError, ValueError, tomlkit.exceptions.ParseError):
            # A broken file is replaced by a good one, keeping the keys it held when read.
            doc = tomlkit.document()
            doc.update(self._loaded)
            return doc
