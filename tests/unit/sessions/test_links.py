"""g2a-tray:// links are untrusted input (Qt-free)."""

from __future__ import annotations

import pytest

from g2a_tray.core.sessions.launch import LaunchRequest
from g2a_tray.core.sessions.links import LinkError, parse_link


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            "g2a-tray://start?partnerObject=4711&partnerObjectUrl=https%3A%2F%2Fhelp.example.com%2Ft%2F4711",
            LaunchRequest("4711", "https://help.example.com/t/4711", ""),
        ),
        ("g2a-tray://start?partnerObject=A%20B&layout=iframe", LaunchRequest("A B", "", "iframe")),
        ("G2A-TRAY://START/?partnerObject=1", LaunchRequest("1", "", "")),
        ("g2a-tray:start?partnerObject=1", LaunchRequest("1", "", "")),
        ("g2a-tray://start", LaunchRequest("", "", "")),
    ],
)
def test_good_links(link: str, expected: LaunchRequest) -> None:
    assert parse_link(link) == expected


@pytest.mark.parametrize(
    ("link", "words"),
    [
        ("https://start?partnerObject=1", "only g2a-tray:// links"),
        ("g2a-tray://delete?partnerObject=1", "unknown link action 'delete'"),
        (
            "g2a-tray://start?partnerObject=1&sessionStatusCallbackUrl=http%3A%2F%2Fevil",
            "unknown parameter sessionStatusCallbackUrl",
        ),
        ("g2a-tray://start?partnerObject=1&partnerObject=2", "appears more than once"),
        (
            "g2a-tray://start?partnerObjectUrl=javascript%3Aalert(1)",
            "partnerObjectUrl: the URL must start with http",
        ),
        ("g2a-tray://start?partnerObjectUrl=file%3A%2F%2F%2Fetc%2Fpasswd", "partnerObjectUrl"),
        ("g2a-tray://start?layout=popup", "layout must be full or iframe"),
        ("g2a-tray://start?partnerObject=1#x", "fragment"),
        ("g2a-tray://start?" + "a=1&" * 20, "cannot be read"),
        ("g2a-tray://start?partnerObject=" + "x" * 5000, "longer than 4096"),
        ("g2a-tray://start?novalue", "cannot be read"),
    ],
)
def test_bad_links_say_why(link: str, words: str) -> None:
    with pytest.raises(LinkError) as info:
        parse_link(link)
    assert words in str(info.value)
