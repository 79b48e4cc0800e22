"""``g2a-tray simulate``: the GoToAssist simulator (and, if asked, an ntfy stand-in and a
helpdesk stand-in) served in the foreground until Ctrl+C."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TypeVar

from g2a_tray.core.interrupts import interrupt_on_sigint_and_sigterm
from g2a_tray.core.urls import is_loopback_host
from g2a_tray.simulator.server import SimulatorServer
from g2a_tray.simulator.service import Simulator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from g2a_tray.simulator.helpdesks import HelpdeskStandIn
    from g2a_tray.simulator.ntfy import NtfyStandIn


T = TypeVar("T")


class PortTaken(Exception):
    """A stand-in could not listen; the message says which and why."""


def run_simulator(  # noqa: PLR0913  # the simulate verb's options, each by keyword
    host: str,
    port: int,
    *,
    auto: tuple[float, float] | None,
    form_encoded: bool,
    relay_port: int | None,
    relay_cache: str | None,
    helpdesk: tuple[str, int] | None = None,
) -> int:
    """Serve until Ctrl+C; 0 then, 1 (with the reason on stderr) when a port is taken.
    ``relay_port`` None: no relay; ``helpdesk``: (kind, port) of a helpdesk stand-in."""
    # First, before anything is printed: whoever read "simulator on …" may stop it at once
    # (also when started in the background by a script).
    interrupt_on_sigint_and_sigterm()
    with ExitStack() as stack:
        try:
            server = _listen(
                "the simulator",
                host,
                port,
                lambda: SimulatorServer(
                    Simulator(form_encoded=form_encoded, auto=auto), host, port
                ),
            )
            stack.callback(server.simulator.close)
            stack.callback(server.server_close)
            relay = _relay(host, relay_port, relay_cache) if relay_port is not None else None
            if relay is not None:
                stack.callback(relay.stop)
            desk = _helpdesk(host, *helpdesk) if helpdesk is not None else None
            if desk is not None:
                stack.callback(desk.stop)
        except PortTaken as exc:
            sys.stderr.write(f"g2a-tray: {exc}\n")
            return 1
        if not is_loopback_host(host):
            sys.stderr.write(
                f"g2a-tray: note: the simulator is reachable from other computers on {host}.\n"
            )
        try:  # a Ctrl+C from the moment the first line is out ends it through the stack
            print(f"GoToAssist simulator on {server.base_url}  (Ctrl+C stops it)")
            print(f'Use it from g2a-tray: service_url = "{server.service_url}"', flush=True)
            if relay is not None:
                print(f"ntfy stand-in (relay) on {relay.url}")
                print(f'Use it from g2a-tray: [relay] url = "{relay.url}"', flush=True)
            if desk is not None:
                print(_helpdesk_lines(desk), flush=True)
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def _listen(what: str, host: str, port: int, make: Callable[[], T]) -> T:
    try:
        return make()
    except OSError as exc:
        raise PortTaken(f"{what} cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _relay(host: str, port: int, cache: str | None) -> NtfyStandIn:
    from g2a_tray.simulator.ntfy import NtfyStandIn

    return _listen(
        "the relay",
        host,
        port,
        lambda: NtfyStandIn(host, port, cache_file=Path(cache) if cache else None).start(),
    )


def _helpdesk(host: str, kind: str, port: int) -> HelpdeskStandIn:
    from g2a_tray.simulator.helpdesks import HelpdeskStandIn

    return _listen(
        f"the {kind} stand-in", host, port, lambda: HelpdeskStandIn(kind, host, port).start()
    )


def _helpdesk_lines(desk: HelpdeskStandIn) -> str:
    from g2a_tray.simulator.helpdesks import SAMPLE_TICKETS, STANDIN_TOKEN, STANDIN_USER

    user = "" if desk.kind == "freshdesk" else f'\nuser = "{STANDIN_USER}"'
    return (
        f"{desk.kind} stand-in (helpdesk) on {desk.url}; a ticket's page shows the notes "
        f"written, e.g. {desk.ticket_page(SAMPLE_TICKETS[desk.kind])}\n"
        f'Use it from g2a-tray:\n[helpdesk]\nkind = "{desk.kind}"\nurl = "{desk.url}"{user}\n'
        'write_back = "note+time"\n'
        f"and store its token: printf %s {STANDIN_TOKEN} | g2a-tray helpdesk token"
    )
