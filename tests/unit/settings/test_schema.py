"""The settings model and its checks (Qt-free)."""

from __future__ import annotations

import pytest

from g2a_tray.core.settings.schema import (
    CallbackSettings,
    Settings,
    normalized,
    settings_from_mapping,
)


def test_defaults_match_the_documented_contract() -> None:
    s = Settings()
    assert s.service_url == "https://api.getgo.com/G2A/rest/v1"
    assert s.session_type == "SCREEN_SHARING"
    assert s.layout == ""
    assert s.partner_object_url_template == ""
    assert s.shortcut == "Ctrl+Alt+G"
    assert s.callback == CallbackSettings("127.0.0.1", 47801, "")
    assert s.notifications.enabled is True


def test_full_mapping_is_read() -> None:
    settings, problems = settings_from_mapping(
        {
            "service_url": "http://localhost:8080/G2A/rest/v1/",
            "session_type": "screen_sharing",
            "layout": "IFRAME",
            "partner_object_url_template": "https://h.example/t/{partnerObject}",
            "shortcut": "Meta+F9",
            "callback": {
                "listen_host": "0.0.0.0",
                "listen_port": 0,
                "public_url": "https://x.example/",
            },
            "notifications": {"enabled": False},
        }
    )
    assert problems == []
    assert settings.service_url == "http://localhost:8080/G2A/rest/v1"
    assert settings.session_type == "screen_sharing"
    assert settings.layout == "iFrame"
    assert settings.callback == CallbackSettings("0.0.0.0", 0, "https://x.example")
    assert settings.notifications.enabled is False


@pytest.mark.parametrize(
    ("data", "key", "words"),
    [
        ({"service_url": "http://api.example.com"}, "service_url", "https://"),
        ({"service_url": "ftp://x"}, "service_url", "http"),
        ({"service_url": 5}, "service_url", "expected text"),
        ({"session_type": "VIDEO"}, "session_type", "SCREEN_SHARING"),
        ({"layout": "popup"}, "layout", "iFrame"),
        ({"partner_object_url_template": "https://h/{id}"}, "partner_object_url_template", "{id}"),
        (
            {"partner_object_url_template": "https://h/{partnerObject"},
            "partner_object_url_template",
            "unbalanced",
        ),
        (
            {"partner_object_url_template": "mailto:{partnerObject}"},
            "partner_object_url_template",
            "http",
        ),
        ({"callback": {"listen_port": 70000}}, "callback.listen_port", "65535"),
        ({"callback": {"listen_port": "80"}}, "callback.listen_port", "whole number"),
        ({"callback": {"listen_port": True}}, "callback.listen_port", "whole number"),
        ({"callback": {"listen_host": "a b"}}, "callback.listen_host", "host"),
        ({"callback": {"public_url": "javascript:x"}}, "callback.public_url", "http"),
        ({"notifications": {"enabled": "yes"}}, "notifications.enabled", "true or false"),
        ({"callback": 5}, "callback", "table"),
    ],
)
def test_a_bad_value_is_reported_by_key_and_replaced_by_its_default(
    data: dict[str, object], key: str, words: str
) -> None:
    settings, problems = settings_from_mapping({"shortcut": "Ctrl+F1", **data})
    assert [p.key for p in problems] == [key]
    assert words in problems[0].reason
    assert settings.shortcut == "Ctrl+F1"  # the good values are kept
    if key != "callback":
        assert settings.get(tuple(key.split("."))) == Settings().get(tuple(key.split(".")))


def test_loopback_service_may_use_http() -> None:
    for url in (
        "http://127.0.0.1:9000/x",
        "http://localhost/x",
        "http://[::1]:80/x",
        "http://127.3.4.5/",
    ):
        _, problems = settings_from_mapping({"service_url": url})
        assert problems == [], url


def test_normalized_reports_each_bad_field() -> None:
    edited = Settings(service_url="nope", layout="iframe", callback=CallbackSettings("", 1, ""))
    settings, problems = normalized(edited)
    assert sorted(p.key for p in problems) == ["callback.listen_host", "service_url"]
    assert settings.layout == "iFrame"


def test_with_value_replaces_nested_keys_only() -> None:
    s = Settings().with_value(("callback", "listen_port"), 1234)
    assert s.callback.listen_port == 1234
    assert s.callback.listen_host == "127.0.0.1"
    assert Settings().callback.listen_port == 47801


def test_readmes_settings_block_is_every_key_with_its_default() -> None:
    """README's "Settings file" lists every key with its default: scripts are written
    from it."""
    import re
    import tomllib
    from pathlib import Path

    from g2a_tray.core.settings.schema import FIELDS, Settings, settings_from_mapping

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    block = re.search(r"## Settings file.*?```toml\n(.*?)```", readme, re.S)
    assert block, "README has a Settings file section with a toml block"
    data = tomllib.loads(block.group(1))
    settings, problems = settings_from_mapping(data)
    assert problems == [] and settings == Settings()
    missing = []
    for f in FIELDS:
        container: object = data
        for part in f.key:
            container = container.get(part) if isinstance(container, dict) else None
        if container is None:
            missing.append(f.name)
    assert missing == [], "add these keys to README's settings block"
