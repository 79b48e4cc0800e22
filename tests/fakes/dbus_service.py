"""What the test D-Bus services (notifications, the GlobalShortcuts portal, the
StatusNotifierWatcher) share: own a name on the session bus, say "ready", and hand
every method call to a handler; a call it does not take gets UnknownMethod."""

from __future__ import annotations

from collections.abc import Callable

from jeepney import HeaderFields, Message, MessageType, new_error
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection

# (connection, call, member, interface) → True if handled
Handler = Callable[[DBusConnection, Message, str, str], bool]


def serve(name: str, handle: Handler) -> None:
    conn = open_dbus_connection("SESSION")
    reply = conn.send_and_get_reply(message_bus.RequestName(name, 4))  # 4: do not queue
    if reply.body[0] != 1:
        raise SystemExit(f"could not own {name}: {reply.body}")
    print("ready", flush=True)
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        member = str(msg.header.fields.get(HeaderFields.member))
        interface = str(msg.header.fields.get(HeaderFields.interface))
        if not handle(conn, msg, member, interface):
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (member,)))
