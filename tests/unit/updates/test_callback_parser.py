"""The status-callback body parser (Qt-free)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from g2a_tray.core.updates.callback_parser import (
    BadBody,
    UnsupportedContentType,
    parse_status_body,
    parse_time,
)

DOC_EXAMPLE = {
    "sessionId": "SS-87555",
    "sessionType": "screen_sharing",
    "status": "complete",
    "partnerObject": "456",
    "partnerObjectUrl": "https://mysupport.com/tickets/456",
    "startedAt": "2021-04-30T06:00:00Z",
    "customerJoinedAt": "2021-04-30T06:01:00Z",
    "endedAt": "2021-04-30T06:05:00Z",
    "expertName": "John Doe",
    "customerName": "Jane Doe",
    "customerEmail": "jane@example.com",
}


def test_documented_json_body() -> None:
    body = json.dumps(DOC_EXAMPLE).encode()
    event = parse_status_body(body, "application/json; charset=utf-8")
    assert event.session_id == "SS-87555"
    assert event.status == "complete"
    assert event.partner_object == "456"
    assert event.started_at == datetime(2021, 4, 30, 6, 0, tzinfo=UTC)
    assert event.ended_at == datetime(2021, 4, 30, 6, 5, tzinfo=UTC)
    assert event.customer_name == "Jane Doe"
    assert event.expert_name == "John Doe"
    assert event.raw == body.decode()


def test_form_body_as_the_one_public_receiver_reads_it() -> None:
    event = parse_status_body(
        b"sessionId=42&status=active&customerName=Jane+D%C3%B6e",
        "application/x-www-form-urlencoded",
    )
    assert (event.session_id, event.status, event.customer_name) == ("42", "active", "Jane Döe")


def test_numbers_where_text_is_expected_and_missing_fields() -> None:
    event = parse_status_body(
        b'{"sessionId": 87555, "partnerObject": 456.0, "status": "waiting"}', "application/json"
    )
    assert event.session_id == "87555"
    assert event.partner_object == "456"
    assert event.customer_name == "" and event.started_at is None


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("ACTIVE", "active"), ("NotStarted", "notStarted"), ("paused", "paused"), ("", "")],
)
def test_status_case_and_unknown_values(sent: str, kept: str) -> None:
    assert (
        parse_status_body(json.dumps({"status": sent}).encode(), "application/json").status == kept
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-04-30T06:00:00Z", datetime(2021, 4, 30, 6, 0, tzinfo=UTC)),
        ("2021-04-30T06:00:00.250Z", datetime(2021, 4, 30, 6, 0, 0, 250000, tzinfo=UTC)),
        ("2021-04-30T08:00:00+02:00", datetime(2021, 4, 30, 6, 0, tzinfo=UTC)),
        ("2021-04-30T06:00:00", datetime(2021, 4, 30, 6, 0, tzinfo=UTC)),
        (1619762400000, datetime(2021, 4, 30, 6, 0, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
        (True, None),
        (10**30, None),
    ],
)
def test_times(text: object, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_missing_content_type_is_sniffed() -> None:
    assert parse_status_body(b'{"status": "active"}', None).status == "active"
    assert parse_status_body(b"status=active", "").status == "active"


@pytest.mark.parametrize(
    "kind", ["text/plain", "text/xml", "multipart/form-data; boundary=x", "application/xml"]
)
def test_other_content_types_are_refused(kind: str) -> None:
    with pytest.raises(UnsupportedContentType):
        parse_status_body(b"status=active", kind)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"{nope", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"text"', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"a=1&b", "application/x-www-form-urlencoded"),
        (b"&".join(b"k%d=v" % i for i in range(200)), "application/x-www-form-urlencoded"),
        (b"[" * 100000, "application/json"),
    ],
)
def test_unparsable_bodies(body: bytes, kind: str) -> None:
    with pytest.raises(BadBody):
        parse_status_body(body, kind)


def test_nested_values_and_control_characters_are_not_trusted() -> None:
    event = parse_status_body(
        json.dumps(
            {
                "customerName": {"x": 1},
                "sessionId": ["a"],
                "partnerObject": "45\x00\n6",
                "expertName": "x" * 5000,
            }
        ).encode(),
        "application/json",
    )
    assert event.customer_name == "" and event.session_id == ""
    assert event.partner_object == "456"
    assert len(event.expert_name) == 512


@given(
    st.binary(max_size=2000),
    st.sampled_from(["application/json", "application/x-www-form-urlencoded", None]),
)
def test_any_bytes_parse_or_raise_bad_body(body: bytes, kind: str | None) -> None:
    try:
        event = parse_status_body(body, kind)
    except BadBody:
        return
    assert event.raw == body.decode("utf-8")
