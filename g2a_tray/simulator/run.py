"""``g2a-tray simulate``: the GoToAssist simulator (and, if asked, an ntfy stand-in)
served in the foreground until Ctrl+C."""

from __future__ import annotations

import sys
from pathlib import Path

from g2a_tray.core.interrupts import interrupt_on_sigint_and_sigterm
from g2a_tray.core.urls import is_loopback_host
from g2a_tray.simulator.server import SimulatorServer
from g2a_tray.simulator.service import Simulator


def run_simulator(  # noqa: PLR0913  # the simulate verb's options, each by keyword
    host: str,
    port: int,
    *,
    auto: tuple[float, float] | None,
    form_encoded: bool,
    relay_port: int | None,
    relay_cache: str | None,
) -> int:
    """Serve until Ctrl+C; 0 then, 1 (with the reason on stderr) when a port is taken.
    ``relay_port`` None: no relay."""
    # First, before anything is printed: whoever read "simulator on …" may stop it at once
    # (also when started in the background by a script).
    interrupt_on_sigint_and_sigterm()
    try:
        server = SimulatorServer(Simulator(form_encoded=form_encoded, auto=auto), host, port)
    except OSError as exc:
        return _fail(f"the simulator cannot listen on {host}:{port}: {exc.strerror or exc}")
    relay = None
    if relay_port is not None:
        from g2a_tray.simulator.ntfy import NtfyStandIn

        try:
            relay = NtfyStandIn(
                host, relay_port, cache_file=Path(relay_cache) if relay_cache else None
            ).start()
        except OSError as exc:
            server.server_close()
            return _fail(f"the relay cannot listen on {host}:{relay_port}: {exc.strerror or exc}")
    if not is_loopback_host(host):
        sys.stderr.write(
            f"g2a-tray: note: the simulator is reachable from other computers on {host}.\n"
        )
    try:  # a Ctrl+C from the moment the first line is out ends it through the finally
        print(f"GoToAssist simulator on {server.base_url}  (Ctrl+C stops it)")
        print(f'Use it from g2a-tray: service_url = "{server.service_url}"', flush=True)
        if relay is not None:
            print(f"ntfy stand-in (relay) on {relay.url}")
            print(f'Use it from g2a-tray: [relay] url = "{relay.url}"', flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.simulator.close()
        if relay is not None:
            relay.stop()
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"g2a-tray: {message}\n")
    return 1
