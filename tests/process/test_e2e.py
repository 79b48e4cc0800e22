"""End to end: the real app as its own process in a real X session (Xvfb, trayer), a
notification server on a private D-Bus, and the GoToAssist simulator as its own process.
The browser hand-off is recorded by a stand-in ``xdg-open`` and followed with httpx into
the simulator, whose buttons the test presses as a person would in the browser."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.helpers.app_process import AppProcess
from tests.helpers.buses import SessionBus
from tests.helpers.desktop import Desktop
from tests.helpers.procs import ROOT, wait_for
from tests.helpers.profile import Profile, split_callback
from tests.process.test_app_process import FORM_TITLE, free_port, visible_windows


@pytest.fixture
def app(
    desktop: Desktop, profile: Profile, session_bus: SessionBus, simulator: str
) -> Iterator[AppProcess]:
    profile.write_settings(
        f'service_url = "{simulator}/G2A/rest/v1"\n'
        f'partner_object_url_template = "{simulator}/tickets/{{partnerObject}}"\n'
        f"[callback]\nlisten_port = {free_port()}\n"
    )
    proc = AppProcess(profile, desktop.env(profile, session_bus))
    proc.start()
    yield proc
    proc.stop()


def type_into_form(desktop: Desktop, text: str) -> None:
    """Type into the quick form as a person would: focus it, type, press Enter."""
    wait_for(lambda: bool(visible_windows(desktop, FORM_TITLE)), 10, "the quick form")
    [window] = visible_windows(desktop, FORM_TITLE)
    desktop.x("xdotool", "windowfocus", "--sync", window)
    desktop.x("xdotool", "type", "--delay", "30", text)
    desktop.x("xdotool", "key", "Return")


def test_a_session_from_the_form_to_the_history(
    app: AppProcess, desktop: Desktop, profile: Profile, session_bus: SessionBus, simulator: str
) -> None:
    assert app.cli("new-session").returncode == 0
    type_into_form(desktop, "4711")
    wait_for(lambda: len(profile.opened_urls()) == 1, 10, "the browser hand-off")
    [url] = profile.opened_urls()
    head, callback = split_callback(url)
    ticket_url = quote(f"{simulator}/tickets/4711", safe="")
    assert head == (
        f"{simulator}/G2A/rest/v1/session?sessionType=SCREEN_SHARING&partnerObject=4711"
        f"&partnerObjectUrl={ticket_url}"
    )
    wait_for(lambda: not visible_windows(desktop, FORM_TITLE), 10, "the form to close")

    # The browser follows the URL into the (simulated) service and lands on its page.
    browser = httpx.Client(timeout=10, follow_redirects=True)
    page = browser.get(url)
    assert page.status_code == 200 and "ticket 4711" in page.text
    launcher = str(page.url)

    browser.post(f"{launcher}/join")
    wait_for(lambda: len(session_bus.notifications()) == 1, 10, "Customer joined")
    browser.post(f"{launcher}/end")
    wait_for(lambda: len(session_bus.notifications()) == 2, 10, "Session ended")
    summaries = [(n["summary"], str(n["body"])) for n in session_bus.notifications()]
    assert summaries[0] == ("Customer joined", "Ticket 4711 — Jane Doe")
    assert summaries[1][0] == "Session ended" and summaries[1][1].startswith(
        "Ticket 4711 — lasted "
    )
    deliveries = browser.get(launcher).text
    assert deliveries.count("200 OK") == 2  # both callbacks arrived and were accepted

    app.stop()
    app.start()
    rows = json.loads(app.cli("status", "--json").stdout)
    assert [(r["partnerObject"], r["status"], r["customerName"]) for r in rows] == [
        ("4711", "complete", "Jane Doe")
    ]
    assert (
        rows[0]["sessionId"]
        == browser.get(f"{simulator}/G2A/rest/v1/sessions/{rows[0]['sessionId']}").json()[
            "sessionId"
        ]
    )
    from g2a_tray.client import send_request
    from g2a_tray.core.instance.protocol import socket_name

    send_request(socket_name(profile.config_dir), {"cmd": "show-history"})
    wait_for(lambda: bool(visible_windows(desktop, "Session history")), 10, "the history window")
    assert callback.startswith("http://127.0.0.1:")


def test_cancelled_install_leaves_the_session_launched(
    app: AppProcess, profile: Profile, session_bus: SessionBus
) -> None:
    result = app.cli("start", "99")
    assert result.returncode == 0
    browser = httpx.Client(timeout=10, follow_redirects=True)
    launcher = str(browser.get(result.stdout.strip()).url)
    browser.post(f"{launcher}/cancel")
    assert json.loads(app.cli("status", "--json").stdout)[0]["status"] == "launched"
    assert session_bus.notifications() == []


def test_demo_runs_the_whole_flow_and_cleans_up(
    desktop: Desktop, profile: Profile, session_bus: SessionBus, tmp_path: Path
) -> None:
    follower = profile.root / "bin" / "xdg-open"  # a browser that follows the link
    follower.write_text(
        f"#!{sys.executable}\nimport sys, urllib.request\n"
        f"open({str(profile.opened_log)!r}, 'a').write(sys.argv[1] + '\\n')\n"
        "urllib.request.urlopen(sys.argv[1], timeout=10).read()\n"
    )
    env = desktop.env(profile, session_bus)
    demo = subprocess.Popen(
        [sys.executable, "-m", "g2a_tray", "demo", "--auto", "0.5,0.5", "--ticket", "777"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        first = demo.stdout.readline()
        match = re.search(r"profile (\S+)\)", first)
        assert match, (first, demo.stderr.read() if demo.poll() is not None else "")
        demo_profile = Path(match.group(1))
        assert demo_profile.is_dir()
        type_into_form(desktop, "")  # the sample ticket is filled in: just press Enter
        wait_for(lambda: len(session_bus.notifications()) == 2, 20, "joined and ended")
        assert [n["summary"] for n in session_bus.notifications()] == [
            "Customer joined",
            "Session ended",
        ]
        assert str(session_bus.notifications()[0]["body"]).startswith("Ticket 777")
        wait_for(
            lambda: bool(visible_windows(desktop, "Session history")), 10, "the history window"
        )
        assert "/G2A/rest/v1/session?" in profile.opened_urls()[0]
    finally:
        demo.send_signal(signal.SIGTERM)
        out, err = demo.communicate(timeout=20)
    assert demo.returncode == 0, err
    assert "temporary profile was removed" in out
    assert not demo_profile.exists()
