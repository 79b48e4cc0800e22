"""A freedesktop notification server for tests, run as its own process on a private bus.

    python -m tests.notification_server RECORD_FILE

Owns ``org.freedesktop.Notifications``, answers like a real daemon (capabilities with
"actions"), and appends each ``Notify`` call to RECORD_FILE as one JSON line. A test
makes it click an action by calling ``Invoke(id, action_key)`` on the private interface
``org.g2atray.Test``; it then emits the spec's ``ActionInvoked`` signal.
"""

from __future__ import annotations

import json
import sys
import time

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
TEST_INTERFACE = "org.g2atray.Test"


def main() -> None:
    record = sys.argv[1]
    conn = open_dbus_connection("SESSION")
    reply = conn.send_and_get_reply(message_bus.RequestName(NAME, 4))  # 4: do not queue
    if reply.body[0] != 1:
        raise SystemExit(f"could not own {NAME}: {reply.body}")
    emitter = DBusAddress(PATH, interface=NAME)
    next_id = 1
    print("ready", flush=True)
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        member = msg.header.fields.get(HeaderFields.member)
        interface = msg.header.fields.get(HeaderFields.interface)
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
            conn.send(
                new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (str(member),))
            )


if __name__ == "__main__":
    main()
