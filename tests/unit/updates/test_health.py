"""When session updates cannot arrive: each cause decided, told once, cleared by itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from g2a_tray.core.updates.health import (
    LOCAL_ONLY_CAUSE,
    MOVED_CAUSE,
    REFUSED_CAUSE,
    UNREACHABLE_CAUSE,
    UNREACHABLE_GRACE,
    UpdateHealth,
    local_only_cause,
    moved_cause,
    relay_cause,
)
from g2a_tray.core.updates.relay import CONNECTED, RECONNECTING, REFUSED, RelayState

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_refused_relay_says_which_token_to_fix() -> None:
    state = RelayState(REFUSED, "ntfy.example.com", reason="the access token may not read (403)")
    blocked = relay_cause(state, NOW, NOW, sessions_open=False)
    assert blocked is not None and blocked.cause == REFUSED_CAUSE
    assert "403" in blocked.text and "Access token" in blocked.text


def test_an_unreachable_relay_counts_after_the_grace_and_only_with_a_session_open() -> None:
    down = RelayState(RECONNECTING, "ntfy.example.com", NOW, "connection refused")
    just = NOW + UNREACHABLE_GRACE - timedelta(seconds=1)
    assert relay_cause(down, NOW, just, sessions_open=True) is None
    later = NOW + UNREACHABLE_GRACE
    assert relay_cause(down, NOW, later, sessions_open=False) is None  # nothing to miss
    blocked = relay_cause(down, NOW, later, sessions_open=True)
    assert blocked is not None and blocked.cause == UNREACHABLE_CAUSE
    assert "ntfy.example.com" in blocked.text and "connection refused" in blocked.text
    assert relay_cause(RelayState(CONNECTED, "x"), NOW, later, sessions_open=True) is None


def test_a_listener_that_moved_matters_while_sessions_are_open() -> None:
    assert moved_cause(47801, 47801, sessions_open=True) is None
    assert moved_cause(0, 40123, sessions_open=True) is None  # any port was asked for
    assert moved_cause(47801, 40123, sessions_open=False) is None
    blocked = moved_cause(47801, 40123, sessions_open=True)
    assert blocked is not None and blocked.cause == MOVED_CAUSE and "40123" in blocked.text


def test_a_session_against_gotoassist_with_a_local_callback_cannot_report() -> None:
    real = "https://api.getgo.com/G2A/rest/v1"
    blocked = local_only_cause(real, relay_set=False, callback_base="http://127.0.0.1:47801")
    assert blocked is not None and blocked.cause == LOCAL_ONLY_CAUSE
    assert local_only_cause(real, relay_set=True, callback_base="http://127.0.0.1:1") is None
    assert local_only_cause(real, False, "https://g2a.example.com") is None  # a public URL
    simulator = "http://127.0.0.1:47890/G2A/rest/v1"
    assert local_only_cause(simulator, False, "http://127.0.0.1:47801") is None


def test_each_cause_is_told_once_until_it_clears() -> None:
    health = UpdateHealth()
    refused = relay_cause(RelayState(REFUSED, "r", reason="401"), None, NOW, False)
    assert health.update(REFUSED_CAUSE, refused) == refused  # new: tell it
    assert health.update(REFUSED_CAUSE, refused) is None  # the same again: quiet
    assert health.first == refused
    moved = moved_cause(1, 2, True)
    assert health.update(MOVED_CAUSE, moved) == moved
    assert health.first == refused  # the one to fix first stays on top
    assert health.update(REFUSED_CAUSE, None) is None  # it cleared
    assert health.first == moved
    assert health.update(REFUSED_CAUSE, refused) == refused  # it came back: told again
