"""Ending an X11 startup-notification sequence that a client verb was handed.

A launcher that starts ``g2a-tray new-session`` with ``DESKTOP_STARTUP_ID`` shows "busy"
feedback until the window it launched says it is up; here the window is the running
app's, so the app says it: the freedesktop Startup Notification spec's ``remove``
message, sent to the root window as ``_NET_STARTUP_INFO_BEGIN``/``_NET_STARTUP_INFO``
client messages of 20 bytes each. (Qt sends it only for the id it was started with, and
Qt 6 has no public call to hand it another.) Sent on a thread of its own with its own
connection: the GUI thread does not wait on the X server for it.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

CHUNK = 20  # bytes of message text per client message


def message_chunks(text: str) -> list[bytes]:
    """The spec's message, NUL-terminated, split into client-message payloads."""
    data = text.encode("utf-8") + b"\0"
    return [data[i : i + CHUNK].ljust(CHUNK, b"\0") for i in range(0, len(data), CHUNK)]


def quote(value: str) -> str:
    """A value as the spec writes it: quoted, with backslash and quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def end_startup(startup_id: str, display_name: str | None = None) -> threading.Thread:
    """Send ``remove: ID=<startup_id>`` in the background; returns the thread."""
    thread = threading.Thread(
        target=_send, args=(startup_id, display_name), name="x11-startup", daemon=True
    )
    thread.start()
    return thread


def _send(startup_id: str, display_name: str | None) -> None:
    from Xlib import X, error
    from Xlib.display import Display
    from Xlib.protocol import event

    try:
        display = Display(display_name or os.environ.get("DISPLAY", ""))
    except (error.DisplayError, OSError) as exc:
        log.info("startup notification not ended: %s", exc)
        return
    try:
        root = display.screen().root
        begin = display.intern_atom("_NET_STARTUP_INFO_BEGIN")
        more = display.intern_atom("_NET_STARTUP_INFO")
        # Sent from a window of this connection, as the spec's reference code does.
        sender = root.create_window(-1, -1, 1, 1, 0, X.CopyFromParent, override_redirect=True)
        for number, chunk in enumerate(message_chunks(f"remove: ID={quote(startup_id)}")):
            message = event.ClientMessage(
                window=sender, client_type=begin if number == 0 else more, data=(8, chunk)
            )
            root.send_event(message, event_mask=X.PropertyChangeMask)
        sender.destroy()
        display.sync()
        log.info("startup notification ended for the window shown")
    finally:
        display.close()
