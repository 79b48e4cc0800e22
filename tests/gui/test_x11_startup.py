"""A launcher's X11 startup sequence is ended for the window the running app shows
(freedesktop Startup Notification spec), seen from another client on a real X server."""

from __future__ import annotations

import select
import time

from g2a_tray.qt.x11_startup import CHUNK, end_startup, message_chunks, quote
from tests.helpers.desktop import Desktop


def test_a_message_is_split_into_nul_padded_chunks() -> None:
    chunks = message_chunks('remove: ID="x"')
    assert all(len(c) == CHUNK for c in chunks)
    assert b"".join(chunks).rstrip(b"\0") == b'remove: ID="x"'
    assert quote('a"b\\c') == '"a\\"b\\\\c"'


def test_the_remove_message_reaches_the_root_window(desktop: Desktop) -> None:
    from Xlib import X
    from Xlib.display import Display

    listener = Display(desktop.display)
    root = listener.screen().root
    root.change_attributes(event_mask=X.PropertyChangeMask)  # where the spec sends them
    listener.sync()
    begin = listener.intern_atom("_NET_STARTUP_INFO_BEGIN")
    more = listener.intern_atom("_NET_STARTUP_INFO")
    startup_id = "gnome-shell-1234-host-g2a_tray-0_TIME98765"
    end_startup(startup_id, desktop.display).join(10)
    text = b""
    deadline = time.monotonic() + 10
    while b"\0" not in text and time.monotonic() < deadline:
        select.select([listener.fileno()], [], [], 0.5)  # the X server's next event
        while listener.pending_events():
            ev = listener.next_event()
            if ev.type == X.ClientMessage and ev.client_type in (begin, more):
                text += bytes(ev.data[1])
    listener.close()
    text = text[: text.index(b"\0")] if b"\0" in text else text
    assert text.decode() == f'remove: ID="{startup_id}"'
