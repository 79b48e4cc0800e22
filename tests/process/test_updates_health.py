"""When session updates cannot arrive, the technician is told: once a cause, plainly,
with the way out (the real app; the notification daemon on a private bus records what
was shown; ``status`` prints what the tray shows)."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.helpers.app_process import AppProcess
from tests.helpers.buses import SessionBus
from tests.helpers.desktop import Desktop
from tests.helpers.procs import wait_for
from tests.helpers.profile import Profile
from tests.process.test_app_process import free_port, visible_windows
from tests.process.test_relay_e2e import Relay, relay_app, start_session, updates_line

SUMMARY = "Session updates are not arriving"


def warnings_shown(bus: SessionBus) -> list[str]:
    return [str(n["body"]) for n in bus.notifications() if n["summary"] == SUMMARY]


def test_a_relay_that_refuses_the_app_is_told_once_and_shown(
    desktop: Desktop, profile: Profile, session_bus: SessionBus, simulator: str, tmp_path: Path
) -> None:
    from g2a_tray.simulator.ntfy import Access

    team = Access(  # the team's server needs a read token, and the app has none
        default="deny-all", rules=[("*", "g2a-*", "write-only"), ("alex", "g2a-*", "read-only")]
    )
    relay = Relay(tmp_path, team)
    app = relay_app(desktop, profile, session_bus, simulator, relay)
    try:
        app.start()
        start_session(app, "4711")  # something to watch: the subscription is refused
        wait_for(lambda: bool(warnings_shown(session_bus)), 15, "the warning")
        [told] = warnings_shown(session_bus)
        assert "refused" in told and "403" in told and "Access token" in told
        assert "NOT ARRIVING" in updates_line(app) and "Access token" in updates_line(app)
        start_session(app, "4712")  # the same cause again: no second notification
        wait_for(lambda: "NOT ARRIVING" in updates_line(app), 5, "the state")
        assert len(warnings_shown(session_bus)) == 1
    finally:
        app.stop()
        relay.stop()


def test_a_listener_that_lost_its_port_says_sessions_from_before_cannot_report(
    desktop: Desktop, profile: Profile, session_bus: SessionBus
) -> None:
    port = free_port()
    profile.write_settings(f"[callback]\nlisten_port = {port}\n")
    app = AppProcess(profile, desktop.env(profile, session_bus))
    app.start()
    assert app.cli("start", "4711").returncode == 0  # open: waits for its customer
    app.stop()
    blocker = socket.create_server(("127.0.0.1", port))  # another program took the port
    try:
        app.start()
        moved = lambda: [w for w in warnings_shown(session_bus) if "is taken" in w]  # noqa: E731
        wait_for(lambda: bool(moved()), 15, "the warning")
        [told] = moved()
        assert f"Port {port} is taken" in told and "sessions started before" in told
        assert "NOT ARRIVING" in updates_line(app)
        # Told once: the notification, not also the start-up box about the port.
        assert not visible_windows(desktop, "g2a-tray session updates")
    finally:
        app.stop()
        blocker.close()


def test_a_session_against_gotoassist_with_only_a_local_listener_is_told_once(
    desktop: Desktop, profile: Profile, session_bus: SessionBus
) -> None:
    profile.write_settings("[callback]\nlisten_port = 0\n")  # GoToAssist's own service URL
    app = AppProcess(profile, desktop.env(profile, session_bus))
    try:
        app.start()
        assert warnings_shown(session_bus) == []  # nothing started, nothing to miss yet
        assert app.cli("start", "4711").returncode == 0
        wait_for(lambda: bool(warnings_shown(session_bus)), 10, "the warning")
        [told] = warnings_shown(session_bus)
        assert "cannot reach http://127.0.0.1:" in told and "relay" in told
        assert app.cli("start", "4712").returncode == 0
        wait_for(lambda: "NOT ARRIVING" in updates_line(app), 5, "the state")
        assert len(warnings_shown(session_bus)) == 1
    finally:
        app.stop()
