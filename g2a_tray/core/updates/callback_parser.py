"""Turning a GoToAssist status POST into a :class:`StatusEvent`.

The body is "similar to GET /v1/sessions/" (the API docs); its content type, retries and
signing are not documented (shared/reference/gotoassist-api.md). So this parser accepts
JSON and form-encoded bodies, maps the documented fields in one table
(:data:`FIELD_MAP`), tolerates missing fields, numbers where text is expected and unknown
statuses, and keeps the raw body. A second payload dialect (e.g. LogMeIn Rescue's
``SessionID``) would get its own table beside this one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from g2a_tray.core.sessions.status import KNOWN_STATUSES
from g2a_tray.core.sessions.times import sane_time  # the believable window is there

MAX_TEXT = 512
MAX_FORM_FIELDS = 100
MAX_TIME_TEXT = 64

# Body field → StatusEvent attribute. The one place the wire names live.
FIELD_MAP = {
    "sessionId": "session_id",
    "status": "status",
    "sessionType": "session_type",
    "partnerObject": "partner_object",
    "partnerObjectUrl": "partner_object_url",
    "startedAt": "started_at",
    "customerJoinedAt": "customer_joined_at",
    "endedAt": "ended_at",
    "customerName": "customer_name",
    "customerEmail": "customer_email",
    "expertName": "expert_name",
}
TIME_FIELDS = ("started_at", "customer_joined_at", "ended_at")


class BadBody(ValueError):
    """The body cannot be read as a status event (answered with 400)."""


class UnsupportedContentType(ValueError):
    """Neither JSON nor form-encoded (answered with 415)."""


@dataclass(frozen=True)
class StatusEvent:
    """One status POST, normalised. Times are aware UTC datetimes or None."""

    session_id: str = ""
    status: str = ""
    session_type: str = ""
    partner_object: str = ""
    partner_object_url: str = ""
    started_at: datetime | None = None
    customer_joined_at: datetime | None = None
    ended_at: datetime | None = None
    customer_name: str = ""
    customer_email: str = ""
    expert_name: str = ""
    raw: str = ""


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_supported(content_type: str | None) -> bool:
    kind = media_type(content_type)
    return kind in ("", "application/x-www-form-urlencoded", "text/json") or (
        kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))
    )


def parse_status_body(body: bytes, content_type: str | None) -> StatusEvent:
    """Parse a callback body; raises BadBody or UnsupportedContentType."""
    kind = media_type(content_type)
    if not is_supported(content_type):
        raise UnsupportedContentType(f"unsupported content type {kind!r}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("the body is not UTF-8") from None
    if not text.strip():
        raise BadBody("the body is empty")
    if kind == "":  # undocumented: guess from the first character
        kind = (
            "application/json"
            if text.lstrip().startswith("{")
            else "application/x-www-form-urlencoded"
        )
    form = kind == "application/x-www-form-urlencoded"
    return _event_from(_parse_form(text) if form else _parse_json(text), text)


def _parse_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except RecursionError:
        raise BadBody("invalid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and numbers past int's digit limit
        raise BadBody(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadBody("the JSON body is not an object")
    return data


def _parse_form(text: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=MAX_FORM_FIELDS
        )
    except ValueError as exc:
        raise BadBody(f"invalid form body: {exc}") from None
    return dict(pairs)


def _text(value: Any) -> str:
    """Text from a JSON scalar; numbers become their decimal text (ids arrive both ways)."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        value = int(value)
    try:
        text = str(value)
    except ValueError:  # an int past Python's digit limit for str()
        return ""
    return "".join(ch for ch in text[: MAX_TEXT * 2] if ch.isprintable())[:MAX_TEXT].strip()


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (``Z``, offsets, fractions) or epoch seconds or milliseconds; None when
    unreadable or outside the believable window (core/sessions/times.py)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            seconds = value / 1000 if value > 10**11 else float(value)
            return sane_time(datetime.fromtimestamp(seconds, UTC))
        except (OverflowError, OSError, ValueError):  # 400-digit epochs, NaN, inf
            return None
    text = _text(value)
    if not text or len(text) > MAX_TIME_TEXT:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return sane_time(parsed)


def normalise_status(value: str) -> str:
    """Documented statuses in their documented case; anything else kept as sent."""
    for known in KNOWN_STATUSES:
        if value.lower() == known.lower():
            return known
    return value[:64]


def _event_from(data: dict[str, Any], raw: str) -> StatusEvent:
    values: dict[str, Any] = {}
    for wire, attr in FIELD_MAP.items():
        if wire not in data:
            continue
        values[attr] = parse_time(data[wire]) if attr in TIME_FIELDS else _text(data[wire])
    if "status" in values:
        values["status"] = normalise_status(values["status"])
    known = {f.name for f in fields(StatusEvent)}
    assert set(values) <= known
    return StatusEvent(**values, raw=raw)
