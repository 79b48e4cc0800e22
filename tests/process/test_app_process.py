"""The real app as its own process: CLI verbs, single instance, the tray in a real X
session (Xvfb + trayer), and the browser hand-off through a recording ``xdg-open``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.app_process import AppProcess
from tests.helpers.buses import SessionBus
from tests.helpers.desktop import Desktop
from tests.helpers.procs import ROOT, wait_for
from tests.helpers.profile import Profile, split_callback

FORM_TITLE = "Start a GoToAssist session"


def visible_windows(desk: Desktop, name: str) -> list[str]:
    try:
        return desk.x("xdotool", "search", "--onlyvisible", "--name", name).split()
    except subprocess.CalledProcessError:
        return []  # xdotool exits 1 when nothing matches


@pytest.fixture
def app(desktop: Desktop, profile: Profile) -> Iterator[AppProcess]:
    proc = AppProcess(profile, desktop.env(profile))
    yield proc
    proc.stop()


def test_version_and_help_for_every_verb(profile: Profile) -> None:
    # No display needed: these verbs never reach an app.
    run = AppProcess(profile, {**os.environ, **profile.xdg_env()}).cli
    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == "g2a-tray 0.1.0"
    for verb in ("run", "new-session", "start", "quit"):
        result = run(verb, "--help")
        assert result.returncode == 0, verb
        assert f"usage: g2a-tray {verb}" in result.stdout
    assert "PARTNER_OBJECT" in run("start", "--help").stdout
    bad = run("start", "1", "--layout", "sideways")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


HEAVY = ("PySide6", "shiboken6", "tomlkit", "httpx", "h11", "jeepney", "Xlib", "_hashlib", "ssl")


@pytest.mark.parametrize(
    "argv", [["quit"], ["status", "--limit", "1"], ["status", "--json"], ["--version"]]
)
def test_client_verbs_import_no_qt_and_nothing_heavy(profile: Profile, argv: list[str]) -> None:
    """The command line is a client, not a Qt program: what a verb that only talks to the
    app (or reads the history) loads, checked in a process of its own."""
    code = (
        "import sys\n"
        "from g2a_tray.cli import main\n"
        "try:\n"
        f"    rc = main({argv!r})\n"
        "except SystemExit as exit:\n"
        "    rc = exit.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:]))\n"
        "print('RESULT', rc, heavy, file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *HEAVY],
        env={**os.environ, **profile.xdg_env()},
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    result = out.stderr.rsplit("RESULT ", 1)[-1].strip()
    assert result == "0 []", out.stderr


def test_tray_icon_appears_in_the_tray_host(app: AppProcess, desktop: Desktop) -> None:
    app.start()

    # trayer's "panel" window gets the app's XEmbed icon window as a descendant.
    def icon_docked() -> bool:
        tree = desktop.x("xwininfo", "-root", "-tree")
        panel = tree[tree.index('"panel"') :]
        return '"g2a-tray": ("g2a-tray" "g2a-tray")' in panel

    wait_for(icon_docked, 10, "the tray icon to dock in trayer")
    assert visible_windows(desktop, FORM_TITLE) == []  # a plain start shows only the icon


def test_the_running_app_maps_no_qtnetwork(app: AppProcess, profile: Profile) -> None:
    """The instance socket is a plain Unix socket (qt/local_links.py): QtNetwork, its
    library and the Kerberos ones it pulls in (2.3 MiB, 11 ms before the icon) stay out."""
    app.start()
    assert app.cli("new-session").returncode == 0  # a request served, the form built
    assert app.proc is not None
    mapped = Path(f"/proc/{app.proc.pid}/maps").read_text()
    assert "libQt6Core" in mapped  # the right process
    assert "QtNetwork" not in mapped and "libQt6Network" not in mapped


def test_second_launch_hands_over_and_shows_the_form(app: AppProcess, desktop: Desktop) -> None:
    app.start()
    second = app.cli("run")
    assert second.returncode == 0, second.stderr
    wait_for(lambda: bool(visible_windows(desktop, FORM_TITLE)), 10, "the quick form")
    assert app.proc is not None and app.proc.poll() is None


def test_start_opens_the_exact_url_and_prints_it(app: AppProcess, profile: Profile) -> None:
    profile.write_settings(
        'partner_object_url_template = "https://help.example.com/t/{partnerObject}"\n'
    )
    app.start()
    result = app.cli("start", "45 6#&", "--layout", "iframe")
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    head, _callback = split_callback(url)
    assert head == (
        "https://api.getgo.com/G2A/rest/v1/session?sessionType=SCREEN_SHARING&layout=iFrame"
        "&partnerObject=45%206%23%26&partnerObjectUrl=https%3A%2F%2Fhelp.example.com%2Ft%2F45%25206%2523%2526"
    )
    wait_for(lambda: profile.opened_urls() == [url], 10, "the browser hand-off")


def test_no_browser_means_exit_1_the_url_and_a_box_with_it(
    app: AppProcess, profile: Profile, desktop: Desktop
) -> None:
    """A fresh minimal machine: xdg-open exists but finds nothing to open a URL with."""
    (profile.root / "bin" / "xdg-open").write_text(
        "#!/bin/sh\necho 'xdg-open: no method available for opening' >&2\nexit 3\n"
    )
    app.start()
    result = app.cli("start", "4711")
    assert result.returncode == 1
    assert "partnerObject=4711" in result.stdout  # the URL to open by hand
    assert "the browser could not be opened" in result.stderr
    wait_for(lambda: bool(visible_windows(desktop, "Could not open the browser")), 10, "the box")


def test_start_with_bad_input_says_why(app: AppProcess, profile: Profile) -> None:
    app.start()
    result = app.cli("start", "1", "--partner-object-url", "javascript:alert(1)")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "g2a-tray: Ticket URL: the URL must start with http:// or https://."
    )
    assert profile.opened_urls() == []


def test_start_and_new_session_start_the_app_when_none_runs(
    app: AppProcess, desktop: Desktop, profile: Profile
) -> None:
    result = app.cli("start", "777")
    assert result.returncode == 0, result.stderr
    assert "partnerObject=777" in result.stdout
    assert app.ping()
    wait_for(lambda: len(profile.opened_urls()) == 1, 10, "the browser hand-off")
    assert app.cli("quit").returncode == 0
    wait_for(lambda: not app.ping(), 10, "the app to quit")
    assert app.cli("new-session").returncode == 0
    wait_for(lambda: bool(visible_windows(desktop, FORM_TITLE)), 10, "the quick form")


def test_quit_ends_the_process_cleanly(app: AppProcess) -> None:
    app.start()
    assert app.cli("quit").returncode == 0
    assert app.proc is not None
    assert app.proc.poll() == 0  # quit returns once the app has exited, cleanly
    again = app.cli("quit")
    assert again.returncode == 0 and "not running" in again.stderr


def test_launches_at_the_same_instant_end_with_one_app(app: AppProcess) -> None:
    procs = [app.popen("run") for _ in range(4)]
    wait_for(app.ping, 20, "one app")
    wait_for(lambda: sum(p.poll() is None for p in procs) == 1, 20, "the others to hand over")
    assert sorted(p.returncode for p in procs if p.poll() is not None) == [0, 0, 0]
    [survivor] = [p for p in procs if p.poll() is None]
    app.proc = survivor


def test_stale_socket_after_a_crash_is_recovered(app: AppProcess) -> None:
    app.start()
    assert app.proc is not None
    app.proc.send_signal(signal.SIGKILL)  # leaves the socket file behind
    app.proc.wait()
    assert not app.ping()
    app.start()
    assert app.ping()


def test_two_config_folders_run_side_by_side(
    app: AppProcess, desktop: Desktop, tmp_path: Path
) -> None:
    other = AppProcess(Profile.create(tmp_path / "other"), {})
    other.env = desktop.env(other.profile)
    app.start()
    try:
        other.start()
        assert app.ping() and other.ping()
        assert other.proc is not None and other.proc.poll() is None
    finally:
        other.stop()
    assert app.ping()


def test_corrupt_settings_are_moved_aside_and_the_user_told(
    app: AppProcess, desktop: Desktop, profile: Profile
) -> None:
    profile.write_settings("layout = [unclosed\n", exact=True)
    app.start()
    aside = list(profile.config_dir.glob("settings.toml.broken-*"))
    assert len(aside) == 1 and aside[0].read_text() == "layout = [unclosed\n"
    wait_for(
        lambda: bool(visible_windows(desktop, "a problem with your settings")),
        10,
        "the message box",
    )
    assert f"moved to {aside[0]}" in profile.log_file.read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def callback_of(url: str) -> str:
    return split_callback(url)[1]


def test_callbacks_notify_and_persist_across_a_restart(
    desktop: Desktop, profile: Profile, session_bus: SessionBus
) -> None:
    app = AppProcess(profile, desktop.env(profile, session_bus))
    # A fixed port (as by default): callback URLs given out before a restart stay valid.
    profile.write_settings(
        'partner_object_url_template = "https://help.example.com/t/{partnerObject}"\n'
        f"[callback]\nlisten_port = {free_port()}\n"
    )
    app.start()
    try:
        first = app.cli("start", "4711")
        second = app.cli("start", "4712")
        assert first.returncode == 0 and second.returncode == 0
        cb1, cb2 = callback_of(first.stdout.strip()), callback_of(second.stdout.strip())
        assert cb1 != cb2
        # GoToAssist's POSTs, as the docs describe them: JSON for one session, form for the other.
        ok = httpx.post(cb1, json={"sessionId": "SS-1", "status": "waiting"})
        assert ok.status_code == 200
        httpx.post(
            cb1,
            json={
                "sessionId": "SS-1",
                "status": "active",
                "customerName": "Jane Doe",
                "customerJoinedAt": "2026-01-01T09:00:00Z",
            },
        ).raise_for_status()
        httpx.post(cb2, data={"sessionId": "SS-2", "status": "abandoned"}).raise_for_status()
        httpx.post(
            cb1, json={"sessionId": "SS-1", "status": "complete", "endedAt": "2026-01-01T09:04:12Z"}
        ).raise_for_status()
        httpx.post(
            cb1, json={"sessionId": "SS-1", "status": "complete"}
        ).raise_for_status()  # again
        # GoToAssist's own service URL and only a local listener: told once, first.
        wait_for(lambda: bool(session_bus.notifications()), 15, "the first notification")
        assert session_bus.notifications()[0]["summary"] == "Session updates are not arriving"

        def session_notes() -> list[dict[str, object]]:
            return session_bus.notifications()[1:]

        wait_for(lambda: len(session_notes()) >= 3, 15, "three notifications")
        texts = [(n["summary"], n["body"]) for n in session_notes()]
        assert texts == [
            ("Customer joined", "Ticket 4711 — Jane Doe"),
            ("Session abandoned", "Ticket 4712"),
            ("Session ended", "Ticket 4711 — lasted 4 min 12 s"),
        ]
        # "Open ticket" on the first notification opens that ticket, not the other one.
        session_bus.invoke(int(session_notes()[0]["id"]), "open-ticket")  # type: ignore[call-overload]
        wait_for(
            lambda: "https://help.example.com/t/4711" in profile.opened_urls(), 10, "the ticket"
        )
    finally:
        app.stop()

    status = app.cli("status", "--json")
    assert status.returncode == 0
    rows = json.loads(status.stdout)
    assert [(r["partnerObject"], r["status"], r["sessionId"]) for r in rows] == [
        ("4712", "abandoned", "SS-2"),
        ("4711", "complete", "SS-1"),
    ]
    assert rows[1]["customerName"] == "Jane Doe" and rows[1]["endedAt"] == "2026-01-01T09:04:12Z"

    app.start()  # a callback that arrives after a restart still matches its launch
    try:
        late = httpx.post(cb2, json={"sessionId": "SS-2", "status": "abandoned"})
        assert late.status_code == 200 and late.json()["duplicate"] is True
        assert httpx.post(cb2.replace("/callback/", "/callback/x"), json={}).status_code == 404
    finally:
        app.stop()
    # The duplicate told nobody; the restarted app warned once more (a new start).
    summaries = [n["summary"] for n in session_bus.notifications()]
    assert summaries.count("Session updates are not arriving") <= 2
    assert len([s for s in summaries if s != "Session updates are not arriving"]) == 3


def test_busy_port_falls_back_and_says_so(desktop: Desktop, profile: Profile) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    profile.write_settings(f"[callback]\nlisten_port = {port}\n")
    app = AppProcess(profile, desktop.env(profile))
    try:
        app.start()
        wait_for(
            lambda: bool(visible_windows(desktop, "g2a-tray session updates")), 10, "the notice"
        )
        url = app.cli("start", "1").stdout.strip()
        callback = callback_of(url)
        assert f":{port}/" not in callback
        assert httpx.post(callback, json={"status": "active"}).status_code == 200
    finally:
        app.stop()
        blocker.close()


def shortcut_in_effect(profile: Profile) -> str:
    from g2a_tray.client import send_request
    from g2a_tray.core.instance.protocol import Command, request, socket_name

    answer = send_request(socket_name(profile.config_dir), request(Command.PING))
    return str(answer.get("shortcut", ""))


def test_the_configured_shortcut_opens_the_form(desktop: Desktop, profile: Profile) -> None:
    profile.write_settings('shortcut = "Ctrl+Alt+Y"\n')
    app = AppProcess(profile, desktop.env(profile))
    try:
        app.start()
        assert visible_windows(desktop, FORM_TITLE) == []
        # The key is grabbed on a thread of its own, just after start: wait until it is.
        wait_for(lambda: shortcut_in_effect(profile) == "Ctrl+Alt+Y", 10, "the grab")
        desktop.x("xdotool", "key", "ctrl+alt+y")
        wait_for(lambda: bool(visible_windows(desktop, FORM_TITLE)), 10, "the quick form")
    finally:
        app.stop()


def test_a_link_starts_a_tracked_session(app: AppProcess, profile: Profile) -> None:
    link = "g2a-tray://start?partnerObject=4711&partnerObjectUrl=https%3A%2F%2Fhelp.example.com%2Ft%2F4711"
    result = app.cli("open", link)  # no app runs yet: the link starts one
    assert result.returncode == 0, result.stderr
    head, _ = split_callback(result.stdout.strip())
    assert head.endswith(
        "partnerObject=4711&partnerObjectUrl=https%3A%2F%2Fhelp.example.com%2Ft%2F4711"
    )
    wait_for(lambda: len(profile.opened_urls()) == 1, 10, "the browser hand-off")
    rows = json.loads(app.cli("status", "--json").stdout)
    assert rows[0]["partnerObject"] == "4711"


def test_a_bad_link_is_refused_in_plain_words(
    app: AppProcess, desktop: Desktop, profile: Profile
) -> None:
    app.start()
    result = app.cli(
        "open", "g2a-tray://start?partnerObject=1&partnerObjectUrl=javascript%3Aalert(1)"
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "g2a-tray: This link cannot start a session: partnerObjectUrl: the URL must start with "
        "http:// or https://"
    )
    # The person clicked it in a browser, not a terminal: the app says it too.
    wait_for(lambda: bool(visible_windows(desktop, "g2a-tray link")), 10, "the message")
    assert profile.opened_urls() == []


def test_open_without_a_link_and_history_show_windows(app: AppProcess, desktop: Desktop) -> None:
    assert app.cli("open").returncode == 0
    wait_for(lambda: bool(visible_windows(desktop, FORM_TITLE)), 10, "the quick form")
    assert app.cli("history").returncode == 0
    wait_for(lambda: bool(visible_windows(desktop, "Session history")), 10, "the history")


def test_desktop_integration_installs_and_removes_for_this_user(profile: Profile) -> None:
    # No display needed: these verbs never reach an app.
    run = AppProcess(profile, {**os.environ, **profile.xdg_env()}).cli
    installed = run("desktop-integration")
    assert installed.returncode == 0, installed.stderr
    entry = profile.root / "data" / "applications" / "io.github.g2atray.G2aTray.desktop"
    assert f"wrote {entry}" in installed.stdout
    assert "MimeType=x-scheme-handler/g2a-tray;" in entry.read_text()
    assert " open %u" in entry.read_text()
    removed = run("desktop-integration", "--remove")
    assert removed.returncode == 0 and not entry.exists()
    assert "Nothing to remove" in run("desktop-integration", "--remove").stdout


def test_an_app_that_cannot_start_is_explained_at_once(profile: Profile) -> None:
    """No graphical session (an SSH login, say): Qt's xcb plugin aborts. The client says
    so with what the app printed, instead of waiting 20 s for an app that is gone."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(profile.xdg_env(), QT_QPA_PLATFORM="xcb")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "g2a_tray", "new-session"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert (
        "the app could not start (killed by signal 6): qt.qpa.xcb: could not connect"
        in result.stderr
    )
    assert "needs a graphical session" in result.stderr
    assert "g2a-tray-start.err" in result.stderr
    print(f"\nexplained after {time.monotonic() - started:.1f} s")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_the_simulator_stops_on_ctrl_c_even_when_started_in_the_background(
    stop: signal.Signals,
) -> None:
    """A script's ``g2a-tray simulate &`` inherits SIGINT as ignored: Ctrl+C (or the
    test's SIGINT) then did nothing and the simulator ran on."""
    ignoring = 'trap "" INT; exec "$0" "$@"'  # what a shell's `&` does to its child
    proc = subprocess.Popen(
        ["sh", "-c", ignoring, sys.executable, "-m", "g2a_tray", "simulate", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert "GoToAssist simulator on" in proc.stdout.readline()
    proc.send_signal(stop)
    try:
        assert proc.wait(10) == 0
    finally:
        proc.kill()
