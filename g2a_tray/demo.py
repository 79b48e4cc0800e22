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

TYPE_CHECKING = False
if TYPE_CHECKING:
    from g2a_tray.simulator.ntfy import NtfyStandIn

log = logging.getLogger(__name__)

APP_START_TIMEOUT_S = 20.0
DEFAULT_TICKET = "4711"


class DemoHelpdesk:
    """``--helpdesk KIND``: a stand-in for that helpdesk, the settings that write into it
    (a note and the time), its token in the demo's own keyring file, and its ticket page
    opened in the browser once everything for the session is written."""

    def __init__(self, kind: str, profile: Path) -> None:
        from g2a_tray.core.helpdesk.kinds import KINDS
        from g2a_tray.simulator.helpdesks import SAMPLE_TICKETS, HelpdeskStandIn

        self.standin = HelpdeskStandIn(kind).start()
        self.kind = KINDS[kind]
        self.name = self.kind.name
        self.sample_ticket = SAMPLE_TICKETS[kind]
        self.template = self.standin.ticket_page("{partnerObject}")
        self._keyring = profile / "demo-keyring.json"
        self._opened: set[str] = set()
        self.standin.on_write.append(self._written)

    def settings(self) -> str:
        from g2a_tray.simulator.helpdesks import STANDIN_USER

        user = f'user = "{STANDIN_USER}"\n' if self.kind.user_label else ""
        return (
            f'[helpdesk]\nkind = "{self.kind.key}"\nurl = "{self.standin.url}"\n{user}'
            'write_back = "note+time"\n'
        )

    def env(self) -> dict[str, str]:
        from g2a_tray.core.updates.token_store import HELPDESK_SERVICE, helpdesk_key
        from g2a_tray.simulator.demo_keyring import BACKEND, ENV, write_demo_token
        from g2a_tray.simulator.helpdesks import STANDIN_TOKEN, STANDIN_USER

        user = STANDIN_USER if self.kind.user_label else ""
        key = helpdesk_key(self.kind.key, self.standin.url, user)
        write_demo_token(self._keyring, HELPDESK_SERVICE, key, STANDIN_TOKEN)
        return {"PYTHON_KEYRING_BACKEND": BACKEND, ENV: str(self._keyring)}

    def _written(self, ticket: str, entry: object) -> None:
        """On the stand-in's thread: the page opens after the last entry expected."""
        last = "time" if self.kind.time_api else "note"
        if getattr(entry, "what", "") != last or ticket in self._opened:
            return
        self._opened.add(ticket)
        import webbrowser

        page = self.standin.ticket_page(ticket)
        print(f"The note is on the {self.name} stand-in's ticket page: {page}", flush=True)
        webbrowser.open(page)

    def stop(self) -> None:
        self.standin.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_settings(
    config_dir: Path, server: SimulatorServer, ntfy: NtfyStandIn | None, desk: DemoHelpdesk | None
) -> None:
    template = f"{server.base_url}/tickets/{{partnerObject}}"
    (config_dir / "settings.toml").write_text(
        "# g2a-tray demo: pointed at the local GoToAssist simulator\n"
        f'service_url = "{server.service_url}"\n'
        f'partner_object_url_template = "{desk.template if desk else template}"\n'
        f"[callback]\nlisten_port = {_free_port()}\n"
        + (f'[relay]\nurl = "{ntfy.url}"\n' if ntfy is not None else "")
        + (desk.settings() if desk is not None else "")
    )


def _profile_env(profile: Path, desk: DemoHelpdesk | None) -> dict[str, str]:
    """The app's environment: everything of its own in the throw-away profile."""
    return child_env(
        {
            **os.environ,
            "XDG_CONFIG_HOME": str(profile / "config"),
            "XDG_DATA_HOME": str(profile / "data"),
            "XDG_STATE_HOME": str(profile / "state"),
            "XDG_CACHE_HOME": str(profile / "cache"),
            **(desk.env() if desk is not None else {}),
        }
    )


def _steps(
    profile: Path,
    ticket: str,
    auto: tuple[float, float],
    ntfy: NtfyStandIn | None,
    desk: DemoHelpdesk | None,
) -> str:
    join_s, end_s = auto
    return (
        f"g2a-tray demo is running (profile {profile}).\n"
        f"  1. Press Enter in the form: ticket {ticket} opens a simulated session page.\n"
        f"  2. {join_s:g} s later the customer joins; {end_s:g} s after that it ends"
        + (f" (updates through the relay {ntfy.url}).\n" if ntfy is not None else ".\n")
        + (
            f"  3. The session is written into the {desk.name} stand-in as an internal note"
            " (and the time), and its ticket page opens.\n"
            if desk is not None
            else "  3. The session history opens.\n"
        )
        + "  Quit g2a-tray from its tray menu, or press Ctrl+C here, to end the demo."
    )


def run_demo(
    auto: tuple[float, float], ticket: str, *, relay: bool = False, helpdesk: str | None = None
) -> int:
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
    desk = DemoHelpdesk(helpdesk, profile) if helpdesk else None
    if desk is not None and ticket == DEFAULT_TICKET:
        ticket = desk.sample_ticket
    app: subprocess.Popen[bytes] | None = None
    config_dir = profile / "config" / "g2a-tray"
    name = socket_name(config_dir)
    try:
        config_dir.mkdir(parents=True)
        _write_settings(config_dir, server, ntfy, desk)
        env = _profile_env(profile, desk)

        def on_change(session: SimSession) -> None:
            if session.finished and desk is None:  # with a helpdesk: its page, once written
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
        print(_steps(profile, ticket, auto, ntfy, desk), flush=True)
        app.wait()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        _quit_app(app, name)
        server.stop()
        for stand_in in (ntfy, desk):
            if stand_in is not None:
                stand_in.stop()
        shutil.rmtree(profile, ignore_errors=True)
        print("g2a-tray demo finished; its temporary profile was removed.", flush=True)


def _quit_app(app: subprocess.Popen[bytes] | None, name: str) -> None:
    from g2a_tray.client import NotRunning, send_request

    if app is not None and app.poll() is None:
        try:
            send_request(name, request(Command.QUIT))
            app.wait(10)
        except (NotRunning, TimeoutError, ValueError, subprocess.TimeoutExpired):
            app.kill()
