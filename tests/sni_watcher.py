"""A StatusNotifierWatcher for tests: what KDE Plasma, GNOME's AppIndicator extension and
most panels run, reduced to the registry, on a private bus as its own process.

    python -m tests.sni_watcher RECORD_FILE

Owns ``org.kde.StatusNotifierWatcher``, says a host is registered (so Qt chooses
StatusNotifierItem over XEmbed), and appends each ``RegisterStatusNotifierItem`` call to
RECORD_FILE as one JSON line: the caller's unique bus name and the service or path it
gave. Tests then read the item's properties and drive its menu like a panel would.
"""

from __future__ import annotations

import json
import sys

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.kde.StatusNotifierWatcher"
PATH = "/StatusNotifierWatcher"
PROPERTIES = "org.freedesktop.DBus.Properties"


def main() -> None:
    record = sys.argv[1]
    conn = open_dbus_connection("SESSION")
    reply = conn.send_and_get_reply(message_bus.RequestName(NAME, 4))  # 4: do not queue
    if reply.body[0] != 1:
        raise SystemExit(f"could not own {NAME}: {reply.body}")
    emitter = DBusAddress(PATH, interface=NAME)
    items: list[str] = []
    print("ready", flush=True)
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        member = msg.header.fields.get(HeaderFields.member)
        interface = msg.header.fields.get(HeaderFields.interface)
        sender = str(msg.header.fields.get(HeaderFields.sender))
        values = {
            "RegisteredStatusNotifierItems": ("as", items),
            "IsStatusNotifierHostRegistered": ("b", True),
            "ProtocolVersion": ("i", 0),
        }
        if member == "RegisterStatusNotifierItem":
            (given,) = msg.body
            # The spec allows a bus name or an object path (then on the caller's name).
            service, path = (sender, given) if given.startswith("/") else (given, "")
            items.append(f"{service}{path}")
            with open(record, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"sender": sender, "service": service, "path": path}) + "\n")
            conn.send(new_method_return(msg))
            conn.send(new_signal(emitter, "StatusNotifierItemRegistered", "s", (items[-1],)))
        elif member == "RegisterStatusNotifierHost":
            conn.send(new_method_return(msg))
        elif interface == PROPERTIES and member == "Get":
            _interface, name = msg.body
            if name in values:
                conn.send(new_method_return(msg, "v", (values[name],)))
            else:
                conn.send(
                    new_error(msg, "org.freedesktop.DBus.Error.UnknownProperty", "s", (name,))
                )
        elif interface == PROPERTIES and member == "GetAll":
            conn.send(new_method_return(msg, "a{sv}", (values,)))
        else:
            conn.send(
                new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (str(member),))
            )


if __name__ == "__main__":
    main()
