"""Text from outside as data: what a terminal or a one-line view may be shown."""

from __future__ import annotations

import sys
import unicodedata

from g2a_tray.core.text import escape_unsafe_json, printable


def test_printable_replaces_exactly_the_control_and_surrogate_characters() -> None:
    """Without unicodedata (``status`` does not load it): every "Cc" and "Cs" character
    of Unicode, and the bidirectional controls, are replaced; nothing else is."""
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        unsafe = (
            unicodedata.category(ch) in ("Cc", "Cs")
            or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
        )
        assert (printable(ch) != ch) == unsafe, f"U+{code:04X}"


def test_json_escapes_c1_and_bidi_controls() -> None:
    assert escape_unsafe_json('"a\x85b\u202ec"') == '"a\\u0085b\\u202ec"'
