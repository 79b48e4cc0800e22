"""One status vocabulary (Qt-free): raw API values in, the words every view shows out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from g2a_tray.core.sessions.status import (
    MARKED_ENDED_WORDS,
    Phase,
    next_change,
    short_time,
    state_of,
)

NOW = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Stored:
    status: str
    launched_at: datetime = NOW - HOUR
    last_update_at: datetime | None = None
    marked_ended_at: datetime | None = None


@pytest.mark.parametrize(
    ("raw", "phase", "words"),
    [
        ("launched", Phase.WAITING, "waiting for the customer"),
        ("notStarted", Phase.WAITING, "waiting for the customer"),
        ("waiting", Phase.WAITING, "waiting for the customer"),
        ("active", Phase.ACTIVE, "customer connected"),
        ("complete", Phase.ENDED, "ended"),
        ("abandoned", Phase.ABANDONED, "abandoned"),
        ("<b>new</b>", Phase.UNKNOWN, "unknown status"),
    ],
)
def test_each_raw_status_reads_one_way(raw: str, phase: Phase, words: str) -> None:
    state = state_of(Stored(raw), NOW)
    assert (state.phase, state.words, state.raw) == (phase, words, raw)


def test_no_update_for_the_configured_time_reads_stale() -> None:
    joined = Stored("active", last_update_at=NOW - timedelta(minutes=30))
    assert state_of(joined, NOW, timedelta(minutes=31)).phase is Phase.ACTIVE
    stale = state_of(joined, NOW, timedelta(minutes=30))
    assert stale.phase is Phase.STALE and not stale.is_open
    assert stale.words == f"no update since {short_time(NOW - timedelta(minutes=30), NOW)}"
    assert state_of(Stored("complete", launched_at=NOW - 100 * HOUR), NOW).phase is Phase.ENDED


def test_marked_ended_wins_over_open_but_not_over_a_real_end() -> None:
    marked = state_of(Stored("active", marked_ended_at=NOW), NOW)
    assert (marked.phase, marked.words) == (Phase.ENDED, MARKED_ENDED_WORDS)
    assert state_of(Stored("abandoned", marked_ended_at=NOW), NOW).words == "abandoned"


def test_the_next_change_is_the_first_session_to_go_stale() -> None:
    sessions = [
        Stored("active", last_update_at=NOW - timedelta(minutes=10)),
        Stored("launched", launched_at=NOW - timedelta(minutes=50)),
        Stored("complete"),
        Stored("waiting", marked_ended_at=NOW),
    ]
    assert next_change(sessions, NOW, HOUR) == NOW + timedelta(minutes=10)  # type: ignore[arg-type]
    assert next_change([Stored("complete")], NOW, HOUR) is None  # type: ignore[list-item]


def test_short_times_name_the_day_only_when_it_is_not_today() -> None:
    assert ":" in short_time(NOW, NOW) and len(short_time(NOW, NOW)) == 5
    assert len(short_time(NOW - 48 * HOUR, NOW).split()) == 3
