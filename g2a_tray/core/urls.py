"""Validation of URLs that come from settings, forms, the command line or links.

Every URL that g2a-tray hands to a browser or uses as a base passes through here first,
so that a typo or a hostile ``javascript:``/``file:`` link is refused in plain words
instead of being opened.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_http_url(text: str, *, https_unless_loopback: bool = False) -> str:
    """Return ``text`` stripped if it is an absolute http(s) URL with a host.

    Raises ``ValueError`` with a sentence a technician can act on otherwise.
    """
    url = text.strip()
    if not url:
        raise ValueError("enter a URL")
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValueError("a URL may not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"“{url}” is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError("the URL must start with http:// or https://")
    host = parts.hostname or ""
    if not host:
        raise ValueError("the URL has no host name")
    if port == 0:
        raise ValueError("the URL's port must be between 1 and 65535")
    if https_unless_loopback and scheme != "https" and not is_loopback_host(host):
        raise ValueError("use https:// (plain http:// is only allowed for this computer)")
    return url


def reachable_from_internet(url: str) -> bool:
    """False for a URL only this computer can call (loopback, private or link-local
    addresses, ``localhost``): GoToAssist's servers could not POST to it."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if is_loopback_host(host):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host and not host.endswith((".local", ".lan", ".internal"))
    return address.is_global
