"""The ``status`` verb: the session history as a table or as JSON, with where updates
stand. It reads the database itself, so it works whether or not the app runs.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (mypy knows it)
if TYPE_CHECKING:
    from datetime import datetime, timedelta
    from typing import Any

    from g2a_tray.core.helpdesk.note_state import NoteRow
    from g2a_tray.core.instance.client_paths import ClientPaths
    from g2a_tray.core.paths import AppPaths


def print_newest(paths: ClientPaths, limit: int | None) -> int | None:
    """``status`` and ``status --limit N`` as a small client: sqlite3 and the status
    words, nothing else (core/sessions/quick_read.py); None when the history needs the
    store's way (:func:`print_status` then says the same)."""
    from g2a_tray.core.datetimes import UTC, datetime
    from g2a_tray.core.sessions.quick_read import newest
    from g2a_tray.core.settings.quick_peek import stale_after_of

    rows = newest(paths.sessions_file, -1 if limit is None else limit)  # -1: no limit
    if rows is None:
        return None
    shown = [(row, row.note) for row in rows]
    _print_table(paths, shown, datetime.now(UTC), stale_after_of(paths.settings_file))
    return 0


def print_status(paths: AppPaths, *, as_json: bool, limit: int | None) -> int:
    """The ``status`` verb: a table for people, or a JSON array streamed for scripts."""
    import json
    from datetime import UTC, datetime

    from g2a_tray.client import ClientError
    from g2a_tray.core.helpdesk.outbox import Outbox
    from g2a_tray.core.sessions.export import as_json as session_json
    from g2a_tray.core.sessions.status import state_of
    from g2a_tray.core.sessions.store import SessionStore, StoreError
    from g2a_tray.core.settings.store import peek_settings
    from g2a_tray.core.text import escape_unsafe_json

    try:  # no integrity scan of the whole file: a read-only look must not grow with it
        store = SessionStore(paths.sessions_file, check=False)
    except (OSError, StoreError) as exc:
        raise ClientError(f"cannot read the session history: {exc}") from None
    if store.problem:
        sys.stderr.write(f"g2a-tray: {store.problem}\n")
    stale_after = peek_settings(paths.settings_file).sessions.stale_after
    now = datetime.now(UTC)
    outbox = Outbox(store)  # reads the notes only: nothing is queued by a reader
    if as_json:
        # Streamed: a history of years is printed a page at a time, in flat memory.
        try:
            found = store.iter_sessions() if limit is None else iter(store.sessions(limit))
            sys.stdout.write("[")
            separator = "\n"
            for session in found:
                state = state_of(session, now, stale_after)
                note = outbox.statuses([session.launch_id]).get(session.launch_id)
                fields = session_json(session, state) | {
                    "note": note.as_json() if note is not None else None
                }
                item = json.dumps(fields, indent=2, ensure_ascii=False)
                # Only formatting newlines are raw ones (json.dumps escapes those in strings);
                # str.splitlines-based indenting would also split at U+0085 or U+2028.
                sys.stdout.write(separator + "  " + escape_unsafe_json(item).replace("\n", "\n  "))
                separator = ",\n"
            sys.stdout.write("\n]\n" if separator != "\n" else "]\n")
        finally:
            store.close()
        return 0
    sessions = store.sessions(limit=limit)
    notes = outbox.statuses([s.launch_id for s in sessions])
    store.close()
    rows = [
        (s, None if note is None else note.as_tuple())
        for s, note in ((s, notes.get(s.launch_id)) for s in sessions)
    ]
    _print_table(paths, rows, now, stale_after)
    return 0


def _print_table(
    paths: AppPaths | ClientPaths,
    rows: list[tuple[Any, NoteRow | None]],
    now: datetime,
    stale_after: timedelta,
) -> None:
    """The table ``status`` prints, from either reader (a SessionSummary or a
    quick_read.Row, each with its note's values): one way of saying it."""
    from g2a_tray.core.helpdesk.note_state import note_words
    from g2a_tray.core.sessions.status import state_of
    from g2a_tray.core.sessions.times import local_time
    from g2a_tray.core.text import printable

    print(updates_line(paths))
    if not rows:
        print("No sessions yet.")
        return
    table: list[tuple[str, ...]] = [
        ("STARTED", "TICKET", "STATUS", "CUSTOMER", "SESSION ID", "HELPDESK NOTE")
    ] + [
        (
            local_time(r.launched_at),
            r.partner_object or "-",
            state_of(r, now, stale_after).words,
            r.customer_name,
            r.session_id,
            note_words(note, now) if note is not None else "",
        )
        for r, note in rows
    ]
    if all(note is None for _r, note in rows):  # no column for one who writes no notes
        table = [row[:-1] for row in table]
    # Every cell may hold text from a callback: nothing in it may act on the terminal.
    table = [tuple(printable(cell) for cell in row) for row in table]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def updates_line(paths: AppPaths | ClientPaths) -> str:
    """Where session updates stand, as the running app sees them."""
    from g2a_tray.client import NotRunning, WrongOwner, send_request
    from g2a_tray.core.instance.protocol import (
        Command,
        ProtocolError,
        UnsafeRuntimeDir,
        request,
        socket_name,
    )

    try:
        answer = send_request(socket_name(paths.config_dir), request(Command.PING), timeout_s=3.0)
    except (NotRunning, WrongOwner, TimeoutError, ProtocolError, UnsafeRuntimeDir):
        return "Updates: g2a-tray is not running, so none are received now."
    updates = answer.get("updates")
    problem = answer.get("updatesProblem")
    if isinstance(problem, str) and problem:
        from g2a_tray.core.text import printable

        return f"Updates: NOT ARRIVING. {printable(problem)}"
    return f"Updates: {updates}" if isinstance(updates, str) else "Updates: unknown"
