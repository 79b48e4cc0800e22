"""Notes in the helpdesk end to end: the real app process in a real X session, the
GoToAssist simulator as its own process, a helpdesk stand-in in this test process (so it
can be stopped, held and inspected), the token in a keyring file through the real
``keyring`` API, and a notification server on a private D-Bus."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from g2a_tray.core.updates.token_store import HELPDESK_SERVICE, helpdesk_key
from g2a_tray.simulator.helpdesks import (
    SAMPLE_TICKETS,
    STANDIN_TOKEN,
    STANDIN_USER,
    HelpdeskStandIn,
)
from tests.helpers.app_process import AppProcess
from tests.helpers.buses import SessionBus
from tests.helpers.desktop import Desktop
from tests.helpers.procs import ROOT, wait_for
from tests.helpers.profile import Profile, split_callback
from tests.process.test_app_process import free_port, visible_windows
from tests.process.test_e2e import type_into_form

NOTICE = "a note was not written"


def helpdesk_app(
    desktop: Desktop,
    profile: Profile,
    bus: SessionBus,
    simulator: str,
    standin: HelpdeskStandIn,
    *,
    token: str = STANDIN_TOKEN,
    write_back: str = "note+time",
) -> AppProcess:
    user = "" if standin.kind == "freshdesk" else STANDIN_USER
    profile.write_settings(
        f'service_url = "{simulator}/G2A/rest/v1"\n'
        f'partner_object_url_template = "{standin.ticket_page("{partnerObject}")}"\n'
        f"[callback]\nlisten_port = {free_port()}\n"
        f'[helpdesk]\nkind = "{standin.kind}"\nurl = "{standin.url}"\nuser = "{user}"\n'
        f'write_back = "{write_back}"\n'
    )
    env = desktop.env(profile, bus)
    env["PYTHON_KEYRING_BACKEND"] = "tests.fakes.keyring_backend.FileKeyring"
    env["G2A_TEST_KEYRING"] = str(profile.root / "keyring.json")
    env["G2A_TRAY_HELPDESK_BACKOFF_S"] = "0.5"  # the offline test's "ten minutes later"
    key = helpdesk_key(standin.kind, standin.url, user)
    (profile.root / "keyring.json").write_text(json.dumps({f"{HELPDESK_SERVICE}\n{key}": token}))
    return AppProcess(profile, env)


@pytest.fixture
def standin(request: pytest.FixtureRequest):
    kind = getattr(request, "param", "freshdesk")
    server = HelpdeskStandIn(kind, port=free_port()).start()
    yield server
    server.stop()


def run_session(app: AppProcess, ticket: str) -> tuple[httpx.Client, str]:
    """``start TICKET``; the browser follows to the simulator's page; join, then end."""
    result = app.cli("start", ticket)
    assert result.returncode == 0, result
    browser = httpx.Client(timeout=10, follow_redirects=True)
    launcher = str(browser.get(result.stdout.strip()).url)
    browser.post(f"{launcher}/join")
    browser.post(f"{launcher}/end")
    return browser, launcher


def notes_of(app: AppProcess) -> list[dict | None]:
    return [row["note"] for row in json.loads(app.cli("status", "--json").stdout)]


def test_a_session_from_the_form_leaves_one_internal_note_and_one_time_entry(
    desktop: Desktop,
    profile: Profile,
    session_bus: SessionBus,
    simulator: str,
    standin: HelpdeskStandIn,
) -> None:
    app = helpdesk_app(desktop, profile, session_bus, simulator, standin)
    app.start()
    try:
        assert app.cli("new-session").returncode == 0
        type_into_form(desktop, "4711")
        wait_for(lambda: len(profile.opened_urls()) == 1, 10, "the browser hand-off")
        browser = httpx.Client(timeout=10, follow_redirects=True)
        launcher = str(browser.get(profile.opened_urls()[0]).url)
        browser.post(f"{launcher}/join")
        browser.post(f"{launcher}/end")
        wait_for(lambda: len(standin.entries("4711")) == 2, 15, "the note and the time entry")
        note, time = standin.entries("4711")
        assert (note.what, time.what) == ("note", "time")
        assert note.internal and time.internal
        assert "Jane Doe" in note.text() and "reported by GoToAssist" in note.text()
        assert re.fullmatch(r"\d\d:\d\d", time.fields["time_spent"])
        wait_for(lambda: notes_of(app)[0]["state"] == "written", 10, "the note recorded")
        [row] = notes_of(app)
        assert row["time"] == "written" and row["link"] == standin.ticket_page("4711")
        page = httpx.get(standin.ticket_page("4711")).text
        assert "Internal" in page and "PUBLIC" not in page and "Jane Doe" in page
        assert app.cli("history").returncode == 0
        wait_for(lambda: bool(visible_windows(desktop, "Session history")), 10, "the history")
    finally:
        app.stop()


@pytest.mark.parametrize("standin", ["zendesk", "jira", "servicenow"], indirect=True)
def test_the_other_helpdesks_get_exactly_one_internal_note(
    desktop: Desktop,
    profile: Profile,
    session_bus: SessionBus,
    simulator: str,
    standin: HelpdeskStandIn,
) -> None:
    app = helpdesk_app(desktop, profile, session_bus, simulator, standin, write_back="note")
    app.start()
    try:
        ticket = SAMPLE_TICKETS[standin.kind]
        run_session(app, ticket)
        wait_for(lambda: (notes_of(app)[0] or {}).get("state") == "written", 15, "the note")
        [note] = standin.entries(ticket)
        assert note.internal and "Jane Doe" in note.text()
        if standin.kind == "servicenow":
            assert note.fields["element"] == "work_notes"
    finally:
        app.stop()


def test_outside_text_in_a_callback_arrives_in_the_note_as_text(
    desktop: Desktop,
    profile: Profile,
    session_bus: SessionBus,
    simulator: str,
    standin: HelpdeskStandIn,
) -> None:
    """What GoToAssist posts is data: a name with markup and a newline, straight to the
    app's listener at the callback URL it gave."""
    app = helpdesk_app(desktop, profile, session_bus, simulator, standin, write_back="note")
    app.start()
    try:
        result = app.cli("start", "4711")
        _head, callback = split_callback(result.stdout.strip())
        name = "<b>Eve</b> & Co\nEnded: never"
        for status in ("active", "complete"):
            answer = httpx.post(
                callback, json={"sessionId": "9001", "status": status, "customerName": name}
            )
            assert answer.status_code < 300
        wait_for(lambda: len(standin.entries("4711")) == 1, 15, "the note")
        [note] = standin.entries("4711")
        assert "Customer: &lt;b&gt;Eve&lt;/b&gt; &amp; Co" in note.body
        assert "<b>" not in note.body
        assert "<br>Ended: never" not in note.body, "a newline in a name starts no line"
    finally:
        app.stop()


def test_helpdesk_down_at_the_end_and_up_later_gets_the_note_once(
    desktop: Desktop,
    profile: Profile,
    session_bus: SessionBus,
    simulator: str,
    standin: HelpdeskStandIn,
) -> None:
    port = int(standin.url.rsplit(":", 1)[1])
    app = helpdesk_app(desktop, profile, session_bus, simulator, standin, write_back="note")
    standin.stop()  # down: connections to its port are refused
    app.start()
    try:
        run_session(app, "4711")
        wait_for(
            lambda: "not reachable" in ((notes_of(app)[0] or {}).get("error") or ""),
            15,
            "the note waiting for the helpdesk",
        )
        up = HelpdeskStandIn("freshdesk", port=port).start()
        try:
            wait_for(lambda: notes_of(app)[0]["state"] == "written", 15, "the note delivered")
            assert len(up.entries("4711")) == 1
        finally:
            up.stop()
    finally:
        app.stop()


def test_killed_between_delivery_and_recording_still_one_note(
    desktop: Desktop,
    profile: Profile,
    session_bus: SessionBus,
    simulator: str,
    standin: HelpdeskStandIn,
) -> None:
    app = helpdesk_app(desktop, profile, session_bus, simulator, standin, write_back="note")
    app.start()
    standin.hold_after_write.set()  # the helpdesk has the note; its answer never comes
    run_session(app, "4711")
    wait_for(lambda: len(standin.entries("4711")) == 1, 15, "the note at the helpdesk")
    assert app.proc is not None
    app.proc.send_signal(signal.SIGKILL)
    app.proc.wait(10)
    assert notes_of(app)[0]["state"] == "pending", "the answer never reached the app"
    standin.hold_after_write.clear()
    standin.release.set()
    app.start()
    try:
        wait_for(lambda: notes_of(app)[0]["state"] == "written", 15, "the note recorded")
        assert len(standin.entries("4711")) == 1, "the redelivery found it, wrote none"
        assert ("GET", "/api/v2/tickets/4711/conversations") in standin.requests
    finally:
        app.stop()


def test_a_refused_token_is_told_once_and_not_retried(
    desktop: Desktop,
    profile: Profile,
    session_bus: SessionBus,
    simulator: str,
    standin: HelpdeskStandIn,
) -> None:
    app = helpdesk_app(
        desktop, profile, session_bus, simulator, standin, token="wrong", write_back="note"
    )
    app.start()
    try:
        for ticket in ("4711", "4712"):
            run_session(app, ticket)
        wait_for(
            lambda: [(n or {}).get("state") for n in notes_of(app)] == ["failed", "failed"],
            15,
            "both notes refused",
        )
        assert {n["reason"] for n in notes_of(app)} == {"credentials"}  # type: ignore[index]
        wait_for(lambda: bool(visible_windows(desktop, NOTICE)), 10, "the notice")
        assert len(visible_windows(desktop, NOTICE)) == 1, "told once, not per note"
        writes = [r for r in standin.requests if r[0] == "POST"]
        assert len(writes) == 2, "one attempt per note, no blind retries"
    finally:
        app.stop()


def test_helpdesk_token_and_test_on_the_command_line(
    profile: Profile, standin: HelpdeskStandIn
) -> None:
    profile.write_settings(f'[helpdesk]\nkind = "freshdesk"\nurl = "{standin.url}"\n')
    env = {
        **profile.xdg_env(),
        "PYTHON_KEYRING_BACKEND": "tests.fakes.keyring_backend.FileKeyring",
        "G2A_TEST_KEYRING": str(profile.root / "keyring.json"),
    }

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "g2a_tray", *args],
            input=stdin,
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    failed = cli("helpdesk", "test")
    assert failed.returncode == 1 and "No API key for Freshdesk is stored" in failed.stderr
    stored = cli("helpdesk", "token", stdin="wrong-key\n")
    assert stored.returncode == 0, stored.stderr
    assert "wrong-key" not in stored.stdout + stored.stderr
    refused = cli("helpdesk", "test")
    assert refused.returncode == 1 and "did not accept" in refused.stderr
    assert cli("helpdesk", "token", stdin=STANDIN_TOKEN).returncode == 0
    ok = cli("helpdesk", "test")
    assert ok.returncode == 0 and "signed in as Tess Technician" in ok.stdout
    saved = json.loads((profile.root / "keyring.json").read_text())
    assert list(saved.values()) == [STANDIN_TOKEN]
    assert STANDIN_TOKEN not in profile.settings_file.read_text()


def test_simulate_with_a_helpdesk_prints_how_to_use_it(profile: Profile) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "g2a_tray",
            "simulate",
            "--port",
            "0",
            "--helpdesk",
            "jira",
            "--helpdesk-port",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        match = re.search(r"jira stand-in \(helpdesk\) on (http://127\.0\.0\.1:\d+)", lines[2])
        assert match, lines
        me = httpx.get(f"{match.group(1)}/rest/api/3/myself", auth=(STANDIN_USER, STANDIN_TOKEN))
        assert me.json()["displayName"] == "Tess Technician"
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0


def test_demo_with_freshdesk_ends_on_the_ticket_page_with_the_note(
    desktop: Desktop, profile: Profile, session_bus: SessionBus, tmp_path: Path
) -> None:
    follower = profile.root / "bin" / "xdg-open"  # a browser that follows the link
    follower.write_text(
        f"#!{sys.executable}\nimport sys, urllib.request\n"
        "page = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()\n"
        f"open({str(profile.opened_log)!r}, 'a').write(sys.argv[1] + ' ' + "
        "str(page.count('Internal')) + '\\n')\n"
    )
    env = desktop.env(profile, session_bus)
    env["BROWSER"] = str(follower)  # the demo's own hand-off (Python's webbrowser)
    demo = subprocess.Popen(
        [sys.executable, "-m", "g2a_tray", "demo", "--auto", "0.5,1", "--helpdesk", "freshdesk"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        first = demo.stdout.readline()
        assert "profile" in first, (first, demo.stderr.read() if demo.poll() is not None else "")
        type_into_form(desktop, "")  # the sample ticket is filled in: just press Enter
        wait_for(
            lambda: any("/a/tickets/4711 2" in line for line in profile.opened_urls()),
            30,
            "the ticket page with the note and the time entry",
        )
    finally:
        demo.send_signal(signal.SIGTERM)
        out, err = demo.communicate(timeout=20)
    assert demo.returncode == 0, err
    assert "The note is on the Freshdesk stand-in's ticket page" in out
