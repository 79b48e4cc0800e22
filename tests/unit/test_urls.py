from __future__ import annotations

import pytest

from g2a_tray.core.urls import check_http_url, is_loopback_host, reachable_from_internet


@pytest.mark.parametrize(
    "url", ["https://a.example", "http://a.example:8080/x?y=1#z", " https://a.example/ "]
)
def test_good(url: str) -> None:
    assert check_http_url(url) == url.strip()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "enter a URL"),
        ("javascript:alert(1)", "http"),
        ("data:text/html,x", "http"),
        ("https:///path", "no host"),
        ("https://a.example:99999/", "not a valid URL"),
        ("https://a.example:0/", "port"),
        ("https://a.example/\x00", "control"),
        ("https://" + "a" * 3000, "longer"),
        ("//a.example/x", "http"),
    ],
)
def test_bad(url: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        check_http_url(url)


def test_https_unless_loopback() -> None:
    assert check_http_url("http://127.0.0.1:1/", https_unless_loopback=True)
    with pytest.raises(ValueError, match="https"):
        check_http_url("http://10.0.0.1/", https_unless_loopback=True)
    assert (
        is_loopback_host("[::1]")
        and is_loopback_host("LOCALHOST")
        and not is_loopback_host("example.com")
    )


@pytest.mark.parametrize(
    ("url", "reachable"),
    [
        ("http://127.0.0.1:47801", False),
        ("http://localhost:1", False),
        ("http://[::1]:1", False),
        ("http://192.168.1.5:47801", False),
        ("http://10.0.0.1", False),
        ("http://printer.local", False),
        ("http://mybox", False),
        ("https://relay.example.com/g2a", True),
        ("https://8.8.8.8", True),
    ],
)
def test_reachable_from_internet(url: str, reachable: bool) -> None:
    assert reachable_from_internet(url) is reachable
