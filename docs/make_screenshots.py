"""Regenerate the screenshots in docs/screenshots/ from the real app in a real X session.

    .venv/bin/python docs/make_screenshots.py

Starts Xvfb with a tray host, a private D-Bus with dunst, and the GoToAssist simulator;
runs g2a-tray in a throw-away profile pointed at the simulator; drives it with xdotool
and the simulator's buttons; captures the tray menu, the quick form, the settings
dialog, a notification and the history with ImageMagick's ``import``, and the
simulator's page with headless Chromium. Nobody edits these pictures by hand.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from g2a_tray.core.updates.token_store import HELPDESK_SERVICE, helpdesk_key  # noqa: E402
from g2a_tray.simulator.helpdesks import STANDIN_TOKEN, HelpdeskStandIn  # noqa: E402
from g2a_tray.simulator.ntfy import NtfyStandIn  # noqa: E402
from g2a_tray.simulator.server import SimulatorServer  # noqa: E402
from g2a_tray.simulator.service import Simulator  # noqa: E402
from tests.helpers.app_process import AppProcess  # noqa: E402
from tests.helpers.buses import start_dunst_bus  # noqa: E402
from tests.helpers.desktop import Desktop, start_desktop  # noqa: E402
from tests.helpers.procs import wait_for  # noqa: E402
from tests.helpers.profile import Profile  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def window_ids(desk: Desktop, name: str) -> list[str]:
    try:
        return desk.x("xdotool", "search", "--onlyvisible", "--name", name).split()
    except Exception:
        return []


def geometry(desk: Desktop, wid: str) -> tuple[int, int, int, int]:
    info = dict(
        line.split("=", 1)
        for line in desk.x("xdotool", "getwindowgeometry", "--shell", wid).split()
    )
    return int(info["X"]), int(info["Y"]), int(info["WIDTH"]), int(info["HEIGHT"])


def tray_icon(desk: Desktop) -> tuple[int, int, int, int] | None:
    """Where the app's icon sits inside trayer's panel (absolute x, y, width, height)."""
    tree = desk.x("xwininfo", "-root", "-tree")
    panel = tree[tree.index('"panel"') :] if '"panel"' in tree else ""
    match = re.search(
        r'"g2a-tray": \("g2a-tray" "g2a-tray"\)\s+(\d+)x(\d+)\S*\s+\+(-?\d+)\+(-?\d+)', panel
    )
    if match is None:
        return None
    w, h, x, y = (int(v) for v in match.groups())
    return x, y, w, h


def shoot(desk: Desktop, name: str, crop: tuple[int, int, int, int]) -> None:
    x, y, w, h = crop
    desk.x("import", "-window", "root", "-crop", f"{w}x{h}+{x}+{y}", "+repage", str(OUT / name))
    print("wrote", OUT / name)


def shoot_page(url: str, name: str) -> None:
    """A page as a browser shows it: Debian's headless Chromium (without it, the page's
    screenshot is left as it was, and said so)."""
    if shutil.which("chromium") is None:
        print(f"{name}: kept as it was (no chromium here: apt-get install chromium)")
        return
    with tempfile.TemporaryDirectory() as profile_dir:
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile_dir}",
                "--hide-scrollbars",
                "--window-size=900,760",
                f"--screenshot={OUT / name}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    print("wrote", OUT / name)


def greet_welcome(desk: Desktop, root: Path, bus_address: str) -> None:
    """The first-run greeting, as a brand-new user sees it (no settings file yet)."""
    newcomer = Profile.create(root)
    newcomer.settings_file.unlink()
    env = desk.env(newcomer)
    env["DBUS_SESSION_BUS_ADDRESS"] = bus_address
    app = AppProcess(newcomer, env)
    try:
        app.start()
        wait_for(lambda: bool(window_ids(desk, "Welcome to g2a-tray")), 10, "the greeting")
        wid = window_ids(desk, "Welcome to g2a-tray")[0]
        desk.x("xdotool", "windowfocus", wid)
        desk.x("xdotool", "type", "--delay", "20", "acme")  # the Zendesk subdomain
        settle()
        shoot(desk, "welcome.png", geometry(desk, wid))
        desk.x("xdotool", "key", "Escape")  # skipped: nothing is written
    finally:
        app.stop()


def warn_in_the_tray(desk: Desktop, root: Path, bus_address: str) -> None:
    """The tray when session updates cannot arrive: a relay that refuses the app."""
    from g2a_tray.simulator.ntfy import Access

    team = NtfyStandIn(
        access=Access(default="deny-all", rules=[("*", "g2a-*", "write-only")])
    ).start()
    refused = Profile.create(root)
    refused.write_settings(f'[callback]\nlisten_port = 0\n[relay]\nurl = "{team.url}"\n')
    env = desk.env(refused)
    env["DBUS_SESSION_BUS_ADDRESS"] = bus_address
    app = AppProcess(refused, env)
    try:
        app.start()
        app.cli("start", "4711")
        wait_for(lambda: "NOT ARRIVING" in app.cli("status").stdout, 15, "the warning")
        icon = tray_icon(desk)
        assert icon is not None
        ix, iy, iw, ih = icon
        settle()
        shoot(desk, "notification-updates.png", (1280 - 340, 30, 340, 150))
        desk.x("xdotool", "mousemove", str(ix + iw // 2), str(iy + ih // 2), "click", "3")
        settle()
        shoot(desk, "tray-menu-warning.png", (1280 - 420, 0, 420, 175))
        desk.x("xdotool", "key", "Escape")
    finally:
        app.stop()
        team.stop()


def age_session(profile: Profile, ticket: str, hours: int) -> None:
    """Move one session's times back, as if its "ended" update never came."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    then = (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")
    db = sqlite3.connect(profile.root / "data" / "g2a-tray" / "sessions.sqlite3")

    def joined() -> bool:
        row = db.execute("SELECT status FROM launches WHERE partner_object = ?", (ticket,))
        return row.fetchone() == ("active",)

    wait_for(joined, 10, f"ticket {ticket}'s join to be recorded")
    with db:
        db.execute(
            "UPDATE events SET received_at = ?, customer_joined_at = ? WHERE launch_id ="
            " (SELECT id FROM launches WHERE partner_object = ?)",
            (then, then, ticket),
        )
        db.execute(
            "UPDATE launches SET launched_at = ?, last_update_at = ?, customer_joined_at = ?"
            " WHERE partner_object = ?",
            (then, then, then, ticket),
        )
    db.close()


def settle() -> None:
    time.sleep(0.6)  # let the X server paint before grabbing pixels (no signal crosses to it)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        desk, why = start_desktop(Path(tmp))
        if desk is None:
            raise SystemExit(f"needs Xvfb, trayer, xdotool: {why}")
        profile = Profile.create(Path(tmp) / "profile")
        with socket.socket() as sock:  # a fixed, free port, as a user's would be
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        simulator = SimulatorServer(Simulator())
        simulator.start()
        relay = NtfyStandIn().start()  # updates come through a relay, as README recommends
        helpdesk = HelpdeskStandIn("freshdesk").start()  # ended sessions are written there
        profile.write_settings(
            f'service_url = "{simulator.service_url}"\n'
            f'partner_object_url_template = "{helpdesk.ticket_page("{partnerObject}")}"\n'
            f"[callback]\nlisten_port = {port}\n"
            f'[relay]\nurl = "{relay.url}"\n'
            f'[helpdesk]\nkind = "freshdesk"\nurl = "{helpdesk.url}"\nwrite_back = "note+time"\n'
        )
        keyring = Path(tmp) / "keyring.json"
        key = helpdesk_key("freshdesk", helpdesk.url, "")
        keyring.write_text(json.dumps({f"{HELPDESK_SERVICE}\n{key}": STANDIN_TOKEN}))
        bus = start_dunst_bus(desk.display, Path(tmp))
        greet_welcome(desk, Path(tmp) / "new-user", bus.address)
        warn_in_the_tray(desk, Path(tmp) / "refused", bus.address)
        env = desk.env(profile)
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        env["PYTHON_KEYRING_BACKEND"] = "tests.fakes.keyring_backend.FileKeyring"
        env["G2A_TEST_KEYRING"] = str(keyring)
        app = AppProcess(profile, env)
        try:
            app.start()
            wait_for(lambda: tray_icon(desk) is not None, 10, "the tray icon")
            icon = tray_icon(desk)
            assert icon is not None
            ix, iy, iw, ih = icon

            desk.x("xdotool", "mousemove", str(ix + iw // 2), str(iy + ih // 2), "click", "3")
            settle()
            shoot(desk, "tray-menu.png", (1280 - 300, 0, 300, 130))
            desk.x("xdotool", "key", "Escape")

            from g2a_tray.client import send_request
            from g2a_tray.core.instance.protocol import Command, request, socket_name

            send_request(
                socket_name(profile.config_dir), request(Command.SHOW_FORM, partnerObject="4711")
            )
            wait_for(lambda: bool(window_ids(desk, "Start a GoToAssist session")), 10, "the form")
            settle()
            x, y, w, h = geometry(desk, window_ids(desk, "Start a GoToAssist session")[0])
            shoot(desk, "quick-form.png", (x, y, w, h))
            desk.x("xdotool", "key", "Escape")

            desk.x("xdotool", "mousemove", str(ix + iw // 2), str(iy + ih // 2), "click", "3")
            settle()
            # Start session…, (Recent sessions: disabled while empty), Session history…, Settings…
            desk.x("xdotool", "key", "Down", "Down", "Down", "Return")
            wait_for(lambda: bool(window_ids(desk, "g2a-tray settings")), 10, "the settings dialog")
            settle()
            x, y, w, h = geometry(desk, window_ids(desk, "g2a-tray settings")[0])
            shoot(desk, "settings.png", (x, y, w, h))
            # The Helpdesk tab, clicked as a person would (just right of "General").
            desk.x("xdotool", "mousemove", str(x + 120), str(y + 22), "click", "1")
            settle()
            x, y, w, h = geometry(desk, window_ids(desk, "g2a-tray settings")[0])
            shoot(desk, "settings-helpdesk.png", (x, y, w, h))
            desk.x("xdotool", "key", "Escape")

            # Sessions through the GoToAssist simulator, driven as in a browser: one whose
            # "ended" never came (made three hours old), one that ends, one still waiting.
            browser = httpx.Client(timeout=10, follow_redirects=True)
            launchers = []
            for ticket in ("4690", "4711", "4712"):
                url = app.cli("start", ticket).stdout.strip()
                launchers.append(str(browser.get(url).url))
            browser.post(f"{launchers[0]}/join")
            age_session(profile, "4690", hours=3)
            launchers = launchers[1:]
            browser.post(f"{launchers[0]}/join")
            settle()
            shoot(desk, "notification.png", (1280 - 340, 30, 340, 120))
            shoot_page(launchers[0], "simulator.png")
            time.sleep(3)  # a few seconds of session, so the history shows a duration
            browser.post(f"{launchers[0]}/end")
            # A ticket the helpdesk does not have: the note fails, the technician is told.
            helpdesk.missing.add("4700")
            missing = str(browser.get(app.cli("start", "4700").stdout.strip()).url)
            browser.post(f"{missing}/abandon")
            try:
                wait_for(lambda: bool(window_ids(desk, "a note was not written")), 10, "notice")
            except AssertionError:
                print(profile.log_file.read_text()[-3000:])
                raise
            settle()
            x, y, w, h = geometry(desk, window_ids(desk, "a note was not written")[0])
            shoot(desk, "notice-note-failed.png", (x, y, w, h))
            desk.x(
                "xdotool", "windowfocus", "--sync", window_ids(desk, "a note was not written")[0]
            )
            desk.x("xdotool", "key", "Escape")

            desk.x("xdotool", "mousemove", str(ix + iw // 2), str(iy + ih // 2), "click", "3")
            settle()
            desk.x("xdotool", "key", "Down", "Down", "Right")  # Recent sessions, opened
            settle()
            shoot(desk, "tray-menu-sessions.png", (1280 - 620, 0, 620, 170))
            desk.x("xdotool", "key", "Escape", "Escape")
            desk.x("xdotool", "mousemove", str(ix + iw // 2), str(iy + ih // 2), "click", "3")
            settle()
            desk.x("xdotool", "key", "Down", "Down", "Down", "Return")  # Session history…
            wait_for(lambda: bool(window_ids(desk, "Session history")), 10, "the history")
            settle()
            x, y, w, h = geometry(desk, window_ids(desk, "Session history")[0])
            shoot(desk, "history.png", (x, y, w, h))
            wait_for(lambda: len(helpdesk.entries("4711")) == 2, 10, "the note and the time")
            shoot_page(helpdesk.ticket_page("4711"), "helpdesk-ticket.png")
        finally:
            app.stop()
            simulator.stop()
            relay.stop()
            helpdesk.stop()
            bus.stop()
            desk.stop()


if __name__ == "__main__":
    main()
