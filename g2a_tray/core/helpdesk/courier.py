"""The courier: one worker thread that delivers the outbox's notes, never the GUI thread.

Each due note is written in steps (the note, then the time entry where one is wanted).
Before a step the attempt is counted in the outbox; a step with an earlier attempt on
record is first looked up at the helpdesk by the note's reference (``ref`` in its last
line), and only written if it is not there. So a note the helpdesk had when the app was
killed, or whose answer was lost in a timeout, is recorded, not written twice: exactly
one note per session, at the cost of one read on a redelivery.

Offline, timeouts and 5xx: tried again with backoff (30 s, doubling, at most 30 min),
``Retry-After`` honoured on 429 and 503; after 7 days of that the note is given up and the
technician told. 401, 403, 404 and other refusals are not retried until the technician
asks (*Retry* in the history, or saving new credentials). Waiting is in short slices
against the wall clock, so a laptop that slept past a note's moment tries it on waking.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from g2a_tray.core.helpdesk.kinds import CREDENTIALS, KINDS
from g2a_tray.core.helpdesk.note_state import TIME_WANTED
from g2a_tray.core.helpdesk.outbox import GAVE_UP, NOTE, TIME, Outbox, QueuedNote
from g2a_tray.core.seams import env_seconds
from g2a_tray.core.sessions.store import StoreError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from g2a_tray.core.helpdesk.vendors import Later, Refused

log = logging.getLogger(__name__)

BACKOFF_S = (30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0)
GIVE_UP_AFTER = timedelta(days=7)
SLICE_S = 30.0  # the longest single wait: the wall clock is looked at again after it

# Tests and the simulator's demo shorten the backoff (every delay becomes this).
BACKOFF_SEAM = "G2A_TRAY_HELPDESK_BACKOFF_S"


@dataclass(frozen=True)
class Delivery:
    """What happened to one note, for the app to show: ``outcome`` is "written",
    "later", "refused" or "gave up"; ``reason`` a vendors.py reason for refusals."""

    launch_id: int
    outcome: str
    words: str
    reason: str = ""
    kind: str = ""
    ticket: str = ""
    step: str = NOTE


TokenFor = Callable[[str, str, str], str]  # (kind, url, user) → token, "" when none


def backoff_s(attempt: int) -> float:
    """The wait after the ``attempt``-th failure in a row (1-based)."""
    seam = env_seconds(BACKOFF_SEAM)
    if seam is not None:
        return seam
    return BACKOFF_S[min(max(attempt, 1), len(BACKOFF_S)) - 1]


class Courier:
    """``wake()`` after queueing or a retry; ``stop()`` ends it without waiting (a call
    in flight is abandoned at its timeout: it was counted, so it is looked up next time)."""

    def __init__(
        self,
        outbox: Outbox,
        token_for: TokenFor,
        report: Callable[[Delivery], None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._outbox, self._token_for, self._report, self._clock = (
            outbox,
            token_for,
            report,
            clock,
        )
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures: dict[int, int] = {}  # failures in a row, per note (this run)
        outbox.on_queued = self.wake  # a session that ends is written now, not at a poll

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="helpdesk", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                note = self._outbox.next_due(self._clock())
                if note is None:
                    self._sleep()
                    continue
                self.deliver(note)
            except StoreError as exc:  # the app is quitting, or the disk is full
                log.info("helpdesk outbox not readable: %s", exc)
                self._stopped.wait(SLICE_S)
            except Exception:  # a bug must not end deliveries for the rest of the day
                log.exception("helpdesk delivery failed")
                self._stopped.wait(SLICE_S)

    def _sleep(self) -> None:
        """Until the next note is due, in slices (a wait's clock is monotonic, which does
        not count a laptop's sleep), or, with nothing waiting, until woken: an idle app
        does not wake this thread at all."""
        due = self._outbox.next_attempt_at()
        if due is None:
            self._wake.wait()
        else:
            wait = min(SLICE_S, max(0.0, (due - self._clock()).total_seconds()))
            if wait > 0:
                self._wake.wait(wait)
        self._wake.clear()

    # -- one note

    def deliver(self, note: QueuedNote) -> None:
        """Write ``note``'s remaining steps and record what happened (this thread)."""
        # The calls and httpx only now: an app that writes no note never loads them.
        from g2a_tray.core.helpdesk.vendors import Later, Refused, client_for, helpdesk_for

        kind = KINDS.get(note.kind)
        if kind is None:
            self._refused(note, NOTE, Refused("rejected", f"unknown helpdesk {note.kind!r}"))
            return
        token = self._token_for(note.kind, note.url, note.user)
        if not token:
            self._refused(
                note,
                NOTE,
                Refused(
                    CREDENTIALS,
                    f"no {kind.token_label} for {kind.name} is stored: add it in "
                    "Settings → Helpdesk",
                ),
            )
            return
        helpdesk = helpdesk_for(note.kind, note.url)
        step = NOTE
        try:
            with client_for(note.kind, note.url, note.user, token) as client:
                if not note.note_done:
                    self._outbox.begin(note.launch_id, NOTE)
                    found = (
                        helpdesk.find_note(client, note.ticket, note.ref) if note.attempts else None
                    )
                    written = found or helpdesk.write_note(client, note.ticket, note.facts)
                    self._outbox.written(note.launch_id, NOTE, written)
                    log.info(
                        "note for launch %s %s (%s)",
                        note.launch_id,
                        "found already written" if found else "written",
                        note.kind,
                    )
                if note.time_state == TIME_WANTED:
                    step = TIME
                    self._outbox.begin(note.launch_id, TIME)
                    found = (
                        helpdesk.find_time(client, note.ticket, note.ref)
                        if note.time_attempts
                        else None
                    )
                    written = found or helpdesk.write_time(client, note.ticket, note.facts)
                    self._outbox.written(note.launch_id, TIME, written)
        except Later as exc:
            self._later(note, step, exc)
            return
        except Refused as exc:
            self._refused(note, step, exc)
            return
        self._failures.pop(note.launch_id, None)
        self._report(Delivery(note.launch_id, "written", "", kind=note.kind, ticket=note.ticket))

    def _later(self, note: QueuedNote, step: str, exc: Later) -> None:
        now = self._clock()
        if now - note.created_at >= GIVE_UP_AFTER:  # a written note stays written
            words = f"gave up after 7 days ({exc.words})"
            self._outbox.failed(note.launch_id, step, GAVE_UP, words)
            log.warning("%s for launch %s given up: %s", step, note.launch_id, exc.words)
            self._report(
                Delivery(note.launch_id, GAVE_UP, words, GAVE_UP, note.kind, note.ticket, step)
            )
            return
        failures = self._failures.get(note.launch_id, 0) + 1
        self._failures[note.launch_id] = failures
        delay = exc.after_s if exc.after_s is not None else backoff_s(failures)
        self._outbox.later(note.launch_id, exc.words, now + timedelta(seconds=max(delay, 1.0)))
        log.info("note for launch %s: %s; next try in %.0f s", note.launch_id, exc.words, delay)
        self._report(
            Delivery(note.launch_id, "later", exc.words, kind=note.kind, ticket=note.ticket)
        )

    def _refused(self, note: QueuedNote, step: str, exc: Refused) -> None:
        self._failures.pop(note.launch_id, None)
        self._outbox.failed(note.launch_id, step, exc.reason, exc.words)
        log.warning("note for launch %s refused (%s): %s", note.launch_id, exc.reason, exc.words)
        self._report(
            Delivery(note.launch_id, "refused", exc.words, exc.reason, note.kind, note.ticket, step)
        )


def check_credentials(kind: str, url: str, user: str, token: str) -> tuple[bool, str]:
    """*Test connection* and ``helpdesk test``: the cheapest who-am-I call, in words."""
    from g2a_tray.core.helpdesk.vendors import Later, Refused, client_for, helpdesk_for

    info = KINDS.get(kind)
    if info is None or not url:
        return False, "No helpdesk is set: choose one and enter its URL."
    if info.user_label and not user:
        return False, f"Enter your {info.user_label.lower()} for {info.name}."
    if not token:
        return False, f"No {info.token_label} for {info.name} is stored."
    try:
        with client_for(kind, url, user, token) as client:
            who = helpdesk_for(kind, url).check(client)
    except (Later, Refused) as exc:
        words = exc.words
        if isinstance(exc, Refused) and exc.reason == CREDENTIALS:
            words += f" (check the {info.token_label}"
            words += f" and the {info.user_label.lower()})" if info.user_label else ")"
        return False, words[:1].upper() + words[1:] + "."
    return True, f"{info.name} answered: {who}."
