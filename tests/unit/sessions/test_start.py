"""The session-start use case without Qt: check, secret, URLs, remembered before opening."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from g2a_tray.core.sessions.launch import LaunchError, LaunchRequest
from g2a_tray.core.sessions.start import SessionStarter
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import Settings

TEMPLATE = "https://help.example.com/t/{partnerObject}"


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "s.sqlite3")


def test_a_start_is_remembered_with_its_own_secret_in_the_callback_url(
    store: SessionStore,
) -> None:
    starter = SessionStarter(store, lambda secret: f"http://127.0.0.1:47801/callback/{secret}")
    settings = Settings(partner_object_url_template=TEMPLATE)
    one = starter.start(LaunchRequest("4711"), settings)
    two = starter.start(LaunchRequest("4711"), settings)
    assert one.problem is None and one.launch_id is not None
    assert one.launch.secret != two.launch.secret
    query = parse_qs(urlsplit(one.launch.url).query)
    assert query["partnerObjectUrl"] == ["https://help.example.com/t/4711"]
    assert query["sessionStatusCallbackUrl"] == [
        f"http://127.0.0.1:47801/callback/{one.launch.secret}"
    ]
    assert store.launch_id_for_secret(one.launch.secret) == one.launch_id
    assert store.summary(one.launch_id).status == "launched"


def test_bad_input_is_refused_and_nothing_is_remembered(store: SessionStore) -> None:
    starter = SessionStarter(store, lambda secret: "")
    with pytest.raises(LaunchError) as refused:
        starter.start(LaunchRequest("47\u202e11"), Settings())
    assert refused.value.field == "partner_object"
    assert store.sessions() == []


def test_a_history_that_cannot_be_written_still_starts_and_says_why(
    store: SessionStore,
) -> None:
    store._db.execute("PRAGMA query_only = ON")  # every write now fails, as on a full disk
    started = SessionStarter(store, lambda secret: "").start(LaunchRequest("1"), Settings())
    assert started.launch_id is None
    assert started.problem is not None and "could not record it" in started.problem
    assert started.launch.url.startswith(Settings().service_url)
