"""The ``status`` verb: the session history as a table or as JSON, with where updates
stand. It reads the database itself, so it works whether or not the app runs.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from g2a_tray.core.paths import AppPaths


def print_status(paths: AppPaths, *, as_json: bool, limit: int | None) -> int:
    """The ``status`` verb: a table for people, or a JSON array streamed for scripts."""
    import json
    from datetime import UTC, datetime

    from g2a_tray.client import ClientError
    from g2a_tray.core.helpdesk.outbox import Outbox
    from g2a_tray.core.sessions.export import as_json as session_json
    from g2a_tray.core.sessions.export import local_time
    from g2a_tray.core.sessions.status import state_of
    from g2a_tray.core.sessions.store import SessionStore, StoreError
    from g2a_tray.core.settings.store import peek_settings
    from g2a_tray.core.text import escape_unsafe_json, printable

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
    print(updates_line(paths))
    if not sessions:
        print("No sessions yet.")
        return 0
    rows = [("STARTED", "TICKET", "STATUS", "CUSTOMER", "SESSION ID", "HELPDESK NOTE")] + [
        (
            local_time(s.launched_at),
            s.partner_object or "-",
            state_of(s, now, stale_after).words,
            s.customer_name,
            s.session_id,
            notes[s.launch_id].words(now) if s.launch_id in notes else "",
        )
        for s in sessions
    ]
    if not notes:  # no column for someone who does not write notes
        rows = [row[:-1] for row in rows]  # type: ignore[misc]
    # Every cell may hold text from a callback: nothing in it may act on the terminal.
    rows = [tuple(printable(cell) for cell in row) for row in rows]  # type: ignore[misc]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def updates_line(paths: AppPaths) -> str:
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
