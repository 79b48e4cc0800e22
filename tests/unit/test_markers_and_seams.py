"""The "done once" marks and the environment's test seams."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from g2a_tray.core.markers import Markers
from g2a_tray.core.seams import env_seconds


def test_first_time_is_true_once_per_profile(tmp_path: Path) -> None:
    folder = tmp_path / "data"  # not made yet: the first mark makes it
    assert Markers(folder).first_time("told")
    assert not Markers(folder).first_time("told")  # a later start: already told
    assert Markers(folder).seen("told") and not Markers(folder).seen("greeted")


def test_a_mark_that_cannot_be_written_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING):
        Markers(blocker).mark("greeted")
    assert "could not remember greeted" in caplog.text


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("0.5", 0.5), ("0", 0.0), ("x", None), ("-1", None), ("nan", None)],
)
def test_env_seconds(
    value: str | None, expected: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv("G2A_TRAY_TEST_SEAM", raising=False)
    else:
        monkeypatch.setenv("G2A_TRAY_TEST_SEAM", value)
    assert env_seconds("G2A_TRAY_TEST_SEAM") == expected
