"""Turning a ticket into the GoToAssist "Start Attended Session in Browser" URL.

``GET <service_url>/session?sessionType=…&layout=…&partnerObject=…&partnerObjectUrl=…
&sessionStatusCallbackUrl=…`` (the seed spec in shared/reference): every parameter
percent-encoded, empty optional ones left out. Input checks live here too so the quick
form, the ``start`` verb and (later) links all refuse the same things with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from g2a_tray.core.settings.schema import (
    LAYOUT_IFRAME,
    TEMPLATE_PLACEHOLDER,
    Settings,
    template_fields,
)
from g2a_tray.core.text import unsafe_characters
from g2a_tray.core.urls import check_http_url

MAX_PARTNER_OBJECT_LENGTH = 256


class LaunchError(ValueError):
    """Input that cannot start a session; ``field`` names the form field to mark."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def expand_template(template: str, partner_object: str) -> str:
    """Put the (percent-encoded) ticket id into the ticket URL template.

    ``https://help.example.com/t/{partnerObject}`` with ``A 1/2`` gives
    ``https://help.example.com/t/A%201%2F2``: the id stays one path segment or value.
    """
    if not template:
        return ""
    return template.format_map({TEMPLATE_PLACEHOLDER: quote(partner_object, safe="")})


def template_needs_partner_object(template: str) -> bool:
    try:
        return TEMPLATE_PLACEHOLDER in template_fields(template)
    except ValueError:
        return False


@dataclass(frozen=True)
class LaunchRequest:
    """What the technician asked for; checked by :func:`check_request`."""

    partner_object: str = ""
    partner_object_url: str = ""
    layout: str = ""


def check_request(request: LaunchRequest, settings: Settings) -> LaunchRequest:
    """Return the request with the URL filled from the template, or raise LaunchError."""
    partner_object = request.partner_object.strip()
    if len(partner_object) > MAX_PARTNER_OBJECT_LENGTH:
        raise LaunchError(
            "partner_object",
            f"The ticket id is longer than {MAX_PARTNER_OBJECT_LENGTH} characters.",
        )
    if bad := unsafe_characters(partner_object):
        raise LaunchError(
            "partner_object",
            "The ticket id may not contain control characters or text-direction marks "
            f"(found {', '.join(bad)}).",
        )
    url = request.partner_object_url.strip()
    template = settings.partner_object_url_template
    if not url and template:
        if not partner_object and template_needs_partner_object(template):
            raise LaunchError("partner_object", "Enter a ticket id.")
        url = expand_template(template, partner_object)
    if url:
        try:
            url = check_http_url(url)
        except ValueError as exc:
            raise LaunchError("partner_object_url", f"Ticket URL: {exc}.") from None
    layout = request.layout.strip()
    if layout.lower() in ("iframe", LAYOUT_IFRAME.lower()):
        layout = LAYOUT_IFRAME
    elif layout.lower() in ("", "full"):
        layout = ""
    else:
        raise LaunchError("layout", "Layout must be full window or iFrame.")
    return LaunchRequest(partner_object, url, layout)


def build_session_url(settings: Settings, request: LaunchRequest, callback_url: str = "") -> str:
    """The URL to open in the browser; ``request`` must come from :func:`check_request`."""
    params = [
        ("sessionType", settings.session_type),
        ("layout", request.layout),
        ("partnerObject", request.partner_object),
        ("partnerObjectUrl", request.partner_object_url),
        ("sessionStatusCallbackUrl", callback_url),
    ]
    query = urlencode([(k, v) for k, v in params if v], quote_via=quote, safe="")
    return f"{settings.service_url.rstrip('/')}/session?{query}"


def new_secret() -> str:
    """An unguessable, URL-safe token (256 bits) that names one launch's callbacks."""
    # Imported here: ``secrets`` brings hmac and OpenSSL's libcrypto (3.3 MiB), which the
    # first second after start does not need; the form built ahead loads it while idle.
    import secrets

    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Launch:
    """One session the technician started: what was asked and the URL that was opened."""

    request: LaunchRequest
    url: str
    secret: str = field(default_factory=new_secret, repr=False)
    launched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
