"""A freedesktop notification server for tests, run as its own process on a private bus.

    python -m tests.fakes.notification_server RECORD_FILE

Owns ``org.freedesktop.Notifications``, answers like a real daemon (capabilities with
"actions"), and appends each ``Notify`` call to RECORD_FILE as one JSON line. A test
makes it click an action by calling ``Invoke(id, action_key)`` on the private interface
``org.g2atray.Test``; it then emits the spec's ``ActionInvoked`` signal.
"""

from __future__ import annotations

import json
import sys
import time

from jeepney import DBusAddress, HeaderFields, Message, new_method_return, new_signal
from jeepney.io.blocking import DBusConnection

from tests.fakes.dbus_service import serve

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
TEST_INTERFACE = "org.g2atray.Test"


def main() -> None:
    record = sys.argv[1]
    emitter = DBusAddress(PATH, interface=NAME)
    next_id = 1

    def handle(conn: DBusConnection, msg: Message, member: str, interface: str) -> bool:
        nonlocal next_id
        if member == "GetCapabilities":
            conn.send(new_method_return(msg, "as", (["actions", "body"],)))
        elif member == "GetServerInformation":
            conn.send(new_method_return(msg, "ssss", ("test-server", "g2a-tray", "1", "1.2")))
        elif member == "Notify":
            app, replaces, icon, summary, body, actions, hints, timeout = msg.body
            notification_id = replaces or next_id
            next_id += 1
            entry = {
                "received_at": time.time(),
                "signature": msg.header.fields.get(HeaderFields.signature),
                "id": notification_id,
                "app_name": app,
                "replaces_id": replaces,
                "app_icon": icon,
                "summary": summary,
                "body": body,
                "actions": actions,
                "hints": {k: v[1] for k, v in hints.items()},
                "expire_timeout": timeout,
            }
            with open(record, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry) + "\n")
            conn.send(new_method_return(msg, "u", (notification_id,)))
        elif member == "CloseNotification":
            conn.send(new_method_return(msg))
        elif interface == TEST_INTERFACE and member == "Invoke":
            notification_id, action = msg.body
            conn.send(new_signal(emitter, "ActionInvoked", "us", (notification_id, action)))
            conn.send(new_method_return(msg))
        else:
            return False
        return True

    serve(NAME, handle)


if __name__ == "__main__":
    main()
