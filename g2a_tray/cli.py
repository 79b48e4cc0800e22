"""The command line: ``g2a-tray [run|new-session|start|quit]``. A contract for scripts.

Exit codes: 0 done; 1 the app could not be reached or the browser not opened;
2 bad input (argparse errors included).

Every verb except ``run`` talks to the running app over its local socket, starting
one first where needed, so that sessions started from scripts are tracked by the app.
These client paths import no Qt at all (client.py speaks the protocol with
the standard library) and set up no logging unless they start the app: they return
fast (tests/process/test_app_process.py checks what they import).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from g2a_tray import __version__

if TYPE_CHECKING:  # imported when used: --version and --help import nearly nothing
    import subprocess

    from g2a_tray.core.paths import AppPaths

APP_START_TIMEOUT_S = 20.0
QUIT_TIMEOUT_S = 15.0
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="g2a-tray",
        description="Start GoToAssist attended sessions from the system tray.",
        epilog="Without a command, g2a-tray runs the tray app (same as 'g2a-tray run').",
    )
    parser.add_argument("--version", action="version", version=f"g2a-tray {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    verbs = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = verbs.add_parser(
        "run",
        help="run the tray app (if it already runs, show its quick form)",
        description="Run the tray app. If it already runs for this user and config "
        "folder, the running app shows its quick form and this command exits.",
    )
    run.add_argument("--background", action="store_true", help=argparse.SUPPRESS)

    verbs.add_parser(
        "new-session",
        help="show the quick form of the running app (starting it if needed)",
        description="Show the quick form of the running app, starting the app first if "
        "none runs. Bind this to a desktop keyboard shortcut.",
    )

    start = verbs.add_parser(
        "start",
        help="start a session at once and print the URL opened",
        description="Start an attended session at once through the running app (started "
        "if needed, so the session is tracked) and print the URL opened in the browser.",
    )
    start.add_argument("partner_object", metavar="PARTNER_OBJECT", help="the ticket id")
    start.add_argument(
        "--partner-object-url",
        metavar="URL",
        default="",
        help="the ticket's URL (default: from the ticket URL template in the settings)",
    )
    start.add_argument(
        "--layout",
        choices=("full", "iframe"),
        default=None,
        help="page layout (default: the one in the settings)",
    )

    verbs.add_parser(
        "quit", help="quit the running app", description="Ask the running app to quit cleanly."
    )

    open_ = verbs.add_parser(
        "open",
        help="start the session a g2a-tray:// link names (the desktop's link handler)",
        description="Start the session that a link such as "
        '"g2a-tray://start?partnerObject=4711&partnerObjectUrl=https%3A%2F%2Fhelp.example.com'
        '%2Ft%2F4711" names, through the running app (started if needed), as start does. '
        "Without a link, show the quick form. Links may carry only partnerObject, "
        "partnerObjectUrl (http or https) and layout (full or iframe).",
    )
    open_.add_argument("link", nargs="?", default="", metavar="LINK")

    verbs.add_parser(
        "history",
        help="show the session history window of the running app (starting it if needed)",
        description="Show the session history window of the running app.",
    )

    integrate = verbs.add_parser(
        "desktop-integration",
        help="add g2a-tray to this user's application menu and make it open g2a-tray:// links",
        description="Install the desktop entry and icon for this user (XDG data folder) and "
        "register g2a-tray as the handler of g2a-tray:// links. --remove takes them away.",
    )
    integrate.add_argument("--remove", action="store_true", help="remove what was installed")

    status = verbs.add_parser(
        "status",
        help="list the sessions started, newest first",
        description="List the sessions started from g2a-tray, newest first, with what "
        "GoToAssist reported about them. Works whether or not the app runs.",
    )
    status.add_argument("--json", action="store_true", help="print a JSON array")
    status.add_argument(
        "--limit", type=_positive, default=None, metavar="N", help="at most N sessions (N ≥ 1)"
    )

    simulate = verbs.add_parser(
        "simulate",
        help="run a local GoToAssist simulator (no account, no network)",
        description="Serve GoToAssist's attended-session flow locally: the session call, a "
        "launcher page with buttons (customer joins, end, abandon, cancel install) and the "
        "status callbacks. Point g2a-tray at it with service_url = "
        '"http://HOST:PORT/G2A/rest/v1". Ctrl+C stops it.',
    )
    simulate.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    simulate.add_argument(
        "--port", type=int, default=47890, help="port (default 47890; 0 = any free)"
    )
    simulate.add_argument(
        "--auto",
        type=_auto_timing,
        default=None,
        metavar="JOIN_S,END_S",
        help="run each session by itself: the customer joins after JOIN_S seconds, "
        "the session ends END_S seconds later",
    )
    simulate.add_argument(
        "--form", action="store_true", help="POST callbacks form-encoded, not JSON"
    )
    simulate.add_argument(
        "--relay",
        action="store_true",
        help="also run an ntfy stand-in (the relay), for relay mode: relay.url = its address",
    )
    simulate.add_argument(
        "--relay-port", type=int, default=47891, metavar="PORT", help="its port (default 47891)"
    )
    simulate.add_argument(
        "--relay-cache",
        default=None,
        metavar="FILE",
        help="keep the relay's messages in this SQLite file, across restarts (ntfy's cache-file)",
    )

    demo = verbs.add_parser(
        "demo",
        help="see the whole flow in a minute, with a simulator and a throw-away profile",
        description="Start g2a-tray in a temporary profile pointed at a simulator it starts "
        "itself, and open the quick form with a sample ticket. Press Enter and watch the "
        "customer join and the session end. Nothing of yours is touched.",
    )
    demo.add_argument(
        "--auto",
        type=_auto_timing,
        default=(5.0, 20.0),
        metavar="JOIN_S,END_S",
        help="when the customer joins and the session ends (default 5,20)",
    )
    demo.add_argument("--ticket", default="4711", help="the sample ticket id (default 4711)")
    demo.add_argument(
        "--relay",
        action="store_true",
        help="receive the updates through a relay (an ntfy stand-in), as relay mode does",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from g2a_tray.core.paths import AppPaths

    paths = AppPaths.default()
    command = args.command or "run"
    if command in ("simulate", "demo"):
        # Client verbs log nothing unless they start the app (_spawn_app): a verb that
        # only talks to the running app should cost what a tiny client costs. The app
        # itself sets up its log once its icon is up (boot.py).
        _setup_logging(command, paths, verbose=args.verbose)
    try:
        return _dispatch(command, args, paths)
    except _ClientError as exc:
        sys.stderr.write(f"g2a-tray: {exc}\n")
        return exc.code
    except BrokenPipeError:
        # "g2a-tray status --json | head": the reader has what it wanted. Point stdout at
        # nothing so that the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _dispatch(command: str, args: argparse.Namespace, paths: AppPaths) -> int:
    if command == "run":
        return _run(paths, background=getattr(args, "background", False), verbose=args.verbose)
    if command in ("new-session", "history"):
        from g2a_tray.core.instance.protocol import Command, request

        cmd = Command.SHOW_FORM if command == "new-session" else Command.SHOW_HISTORY
        _request(paths, request(cmd), start_app=True)
        return EXIT_OK
    if command == "start":
        return _start(paths, args)
    if command == "quit":
        return _quit(paths)
    if command == "open":
        return _open(paths, args.link)
    if command == "desktop-integration":
        return _desktop_integration(remove=args.remove)
    if command == "status":
        return _status(paths, as_json=args.json, limit=args.limit)
    if command == "simulate":
        return _simulate(args)
    if command == "demo":
        from g2a_tray.demo import run_demo

        return run_demo(args.auto, args.ticket, relay=args.relay)
    raise AssertionError(command)


def _setup_logging(command: str, paths: AppPaths, *, verbose: bool) -> None:
    from g2a_tray.logging_setup import setup_console_logging, setup_logging

    if command in ("simulate", "demo"):
        # Not the user's app: its lines (and its test sessions' secrets) stay out of the
        # user's log. The demo's app process logs into the demo's throw-away profile.
        setup_console_logging(verbose=verbose)
    else:
        setup_logging(paths.log_file, verbose=verbose)


class _ClientError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def _socket_name(paths: AppPaths) -> str:
    from g2a_tray.core.instance.protocol import UnsafeRuntimeDir, socket_name

    try:
        return socket_name(paths.config_dir)
    except UnsafeRuntimeDir as exc:
        raise _ClientError(str(exc)) from None


def _run(paths: AppPaths, background: bool, verbose: bool) -> int:
    from g2a_tray.client import WrongOwner, is_running

    name = _socket_name(paths)
    try:
        running = is_running(name)
    except WrongOwner as exc:
        raise _ClientError(str(exc)) from None
    if running:
        if background:
            return EXIT_OK
        from g2a_tray.core.instance.protocol import Command, request

        _request(paths, request(Command.SHOW_FORM), start_app=False)
        return EXIT_OK
    from g2a_tray.boot import run_app

    return run_app(paths, background, verbose=verbose)


def _start(paths: AppPaths, args: argparse.Namespace) -> int:
    from g2a_tray.core.instance.protocol import Command, request

    message = request(
        Command.START,
        partnerObject=args.partner_object,
        partnerObjectUrl=args.partner_object_url,
    )
    if args.layout is not None:
        message["layout"] = args.layout
    response = _request(paths, message, start_app=True)
    print(response["url"])
    if not response.get("opened", False):
        sys.stderr.write(
            "g2a-tray: the browser could not be opened; open the URL above yourself.\n"
        )
        return EXIT_FAILED
    return EXIT_OK


def _quit(paths: AppPaths) -> int:
    from g2a_tray.client import NotRunning
    from g2a_tray.core.instance.protocol import Command, request

    try:
        response = _send(_socket_name(paths), request(Command.QUIT))
    except NotRunning:
        sys.stderr.write("g2a-tray is not running.\n")
        return EXIT_OK
    # Return once the app has really gone (its port, shortcut and database released), so
    # that a script can start another at once.
    pid = response.get("pid")
    deadline = time.monotonic() + QUIT_TIMEOUT_S
    while isinstance(pid, int) and _alive(pid):
        if time.monotonic() > deadline:
            raise _ClientError(f"g2a-tray (process {pid}) was asked to quit but is still running")
        time.sleep(0.05)  # another process's exit: nothing to wait on but polling
    return EXIT_OK


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        return False  # no cheap check there; the request was answered
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # an exited child its parent has not reaped yet (a zombie) has gone too
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _open(paths: AppPaths, link: str) -> int:
    from g2a_tray.core.instance.protocol import Command, request

    if not link.strip():  # a menu launch of the desktop entry: "g2a-tray open %u" with no URL
        _request(paths, request(Command.SHOW_FORM), start_app=True)
        return EXIT_OK
    response = _request(paths, request(Command.OPEN_LINK, url=link), start_app=True)
    print(response["url"])
    if not response.get("opened", False):
        sys.stderr.write(
            "g2a-tray: the browser could not be opened; open the URL above yourself.\n"
        )
        return EXIT_FAILED
    return EXIT_OK


def _desktop_integration(*, remove: bool) -> int:
    from g2a_tray.core.desktop_integration import install_desktop_entry, remove_desktop_entry

    try:
        files = remove_desktop_entry() if remove else install_desktop_entry()
    except OSError as exc:
        raise _ClientError(
            f"could not {'remove' if remove else 'install'} the desktop entry: {exc}"
        ) from None
    for path in files:
        print(f"{'removed' if remove else 'wrote'} {path}")
    if remove and not files:
        print("Nothing to remove: no desktop entry made by g2a-tray was found.")
    return EXIT_OK


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, not {value}")
    return value


def _auto_timing(text: str) -> tuple[float, float]:
    try:
        join_s, end_s = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected JOIN_S,END_S such as 5,20, not {text!r}"
        ) from None
    if not (0 <= join_s <= 3600 and 0 <= end_s <= 3600):
        raise argparse.ArgumentTypeError("seconds must be between 0 and 3600")
    return join_s, end_s


def _simulate(args: argparse.Namespace) -> int:
    from g2a_tray.core.urls import is_loopback_host
    from g2a_tray.logging_setup import console_handler_for
    from g2a_tray.simulator.server import SimulatorServer
    from g2a_tray.simulator.service import Simulator

    console_handler_for("g2a_tray.simulator")
    try:
        server = SimulatorServer(
            Simulator(form_encoded=args.form, auto=args.auto), args.host, args.port
        )
    except OSError as exc:
        raise _ClientError(
            f"the simulator cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    relay = None
    if args.relay:
        from pathlib import Path

        from g2a_tray.simulator.ntfy import NtfyStandIn

        try:
            relay = NtfyStandIn(
                args.host,
                args.relay_port,
                cache_file=Path(args.relay_cache) if args.relay_cache else None,
            ).start()
        except OSError as exc:
            server.server_close()
            raise _ClientError(
                f"the relay cannot listen on {args.host}:{args.relay_port}: {exc.strerror or exc}"
            ) from None
    if not is_loopback_host(args.host):
        sys.stderr.write(
            f"g2a-tray: note: the simulator is reachable from other computers on {args.host}.\n"
        )
    print(f"GoToAssist simulator on {server.base_url}  (Ctrl+C stops it)")
    print(f'Use it from g2a-tray: service_url = "{server.service_url}"', flush=True)
    if relay is not None:
        print(f"ntfy stand-in (relay) on {relay.url}")
        print(f'Use it from g2a-tray: [relay] url = "{relay.url}"', flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.simulator.close()
        if relay is not None:
            relay.stop()
    return EXIT_OK


def _status(paths: AppPaths, *, as_json: bool, limit: int | None) -> int:
    import json
    from datetime import UTC, datetime

    from g2a_tray.core.sessions.export import as_json as session_json
    from g2a_tray.core.sessions.export import local_time
    from g2a_tray.core.sessions.status import state_of
    from g2a_tray.core.sessions.store import SessionStore, StoreError
    from g2a_tray.core.settings.store import peek_settings
    from g2a_tray.core.text import escape_unsafe_json, printable

    try:  # no integrity scan of the whole file: a read-only look must not grow with it
        store = SessionStore(paths.sessions_file, check=False)
    except (OSError, StoreError) as exc:
        raise _ClientError(f"cannot read the session history: {exc}") from None
    if store.problem:
        sys.stderr.write(f"g2a-tray: {store.problem}\n")
    stale_after = peek_settings(paths.settings_file).sessions.stale_after
    now = datetime.now(UTC)
    if as_json:
        # Streamed: a history of years is printed a page at a time, in flat memory.
        try:
            found = store.iter_sessions() if limit is None else iter(store.sessions(limit))
            sys.stdout.write("[")
            separator = "\n"
            for session in found:
                state = state_of(session, now, stale_after)
                item = json.dumps(session_json(session, state), indent=2, ensure_ascii=False)
                # Only formatting newlines are raw ones (json.dumps escapes those in strings);
                # str.splitlines-based indenting would also split at U+0085 or U+2028.
                sys.stdout.write(separator + "  " + escape_unsafe_json(item).replace("\n", "\n  "))
                separator = ",\n"
            sys.stdout.write("\n]\n" if separator != "\n" else "]\n")
        finally:
            store.close()
        return EXIT_OK
    sessions = store.sessions(limit=limit)
    store.close()
    print(_updates_line(paths))
    if not sessions:
        print("No sessions yet.")
        return EXIT_OK
    rows = [("STARTED", "TICKET", "STATUS", "CUSTOMER", "SESSION ID")] + [
        (
            local_time(s.launched_at),
            s.partner_object or "-",
            state_of(s, now, stale_after).words,
            s.customer_name,
            s.session_id,
        )
        for s in sessions
    ]
    # Every cell may hold text from a callback: nothing in it may act on the terminal.
    rows = [tuple(printable(cell) for cell in row) for row in rows]  # type: ignore[misc]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return EXIT_OK


def _updates_line(paths: AppPaths) -> str:
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
    return f"Updates: {updates}" if isinstance(updates, str) else "Updates: unknown"


def _send(name: str, message: dict[str, Any]) -> dict[str, Any]:
    from g2a_tray.client import WrongOwner, send_request
    from g2a_tray.core.instance.protocol import ProtocolError

    try:
        return send_request(name, message)
    except WrongOwner as exc:
        raise _ClientError(str(exc)) from None
    except (TimeoutError, ProtocolError) as exc:
        raise _ClientError(f"the running g2a-tray did not answer properly: {exc}") from None


def _request(paths: AppPaths, message: dict[str, Any], *, start_app: bool) -> dict[str, Any]:
    """Send ``message`` to the running app, starting one first if asked to."""
    from g2a_tray.client import NotRunning, is_running

    name = _socket_name(paths)
    try:
        response = _send(name, message)
    except NotRunning:
        if not start_app:
            raise _ClientError("g2a-tray is not running.") from None
        child, errors = _spawn_app(paths)
        deadline = time.monotonic() + APP_START_TIMEOUT_S
        while not is_running(name):
            if child.poll() is not None:  # it died: say why now, not after the time-out
                raise _ClientError(_why_not_started(child.returncode, errors)) from None
            if time.monotonic() > deadline:
                raise _ClientError(
                    f"g2a-tray did not start in time; see the log in {paths.log_dir}"
                ) from None
            time.sleep(0.05)  # polling another process's socket: no signal to wait on
        response = _send(name, message)
    if not response.get("ok"):
        raise _ClientError(str(response.get("error", "the request failed")), EXIT_USAGE)
    return response


def _spawn_app(paths: AppPaths) -> tuple[subprocess.Popen[bytes], Path]:
    """Start the tray app as its own process, detached from this terminal. Its stderr
    goes to a file beside the log: what it says if it dies before it can log (Qt finding
    no display, a broken install) is what the user needs to read."""
    import logging
    import subprocess

    from g2a_tray.logging_setup import setup_logging
    from g2a_tray.spawn import app_command, child_env, neutral_cwd

    setup_logging(paths.log_file)
    cmd = app_command("run", "--background")
    logging.getLogger(__name__).info("starting the app: %s", cmd)
    errors = paths.log_dir / "g2a-tray-start.err"
    try:
        errors.parent.mkdir(parents=True, exist_ok=True)
        stderr = errors.open("wb")
    except OSError:
        stderr = None  # nowhere to keep it: the time-out's message still points at the log
    try:
        child = subprocess.Popen(
            cmd,
            cwd=neutral_cwd(),
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr if stderr is not None else subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    finally:
        if stderr is not None:
            stderr.close()  # the child has its own copy
    return child, errors


def _why_not_started(code: int, errors: Path) -> str:
    """Plain words for an app that exited before answering, with the line of what it
    printed that says most (Qt prints several; the first about the display says why)."""
    from g2a_tray.core.text import printable

    try:
        said = [
            line.strip()
            for line in errors.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.strip()
        ]
    except OSError:
        said = []
    about_display = [line for line in said if "display" in line.lower()]
    how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
    if about_display:
        why = printable(about_display[0])[:200].rstrip(". ")
        return (
            f"the app could not start ({how}): {why}. It needs a graphical session "
            f"(DISPLAY or WAYLAND_DISPLAY). What it printed is in {errors}."
        )
    last = printable(said[-1])[:200].rstrip(". ") if said else "it printed nothing"
    return f"the app could not start ({how}): {last}. What it printed is in {errors}."
