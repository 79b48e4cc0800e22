"""A GlobalShortcuts portal for tests, run as its own process on a private bus.

    python -m tests.fakes.portal_server RECORD_FILE [--decline]

Owns ``org.freedesktop.portal.Desktop`` and implements what g2a-tray uses of
org.freedesktop.portal.GlobalShortcuts v1: the ``version`` property, ``CreateSession`` and
``BindShortcuts`` (answered through Request ``Response`` signals, as the spec says), and
appends each bound shortcut list to RECORD_FILE. ``org.g2atray.Test.Press(id)`` emits
``Activated`` for the last session, as the desktop would when the user presses the key.
With ``--decline`` it answers BindShortcuts with response 1 (the user said no).
"""

from __future__ import annotations

import json
import sys

from jeepney import DBusAddress, HeaderFields, Message, new_error, new_method_return, new_signal
from jeepney.io.blocking import DBusConnection

from tests.fakes.dbus_service import serve

NAME = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
IFACE = "org.freedesktop.portal.GlobalShortcuts"


def main() -> None:
    record, decline = sys.argv[1], "--decline" in sys.argv
    session = ""

    def respond(
        conn: DBusConnection, msg: Message, token: str, code: int, results: dict[str, object]
    ) -> None:
        sender = msg.header.fields[HeaderFields.sender].lstrip(":").replace(".", "_")
        handle = f"{PATH}/request/{sender}/{token}"
        conn.send(new_method_return(msg, "o", (handle,)))
        request = DBusAddress(handle, interface="org.freedesktop.portal.Request")
        conn.send(new_signal(request, "Response", "ua{sv}", (code, results)))

    def handle(conn: DBusConnection, msg: Message, member: str, interface: str) -> bool:
        nonlocal session
        if interface == "org.freedesktop.DBus.Properties" and member == "Get":
            if tuple(msg.body) == (IFACE, "version"):
                conn.send(new_method_return(msg, "v", (("u", 1),)))
            else:
                conn.send(new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", "s", ("no",)))
        elif interface == IFACE and member == "CreateSession":
            options = msg.body[0]
            sender = msg.header.fields[HeaderFields.sender].lstrip(":").replace(".", "_")
            session = f"{PATH}/session/{sender}/{options['session_handle_token'][1]}"
            respond(conn, msg, options["handle_token"][1], 0, {"session_handle": ("s", session)})
        elif interface == IFACE and member == "BindShortcuts":
            _session, shortcuts, _parent, options = msg.body
            with open(record, "a", encoding="utf-8") as fh:
                fh.write(
                    json.dumps(
                        [[sid, {k: v[1] for k, v in info.items()}] for sid, info in shortcuts]
                    )
                    + "\n"
                )
            bound = [
                (
                    sid,
                    {
                        "description": info["description"],
                        "trigger_description": ("s", info["preferred_trigger"][1]),
                    },
                )
                for sid, info in shortcuts
            ]
            respond(
                conn,
                msg,
                options["handle_token"][1],
                1 if decline else 0,
                {"shortcuts": ("a(sa{sv})", bound)},
            )
        elif interface == "org.g2atray.Test" and member == "Press":
            emitter = DBusAddress(PATH, interface=IFACE)
            conn.send(new_signal(emitter, "Activated", "osta{sv}", (session, msg.body[0], 0, {})))
            conn.send(new_method_return(msg))
        else:
            return False
        return True

    serve(NAME, handle)


if __name__ == "__main__":
    main()
