"""Relay mode end to end: the real app process in a real X session, the GoToAssist
simulator as its own process posting every callback into an ntfy stand-in (the relay),
and a notification server on a private D-Bus. The relay runs in this test process with a
cache file, so it can be stopped and started again on the same port, as ntfy with
``cache-file`` would be."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from g2a_tray.simulator.ntfy import Access, NtfyStandIn
from tests.helpers.app_process import AppProcess
from tests.helpers.buses import SessionBus
from tests.helpers.desktop import Desktop
from tests.helpers.procs import wait_for
from tests.helpers.profile import Profile
from tests.process.test_app_process import free_port
from tests.process.test_e2e import type_into_form


class Relay:
    """The ntfy stand-in, restartable on its port with its cache file."""

    def __init__(self, tmp_path: Path, access: Access | None = None) -> None:
        self.cache = tmp_path / "ntfy-cache.db"
        self.port = free_port()
        self.access = access
        self.server: NtfyStandIn | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = NtfyStandIn(
            port=self.port, access=self.access, keepalive_s=0.5, cache_file=self.cache
        ).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[Relay]:
    server = Relay(tmp_path)
    yield server
    server.stop()


def relay_app(
    desktop: Desktop,
    profile: Profile,
    bus: SessionBus,
    simulator: str,
    relay: Relay,
    *,
    token: str = "",
) -> AppProcess:
    profile.write_settings(
        f'service_url = "{simulator}/G2A/rest/v1"\n'
        f"[callback]\nlisten_port = 0\n"
        f'[relay]\nurl = "{relay.url}"\n',
        exact=True,
    )
    env = desktop.env(profile, bus)
    env["G2A_TRAY_RELAY_KEEPALIVE_S"] = "0.5"  # a stalled stream is noticed within a second
    env["PYTHON_KEYRING_BACKEND"] = "tests.fakes.keyring_backend.FileKeyring"
    env["G2A_TEST_KEYRING"] = str(profile.root / "keyring.json")
    if token:
        (profile.root / "keyring.json").write_text(
            json.dumps({f"g2a-tray relay\n{relay.url}": token})
        )
    return AppProcess(profile, env)


@pytest.fixture
def app(
    desktop: Desktop, profile: Profile, session_bus: SessionBus, simulator: str, relay: Relay
) -> Iterator[AppProcess]:
    proc = relay_app(desktop, profile, session_bus, simulator, relay)
    proc.start()
    yield proc
    proc.stop()


def start_session(app: AppProcess, ticket: str) -> tuple[httpx.Client, str, str]:
    """``g2a-tray start``; the browser follows the URL to the simulator's page."""
    result = app.cli("start", ticket)
    assert result.returncode == 0, result
    url = result.stdout.strip()
    browser = httpx.Client(timeout=10, follow_redirects=True)
    page = browser.get(url)
    assert page.status_code == 200 and f"ticket {ticket}" in page.text
    return browser, str(page.url), url


def joined_session(app: AppProcess, bus: SessionBus) -> tuple[httpx.Client, str]:
    """Once the relay is up: ticket 4711 started, its customer joined and announced."""
    wait_for(lambda: "connected" in updates_line(app), 10, "the relay state")
    browser, page, _ = start_session(app, "4711")
    browser.post(f"{page}/join")
    wait_for(lambda: len(bus.notifications()) == 1, 15, "Customer joined")
    return browser, page


def summaries(bus: SessionBus) -> list[tuple[str, str]]:
    return [(str(n["summary"]), str(n["body"])) for n in bus.notifications()]


def updates_line(app: AppProcess) -> str:
    return app.cli("status").stdout.splitlines()[0]


def test_updates_through_the_relay_for_two_sessions(
    app: AppProcess, session_bus: SessionBus, relay: Relay, profile: Profile
) -> None:
    wait_for(lambda: "connected" in updates_line(app), 10, "the relay state")
    one, page_one, url_one = start_session(app, "4711")
    two, page_two, _ = start_session(app, "4712")
    # The callback URL GoToAssist gets is the relay topic, nothing on this computer.
    assert (
        f"sessionStatusCallbackUrl={relay.url.replace(':', '%3A').replace('/', '%2F')}%2Fg2a-"
        in url_one
    )
    one.post(f"{page_one}/join")
    two.post(f"{page_two}/join")
    wait_for(lambda: len(session_bus.notifications()) == 2, 15, "two Customer joined")
    one.post(f"{page_one}/end")
    two.post(f"{page_two}/abandon")
    wait_for(lambda: len(session_bus.notifications()) == 4, 15, "the ends")
    got = summaries(session_bus)
    assert ("Customer joined", "Ticket 4711 — Jane Doe") in got
    assert ("Customer joined", "Ticket 4712 — Jane Doe") in got
    assert any(s == "Session ended" and b.startswith("Ticket 4711") for s, b in got)
    assert ("Session abandoned", "Ticket 4712") in got
    assert one.get(page_one).text.count("200 OK") == 2  # both deliveries taken by the relay
    assert updates_line(app) == f"Updates: updates via 127.0.0.1:{relay.port}: connected"
    log = profile.log_file.read_text()
    for secret in re.findall(r"g2a-([A-Za-z0-9_-]{43})", url_one.replace("%2F", "/")):
        assert secret not in log


def test_a_relay_restart_mid_session_loses_nothing_and_repeats_nothing(
    app: AppProcess, session_bus: SessionBus, relay: Relay
) -> None:
    browser, page = joined_session(app, session_bus)
    relay.stop()
    wait_for(lambda: "reconnecting since" in updates_line(app), 15, "the app to notice")
    # The relay is back; GoToAssist posts the end at once, while the app still waits out
    # its backoff: it arrives through since=<last id> (without since= this test fails).
    relay.start()
    assert relay.server is not None
    assert "active" in browser.get(page).text
    browser.post(f"{page}/end")
    wait_for(lambda: len(session_bus.notifications()) == 2, 15, "Session ended")
    wait_for(lambda: "connected" in updates_line(app), 15, "connected again")
    assert [s for s, _ in summaries(session_bus)] == ["Customer joined", "Session ended"]


def test_an_app_restart_catches_up_with_what_came_meanwhile(
    app: AppProcess, session_bus: SessionBus, relay: Relay
) -> None:
    browser, page = joined_session(app, session_bus)
    app.stop()  # the laptop sleeps, or the app is restarted
    browser.post(f"{page}/end")  # published to the relay while nobody listens
    assert relay.server is not None and relay.server.published == 2
    app.start()
    wait_for(lambda: len(session_bus.notifications()) == 2, 15, "Session ended after restart")
    assert [s for s, _ in summaries(session_bus)] == ["Customer joined", "Session ended"]
    rows = json.loads(app.cli("status", "--json").stdout)
    assert [(r["partnerObject"], r["status"]) for r in rows] == [("4711", "complete")]


def test_a_stalled_stream_is_replaced_and_catches_up(
    app: AppProcess, session_bus: SessionBus, relay: Relay, profile: Profile
) -> None:
    wait_for(lambda: "connected" in updates_line(app), 10, "the relay state")
    browser, page, _ = start_session(app, "4711")
    assert relay.server is not None
    relay.server.stalled = True  # the connection stays up, but nothing comes through
    browser.post(f"{page}/join")
    wait_for(lambda: "no word from the relay" in profile.log_file.read_text(), 15, "a dead stream")
    relay.server.stalled = False
    wait_for(lambda: len(session_bus.notifications()) == 1, 15, "Customer joined")
    assert summaries(session_bus) == [("Customer joined", "Ticket 4711 — Jane Doe")]


def test_a_wrong_token_is_reported_to_the_user(
    desktop: Desktop, profile: Profile, session_bus: SessionBus, simulator: str, tmp_path: Path
) -> None:
    access = Access(
        default="deny-all",
        rules=[("*", "g2a-*", "write-only"), ("alex", "g2a-*", "read-only")],
        tokens={"tk_alex": "alex"},
    )
    relay = Relay(tmp_path, access)
    app = relay_app(desktop, profile, session_bus, simulator, relay, token="tk_wrong")
    try:
        app.start()
        start_session(app, "4711")  # something to watch
        wait_for(lambda: "(401)" in updates_line(app), 15, "the refusal")
        assert "NOT ARRIVING" in updates_line(app)
        assert "does not accept the access token" in updates_line(app)
    finally:
        app.stop()
        relay.stop()


def test_a_relay_message_that_is_no_callback_is_ignored_and_logged(
    app: AppProcess, session_bus: SessionBus, relay: Relay, profile: Profile
) -> None:
    wait_for(lambda: "connected" in updates_line(app), 10, "the relay state")
    browser, page, url = start_session(app, "4711")
    topic = re.search(r"%2F(g2a-[A-Za-z0-9_-]{43})", url)
    assert topic
    assert (
        httpx.post(f"{relay.url}/{topic.group(1)}", content=b"<html>hello</html>").status_code
        == 200
    )
    browser.post(f"{page}/join")
    wait_for(lambda: len(session_bus.notifications()) == 1, 15, "Customer joined")
    assert "is not a status callback was ignored" in profile.log_file.read_text()
    assert app.ping()


def test_a_session_from_the_quick_form_gets_its_updates_through_the_relay(
    app: AppProcess, desktop: Desktop, profile: Profile, session_bus: SessionBus, relay: Relay
) -> None:
    wait_for(lambda: "connected" in updates_line(app), 10, "the relay state")
    assert app.cli("new-session").returncode == 0
    type_into_form(desktop, "4711")
    wait_for(lambda: len(profile.opened_urls()) == 1, 10, "the browser hand-off")
    [url] = profile.opened_urls()
    assert f"sessionStatusCallbackUrl={quote(relay.url, safe='')}%2Fg2a-" in url
    browser = httpx.Client(timeout=10, follow_redirects=True)
    page = str(browser.get(url).url)
    browser.post(f"{page}/join")
    wait_for(lambda: len(session_bus.notifications()) == 1, 15, "Customer joined")
    browser.post(f"{page}/end")
    wait_for(lambda: len(session_bus.notifications()) == 2, 15, "Session ended")
    assert [s for s, _ in summaries(session_bus)] == ["Customer joined", "Session ended"]
