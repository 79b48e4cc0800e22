"""Screenshots of the real app on a real Wayland compositor (sway, headless).

    .venv/bin/python docs/make_wayland_screenshots.py

The windows the Wayland work changed, as a technician on sway sees them: the form with
no tray (floating, its natural size), the start-up notice that waited for the form,
Settings where the desktop's portal (a version 2 stand-in) edits the shortcut itself, its
Helpdesk page, and the history with the helpdesk's notes.
Captured with ``grim``, cropped to the window with ImageMagick; written to
docs/screenshots/wayland-*.png. Nobody edits these pictures by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from g2a_tray.core.updates.token_store import HELPDESK_SERVICE, helpdesk_key  # noqa: E402
from g2a_tray.simulator.helpdesks import STANDIN_TOKEN, HelpdeskStandIn  # noqa: E402
from g2a_tray.simulator.server import SimulatorServer  # noqa: E402
from g2a_tray.simulator.service import Simulator  # noqa: E402
from tests.helpers.app_process import AppProcess  # noqa: E402
from tests.helpers.buses import start_session_bus  # noqa: E402
from tests.helpers.procs import stop_processes, wait_for  # noqa: E402
from tests.helpers.profile import Profile  # noqa: E402
from tests.helpers.wayland import Sway, Window, start_sway  # noqa: E402
from tests.process.test_sni import Panel  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
FORM = "Start a GoToAssist session"
MARGIN = 6


def shoot(sway: Sway, window: Window, name: str, workdir: Path, height: int = 0) -> None:
    """The whole output, then the window cut out of it (after a frame has been drawn:
    the tree changes before the picture does)."""
    raw = workdir / f"{name}-full.png"
    time.sleep(0.7)  # a script, not a test: the compositor draws the frame meanwhile
    sway.screenshot(raw)
    tall = height or window.height + window.title_bar + 2 * MARGIN
    box = f"{window.width + 2 * MARGIN}x{tall}"
    at = f"+{max(window.x - MARGIN, 0)}+{max(window.y - MARGIN, 0)}"
    subprocess.run(["convert", str(raw), "-crop", box + at, "+repage", str(OUT / name)], check=True)
    print(f"wrote {OUT / name} ({window.width}×{window.height}, floating={window.floating})")


def focused(sway: Sway, title: str) -> Window:
    return sway.wait_focused(title)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="g2a-wl-shots-") as tmp:
        workdir = Path(tmp)
        sway, why_not = start_sway(workdir)
        if sway is None:
            raise SystemExit(why_not)
        bus, why = start_session_bus(workdir)
        if bus is None:
            raise SystemExit(why)
        portal = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.fakes.portal_server",
                str(workdir / "calls"),
                "--version",
                "2",
            ],
            env={"DBUS_SESSION_BUS_ADDRESS": bus.address, "PATH": "/usr/bin:/bin"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert portal.stdout is not None and portal.stdout.readline().strip() == "ready"
        try:
            # First start, no tray, no portal on this profile's bus: the form, then the
            # notice that waited for it.
            profile = Profile.create(workdir / "no-tray")
            app = AppProcess(profile, sway.env(profile))
            app.start()
            shoot(sway, focused(sway, FORM), "wayland-form-no-tray.png", workdir)
            sway.type("4711")
            sway.key("Return")
            shoot(sway, focused(sway, "g2a-tray shortcut"), "wayland-notice.png", workdir)
            app.stop()
            wait_for(lambda: not sway.windows(), 10, "the windows to go")

            # A tray (a StatusNotifierItem watcher) and the version-2 portal: the form
            # from new-session, and Settings from the tray menu, which then offers the
            # desktop's own shortcut editor.
            panel = Panel(workdir, bus.address)
            panel.start_watcher()
            profile = Profile.create(workdir / "portal")
            simulator = SimulatorServer(Simulator())
            simulator.start()
            desk = HelpdeskStandIn("freshdesk").start()
            profile.write_settings(
                f'service_url = "{simulator.service_url}"\n'
                f'partner_object_url_template = "{desk.ticket_page("{partnerObject}")}"\n'
                "[callback]\nlisten_port = 0\n"
                f'[helpdesk]\nkind = "freshdesk"\nurl = "{desk.url}"\nwrite_back = "note+time"\n'
            )
            keyring = workdir / "keyring.json"
            key = helpdesk_key("freshdesk", desk.url, "")
            keyring.write_text(json.dumps({f"{HELPDESK_SERVICE}\n{key}": STANDIN_TOKEN}))
            env = sway.env(profile, bus)
            env["PYTHON_KEYRING_BACKEND"] = "tests.fakes.keyring_backend.FileKeyring"
            env["G2A_TEST_KEYRING"] = str(keyring)
            app = AppProcess(profile, env)
            app.start()
            wait_for(lambda: "through the portal (v2)" in profile.log_file.read_text(), 10, "v2")
            assert app.cli("new-session").returncode == 0
            shoot(sway, focused(sway, FORM), "wayland-quick-form.png", workdir)
            sway.key("Escape")
            panel.click_menu("Settings…")
            # Settings tiles (a dialog that can grow); the part that changed is cut out.
            shoot(
                sway,
                focused(sway, "g2a-tray settings"),
                "wayland-settings.png",
                workdir,
                height=370,
            )
            sway._run("wtype", "-s", "250", "-M", "alt", "d", "-m", "alt")  # Help&desk
            shoot(
                sway,
                focused(sway, "g2a-tray settings"),
                "wayland-settings-helpdesk.png",
                workdir,
                height=480,
            )
            sway.key("Escape")
            browser = httpx.Client(timeout=10, follow_redirects=True)
            for ticket, steps in (("4711", ("join", "end")), ("4712", ("join",))):
                page = str(browser.get(app.cli("start", ticket).stdout.strip()).url)
                for step in steps:
                    browser.post(f"{page}/{step}")
            wait_for(lambda: len(desk.entries("4711")) == 2, 10, "the note and the time")
            assert app.cli("history").returncode == 0
            shoot(sway, focused(sway, "Session history"), "wayland-history.png", workdir)
            app.stop()
            panel.stop()
            simulator.stop()
            desk.stop()
        finally:
            stop_processes([portal])
            bus.stop()
            sway.stop()


if __name__ == "__main__":
    main()
