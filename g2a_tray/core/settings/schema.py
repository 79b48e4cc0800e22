"""The settings model: what each key means, its default, and how a value is checked.

The key names and the TOML layout are a public contract (README, "Settings file"):
scripts write this file, so the names here never change without a migration.
Each key is described once in :data:`FIELDS`; loading, saving and the settings dialog
all work from that table.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from g2a_tray.core.sessions.status import (  # ``status`` reads this key without the schema
    DEFAULT_STALE_MINUTES,
    check_stale_minutes,
)
from g2a_tray.core.urls import check_http_url

DEFAULT_SERVICE_URL = "https://api.getgo.com/G2A/rest/v1"
DEFAULT_SESSION_TYPE = "SCREEN_SHARING"
DEFAULT_SHORTCUT = "Ctrl+Alt+G"
DEFAULT_LISTEN_HOST = "127.0.0.1"
DEFAULT_LISTEN_PORT = 47801
TEMPLATE_PLACEHOLDER = "partnerObject"
LAYOUT_FULL = ""
LAYOUT_IFRAME = "iFrame"


@dataclass(frozen=True)
class CallbackSettings:
    """Where the status-callback listener listens and what URL GoToAssist is given."""

    listen_host: str = DEFAULT_LISTEN_HOST
    listen_port: int = DEFAULT_LISTEN_PORT
    public_url: str = ""


@dataclass(frozen=True)
class NotificationSettings:
    enabled: bool = True


@dataclass(frozen=True)
class SessionSettings:
    """How long a session may go without any update before it reads "no update since …"
    (GoToAssist sends no update between "customer joined" and "ended")."""

    stale_after_minutes: int = DEFAULT_STALE_MINUTES

    @property
    def stale_after(self) -> timedelta:
        return timedelta(minutes=self.stale_after_minutes)


DEFAULT_TOPIC_PREFIX = "g2a-"


@dataclass(frozen=True)
class RelaySettings:
    """Session updates through an ntfy server instead of the local listener.

    ``url`` empty: no relay. Each launch's callback URL is then ``<url>/<prefix><secret>``,
    an unguessable ntfy topic (core/updates/relay.py).
    """

    url: str = ""
    topic_prefix: str = DEFAULT_TOPIC_PREFIX


HELPDESK_KINDS = ("", "zendesk", "freshdesk", "jira", "servicenow")
WRITE_BACK_OFF, WRITE_BACK_NOTE, WRITE_BACK_NOTE_TIME = "off", "note", "note+time"
WRITE_BACK_MODES = (WRITE_BACK_OFF, WRITE_BACK_NOTE, WRITE_BACK_NOTE_TIME)


@dataclass(frozen=True)
class HelpdeskSettings:
    """Where an ended session is written as an internal note (core/helpdesk/).

    The token or key is in the system keyring, never here. ``template`` empty: the
    default note (core/helpdesk/note.py ``DEFAULT_TEMPLATE``).
    """

    kind: str = ""
    url: str = ""
    user: str = ""
    write_back: str = WRITE_BACK_OFF
    template: str = ""

    @property
    def writes(self) -> bool:
        """Notes are wanted and there is somewhere to write them."""
        return self.write_back != WRITE_BACK_OFF and bool(self.kind) and bool(self.url)


@dataclass(frozen=True)
class Settings:
    """Partner defaults and app preferences. Immutable: edits produce a new object."""

    service_url: str = DEFAULT_SERVICE_URL
    session_type: str = DEFAULT_SESSION_TYPE
    layout: str = LAYOUT_FULL
    partner_object_url_template: str = ""
    shortcut: str = DEFAULT_SHORTCUT
    callback: CallbackSettings = field(default_factory=CallbackSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    relay: RelaySettings = field(default_factory=RelaySettings)
    sessions: SessionSettings = field(default_factory=SessionSettings)
    helpdesk: HelpdeskSettings = field(default_factory=HelpdeskSettings)

    def get(self, key: tuple[str, ...]) -> Any:
        value: Any = self
        for part in key:
            value = getattr(value, part)
        return value

    def with_value(self, key: tuple[str, ...], value: Any) -> Settings:
        """A copy with one (possibly nested) key replaced."""
        if len(key) == 1:
            return dataclasses.replace(self, **{key[0]: value})
        section = getattr(self, key[0])
        return dataclasses.replace(
            self, **{key[0]: dataclasses.replace(section, **{key[1]: value})}
        )


# -- validators: take what TOML (or a form) gave, return the normalised value or raise
#    ValueError with a reason in plain words.


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text in quotes, found {type(value).__name__} {value!r}")
    return value


def check_service_url(value: Any) -> str:
    return check_http_url(_str(value), https_unless_loopback=True).rstrip("/")


def check_session_type(value: Any) -> str:
    text = _str(value).strip()
    # Only screen sharing exists; the docs spell it both ways, the service treats it
    # case-insensitively, so keep the user's spelling.
    if text.lower() != "screen_sharing":
        raise ValueError("the only session type GoToAssist offers is SCREEN_SHARING")
    return text


def check_layout(value: Any) -> str:
    text = _str(value).strip()
    if text.lower() == "iframe":
        return LAYOUT_IFRAME
    if text == "":
        return LAYOUT_FULL
    raise ValueError('use "" (full browser window) or "iFrame"')


def template_fields(template: str) -> list[str]:
    """The ``{names}`` a template uses; raises ValueError on unbalanced braces."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        raise ValueError("unbalanced { or } (write {{ and }} for literal braces)") from None


def check_template(value: Any) -> str:
    text = _str(value).strip()
    if not text:
        return ""
    names = template_fields(text)
    unknown = sorted({n for n in names if n != TEMPLATE_PLACEHOLDER})
    if unknown:
        listed = ", ".join("{" + n + "}" for n in unknown)
        raise ValueError(
            f"unknown placeholder {listed}; the only one is {{{TEMPLATE_PLACEHOLDER}}}"
        )
    check_http_url(
        text.replace("{" + TEMPLATE_PLACEHOLDER + "}", "1").replace("{{", "{").replace("}}", "}")
    )
    return text


def check_shortcut(value: Any) -> str:
    # Whether the key sequence can be registered is the shortcut backend's call
    # (it needs Qt); the core only insists on text.
    return _str(value).strip()


def check_listen_host(value: Any) -> str:
    text = _str(value).strip()
    if not text or any(ch.isspace() or ch in "/?#@" for ch in text):
        raise ValueError("enter a host name or IP address, e.g. 127.0.0.1")
    return text


def check_port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, found {value!r}")
    if not 0 <= value <= 65535:
        raise ValueError("a port is between 1 and 65535 (0 = any free port)")
    return value


def check_public_url(value: Any) -> str:
    text = _str(value).strip()
    return check_http_url(text).rstrip("/") if text else ""


def _server_address(value: Any, what: str) -> str:
    """A server's address ("" for none): https unless on this computer, without a query
    or fragment (paths are added to it), no trailing slash."""
    text = _str(value).strip()
    if not text:
        return ""
    url = check_http_url(text, https_unless_loopback=True).rstrip("/")
    if "?" in url or "#" in url:
        raise ValueError(f"the {what} URL is the server's address, without ? or #")
    return url


def check_relay_url(value: Any) -> str:
    return _server_address(value, "relay")


MAX_TOPIC_PREFIX = 20  # + a 43-character secret stays within ntfy's 64


def check_topic_prefix(value: Any) -> str:
    text = _str(value).strip()
    if len(text) > MAX_TOPIC_PREFIX or any(
        not (ch.isascii() and (ch.isalnum() or ch in "-_")) for ch in text
    ):
        raise ValueError(
            f"use at most {MAX_TOPIC_PREFIX} letters, digits, - or _ (ntfy's topic characters)"
        )
    return text


def check_helpdesk_kind(value: Any) -> str:
    text = _str(value).strip().lower()
    if text not in HELPDESK_KINDS:
        raise ValueError('use "", "zendesk", "freshdesk", "jira" or "servicenow"')
    return text


def check_helpdesk_url(value: Any) -> str:
    return _server_address(value, "helpdesk")


def check_helpdesk_user(value: Any) -> str:
    text = _str(value).strip()
    if any(ch.isspace() or not ch.isprintable() for ch in text) or len(text) > 200:
        raise ValueError("a sign-in name is one word, e.g. tech@example.com")
    return text


def check_write_back(value: Any) -> str:
    text = _str(value).strip().lower()
    if text not in WRITE_BACK_MODES:
        raise ValueError('use "off", "note" or "note+time"')
    return text


def check_note_template(value: Any) -> str:
    from g2a_tray.core.helpdesk.note import check_template as check_note

    return check_note(_str(value))


def check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, found {value!r}")
    return value


@dataclass(frozen=True)
class Field:
    """One settings key: its place in the TOML file, how its value is checked, and how
    the settings dialog names it (``&`` marks the keyboard mnemonic)."""

    key: tuple[str, ...]
    check: Callable[[Any], Any]
    label: str
    hint: str = ""

    @property
    def name(self) -> str:
        return ".".join(self.key)

    @property
    def plain_label(self) -> str:
        return self.label.replace("&", "")


FIELDS: tuple[Field, ...] = (
    Field(("service_url",), check_service_url, "Service &URL"),
    Field(("session_type",), check_session_type, "Session &type"),
    Field(("layout",), check_layout, "Default &layout"),
    Field(
        ("partner_object_url_template",),
        check_template,
        "Ticket URL te&mplate",
        "In the template, <code>{partnerObject}</code> is replaced by the ticket id.",
    ),
    Field(("shortcut",), check_shortcut, "&Shortcut to open the form"),
    Field(
        ("sessions", "stale_after_minutes"),
        check_stale_minutes,
        '"No update" a&fter',
        'GoToAssist sends nothing between "customer joined" and "ended": a session<br>'
        'not heard of for this long reads "no update since …".',
    ),
    Field(("notifications", "enabled"), check_bool, "&Notifications"),
    Field(("callback", "listen_host"), check_listen_host, "Listen &address"),
    Field(("callback", "listen_port"), check_port, "Listen &port"),
    Field(("callback", "public_url"), check_public_url, "P&ublic URL"),
    Field(("relay", "url"), check_relay_url, "&Relay URL"),
    Field(("relay", "topic_prefix"), check_topic_prefix, "Topic &prefix"),
    Field(("helpdesk", "kind"), check_helpdesk_kind, "&Helpdesk"),
    Field(("helpdesk", "url"), check_helpdesk_url, "Helpdesk &URL"),
    Field(("helpdesk", "user"), check_helpdesk_user, "Sign-in &name"),
    Field(("helpdesk", "write_back"), check_write_back, "&Write"),
    Field(("helpdesk", "template"), check_note_template, "Note &template"),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}
SECTIONS = ("callback", "notifications", "relay", "sessions", "helpdesk")


@dataclass(frozen=True)
class Problem:
    """A value that was not used, and why — shown to the user by key and reason."""

    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}"


def settings_from_mapping(data: dict[str, Any]) -> tuple[Settings, list[Problem]]:
    """Build settings from parsed TOML; each bad value falls back to its default."""
    settings = Settings()
    problems: list[Problem] = []
    for section in SECTIONS:
        if section in data and not isinstance(data[section], dict):
            problems.append(Problem(section, f"expected a [{section}] table; using defaults"))
    for f in FIELDS:
        container: Any = data
        for part in f.key[:-1]:
            container = container.get(part) if isinstance(container, dict) else None
        if not isinstance(container, dict) or f.key[-1] not in container:
            continue
        try:
            settings = settings.with_value(f.key, f.check(container[f.key[-1]]))
        except ValueError as exc:
            default = Settings().get(f.key)
            shown = repr(default) if default != "" else "(empty)"
            problems.append(Problem(f.name, f"{exc}; using the default {shown}"))
    return settings, problems


def normalized(settings: Settings) -> tuple[Settings, list[Problem]]:
    """Check every value of edited settings (the dialog, before saving).

    Returns the settings with valid values normalised (trailing slashes, layout case)
    and one :class:`Problem` per invalid value, which is left as it was.
    """
    problems = []
    for f in FIELDS:
        try:
            settings = settings.with_value(f.key, f.check(settings.get(f.key)))
        except ValueError as exc:
            problems.append(Problem(f.name, str(exc)))
    return settings, problems
