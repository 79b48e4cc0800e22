"""The outbox and the courier against the four stand-ins, over real HTTP: what is written
where, exactly once, and what happens when the helpdesk is away or says no."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import pytest

from g2a_tray.core.helpdesk.courier import GIVE_UP_AFTER, check_credentials
from g2a_tray.core.helpdesk.note_state import FAILED, PENDING, TIME_WRITTEN, WRITTEN
from g2a_tray.core.helpdesk.outbox import NOTE
from g2a_tray.core.helpdesk.vendors import CREDENTIALS, TICKET, client_for, helpdesk_for
from g2a_tray.simulator.helpdesks import STANDIN_TOKEN, STANDIN_USER

from .conftest import TICKETS, Desk


def test_each_helpdesk_gets_one_internal_note_with_the_sessions_facts(
    tmp_path: Path, kind: str, standin_for
) -> None:
    desk = Desk(tmp_path, standin_for(kind))
    launch_id = desk.end_session()
    assert desk.deliver_due() == 1
    [note] = desk.standin.entries(TICKETS[kind])
    assert note.internal, "a session note must never be visible to the customer"
    text = note.text()
    for fact in (
        f"S{launch_id}00",
        "Carla Customer",
        "Tess Technician",
        "42 min 12 s",
        "reported by GoToAssist",
        TICKETS[kind],
    ):
        assert fact in text.replace("\\", ""), (fact, text)
    status = desk.status(launch_id)
    assert status.state == WRITTEN and status.link.startswith(desk.standin.url)
    assert desk.deliver_due() == 0, "a written note is not taken again"
    assert len(desk.standin.entries(TICKETS[kind])) == 1


def test_servicenow_writes_work_notes_and_never_comments(tmp_path: Path, standin_for) -> None:
    desk = Desk(tmp_path, standin_for("servicenow"))
    desk.end_session()
    desk.deliver_due()
    [entry] = desk.standin.entries("INC0010023")
    assert entry.fields["element"] == "work_notes"
    paths = [p for _m, p in desk.standin.requests]
    assert any(
        "sysparm_query=number%3DINC0010023" in p or "number=INC0010023" in p for p in paths
    ), "the incident number is looked up to its sys_id first"


def test_freshdesk_time_entry_is_hh_mm_rounded_up(tmp_path: Path, standin_for) -> None:
    desk = Desk(tmp_path, standin_for("freshdesk"), write_back="note+time")
    launch_id = desk.end_session(minutes=42.2)  # 42 min 12 s
    desk.deliver_due()
    [time] = desk.standin.entries("4711", "time")
    assert time.fields["time_spent"] == "00:43"
    assert time.fields["billable"] is True
    assert desk.status(launch_id).time_state == TIME_WRITTEN


def test_jira_worklog_is_in_seconds_with_its_started_format(tmp_path: Path, standin_for) -> None:
    desk = Desk(tmp_path, standin_for("jira"), write_back="note+time")
    desk.end_session(ticket="SUP-42", minutes=42.2)
    desk.deliver_due()
    [time] = desk.standin.entries("SUP-42", "time")
    assert time.fields["timeSpentSeconds"] == 42 * 60 + 12
    assert time.fields["started"] == "2026-12-01T09:01:00.000+0000"


def test_zendesk_with_note_and_time_writes_the_note_only(tmp_path: Path, standin_for) -> None:
    desk = Desk(tmp_path, standin_for("zendesk"), write_back="note+time")
    launch_id = desk.end_session()
    desk.deliver_due()
    assert [e.what for e in desk.standin.entries("4711")] == ["note"]
    assert desk.status(launch_id).state == WRITTEN


def test_outside_text_arrives_as_text(tmp_path: Path, standin_for) -> None:
    desk = Desk(tmp_path, standin_for("freshdesk"))
    desk.end_session(customer="<b>Eve</b> & Co\nEnded: never")
    desk.deliver_due()
    [note] = desk.standin.entries("4711")
    body = note.body
    assert "<b>" not in body and "&lt;b&gt;Eve&lt;/b&gt; &amp; Co Ended: never" in body
    assert "\nEnded: never" not in note.text(), "a newline in a name cannot start a line"


def test_jira_markup_in_a_name_stays_characters(tmp_path: Path, standin_for) -> None:
    desk = Desk(tmp_path, standin_for("jira"))
    desk.end_session(ticket="SUP-42", customer="[click|http://evil.example] !http://e/x.png!")
    desk.deliver_due()
    [note] = desk.standin.entries("SUP-42")
    assert "\\[click\\|http://evil.example\\] \\!http://e/x.png\\!" in note.body


def test_one_note_per_session_however_often_the_end_is_reported(
    tmp_path: Path, standin_for
) -> None:
    desk = Desk(tmp_path, standin_for("freshdesk"))
    launch_id = desk.end_session()
    from g2a_tray.core.updates.callback_parser import StatusEvent

    desk.store.record_event(
        launch_id, StatusEvent(session_id=f"S{launch_id}00", status="abandoned")
    )
    desk.store.mark_ended(launch_id)
    assert desk.deliver_due() == 1
    assert len(desk.standin.entries("4711")) == 1


def test_marked_ended_writes_a_note_that_says_so_and_logs_no_time(
    tmp_path: Path, standin_for
) -> None:
    from g2a_tray.core.sessions.launch import Launch, LaunchRequest

    desk = Desk(tmp_path, standin_for("freshdesk"), write_back="note+time")
    launch_id = desk.store.record(Launch(LaunchRequest("4711", "", ""), "https://e.test/s"))
    desk.store.mark_ended(launch_id)
    desk.deliver_due()
    [note] = desk.standin.entries("4711")
    assert "marked ended by the technician" in note.text()
    assert desk.standin.entries("4711", "time") == []


def test_nothing_is_queued_when_write_back_is_off(tmp_path: Path, standin_for) -> None:
    desk = Desk(tmp_path, standin_for("freshdesk"), write_back="off")
    desk.end_session()
    assert desk.deliver_due() == 0
    assert desk.standin.requests == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_helpdesk_down_at_the_end_and_up_ten_minutes_later_gets_it_once(
    tmp_path: Path, standin_for
) -> None:
    port = _closed_port()
    down = standin_for("freshdesk")  # only for its settings: pointed at a closed port
    desk = Desk(tmp_path, down)
    desk.outbox.settings = desk.outbox.settings.__class__(
        kind="freshdesk", url=f"http://127.0.0.1:{port}", user="", write_back="note"
    )
    launch_id = desk.end_session()
    for _ in range(4):  # the backoff grows while it stays down
        assert desk.deliver_due() == 1
        status = desk.status(launch_id)
        assert status.state == PENDING and "not reachable" in status.error
        desk.now = status.next_attempt_at + timedelta(seconds=1)
    waits = [r.outcome for r in desk.reports]
    assert waits == ["later"] * 4
    up = standin_for("freshdesk", port)
    desk.now += timedelta(minutes=10)
    assert desk.deliver_due() == 1
    assert desk.status(launch_id).state == WRITTEN
    assert len(up.entries("4711")) == 1


def test_backoff_doubles_from_thirty_seconds(tmp_path: Path, standin_for) -> None:
    standin = standin_for("freshdesk")
    desk = Desk(tmp_path, standin)
    standin.fail_next(503, times=3)
    launch_id = desk.end_session()
    delays = []
    for _ in range(3):
        before = desk.now
        desk.deliver_due()
        at = desk.status(launch_id).next_attempt_at
        delays.append(round((at - before).total_seconds()))
        desk.now = at
    assert delays == [30, 60, 120]
    desk.deliver_due()
    assert len(standin.entries("4711")) == 1


def test_retry_after_is_honoured_on_429(tmp_path: Path, standin_for) -> None:
    standin = standin_for("jira")
    desk = Desk(tmp_path, standin)
    standin.fail_next(429, retry_after="300")
    launch_id = desk.end_session(ticket="SUP-42")
    desk.deliver_due()
    status = desk.status(launch_id)
    assert round((status.next_attempt_at - desk.now).total_seconds()) == 300
    assert "too many requests" in status.error
    desk.now += timedelta(seconds=299)
    assert desk.deliver_due() == 0, "not before the helpdesk said"
    desk.now += timedelta(seconds=2)
    assert desk.deliver_due() == 1 and len(standin.entries("SUP-42")) == 1


def test_killed_between_delivery_and_recording_still_one_note(
    tmp_path: Path, kind: str, standin_for
) -> None:
    """The helpdesk took the note, the app died before recording it: the attempt was
    counted first, so the redelivery finds the note by its ref instead of writing it."""
    desk = Desk(tmp_path, standin_for(kind))
    launch_id = desk.end_session()
    note = desk.outbox.next_due(desk.now)
    desk.outbox.begin(launch_id, NOTE)  # what deliver() does first …
    with client_for(kind, note.url, note.user, STANDIN_TOKEN) as client:
        helpdesk_for(kind, note.url).write_note(client, note.ticket, note.facts)  # … then dies
    assert desk.deliver_due() == 1
    assert len(desk.standin.entries(TICKETS[kind])) == 1
    assert desk.status(launch_id).state == WRITTEN


def test_wrong_credentials_are_told_and_not_retried(tmp_path: Path, standin_for) -> None:
    desk = Desk(tmp_path, standin_for("freshdesk"))
    desk.token = "wrong"
    launch_id = desk.end_session()
    desk.deliver_due()
    status = desk.status(launch_id)
    assert status.state == FAILED and status.reason == CREDENTIALS
    assert [r.outcome for r in desk.reports] == ["refused"]
    desk.now += timedelta(days=1)
    assert desk.deliver_due() == 0, "a refused note waits for the technician"
    desk.token = STANDIN_TOKEN  # new credentials saved
    assert desk.outbox.retry_refused(CREDENTIALS) == 1
    assert desk.deliver_due() == 1 and desk.status(launch_id).state == WRITTEN


def test_no_such_ticket_fails_and_retry_in_the_history_tries_again(
    tmp_path: Path, standin_for
) -> None:
    standin = standin_for("zendesk")
    standin.missing.add("4711")
    desk = Desk(tmp_path, standin)
    launch_id = desk.end_session()
    desk.deliver_due()
    status = desk.status(launch_id)
    assert status.state == FAILED and status.reason == TICKET
    standin.missing.clear()
    assert desk.outbox.retry(launch_id)
    desk.deliver_due()
    assert desk.status(launch_id).state == WRITTEN


def test_a_ticket_that_is_not_the_helpdesks_shape_is_refused_before_any_call(
    tmp_path: Path, standin_for
) -> None:
    standin = standin_for("freshdesk")
    desk = Desk(tmp_path, standin)
    launch_id = desk.end_session(ticket="../agents/me")
    desk.deliver_due()
    assert desk.status(launch_id).reason == TICKET
    assert standin.requests == []


def test_given_up_after_seven_days_offline(tmp_path: Path, standin_for) -> None:
    standin = standin_for("freshdesk")
    desk = Desk(tmp_path, standin)
    launch_id = desk.end_session()
    standin.fail_next(503, times=2)
    desk.deliver_due()
    desk.now += GIVE_UP_AFTER + timedelta(minutes=1)
    desk.deliver_due()
    status = desk.status(launch_id)
    assert status.state == FAILED and "gave up after 7 days" in status.error
    assert desk.reports[-1].outcome == "gave up"


def test_check_credentials_says_what_is_wrong(kind: str, standin_for) -> None:
    standin = standin_for(kind)
    user = "" if kind == "freshdesk" else STANDIN_USER
    ok, words = check_credentials(kind, standin.url, user, STANDIN_TOKEN)
    assert ok, words
    ok, words = check_credentials(kind, standin.url, user, "wrong")
    assert not ok and ("did not accept" in words or "anonymous" in words), words
    standin.stop()
    ok, words = check_credentials(kind, standin.url, user, STANDIN_TOKEN)
    assert not ok and "not reachable" in words


def test_zendesk_anonymous_answer_is_not_success(standin_for) -> None:
    standin = standin_for("zendesk")
    ok, _words = check_credentials("zendesk", standin.url, STANDIN_USER, "")
    assert not ok
    with client_for("zendesk", standin.url, "", "") as client:
        client.auth = None
        from g2a_tray.core.helpdesk.vendors import Refused

        with pytest.raises(Refused, match="anonymous"):
            helpdesk_for("zendesk", standin.url).check(client)


def test_the_courier_thread_delivers_a_note_as_soon_as_it_is_queued(
    tmp_path: Path, standin_for
) -> None:
    """Not at its next look at the clock (up to 30 s later): the end wakes it."""
    import threading

    from g2a_tray.core.helpdesk.courier import SLICE_S, Courier

    desk = Desk(tmp_path, standin_for("freshdesk"))
    done = threading.Event()
    courier = Courier(desk.outbox, lambda *_: STANDIN_TOKEN, lambda _d: done.set())
    courier.start()
    try:
        desk.end_session()
        assert done.wait(SLICE_S / 3), "the courier slept through the queued note"
        assert len(desk.standin.entries("4711")) == 1
    finally:
        courier.stop()


def test_an_empty_outbox_leaves_the_courier_asleep_until_woken(tmp_path: Path, standin_for) -> None:
    """No poll: with nothing to deliver, the thread waits without a timeout (an idle
    tray app should cost no wake-ups), and a note queued wakes it."""
    import threading

    from g2a_tray.core.helpdesk.courier import Courier

    waits: list[float | None] = []
    asleep = threading.Event()

    class Recording(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waits.append(timeout)
            asleep.set()
            return super().wait(timeout)

    desk = Desk(tmp_path, standin_for("freshdesk"))
    done = threading.Event()
    courier = Courier(desk.outbox, lambda *_: STANDIN_TOKEN, lambda _d: done.set())
    courier._wake = Recording()
    courier.start()
    try:
        assert asleep.wait(10)
        assert waits == [None]
        desk.end_session()
        assert done.wait(10) and len(desk.standin.entries("4711")) == 1
    finally:
        courier.stop()


def test_a_time_entry_given_up_leaves_its_note_written(tmp_path: Path, standin_for) -> None:
    standin = standin_for("freshdesk")
    desk = Desk(tmp_path, standin, write_back="note+time")
    launch_id = desk.end_session()
    note = desk.outbox.next_due(desk.now)
    assert note is not None
    with client_for("freshdesk", note.url, note.user, STANDIN_TOKEN) as client:
        written = helpdesk_for("freshdesk", note.url).write_note(client, note.ticket, note.facts)
    desk.outbox.begin(launch_id, NOTE)
    desk.outbox.written(launch_id, NOTE, written)  # the note is in; the time entry is not
    standin.fail_next(503, times=5)
    desk.now += GIVE_UP_AFTER + timedelta(minutes=1)
    desk.deliver_due()
    status = desk.status(launch_id)
    assert status.state == WRITTEN and status.time_state == "failed"
    assert "gave up after 7 days" in status.words(desk.now)
    assert [e.what for e in standin.entries("4711")] == ["note"]


def test_a_web_page_where_the_api_should_be_is_refused_not_retried(tmp_path: Path) -> None:
    """A helpdesk URL that points at a web page (a typo, a sign-in portal): 200 with HTML.
    Said once and not retried for 7 days."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<html><body>Welcome to Acme</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        from types import SimpleNamespace

        page = SimpleNamespace(kind="freshdesk", url=f"http://127.0.0.1:{server.server_port}")
        desk = Desk(tmp_path, page)  # type: ignore[arg-type]
        launch_id = desk.end_session()
        desk.deliver_due()
        status = desk.status(launch_id)
        assert status.state == FAILED and "is the helpdesk URL right?" in status.error
    finally:
        server.shutdown()
        server.server_close()


def test_a_helpdesk_that_is_down_costs_one_attempt_per_backoff_step_not_one_per_note(
    tmp_path: Path, standin_for
) -> None:
    standin = standin_for("freshdesk")
    desk = Desk(tmp_path, standin)
    standin.fail_next(503, times=1, retry_after="120")
    first, second = desk.end_session(), desk.end_session(ticket="4712")
    assert desk.deliver_due() == 1, "the second waits with the first"
    one, two = desk.status(first), desk.status(second)
    assert one.next_attempt_at == two.next_attempt_at and "had a problem" in two.error
    assert len([r for r in standin.requests if r[0] == "POST"]) == 1  # one attempt, not two
    desk.now = one.next_attempt_at + timedelta(seconds=1)
    assert desk.deliver_due() == 2
    assert len(standin.entries("4711")) == 1 and len(standin.entries("4712")) == 1
