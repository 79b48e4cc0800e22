"""An outbox on a real SQLite store, a courier, and the helpdesk stand-ins on real sockets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from g2a_tray.core.helpdesk.courier import Courier, Delivery
from g2a_tray.core.helpdesk.outbox import Outbox
from g2a_tray.core.sessions.launch import Launch, LaunchRequest
from g2a_tray.core.sessions.store import SessionStore
from g2a_tray.core.settings.schema import HelpdeskSettings
from g2a_tray.core.updates.callback_parser import StatusEvent
from g2a_tray.simulator.helpdesks import STANDIN_TOKEN, STANDIN_USER, HelpdeskStandIn

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TICKETS = {"zendesk": "4711", "freshdesk": "4711", "jira": "SUP-42", "servicenow": "INC0010023"}


class Desk:
    """A store, its outbox pointed at a stand-in, and a courier driven by hand
    (``deliver_due``) on a clock the test moves."""

    def __init__(self, tmp_path: Path, standin: HelpdeskStandIn, write_back: str = "note") -> None:
        self.standin = standin
        self.store = SessionStore(tmp_path / "sessions.sqlite3")
        self.outbox = Outbox(self.store)
        self.outbox.settings = HelpdeskSettings(
            kind=standin.kind, url=standin.url, user=STANDIN_USER, write_back=write_back
        )
        self.now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        self.token = STANDIN_TOKEN
        self.reports: list[Delivery] = []
        self.courier = Courier(
            self.outbox, lambda kind, url, user: self.token, self.reports.append, lambda: self.now
        )

    def end_session(
        self,
        ticket: str | None = None,
        customer: str = "Carla Customer",
        minutes: float = 42.2,
        status: str = "complete",
    ) -> int:
        ticket = ticket or TICKETS[self.standin.kind]
        launch = Launch(LaunchRequest(ticket, "", ""), "https://example.test/s")
        launch_id = self.store.record(launch)
        common = {
            "session_id": f"S{launch_id}00",
            "customer_name": customer,
            "expert_name": "Tess Technician",
            "started_at": T0,
        }
        self.store.record_event(
            launch_id,
            StatusEvent(status="active", customer_joined_at=T0 + timedelta(minutes=1), **common),
        )
        self.store.record_event(
            launch_id,
            StatusEvent(
                status=status,
                customer_joined_at=T0 + timedelta(minutes=1),
                ended_at=T0 + timedelta(minutes=1 + minutes),
                **common,
            ),
        )
        return launch_id

    def deliver_due(self) -> int:
        """Deliver every note due now; how many were taken."""
        count = 0
        while (note := self.outbox.next_due(self.now)) is not None and count < 20:
            self.courier.deliver(note)
            count += 1
        return count

    def status(self, launch_id: int):
        return self.outbox.statuses([launch_id])[launch_id]


@pytest.fixture(params=["zendesk", "freshdesk", "jira", "servicenow"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def standin_for() -> Iterator:
    made: list[HelpdeskStandIn] = []

    def make(kind: str, port: int = 0) -> HelpdeskStandIn:
        standin = HelpdeskStandIn(kind, port=port).start()
        made.append(standin)
        return standin

    yield make
    for standin in made:
        standin.stop()
