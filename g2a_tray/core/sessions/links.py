"""``g2a-tray://start?…`` links from helpdesk pages: untrusted input, checked here.

A link may carry only ``partnerObject``, ``partnerObjectUrl`` (http or https) and
``layout`` (``full`` or ``iframe``), each once, within length limits; anything else is
refused with a sentence that says what was wrong.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from g2a_tray import URL_SCHEME
from g2a_tray.core.sessions.launch import LaunchRequest
from g2a_tray.core.urls import check_http_url

MAX_LINK_LENGTH = 4096
KNOWN_PARAMETERS = ("partnerObject", "partnerObjectUrl", "layout")


class LinkError(ValueError):
    """A link that cannot start a session; the message is for the user."""


def parse_link(link: str) -> LaunchRequest:
    if len(link) > MAX_LINK_LENGTH:
        raise LinkError(f"the link is longer than {MAX_LINK_LENGTH} characters")
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        raise LinkError("the link is not a valid URL") from None
    if parts.scheme.lower() != URL_SCHEME:
        raise LinkError(f"only {URL_SCHEME}:// links are handled, not {parts.scheme or 'this'}")
    target = (parts.netloc or parts.path).strip("/").lower()
    if target != "start":
        raise LinkError(f"unknown link action {target!r}; use {URL_SCHEME}://start?partnerObject=…")
    if parts.fragment:
        raise LinkError("the link has a #fragment, which g2a-tray links never carry")
    try:
        pairs = parse_qsl(
            parts.query, keep_blank_values=True, strict_parsing=bool(parts.query), max_num_fields=10
        )
    except ValueError:
        raise LinkError("the link's parameters cannot be read") from None
    names = [name for name, _ in pairs]
    unknown = sorted(set(names) - set(KNOWN_PARAMETERS))
    if unknown:
        allowed = ", ".join(KNOWN_PARAMETERS)
        raise LinkError(f"unknown parameter {', '.join(unknown)}; a link may carry only {allowed}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise LinkError(f"parameter {', '.join(repeated)} appears more than once")
    values = dict(pairs)
    ticket_url = values.get("partnerObjectUrl", "")
    if ticket_url:
        try:
            ticket_url = check_http_url(ticket_url)
        except ValueError as exc:
            raise LinkError(f"partnerObjectUrl: {exc}") from None
    layout = values.get("layout", "").lower()
    if layout not in ("", "full", "iframe"):
        raise LinkError("layout must be full or iframe")
    return LaunchRequest(values.get("partnerObject", ""), ticket_url, layout)
