"""Focus handed over by whoever asked for a window: a launcher, a shortcut, a panel.

A desktop gives keyboard focus to a newly shown window only when the request carries
proof that the user just asked for it. On Wayland that is an xdg-activation token, on
X11 a startup-notification id; a launcher or a desktop shortcut puts it in the
environment of the process it starts (``XDG_ACTIVATION_TOKEN``, ``DESKTOP_STARTUP_ID``).
When that process is ``g2a-tray new-session``, a client of the running app, the token
must travel with its request, or GNOME shows "g2a-tray is ready" instead of the form and
the technician types into nothing. Qt-free: the client verbs send it, the app uses it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (mypy knows it)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

# Both are opaque strings from the desktop; anything else in these variables (a stray
# value, a very long one) is dropped rather than passed on.
MAX_TOKEN_CHARS = 512

ENV_TOKEN = "XDG_ACTIVATION_TOKEN"
ENV_STARTUP_ID = "DESKTOP_STARTUP_ID"


def _clean(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_TOKEN_CHARS:
        return ""
    return value if all("!" <= ch <= "~" for ch in value) else ""


class Activation:
    """A token and a startup id, either may be "". (A plain class, not a dataclass:
    ``new-session`` imports this, and ``dataclasses`` cost it 12 ms of imports.)"""

    __slots__ = ("startup_id", "token")

    def __init__(self, token: str = "", startup_id: str = "") -> None:
        self.token = token  # Wayland: xdg-activation
        self.startup_id = startup_id  # X11: startup notification (may end in _TIME<time>)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activation):
            return NotImplemented
        return (self.token, self.startup_id) == (other.token, other.startup_id)

    def __hash__(self) -> int:
        return hash((self.token, self.startup_id))

    def __repr__(self) -> str:
        return f"Activation(token={self.token!r}, startup_id={self.startup_id!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Activation:
        return cls(_clean(env.get(ENV_TOKEN)), _clean(env.get(ENV_STARTUP_ID)))

    @classmethod
    def from_request(cls, request: Mapping[str, Any]) -> Activation:
        return cls(_clean(request.get("activationToken")), _clean(request.get("startupId")))

    def arguments(self) -> dict[str, str]:
        """The request arguments that carry it (none when there is nothing to carry)."""
        found = {"activationToken": self.token, "startupId": self.startup_id}
        return {name: value for name, value in found.items() if value}


NONE = Activation()
