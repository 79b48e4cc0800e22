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

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Activation:
    token: str = ""  # Wayland: xdg-activation
    startup_id: str = ""  # X11: startup notification (may end in _TIME<server time>)

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
