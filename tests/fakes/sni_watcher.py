"""A StatusNotifierWatcher for tests: what KDE Plasma, GNOME's AppIndicator extension and
most panels run, reduced to the registry, on a private bus as its own process.

    python -m tests.fakes.sni_watcher RECORD_FILE

Owns ``org.kde.StatusNotifierWatcher``, says a host is registered (so Qt chooses
StatusNotifierItem over XEmbed), and appends each ``RegisterStatusNotifierItem`` call to
RECORD_FILE as one JSON line: the caller's unique bus name and the service or path it
gave. Tests then read the item's properties and drive its menu like a panel would.
"""

from __future__ import annotations

import json
import sys

from jeepney import DBusAddress, HeaderFields, Message, new_method_return, new_signal
from jeepney.io.blocking import DBusConnection

from tests.fakes.dbus_service import serve

NAME = "org.kde.StatusNotifierWatcher"
PATH = "/StatusNotifierWatcher"
PROPERTIES = "org.freedesktop.DBus.Properties"


def main() -> None:
    record = sys.argv[1]
    emitter = DBusAddress(PATH, interface=NAME)
    items: list[str] = []

    def handle(conn: DBusConnection, msg: Message, member: str, interface: str) -> bool:
        values = {
            "RegisteredStatusNotifierItems": ("as", items),
            "IsStatusNotifierHostRegistered": ("b", True),
            "ProtocolVersion": ("i", 0),
        }
        if member == "RegisterStatusNotifierItem":
            (given,) = msg.body
            sender = str(msg.header.fields.get(HeaderFields.sender))
            # The spec allows a bus name or an object path (then on the caller's name).
            service, path = (sender, given) if given.startswith("/") else (given, "")
            items.append(f"{service}{path}")
            with open(record, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"sender": sender, "service": service, "path": path}) + "\n")
            conn.send(new_method_return(msg))
            conn.send(new_signal(emitter, "StatusNotifierItemRegistered", "s", (items[-1],)))
        elif member == "RegisterStatusNotifierHost":
            conn.send(new_method_return(msg))
        elif interface == PROPERTIES and member == "Get" and msg.body[1] in values:
            conn.send(new_method_return(msg, "v", (values[msg.body[1]],)))
        elif interface == PROPERTIES and member == "GetAll":
            conn.send(new_method_return(msg, "a{sv}", (values,)))
        else:
            return False
        return True

    serve(NAME, handle)


if __name__ == "__main__":
    main()
