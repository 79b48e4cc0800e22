"""Whether session updates can arrive, and why not: each cause in plain words with the
way out, told once.

The technician must not learn of a broken relay when a customer's session never reports.
Each cause is decided here from what the parts report (the relay's state, where the
listener ended up, where sessions are started); :class:`UpdateHealth` keeps the causes
that hold now, says which one is new (to be notified once), and forgets a cause when it
clears, so that it is told again only if it comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from g2a_tray.core.updates.relay import CONNECTED, CONNECTING, OFF, REFUSED, RelayState
from g2a_tray.core.urls import is_loopback_host, reachable_from_internet

UNREACHABLE_GRACE = timedelta(minutes=2)  # a relay down this long with a session open

REFUSED_CAUSE = "relay-refused"
UNREACHABLE_CAUSE = "relay-unreachable"
MOVED_CAUSE = "listener-moved"
LOCAL_ONLY_CAUSE = "listener-local-only"
# When several hold, the one the tray shows first: what the technician can fix first.
ORDER = (REFUSED_CAUSE, UNREACHABLE_CAUSE, LOCAL_ONLY_CAUSE, MOVED_CAUSE)
SUMMARY = "Session updates are not arriving"


@dataclass(frozen=True)
class Blocked:
    """One reason updates cannot arrive: ``text`` says it and what to do."""

    cause: str
    text: str


def relay_cause(
    state: RelayState, failing_since: datetime | None, now: datetime, sessions_open: bool
) -> Blocked | None:
    """From the relay's state: refused (a token to fix), or gone for longer than the grace
    while a session waits for its updates. ``failing_since``: when it stopped working."""
    if state.kind == REFUSED:
        reason = state.reason.strip().rstrip(".")
        return Blocked(
            REFUSED_CAUSE,
            f"The relay {state.server} refused g2a-tray: {reason}. Sessions cannot report "
            "until the access token is right: Settings → Session updates → Access token.",
        )
    failing = state.kind not in (OFF, CONNECTED, CONNECTING)
    if not (failing and sessions_open and failing_since is not None):
        return None
    if now - failing_since < UNREACHABLE_GRACE:
        return None
    since = failing_since.astimezone().strftime("%H:%M")
    return Blocked(
        UNREACHABLE_CAUSE,
        f"g2a-tray cannot reach the relay {state.server} since {since}"
        f"{f' ({state.reason})' if state.reason else ''}, so it will not hear "
        "when customers join or sessions end. It keeps trying; check this "
        "computer's network or the relay.",
    )


def moved_cause(configured_port: int, port: int, sessions_open: bool) -> Blocked | None:
    """The listener could not have its port: sessions started before post to the old one."""
    if configured_port == 0 or port in (0, configured_port) or not sessions_open:
        return None
    return Blocked(
        MOVED_CAUSE,
        f"Port {configured_port} is taken by another program, so g2a-tray listens on "
        f"{port} for now: sessions started before cannot report their end. Quit the "
        "program holding the port and restart g2a-tray, or mark those sessions ended.",
    )


def local_only_cause(service_url: str, relay_set: bool, callback_base: str) -> Blocked | None:
    """A session against GoToAssist itself (not a simulator on this computer) with a
    callback address its servers cannot reach: nothing will report."""
    if relay_set:
        return None
    service_host = urlsplit(service_url).hostname or ""
    if is_loopback_host(service_host) or reachable_from_internet(callback_base):
        return None
    return Blocked(
        LOCAL_ONLY_CAUSE,
        f"GoToAssist's servers cannot reach {callback_base or 'this computer'}, so this "
        "session will not report when the customer joins or it ends. Use a relay "
        "(Settings → Session updates), or forward a public URL to the listener.",
    )


class UpdateHealth:
    """The causes that hold now, each told once until it clears."""

    def __init__(self) -> None:
        self._holding: dict[str, Blocked] = {}

    def update(self, cause: str, blocked: Blocked | None) -> Blocked | None:
        """Record whether ``cause`` holds now; returns it when it newly does (tell it)."""
        if blocked is None:
            self._holding.pop(cause, None)
            return None
        new = cause not in self._holding
        self._holding[cause] = blocked
        return blocked if new else None

    @property
    def holding(self) -> frozenset[str]:
        return frozenset(self._holding)

    @property
    def first(self) -> Blocked | None:
        """The cause the tray shows: the first in ORDER that holds."""
        for cause in ORDER:
            if cause in self._holding:
                return self._holding[cause]
        return None
