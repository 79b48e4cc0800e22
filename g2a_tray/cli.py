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

import os
import sys

from g2a_tray import __version__

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (mypy knows it)
if TYPE_CHECKING:  # imported when used: a client verb imports nearly nothing
    import argparse
    from collections.abc import Callable

    from g2a_tray.core.instance.client_paths import ClientPaths
    from g2a_tray.core.paths import AppPaths

    Paths = AppPaths | ClientPaths

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2  # the same as g2a_tray.client's


def build_parser() -> argparse.ArgumentParser:
    import argparse

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

    helpdesk = verbs.add_parser(
        "helpdesk",
        help="the helpdesk's credentials: store the token (from stdin) or test them",
        description="Notes in your helpdesk (README): 'helpdesk token' reads the token, API "
        "key or password from standard input into the system keyring, for the helpdesk set "
        "in settings.toml; 'helpdesk test' signs in with it (exit 0) or says why not (exit 1).",
    )
    helpdesk.add_argument("action", choices=("token", "test"))

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
        "--helpdesk",
        choices=HELPDESK_KINDS,
        default=None,
        metavar="KIND",
        help="also run a stand-in for a helpdesk's API (zendesk, freshdesk, jira, servicenow)",
    )
    simulate.add_argument(
        "--helpdesk-port", type=int, default=47892, metavar="PORT", help="its port (default 47892)"
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
    demo.add_argument(
        "--ticket",
        default="4711",
        help="the sample ticket id (default 4711; SUP-42 or INC0010023 with --helpdesk jira "
        "or servicenow)",
    )
    demo.add_argument(
        "--relay",
        action="store_true",
        help="receive the updates through a relay (an ntfy stand-in), as relay mode does",
    )
    demo.add_argument(
        "--helpdesk",
        choices=HELPDESK_KINDS,
        default=None,
        metavar="KIND",
        help="write the ended session into a helpdesk stand-in (zendesk, freshdesk, jira, "
        "servicenow) and show its ticket page",
    )
    return parser


HELPDESK_KINDS = ("zendesk", "freshdesk", "jira", "servicenow")


# The client verbs as a desktop shortcut or a script calls them, with nothing argparse
# would have to read: answered without it. Anything else (an option, --help, a mistake)
# goes through argparse, which says what is wrong.
QUICK: dict[str, tuple[int, int]] = {  # verb: (fewest, most) positional arguments
    "new-session": (0, 0),
    "history": (0, 0),
    "quit": (0, 0),
    "start": (1, 1),
    "open": (0, 1),
}


def _quick(argv: list[str]) -> int | None:
    """The exit code of a plain client verb, or None when argparse must read ``argv``."""
    if argv == ["--version"]:
        print(f"g2a-tray {__version__}")
        return EXIT_OK
    if argv and argv[0] == "status":
        return _quick_status(argv[1:])
    if argv in ([], ["run"], ["run", "--background"]):  # the desktop's and autostart's
        # The app's start: no parser to build before the tray icon (5 ms).
        from g2a_tray.core.paths import AppPaths

        return _guarded(lambda: _run_app(AppPaths.default(), "--background" in argv, False))
    if not argv or argv[0] not in QUICK or any(a.startswith("-") for a in argv[1:]):
        return None
    verb, rest = argv[0], argv[1:]
    fewest, most = QUICK[verb]
    if not fewest <= len(rest) <= most:
        return None
    from g2a_tray.core.instance.client_paths import ClientPaths

    paths = ClientPaths()
    if verb == "start":
        return _guarded(lambda: _start_ticket(paths, rest[0]))
    if verb == "open":
        return _guarded(lambda: _open_link(paths, rest[0] if rest else ""))
    return _guarded(lambda: CLIENT_VERBS[verb](paths))


def _quick_status(rest: list[str]) -> int | None:
    """``status`` and ``status --limit N`` as a small client (status_report.print_newest);
    None for anything else, or a history the quick reader leaves to the store."""
    if rest and rest[0].startswith("--limit="):
        rest = ["--limit", rest[0].partition("=")[2], *rest[1:]]
    if rest and (len(rest) != 2 or rest[0] != "--limit" or not rest[1].isdigit()):
        return None
    limit = int(rest[1]) if rest else None
    if limit is not None and limit < 1:
        return None  # argparse says what is wrong
    from g2a_tray.core.instance.client_paths import ClientPaths
    from g2a_tray.status_report import print_newest

    return _guarded_or_none(lambda: print_newest(ClientPaths(), limit))


def _guarded_or_none(verb: Callable[[], int | None]) -> int | None:
    """Run a verb; what it tells the user goes to stderr with its exit code."""
    from g2a_tray.client import ClientError

    try:
        return verb()
    except ClientError as exc:
        sys.stderr.write(f"g2a-tray: {exc}\n")
        return exc.code
    except BrokenPipeError:
        # "g2a-tray status --json | head": the reader has what it wanted. Point stdout at
        # nothing so that the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _guarded(verb: Callable[[], int]) -> int:
    code = _guarded_or_none(verb)
    assert code is not None  # verb returns an int
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quick = _quick(argv)
    if quick is not None:
        return quick
    args = build_parser().parse_args(argv)
    from g2a_tray.core.paths import AppPaths

    paths = AppPaths.default()
    command = args.command or "run"
    if command in ("simulate", "demo"):
        # Not the user's app: their lines (and their test sessions' secrets) stay out of
        # the user's log; the demo's app logs into the demo's throw-away profile. Client
        # verbs log nothing unless they start the app (client.py): a verb that only talks
        # to the running app should cost what a tiny client costs.
        from g2a_tray.logging_setup import setup_console_logging

        setup_console_logging(verbose=args.verbose)
    return _guarded(lambda: VERBS[command](args, paths))


def _run(args: argparse.Namespace, paths: AppPaths) -> int:
    return _run_app(paths, getattr(args, "background", False), args.verbose)


def _run_app(paths: AppPaths, background: bool, verbose: bool) -> int:
    from g2a_tray.client import ClientError, WrongOwner, is_running, socket_name_for

    try:
        running = is_running(socket_name_for(paths))
    except WrongOwner as exc:
        raise ClientError(str(exc)) from None
    if running:
        if not background:
            _show(paths, form=True, start_app=False)
        return EXIT_OK
    from g2a_tray.boot import leave, run_app

    leave(run_app(paths, background, verbose=verbose))


def _show(paths: Paths, *, form: bool, start_app: bool = True) -> int:
    """A window of the running app (started if needed): the form or the history."""
    from g2a_tray.client import request_app
    from g2a_tray.core.instance.activation import Activation
    from g2a_tray.core.instance.protocol import Command, request

    command = Command.SHOW_FORM if form else Command.SHOW_HISTORY
    # The launcher's focus token goes with the request: the window is shown by the app.
    handed = Activation.from_env(os.environ).arguments()
    request_app(paths, request(command, **handed), start_app=start_app)
    return EXIT_OK


def _start(args: argparse.Namespace, paths: Paths) -> int:
    return _start_ticket(paths, args.partner_object, args.partner_object_url, args.layout)


def _start_ticket(
    paths: Paths, partner_object: str, partner_object_url: str = "", layout: str | None = None
) -> int:
    from g2a_tray.core.instance.protocol import Command, request

    message = request(
        Command.START, partnerObject=partner_object, partnerObjectUrl=partner_object_url
    )
    if layout is not None:
        message["layout"] = layout
    return _start_and_print(paths, message)


def _open_link(paths: Paths, link: str) -> int:
    from g2a_tray.core.instance.protocol import Command, request

    if not link.strip():  # a menu launch of the desktop entry: "g2a-tray open %u"
        return _show(paths, form=True)
    return _start_and_print(paths, request(Command.OPEN_LINK, url=link))


def _start_and_print(paths: Paths, message: dict[str, str]) -> int:
    """``start`` and ``open LINK``: the session's URL on stdout, exit 1 when the browser
    did not take it (the user opens it by hand)."""
    from g2a_tray.client import request_app

    response = request_app(paths, message, start_app=True)
    print(response["url"])
    if not response.get("opened", False):
        sys.stderr.write(
            "g2a-tray: the browser could not be opened; open the URL above yourself.\n"
        )
        return EXIT_FAILED
    return EXIT_OK


def _quit(paths: Paths) -> int:
    from g2a_tray.client import quit_app

    if not quit_app(paths):
        sys.stderr.write("g2a-tray is not running.\n")
    return EXIT_OK


def _desktop_integration(args: argparse.Namespace, _paths: AppPaths) -> int:
    from g2a_tray.client import ClientError
    from g2a_tray.core.desktop_integration import install_desktop_entry, remove_desktop_entry

    remove = args.remove
    try:
        files = remove_desktop_entry() if remove else install_desktop_entry()
    except OSError as exc:
        raise ClientError(
            f"could not {'remove' if remove else 'install'} the desktop entry: {exc}"
        ) from None
    for path in files:
        print(f"{'removed' if remove else 'wrote'} {path}")
    if remove and not files:
        print("Nothing to remove: no desktop entry made by g2a-tray was found.")
    return EXIT_OK


def _status(args: argparse.Namespace, paths: AppPaths) -> int:
    from g2a_tray.status_report import print_status

    return print_status(paths, as_json=args.json, limit=args.limit)


def _simulate(args: argparse.Namespace, _paths: AppPaths) -> int:
    from g2a_tray.logging_setup import console_handler_for
    from g2a_tray.simulator.run import run_simulator

    console_handler_for("g2a_tray.simulator")
    return run_simulator(
        args.host,
        args.port,
        auto=args.auto,
        form_encoded=args.form,
        relay_port=args.relay_port if args.relay else None,
        relay_cache=args.relay_cache,
        helpdesk=(args.helpdesk, args.helpdesk_port) if args.helpdesk else None,
    )


def _demo(args: argparse.Namespace, _paths: AppPaths) -> int:
    from g2a_tray.demo import run_demo

    return run_demo(args.auto, args.ticket, relay=args.relay, helpdesk=args.helpdesk)


def _helpdesk(args: argparse.Namespace, paths: AppPaths) -> int:
    from g2a_tray.helpdesk_verbs import store_token, test_credentials

    return store_token(paths) if args.action == "token" else test_credentials(paths)


# The client verbs that take nothing but the profile (the quick path uses these too).
CLIENT_VERBS: dict[str, Callable[[Paths], int]] = {
    "new-session": lambda paths: _show(paths, form=True),
    "history": lambda paths: _show(paths, form=False),
    "quit": _quit,
}

VERBS: dict[str, Callable[[argparse.Namespace, AppPaths], int]] = {
    "run": _run,
    "new-session": lambda _args, paths: CLIENT_VERBS["new-session"](paths),
    "history": lambda _args, paths: CLIENT_VERBS["history"](paths),
    "start": _start,
    "open": lambda args, paths: _open_link(paths, args.link),
    "quit": lambda _args, paths: _quit(paths),
    "desktop-integration": _desktop_integration,
    "status": _status,
    "helpdesk": _helpdesk,
    "simulate": _simulate,
    "demo": _demo,
}


def _positive(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, not {value}")
    return value


def _auto_timing(text: str) -> tuple[float, float]:
    import argparse

    try:
        join_s, end_s = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected JOIN_S,END_S such as 5,20, not {text!r}"
        ) from None
    if not (0 <= join_s <= 3600 and 0 <= end_s <= 3600):
        raise argparse.ArgumentTypeError("seconds must be between 0 and 3600")
    return join_s, end_s
