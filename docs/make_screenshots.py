"""Regenerate the screenshots in docs/screenshots/ from the real app in a real X session.

    .venv/bin/python docs/make_screenshots.py

Starts Xvfb with a tray host, runs g2a-tray in a throw-away profile with a sample ticket
URL template, and captures the tray menu, the quick form and the settings dialog with
ImageMagick's ``import``. Nobody edits these pictures by hand.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import AppProcess, Desktop, Profile, start_desktop, wait_for  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SAMPLE_SETTINGS = (
    'partner_object_url_template = "https://helpdesk.example.com/tickets/{partnerObject}"\n'
)


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


def settle() -> None:
    time.sleep(0.6)  # let the X server paint before grabbing pixels (no signal crosses to it)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        desk, why = start_desktop(Path(tmp))
        if desk is None:
            raise SystemExit(f"needs Xvfb, trayer, xdotool: {why}")
        profile = Profile.create(Path(tmp) / "profile")
        profile.write_settings(SAMPLE_SETTINGS)
        app = AppProcess(profile, desk.env(profile))
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

            from g2a_tray.core.ipc_protocol import socket_name
            from g2a_tray.qt.single_instance import send_request

            send_request(
                socket_name(profile.config_dir), {"cmd": "show-form", "partnerObject": "4711"}
            )
            wait_for(lambda: bool(window_ids(desk, "Start a GoToAssist session")), 10, "the form")
            settle()
            x, y, w, h = geometry(desk, window_ids(desk, "Start a GoToAssist session")[0])
            shoot(desk, "quick-form.png", (x, y, w, h))
            desk.x("xdotool", "key", "Escape")

            desk.x("xdotool", "mousemove", str(ix + iw // 2), str(iy + ih // 2), "click", "3")
            settle()
            desk.x("xdotool", "key", "Down", "Down", "Return")  # Start session…, Settings…
            wait_for(lambda: bool(window_ids(desk, "g2a-tray settings")), 10, "the settings dialog")
            settle()
            x, y, w, h = geometry(desk, window_ids(desk, "g2a-tray settings")[0])
            shoot(desk, "settings.png", (x, y, w, h))
            desk.x("xdotool", "key", "Escape")
        finally:
            app.stop()
            desk.stop()


if __name__ == "__main__":
    main()
