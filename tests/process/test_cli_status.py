"""``g2a-tray status``: streamed JSON, refused limits, and a reader that stops early."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from g2a_tray import cli
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.store import SessionStore
from tests.helpers.procs import ROOT
from tests.helpers.profile import Profile

pytestmark = pytest.mark.usefixtures("restore_logging")


def test_json_streams_every_session_newest_first(
    profile: Profile, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SessionStore(AppPaths.default().sessions_file)
    for i in range(1234):  # more than one page of 500
        store.record(Launch(LaunchRequest(str(i)), "u"))
    store.close()
    assert cli.main(["status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1234 and rows[0]["partnerObject"] == "1233"
    assert cli.main(["status", "--json", "--limit", "2"]) == 0
    assert [r["partnerObject"] for r in json.loads(capsys.readouterr().out)] == ["1233", "1232"]


def test_an_empty_history_is_an_empty_array(
    profile: Profile, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("limit", ["0", "-3", "many"])
def test_a_limit_below_one_is_refused(profile: Profile, limit: str) -> None:
    with pytest.raises(SystemExit) as refused:
        cli.main(["status", "--limit", limit])
    assert refused.value.code == 2


def test_a_reader_that_stops_early_gets_no_traceback(profile: Profile) -> None:
    store = SessionStore(AppPaths.default().sessions_file)
    for i in range(3000):
        store.record(Launch(LaunchRequest(str(i)), "u"))
    store.close()
    pipeline = subprocess.run(
        f"{sys.executable} -m g2a_tray status --json | head -c 100 > /dev/null",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in pipeline.stderr and "BrokenPipe" not in pipeline.stderr
