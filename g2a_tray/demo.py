"""``g2a-tray demo``: the whole product in a minute, with no account and no network.

Starts the GoToAssist simulator (with ``--auto``) in this process and the real app as its
own process in a throw-away profile pointed at it, then opens the quick form with a
sample ticket. The technician presses Enter, sees the session page, "Customer joined",
"Session ended", and the session history. Everything is removed afterwards.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from g2a_tray.core.instance.protocol import Command, request, socket_name
from g2a_tray.core.interrupts import interrupt_on_sigint_and_sigterm
from g2a_tray.simulator.server import SimulatorServer
from g2a_tray.simulator.service import SimSession, Simulator
from g2a_tray.spawn import app_command, child_env

log = logging.getLogger(__name__)

APP_START_TIMEOUT_S = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_demo(auto: tuple[float, float], ticket: str, *, relay: bool = False) -> int:
    from g2a_tray.client import NotRunning, is_running, send_request

    interrupt_on_sigint_and_sigterm()  # through the clean-up below, however started
    profile = Path(tempfile.mkdtemp(prefix="g2a-tray-demo-"))
    simulator = Simulator(auto=auto)
    server = SimulatorServer(simulator)
    server.start()
    ntfy = None
    if relay:
        from g2a_tray.simulator.ntfy import NtfyStandIn

        ntfy = NtfyStandIn().start()
    app: subprocess.Popen[bytes] | None = None
    config_dir = profile / "config" / "g2a-tray"
    name = socket_name(config_dir)
    try:
        config_dir.mkdir(parents=True)
        (config_dir / "settings.toml").write_text(
            "# g2a-tray demo: pointed at the local GoToAssist simulator\n"
            f'service_url = "{server.service_url}"\n'
            f'partner_object_url_template = "{server.base_url}/tickets/{{partnerObject}}"\n'
            f"[callback]\nlisten_port = {_free_port()}\n"
            + (f'[relay]\nurl = "{ntfy.url}"\n' if ntfy is not None else "")
        )
        env = child_env(
            {
                **os.environ,
                "XDG_CONFIG_HOME": str(profile / "config"),
                "XDG_DATA_HOME": str(profile / "data"),
                "XDG_STATE_HOME": str(profile / "state"),
                "XDG_CACHE_HOME": str(profile / "cache"),
            }
        )

        def on_change(session: SimSession) -> None:
            if session.finished:
                try:
                    send_request(name, request(Command.SHOW_HISTORY))
                except (NotRunning, TimeoutError, ValueError) as exc:
                    log.info("demo: could not show the history: %s", exc)

        simulator.listeners.append(on_change)
        app = subprocess.Popen(app_command("run"), env=env, cwd=profile, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + APP_START_TIMEOUT_S
        while not is_running(name):
            if app.poll() is not None or time.monotonic() > deadline:
                sys.stderr.write("g2a-tray demo: the app did not start; see the messages above.\n")
                return 1
            time.sleep(0.05)  # another process's socket: nothing to wait on but polling
        send_request(name, request(Command.SHOW_FORM, partnerObject=ticket))
        join_s, end_s = auto
        print(
            f"g2a-tray demo is running (profile {profile}).\n"
            f"  1. Press Enter in the form: ticket {ticket} opens a simulated session page.\n"
            f"  2. {join_s:g} s later the customer joins; {end_s:g} s after that it ends"
            + (f" (updates through the relay {ntfy.url}).\n" if ntfy is not None else ".\n")
            + "  3. The session history opens. Quit g2a-tray from its tray menu, or press Ctrl+C\n"
            "     here, to end the demo.",
            flush=True,
        )
        app.wait()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        if app is not None and app.poll() is None:
            try:
                send_request(name, request(Command.QUIT))
                app.wait(10)
            except (NotRunning, TimeoutError, ValueError, subprocess.TimeoutExpired):
                app.kill()
        server.stop()
        if ntfy is not None:
            ntfy.stop()
        shutil.rmtree(profile, ignore_errors=True)
        print("g2a-tray demo finished; its temporary profile was removed.", flush=True)
