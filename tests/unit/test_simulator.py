"""The GoToAssist simulator over real HTTP, delivering to the app's real listener."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from g2a_tray.core.sessions.launch import Launch, LaunchRequest, build_session_url
from g2a_tray.core.sessions.model import RecordedEvent
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import Settings
from g2a_tray.core.updates.callback_server import CallbackServer
from g2a_tray.simulator.server import SimulatorServer
from g2a_tray.simulator.service import SimSession, Simulator


class World:
    """A simulator and a g2a-tray listener with its store, talking over loopback."""

    def __init__(self, tmp_path: Path, **sim_options: object) -> None:
        self.store = SessionStore(tmp_path / "s.sqlite3")
        self.events: list[RecordedEvent] = []
        self.listener = CallbackServer(self.store, self.events.append)
        self.listener.start("127.0.0.1", 0)
        self.sim = SimulatorServer(Simulator(**sim_options))  # type: ignore[arg-type]
        self.sim.start()
        self.browser = httpx.Client(base_url=self.sim.base_url, timeout=10)
        self.settings = Settings(service_url=self.sim.service_url)

    def launch(self, ticket: str = "4711", layout: str = "") -> tuple[int, str]:
        """Start a session as g2a-tray would; returns (launch id, launcher page path)."""
        launch = Launch(LaunchRequest(ticket, f"https://help.example.com/t/{ticket}", layout), "")
        url = build_session_url(
            self.settings,
            launch.request,
            self.listener.local_base_url + f"/callback/{launch.secret}",
        )
        launch_id = self.store.record(launch)
        r = self.browser.get(url.removeprefix(self.sim.base_url))
        assert r.status_code == 302
        return launch_id, r.headers["location"]

    def close(self) -> None:
        self.browser.close()
        self.sim.stop()
        self.listener.stop()
        self.store.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.close()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({}, "sessionType is required"),
        ({"sessionType": "VIDEO"}, "unknown sessionType"),
        (
            {"sessionType": "SCREEN_SHARING", "sessionStatusCallbackUrl": "ftp://x/y"},
            "http or https",
        ),
        (
            {"sessionType": "SCREEN_SHARING", "sessionStatusCallbackUrl": "javascript:alert(1)"},
            "http or https",
        ),
    ],
)
def test_the_session_call_is_validated_like_the_service(
    world: World, query: dict[str, str], words: str
) -> None:
    r = world.browser.get(f"/G2A/rest/v1/session?{urlencode(query)}")
    assert r.status_code == 400
    assert words in r.json()["error"]


def test_both_spellings_of_the_session_type_are_accepted(world: World) -> None:
    for spelling in ("SCREEN_SHARING", "screen_sharing"):
        r = world.browser.get(f"/G2A/rest/v1/session?sessionType={spelling}")
        assert r.status_code == 302 and r.headers["location"].startswith("/launcher/")


def test_launcher_page_shows_the_session(world: World) -> None:
    _, page = world.launch("4711")
    html = world.browser.get(page).text
    assert "Remote support session for ticket 4711" in html
    assert '<a href="https://help.example.com/t/4711"' in html
    for label in ("Customer joins", "End session", "Abandon", "Customer cancels install"):
        assert label in html
    assert 'class="full"' in html
    _, iframe_page = world.launch("4712", layout="iFrame")
    assert 'class="iframe"' in world.browser.get(iframe_page).text


def test_join_and_end_post_the_documented_fields_to_the_app(world: World) -> None:
    launch_id, page = world.launch("4711")
    r = world.browser.post(f"{page}/join", follow_redirects=True)
    assert r.status_code == 200 and "200 OK" in r.text  # the delivery and its answer, shown
    world.browser.post(f"{page}/end")
    summary = world.store.summary(launch_id)
    assert summary.status == "complete"
    assert summary.customer_name == "Jane Doe"
    assert summary.session_id
    assert summary.customer_joined_at is not None and summary.ended_at is not None
    raw = [e.after for e in world.events]
    assert [s.status for s in raw] == ["active", "complete"]
    obj = world.browser.get(f"/G2A/rest/v1/sessions/{summary.session_id}").json()
    assert obj["status"] == "complete" and obj["partnerObject"] == "4711"
    assert set(obj) >= {
        "sessionId",
        "sessionType",
        "status",
        "partnerObject",
        "partnerObjectUrl",
        "startedAt",
        "customerJoinedAt",
        "endedAt",
        "customerName",
        "expertName",
    }
    assert world.browser.get("/G2A/rest/v1/sessions/nope").status_code == 404


def test_form_encoded_callbacks(tmp_path: Path) -> None:
    world = World(tmp_path, form_encoded=True)
    try:
        launch_id, page = world.launch()
        world.browser.post(f"{page}/abandon")
        assert world.store.summary(launch_id).status == "abandoned"
        assert "status=abandoned" in world.store._db.execute("SELECT raw FROM events").fetchone()[0]
    finally:
        world.close()


def test_cancelled_install_sends_nothing(world: World) -> None:
    launch_id, page = world.launch()
    html = world.browser.post(f"{page}/cancel", follow_redirects=True).text
    assert "cancelled" in html
    assert world.events == []
    assert world.store.summary(launch_id).status == "launched"
    assert world.browser.post(f"{page}/join").status_code == 409


def test_steps_out_of_order_are_refused(world: World) -> None:
    _, page = world.launch()
    assert world.browser.post(f"{page}/end").status_code == 409
    assert world.browser.post("/launcher/nope/join").status_code == 404


def test_auto_runs_the_life_cycle_by_itself(tmp_path: Path) -> None:
    world = World(tmp_path, auto=(0.05, 0.05))
    finished = threading.Event()

    def watch(session: SimSession) -> None:
        if session.finished:
            finished.set()

    world.sim.simulator.listeners.append(watch)
    try:
        launch_id, _ = world.launch()
        assert finished.wait(10)
        assert world.store.summary(launch_id).status == "complete"
    finally:
        world.close()


def test_untrusted_values_are_escaped(world: World) -> None:
    r = world.browser.get(
        "/G2A/rest/v1/session?"
        + urlencode(
            {
                "sessionType": "SCREEN_SHARING",
                "partnerObject": "<script>alert(1)</script>",
                "partnerObjectUrl": "javascript:alert(1)",
            }
        )
    )
    html = world.browser.get(r.headers["location"]).text
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
