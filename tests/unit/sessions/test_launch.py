"""URL building and the ticket URL template (Qt-free)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from g2a_tray.core.sessions.launch import (
    Launch,
    LaunchError,
    LaunchRequest,
    build_session_url,
    check_request,
    expand_template,
    new_secret,
)
from g2a_tray.core.settings.schema import Settings

TEMPLATE = "https://helpdesk.example.com/tickets/{partnerObject}"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)


def test_url_has_every_seed_parameter_in_order() -> None:
    request = LaunchRequest("4711", "https://help.example.com/t/4711", "iFrame")
    url = build_session_url(Settings(), request, "http://127.0.0.1:47801/callback/abc")
    assert url == (
        "https://api.getgo.com/G2A/rest/v1/session?sessionType=SCREEN_SHARING&layout=iFrame"
        "&partnerObject=4711&partnerObjectUrl=https%3A%2F%2Fhelp.example.com%2Ft%2F4711"
        "&sessionStatusCallbackUrl=http%3A%2F%2F127.0.0.1%3A47801%2Fcallback%2Fabc"
    )


def test_empty_parameters_are_left_out() -> None:
    url = build_session_url(Settings(), LaunchRequest())
    assert url == "https://api.getgo.com/G2A/rest/v1/session?sessionType=SCREEN_SHARING"


@pytest.mark.parametrize(
    "ticket",
    ["a b", "x&y=z", "#frag", "Ünïcødé 票", "https://evil.example/?a=1&b=2#c", "100%", "+plus+"],
)
def test_values_round_trip_through_parse_qs(ticket: str) -> None:
    ticket_url = "https://help.example.com/t?id=" + "a%20b&c=%23"
    url = build_session_url(
        Settings(), LaunchRequest(ticket, ticket_url, ""), "http://127.0.0.1:1/callback/s?x=1&y=2"
    )
    q = query(url)
    assert q["partnerObject"] == [ticket]
    assert q["partnerObjectUrl"] == [ticket_url]
    assert q["sessionStatusCallbackUrl"] == ["http://127.0.0.1:1/callback/s?x=1&y=2"]
    assert "layout" not in q
    assert " " not in url and "#" not in url


@given(st.text(min_size=1, max_size=60), st.text(max_size=60))
def test_any_text_round_trips(ticket: str, callback: str) -> None:
    url = build_session_url(Settings(), LaunchRequest(ticket, "", ""), callback)
    q = parse_qs(urlsplit(url).query, keep_blank_values=True)
    assert q["partnerObject"] == [ticket]
    if callback:
        assert q["sessionStatusCallbackUrl"] == [callback]
    assert url.isascii()


def test_service_url_trailing_slash() -> None:
    settings = Settings(service_url="http://127.0.0.1:9/G2A/rest/v1/")
    assert build_session_url(settings, LaunchRequest()).startswith(
        "http://127.0.0.1:9/G2A/rest/v1/session?"
    )


def test_template_encodes_ticket_as_one_segment() -> None:
    assert (
        expand_template(TEMPLATE, "A 1/2#x") == "https://helpdesk.example.com/tickets/A%201%2F2%23x"
    )
    assert expand_template("https://h.example/t?id={partnerObject}&x={{y}}", "7") == (
        "https://h.example/t?id=7&x={y}"
    )
    assert expand_template("", "7") == ""


def test_check_request_fills_url_from_template() -> None:
    checked = check_request(
        LaunchRequest(" 4711 ", "", "iframe"), Settings(partner_object_url_template=TEMPLATE)
    )
    assert checked == LaunchRequest("4711", "https://helpdesk.example.com/tickets/4711", "iFrame")


def test_typed_url_wins_over_template() -> None:
    checked = check_request(
        LaunchRequest("1", "https://other.example/1", ""),
        Settings(partner_object_url_template=TEMPLATE),
    )
    assert checked.partner_object_url == "https://other.example/1"


def test_ticket_required_when_template_needs_it() -> None:
    with pytest.raises(LaunchError) as info:
        check_request(LaunchRequest("  ", "", ""), Settings(partner_object_url_template=TEMPLATE))
    assert info.value.field == "partner_object"
    assert "ticket id" in str(info.value)


def test_no_ticket_and_no_template_is_allowed() -> None:
    assert check_request(LaunchRequest(), Settings()) == LaunchRequest()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://x.example/",
        "https://",
        "not a url",
        "https://a b/",
    ],
)
def test_ticket_url_must_be_http(url: str) -> None:
    with pytest.raises(LaunchError) as info:
        check_request(LaunchRequest("1", url, ""), Settings())
    assert info.value.field == "partner_object_url"


def test_bad_layout_and_control_characters() -> None:
    with pytest.raises(LaunchError) as info:
        check_request(LaunchRequest("1", "", "sideways"), Settings())
    assert info.value.field == "layout"
    with pytest.raises(LaunchError):
        check_request(LaunchRequest("1\n2", "", ""), Settings())
    with pytest.raises(LaunchError):
        check_request(LaunchRequest("x" * 300, "", ""), Settings())


def test_each_launch_gets_its_own_unguessable_secret() -> None:
    secrets = {new_secret() for _ in range(1000)}
    assert len(secrets) == 1000
    secret = next(iter(secrets))
    assert len(secret) >= 43  # 256 bits in URL-safe base64
    assert all(ch.isalnum() or ch in "-_" for ch in secret)
    a, b = Launch(LaunchRequest(), "u"), Launch(LaunchRequest(), "u")
    assert a.secret != b.secret
    assert a.secret not in repr(a)
