"""A GlobalShortcuts portal for tests, run as its own process on a private bus.

    python -m tests.fakes.portal_server RECORD_FILE [--version N] [--require-app-id]
        [--plasma-5-27] [--no-key] [--decline] [--state FILE]

Owns ``org.freedesktop.portal.Desktop`` and implements what g2a-tray uses of
org.freedesktop.portal.GlobalShortcuts (spec: flatpak.github.io/xdg-desktop-portal,
"GlobalShortcuts"): the ``version`` property, ``CreateSession``, ``BindShortcuts``,
``ListShortcuts`` and, from version 2, ``ConfigureShortcuts``; each answers through a
Request object's ``Response`` signal as the spec says. It enforces what the real ones do:

- ``--require-app-id``: xdg-desktop-portal 1.21+ refuses an unsandboxed caller that has
  not called ``org.freedesktop.host.portal.Registry.Register`` ("An app id is required").
  Without it there is no Registry at all (an older portal: UnknownMethod).
- Shortcuts are bound once per session: a second ``BindShortcuts`` is an error.
- ``--plasma-5-27``: xdg-desktop-portal-kde 5.27 binds the shortcuts given in
  ``CreateSession``'s ``shortcuts`` option; its ``BindShortcuts`` answers success and
  binds nothing (measured: ../shared/reference/qt-desktop-notes.md).
- ``--no-key``: the desktop keeps the shortcut but assigns it no key (the user cleared it).
- ``--state FILE``: what was bound, per app id, survives a restart (the desktop keeps
  it); ``ListShortcuts`` in a new session lists it.
- ``--decline``: the user says no to ``BindShortcuts`` (response 1).

Every ``BindShortcuts`` and ``ConfigureShortcuts`` call is appended to RECORD_FILE.
``org.g2atray.Test.Press(id)`` emits ``Activated`` for the last session, with an
``activation_token`` option, as the desktop does when the key is pressed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from jeepney import DBusAddress, HeaderFields, Message, new_error, new_method_return, new_signal
from jeepney.io.blocking import DBusConnection

from tests.fakes.dbus_service import serve

NAME = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
IFACE = "org.freedesktop.portal.GlobalShortcuts"
REGISTRY = "org.freedesktop.host.portal.Registry"
NO_APP_ID = "An app id is required"


def main() -> None:  # one stand-in, its methods side by side
    parser = argparse.ArgumentParser()
    parser.add_argument("record")
    parser.add_argument("--version", type=int, default=1)
    parser.add_argument("--require-app-id", action="store_true")
    parser.add_argument("--plasma-5-27", action="store_true")
    parser.add_argument("--no-key", action="store_true")
    parser.add_argument("--decline", action="store_true")
    parser.add_argument("--state", default="")
    opts = parser.parse_args()
    app_ids: dict[str, str] = {}  # sender → registered app id
    sessions: dict[str, dict[str, object]] = {}  # handle → {"app": id, "bound": bool}
    last_session = ""
    presses = 0
    state_file = Path(opts.state) if opts.state else None
    kept: dict[str, dict[str, str]] = (
        json.loads(state_file.read_text()) if state_file and state_file.exists() else {}
    )

    def keep(app: str, shortcuts: list[tuple[str, dict[str, tuple[str, object]]]]) -> None:
        for sid, info in shortcuts:
            trigger = "" if opts.no_key else str(info.get("preferred_trigger", ("s", ""))[1])
            kept.setdefault(app, {})[sid] = trigger
        if state_file is not None:
            state_file.write_text(json.dumps(kept))

    def listed(app: str) -> list[tuple[str, dict[str, tuple[str, str]]]]:
        return [
            (sid, {"description": ("s", sid), "trigger_description": ("s", trigger)})
            for sid, trigger in kept.get(app, {}).items()
        ]

    def record(entry: object) -> None:
        with open(opts.record, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")

    def respond(
        conn: DBusConnection, msg: Message, token: str, code: int, results: dict[str, object]
    ) -> None:
        sender = msg.header.fields[HeaderFields.sender].lstrip(":").replace(".", "_")
        handle = f"{PATH}/request/{sender}/{token}"
        conn.send(new_method_return(msg, "o", (handle,)))
        request = DBusAddress(handle, interface="org.freedesktop.portal.Request")
        conn.send(new_signal(request, "Response", "ua{sv}", (code, results)))

    def handle(conn: DBusConnection, msg: Message, member: str, interface: str) -> bool:  # noqa: PLR0912
        nonlocal last_session, presses
        sender = msg.header.fields[HeaderFields.sender]
        if interface == "org.freedesktop.DBus.Properties" and member == "Get":
            if tuple(msg.body) == (IFACE, "version"):
                conn.send(new_method_return(msg, "v", (("u", opts.version),)))
            else:
                conn.send(new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", "s", ("no",)))
            return True
        if interface == REGISTRY and member == "Register":
            if not opts.require_app_id:
                return False  # an older portal: no such interface
            app_ids[sender] = msg.body[0]
            conn.send(new_method_return(msg))
            return True
        if interface == IFACE and opts.require_app_id and sender not in app_ids:
            conn.send(new_error(msg, "org.freedesktop.portal.Error.NotAllowed", "s", (NO_APP_ID,)))
            return True
        app = app_ids.get(sender, "")
        if interface == IFACE and member == "CreateSession":
            options = msg.body[0]
            path_sender = sender.lstrip(":").replace(".", "_")
            session = f"{PATH}/session/{path_sender}/{options['session_handle_token'][1]}"
            sessions[session] = {"app": app, "bound": False}
            last_session = session
            if opts.plasma_5_27 and "shortcuts" in options:
                keep(app, options["shortcuts"][1])
            respond(conn, msg, options["handle_token"][1], 0, {"session_handle": ("s", session)})
        elif interface == IFACE and member == "BindShortcuts":
            session, shortcuts, _parent, options = msg.body
            if sessions.get(session, {}).get("bound"):
                conn.send(
                    new_error(msg, "org.freedesktop.portal.Error.Failed", "s", ("already bound",))
                )
                return True
            sessions[session]["bound"] = True
            record(
                ["BindShortcuts", [[sid, {k: v[1] for k, v in i.items()}] for sid, i in shortcuts]]
            )
            if not opts.decline and not opts.plasma_5_27:
                keep(app, shortcuts)
            answer = [
                (
                    sid,
                    {
                        "description": info["description"],
                        "trigger_description": info.get("preferred_trigger", ("s", "")),
                    },
                )
                for sid, info in shortcuts
            ]  # Plasma 5.27 says this too, having bound nothing
            respond(
                conn,
                msg,
                options["handle_token"][1],
                1 if opts.decline else 0,
                {"shortcuts": ("a(sa{sv})", answer)},
            )
        elif interface == IFACE and member == "ListShortcuts":
            _session, options = msg.body
            respond(
                conn, msg, options["handle_token"][1], 0, {"shortcuts": ("a(sa{sv})", listed(app))}
            )
        elif interface == IFACE and member == "ConfigureShortcuts" and opts.version >= 2:
            record(["ConfigureShortcuts", msg.body[0], {k: v[1] for k, v in msg.body[2].items()}])
            conn.send(new_method_return(msg))
        elif interface == "org.g2atray.Test" and member == "Press":
            presses += 1
            emitter = DBusAddress(PATH, interface=IFACE)
            options = {"activation_token": ("s", f"portal-token-{presses}")}
            conn.send(
                new_signal(
                    emitter, "Activated", "osta{sv}", (last_session, msg.body[0], 0, options)
                )
            )
            conn.send(new_method_return(msg))
        else:
            return False
        return True

    serve(NAME, handle)


if __name__ == "__main__":
    main()
