"""The focus token a launcher hands a client verb (core/instance/activation.py)."""

from __future__ import annotations

from g2a_tray.core.instance.activation import MAX_TOKEN_CHARS, Activation


def test_tokens_come_from_the_environment_and_go_into_the_request() -> None:
    env = {"XDG_ACTIVATION_TOKEN": "gnome-shell/4711-8-x_TIME5", "DESKTOP_STARTUP_ID": "id_TIME9"}
    handed = Activation.from_env(env)
    assert handed.arguments() == {
        "activationToken": "gnome-shell/4711-8-x_TIME5",
        "startupId": "id_TIME9",
    }
    assert Activation.from_request({"cmd": "show-form", **handed.arguments()}) == handed
    assert Activation.from_env({}).arguments() == {}  # nothing to carry: nothing sent


def test_anything_but_a_short_printable_token_is_dropped() -> None:
    for bad in ("", "a b", "tok\nen", "é", "x" * (MAX_TOKEN_CHARS + 1), 42, None):
        assert Activation.from_request({"activationToken": bad}).token == ""
    assert Activation.from_request({"activationToken": "x" * MAX_TOKEN_CHARS}).token
